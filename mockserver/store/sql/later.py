"""A PostgreSQL write transaction's writes whose results nothing reads (rows
added, rows known to be there changed, the counters' last values): held back,
and sent with the ``COMMIT`` in one round trip (psycopg's pipeline mode).

A write transaction holds the tenant's row from its bump to its commit, and
each round trip meanwhile is a wait for PostgreSQL and for the GIL, which the
process's other threads hold in turn: pays take turns on that row, so the
round trips made while holding it bound how many pays a second there are.

Any other statement of the transaction (a read, a write whose row count is
read, a SQLAlchemy statement: see ``send_before``) first sends what is held
back, so it sees it; an error of a held-back write comes at the commit, which
then rolls back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event

LATER = "mockserver_later"  # the connection's ``info``: its transaction's ``LaterCursor``


class LaterCursor:
    """The driver's cursor of a PostgreSQL write transaction, and what it holds back."""

    def __init__(self, cursor):
        self._cursor = cursor
        self._later: list[tuple[str, Any, bool]] = []  # statement, parameters, many

    def hold(self, sql: str, parameters, many: bool) -> None:
        """``sql`` (with each of ``parameters`` if ``many``), held back."""
        self._later.append((sql, parameters, many))

    def execute(self, sql: str, parameters=None) -> LaterCursor:
        """``sql`` run after what is held back, in one round trip with it."""
        if self._later:
            with self._cursor.connection.pipeline():
                self._run()
                self._cursor.execute(sql, parameters)
        else:
            self._cursor.execute(sql, parameters)
        return self

    def fetchone(self):
        return self._cursor.fetchone()

    def fetchall(self) -> list:
        return self._cursor.fetchall()

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    def close(self) -> None:
        self._cursor.close()

    def send(self) -> None:
        """What is held back, sent now (one round trip)."""
        if self._later:
            with self._cursor.connection.pipeline():
                self._run()

    def roll_back_to(self, savepoint: str) -> None:
        """Back to ``savepoint``: what is held back sent first, then the ``ROLLBACK TO``
        on its own. psycopg forgets its prepared statements when it reads a ROLLBACK's
        result, and deallocates them all at the end of its next statement; in a
        pipeline it reads that result only as the pipeline ends, after the next
        statement has prepared one, which it then takes for prepared ("prepared
        statement does not exist" at its next run)."""
        self.send()
        self._cursor.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")

    def commit(self) -> None:
        """What is held back, and the ``COMMIT``, in one round trip. The commit of the
        SQLAlchemy connection that follows finds no transaction and sends nothing."""
        with self._cursor.connection.pipeline():
            self._run()
            self._cursor.execute("COMMIT")

    def _run(self) -> None:
        later, self._later = self._later, []
        cursor = self._cursor
        for sql, parameters, many in later:
            if many:
                cursor.executemany(sql, parameters)
            else:
                cursor.execute(sql, parameters)


def run_later(cursor, sql: str, parameters, many: bool = False) -> None:
    """``sql`` run now, or held back until the commit by a ``LaterCursor``."""
    if isinstance(cursor, LaterCursor):
        cursor.hold(sql, parameters, many)
    elif many:
        cursor.executemany(sql, parameters)
    else:
        cursor.execute(sql, parameters)


def send_before(engine: Engine) -> None:
    """Every SQLAlchemy statement on ``engine`` first sends what its connection's
    write transaction holds back."""

    @event.listens_for(engine, "before_cursor_execute")
    def send(connection, _cursor, _statement, _parameters, _context, _executemany):
        held = connection.info.get(LATER)
        if held is not None:
            held.send()
