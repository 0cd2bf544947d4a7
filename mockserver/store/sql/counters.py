"""A tenant's sequences in a SQL store (see ``backend.COUNTERS``): memo and payment
numbers, record ids, the order of links and records.

A counter goes up in a transaction (one of its own when there is none), in
memory: the first use in a transaction reads every counter of the tenant (one
statement; none in the transactions that follow while no other writer comes
between, see ``connections.py``), and the values they end at are written once,
just before the commit (on PostgreSQL, with it: ``later.py``)."""

from __future__ import annotations

from functools import partial

from mockserver.store.sql.connections import Connections, Transaction
from mockserver.store.sql.later import run_later

EVERY = "SELECT name, value FROM counters WHERE tenant = ?"
SET = "UPDATE counters SET value = ? WHERE tenant = ? AND name = ?"
LAST = "SELECT value FROM counters WHERE tenant = ? AND name = ?"
SKIP = "UPDATE counters SET value = ? WHERE tenant = ? AND name = ? AND value < ?"


class Counters:
    def __init__(self, connections: Connections, sql):
        self._db = connections
        self._tenant = connections.tenant
        self._every = sql(EVERY)
        self._set, self._last, self._skip = sql(SET), sql(LAST), sql(SKIP)

    def next(self, name: str, last: int | None = None) -> int | None:
        """The counter, one up; None, and the counter unchanged, when it is at ``last``."""
        held = self._db.held
        if held is None:
            with self._db.transaction():
                return self.next(name, last)
        known = held.counters.get(name)
        if known is None:
            held.cursor.execute(self._every, (self._tenant,))
            for each, value in held.cursor.fetchall():
                held.counters.setdefault(each, value)  # those gone up in memory stay
            known = held.counters[name]
        if last is not None and known >= last:
            return None
        held.counters[name] = known + 1
        if not held.pending:
            held.before_commit.append(partial(self._write, held))
        held.pending.add(name)
        return known + 1

    def _write(self, held: Transaction) -> None:
        """The values the transaction's counters went up to in memory, written."""
        if held.pending:
            values = [(held.counters[name], self._tenant, name) for name in held.pending]
            run_later(held.cursor, self._set, values, many=True)
            held.pending.clear()

    def last(self, name: str) -> int:
        held = self._db.held
        if held is not None and name in held.counters:
            return held.counters[name]
        if held is not None:
            held.cursor.execute(self._last, (self._tenant, name))
            return held.cursor.fetchone()[0]
        return self._db.reads.one(self._last, (self._tenant, name))[0]

    def skip(self, name: str, through: int) -> None:
        """The counter at ``through`` at least."""
        with self._db.transaction():
            held = self._db.held
            self._write(held)
            held.counters.pop(name, None)
            held.cursor.execute(self._skip, (through, self._tenant, name, through))
