"""A store URL made into a SQLAlchemy ``Engine``: SQLite (one file in WAL mode,
shared by the processes of one machine) or PostgreSQL (shared by machines).

SQLite writers take the database's write lock when they begin (``BEGIN
IMMEDIATE``), so a read-check-write never fails half-way with "database is
locked"; they wait up to ``BUSY_TIMEOUT_MS`` for it instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import PoolProxiedConnection

from mockserver.store.sql.later import send_before

BUSY_TIMEOUT_MS = 30_000  # how long a SQLite writer waits for the write lock
IMMEDIATE = "mockserver_immediate"  # execution option: this transaction writes
ALONE = "mockserver_alone"  # execution option: each statement is a transaction of its own
POOL_SIZE = 32  # connections kept per process unless told (past them, more are made and closed)


class StoreUrlError(ValueError):
    """A ``--store`` value that names no store the sandbox can use."""


def store_url(text: str) -> URL:
    """``sqlite:///path/to/file.db`` or ``postgresql://user@host/db``, checked."""
    try:
        url = make_url(text)
    except ArgumentError:
        raise StoreUrlError(_usage(text, "it is not a database URL")) from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        if url.database in (None, "", ":memory:"):
            raise StoreUrlError(_usage(text, "a SQLite store needs a file: sqlite:///path/to.db"))
        return url.set(drivername="sqlite+pysqlite")
    if backend in ("postgresql", "postgres"):
        if not url.database:
            raise StoreUrlError(_usage(text, "it names no database"))
        return url.set(drivername="postgresql+psycopg")
    raise StoreUrlError(_usage(text, f"'{backend}' is not a store the sandbox knows"))


def _usage(text: str, problem: str) -> str:
    return (
        f"--store {text!r}: {problem} (use memory, sqlite:///path/to/file.db "
        "or postgresql://user@host/db)"
    )


def readers(engine: Engine) -> Engine:
    """The engine's connections for reads on their own: each statement is its own
    transaction, with no ``BEGIN`` and ``ROLLBACK`` round trips around it."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{ALONE: True})  # the driver begins nothing itself
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def statements_engine(engine: Engine) -> Engine:
    """The engine whose connections run SQLAlchemy statements in a transaction the
    driver began (``begun``): they begin nothing themselves."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{ALONE: True})
    return engine  # psycopg is in the transaction already: SQLAlchemy's begin sends nothing


@contextmanager
def begun(engine: Engine) -> Iterator[PoolProxiedConnection]:
    """A pooled PostgreSQL connection in a writing transaction begun and ended on the
    driver (psycopg's begins at the first statement), a fraction of what SQLAlchemy's
    connect, begin and commit cost. Committed when the block ends, rolled back when it
    raises. SQLite's writers begin theirs on a connection of their own
    (``SqliteWriters.begun``)."""
    pooled = engine.raw_connection()
    try:
        driver = pooled.driver_connection
        try:
            yield pooled
        except BaseException:
            driver.rollback()
            raise
        driver.commit()
    finally:
        pooled.close()


@contextmanager
def autocommitted(engine: Engine) -> Iterator[Any]:
    """A driver cursor on a pooled PostgreSQL connection in autocommit: each statement
    is a transaction of its own in one round trip (no ``BEGIN``, no ``COMMIT``), and
    the connection goes back with no transaction for the pool to roll back (psycopg
    forgets its prepared statements at every ``ROLLBACK``)."""
    pooled = engine.raw_connection()
    try:
        driver = pooled.driver_connection
        driver.autocommit = True
        cursor = driver.cursor()
        try:
            yield cursor
        finally:
            cursor.close()
            if not driver.closed:  # a broken one is the pool's to throw away
                driver.autocommit = False
    finally:
        pooled.close()


def make_engine(text: str, pool_size: int = POOL_SIZE) -> Engine:
    """The engine of a store URL (see ``store_url``), keeping ``pool_size`` connections:
    a connection made and closed again for each of a busy server's requests would cost
    more than the request (SQLite's pragmas, a PostgreSQL backend process)."""
    url = store_url(text)
    if url.get_backend_name() == "sqlite":
        engine = create_engine(
            url, pool_size=pool_size, max_overflow=pool_size, connect_args={"timeout": 30}
        )
        _use_wal_and_immediate_writers(engine)
        return engine
    # Every statement prepared at its first run on a connection (psycopg's default is
    # the 5th; PostgreSQL plans it afresh 5 times more before it keeps a generic plan),
    # and the newest connection back is the next one out: the few a light load needs
    # keep their plans warm.
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_use_lifo=True,
        connect_args={"prepare_threshold": 0},
    )
    send_before(engine)
    return engine


def _use_wal_and_immediate_writers(engine: Engine) -> None:
    """SQLite pragmas on every new connection, and the transactions' ``BEGIN``
    emitted by the sandbox (pysqlite's own would be deferred)."""

    @event.listens_for(engine, "connect")
    def configure(connection, _record):
        connection.isolation_level = None  # the driver begins nothing itself
        cursor = connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "synchronous=NORMAL",  # durable at each checkpoint; WAL keeps commits atomic
            "wal_autocheckpoint=0",  # checkpoints run off the writers' turn: checkpoints.py
            f"busy_timeout={BUSY_TIMEOUT_MS}",
            "foreign_keys=ON",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin(connection):
        options = connection.get_execution_options()
        if options.get(ALONE):
            return
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(IMMEDIATE) else "BEGIN")
