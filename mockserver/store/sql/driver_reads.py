"""The reads every request makes (the tenant's version, its row of shared
state), on the driver's own connection, without SQLAlchemy's statement
machinery. On SQLite each thread of each process keeps one, out of the pool,
so a read is one statement, without the pool's checkout and the rollback of
its checkin. On PostgreSQL a read takes one from the pool as any other does,
in autocommit: one round trip, and psycopg keeps its prepared statements (a
connection per thread kept besides the pool's would be a database backend
each, and a server's connections are few).

On SQLite a row read is kept with the writers' count of the writes ended at
the read (``writers.py``): while the count stays the same, no process has
written since, and the same read gives the kept row without asking SQLite.

This process's own writes carry what is kept over (``carry``): a write that
changed, of what the reads of ``versioned`` statements answer, only one
tenant's version and generation (a transaction of its store), or nothing (a
batch of its journal), leaves their rows kept at the count it ends at, with
the version it committed: the request after this process's pay reads nothing.

Two reads that one statement can make (the shared row with the version) hand
over: the first reads both and ``hand_over`` keeps the second's row for the
thread's next read, which takes it if it is that read (any read takes it away).
"""

from __future__ import annotations

import os
import threading

from sqlalchemy import Engine

from mockserver.store.sql.engine import autocommitted
from mockserver.store.sql.writers import NoTurn, SqliteWriters

VERSION_SQL = "SELECT version, generation FROM tenants WHERE tenant = ?"


class DriverReads:
    def __init__(self, engine: Engine, writers: SqliteWriters | NoTurn):
        self._engine = engine
        self._writers = writers
        self._sqlite = engine.dialect.name == "sqlite"
        self._local = threading.local()
        self._kept: dict[tuple[str, tuple], tuple[int, tuple | None]] = {}  # by the writes then
        # reads of one tenant whose last two columns are its version and generation
        self._versioned = {self.sql(VERSION_SQL)}

    def sql(self, text: str) -> str:
        """``text`` with the driver's placeholders (written as ``?``)."""
        return text if self._sqlite else text.replace("?", "%s")

    def versioned(self, sql: str) -> None:
        """``sql`` (from ``sql()``) reads one tenant (its parameter): its last two columns
        are the tenant's version and generation, and no write of the tenant's store
        changes its other columns. Its rows are carried past this process's writes."""
        self._versioned.add(sql)

    def carry(self, writes: int, tenant: str | None = None, seen: tuple | None = None) -> None:
        """This process's write that ends the database's ``writes + 1``-th, committed,
        changed of what ``versioned`` reads answer only ``tenant``'s version and
        generation, now ``seen`` (nothing, without a tenant): their rows kept at
        ``writes`` are kept at ``writes + 1``. Called in the writers' turn."""
        for (sql, parameters), (at, row) in list(self._kept.items()):
            if at == writes and sql in self._versioned:
                if row is not None and parameters == (tenant,):
                    row = (*row[:-2], *seen)
                self._kept[(sql, parameters)] = (writes + 1, row)

    def hand_over(self, sql: str, parameters: tuple, row: tuple | None) -> None:
        """``row`` is what ``sql`` (from ``sql()``) gives now: the answer of this
        thread's next read if it is that one."""
        self._local.handed = (sql, parameters, row)

    def one(self, sql: str, parameters: tuple) -> tuple | None:
        """The first row of ``sql`` (from ``sql()``), or None; on SQLite the row kept
        from the same read while no writer has ended since."""
        handed = getattr(self._local, "handed", None)
        if handed is not None:
            self._local.handed = None
            if handed[:2] == (sql, parameters):
                return handed[2]
        writes = self._writers.writes()
        if writes is None:
            return self.read(sql, parameters)
        kept = self._kept.get((sql, parameters))
        if kept is not None and kept[0] == writes:
            return kept[1]
        found = self.read(sql, parameters)
        self._kept[(sql, parameters)] = (writes, found)
        return found

    def read(self, sql: str, parameters: tuple) -> tuple | None:
        """The first row of ``sql``, read now."""
        if not self._sqlite:
            with autocommitted(self._engine) as cursor:
                cursor.execute(sql, parameters)
                return cursor.fetchone()
        return _first(self._thread_connection().cursor(), sql, parameters)

    def _thread_connection(self):
        """This thread's SQLite connection (a forked worker's threads make their own)."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            pooled = self._engine.raw_connection()
            local.connection, local.pid = pooled.driver_connection, os.getpid()
            pooled.detach()  # the thread's from now on, not the pool's
        return local.connection


def _first(cursor, sql: str, parameters: tuple) -> tuple | None:
    try:
        cursor.execute(sql, parameters)
        return cursor.fetchone()
    finally:
        cursor.close()
