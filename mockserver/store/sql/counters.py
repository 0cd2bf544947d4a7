"""A tenant's sequences in a SQL store (``schema.COUNTERS``), kept in its row of
``tenants``: memo and payment numbers, record ids, the order of links and records.

A counter goes up in a transaction (one of its own when there is none), in
memory: the transaction's bump of the tenant's version returns every counter
as it is (``connections.py``), and the values they end at are written in one
statement just before the commit (on PostgreSQL, with it: ``later.py``), to the
row the bump has already changed, with the log of what the transaction changed
(``Connections._end``)."""

from __future__ import annotations

from mockserver.store.sql.connections import Connections
from mockserver.store.sql.kept import Transaction
from mockserver.store.sql.schema import COUNTERS, counter_column

EVERY = "SELECT " + ", ".join(map(counter_column, COUNTERS)) + " FROM tenants WHERE tenant = ?"


class Counters:
    def __init__(self, connections: Connections, sql):
        self._db = connections
        self._tenant = connections.tenant
        self._sql = sql
        self._every = sql(EVERY)

    def next(self, name: str, last: int | None = None) -> int | None:
        """The counter, one up; None, and the counter unchanged, when it is at ``last``."""
        held = self._db.held
        if held is None:
            with self._db.transaction():
                return self.next(name, last)
        known = self._known(held, name)
        if last is not None and known >= last:
            return None
        held.counters[name] = known + 1
        held.pending.add(name)
        return known + 1

    def _known(self, held: Transaction, name: str) -> int:
        """The counter's value in the transaction (read when a fill has rewritten them)."""
        known = held.counters.get(name)
        if known is None:
            held.cursor.execute(self._every, (self._tenant,))
            for each, value in zip(COUNTERS, held.cursor.fetchone(), strict=True):
                held.counters.setdefault(each, value)  # those gone up in memory stay
            known = held.counters[name]
        return known

    def last(self, name: str) -> int:
        held = self._db.held
        if held is not None and name in held.counters:
            return held.counters[name]
        sql = self._sql(f"SELECT {counter_column(name)} FROM tenants WHERE tenant = ?")
        if held is not None:
            held.cursor.execute(sql, (self._tenant,))
            return held.cursor.fetchone()[0]
        return self._db.reads.one(sql, (self._tenant,))[0]

    def skip(self, name: str, through: int) -> None:
        """The counter at ``through`` at least."""
        with self._db.transaction():
            held = self._db.held
            if self._known(held, name) < through:
                held.counters[name] = through
                held.pending.add(name)
