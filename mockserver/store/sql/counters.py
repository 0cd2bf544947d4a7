"""A tenant's sequences in a SQL store (see ``backend.COUNTERS``): memo and payment
numbers, record ids, the order of links and records. A counter goes up in the
transaction that uses it, or, outside one, as one statement of its own (after
the writers' turn, see ``writers.py``)."""

from __future__ import annotations

from sqlalchemy import Executable, Table, select, update

from mockserver.store.sql.connections import Connections


class Counters:
    def __init__(self, connections: Connections, counters: Table):
        self._db = connections
        self._table = counters
        self._statements: dict[tuple, Executable] = {}  # built once per counter

    def _of(self, name: str):
        counters = self._table
        return counters.c.tenant == self._db.tenant, counters.c.name == name

    def next(self, name: str, last: int | None = None) -> int | None:
        """The counter, one up; None, and the counter unchanged, when it is at ``last``."""
        statement = self._statements.get((name, last))
        if statement is None:
            counters = self._table
            statement = (
                update(counters)
                .where(*self._of(name))
                .values(value=counters.c.value + 1)
                .returning(counters.c.value)
            )
            if last is not None:
                statement = statement.where(counters.c.value < last)
            self._statements[(name, last)] = statement
        held = self._db.held
        if held is not None:
            return held.execute(statement).scalar_one_or_none()
        with self._db.writers, self._db.readers.connect() as connection:
            return connection.execute(statement).scalar_one_or_none()

    def last(self, name: str) -> int:
        statement = select(self._table.c.value).where(*self._of(name))
        with self._db.reading() as connection:
            return connection.execute(statement).scalar_one()

    def skip(self, name: str, through: int) -> None:
        """The counter at ``through`` at least."""
        counters = self._table
        with self._db.transaction() as connection:
            connection.execute(
                update(counters)
                .where(*self._of(name), counters.c.value < through)
                .values(value=through)
            )
