"""A tenant's sequences in a SQL store (``schema.COUNTERS``), kept in its row of
``tenants``: memo and payment numbers, record ids, the order of links and records.

A counter goes up in a transaction (one of its own when there is none), in
memory: the transaction's bump of the tenant's version returns every counter
as it is (``connections.py``), and the values they end at are written in one
statement just before the commit (on PostgreSQL, with it: ``later.py``), to the
row the bump has already changed."""

from __future__ import annotations

from functools import partial

from mockserver.store.sql.connections import Connections, Transaction
from mockserver.store.sql.later import run_later
from mockserver.store.sql.schema import COUNTERS, counter_column

EVERY = "SELECT " + ", ".join(map(counter_column, COUNTERS)) + " FROM tenants WHERE tenant = ?"


class Counters:
    def __init__(self, connections: Connections, sql):
        self._db = connections
        self._tenant = connections.tenant
        self._sql = sql
        self._every = sql(EVERY)
        self._sets: dict[tuple[str, ...], str] = {}  # by the counters it sets

    def next(self, name: str, last: int | None = None) -> int | None:
        """The counter, one up; None, and the counter unchanged, when it is at ``last``."""
        held = self._db.held
        if held is None:
            with self._db.transaction():
                return self.next(name, last)
        known = held.counters.get(name)
        if known is None:  # not since a fill rewrote them
            held.cursor.execute(self._every, (self._tenant,))
            for each, value in zip(COUNTERS, held.cursor.fetchone(), strict=True):
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
            names = tuple(sorted(held.pending))
            sql = self._sets.get(names)
            if sql is None:
                columns = ", ".join(f"{counter_column(name)} = ?" for name in names)
                sql = self._sets[names] = self._sql(
                    f"UPDATE tenants SET {columns} WHERE tenant = ?"
                )
            run_later(held.cursor, sql, (*(held.counters[n] for n in names), self._tenant))
            held.pending.clear()

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
        column = counter_column(name)
        with self._db.transaction():
            held = self._db.held
            self._write(held)
            held.counters.pop(name, None)
            held.cursor.execute(
                self._sql(f"UPDATE tenants SET {column} = ? WHERE tenant = ? AND {column} < ?"),
                (through, self._tenant, through),
            )
