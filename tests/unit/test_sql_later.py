"""A PostgreSQL write transaction's held-back writes (``later.py``): nothing is
sent before a statement that may read them, or the commit; then all of them."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text

from mockserver.store.sql.engine import make_engine
from mockserver.store.sql.later import LATER, LaterCursor

INSERT = "INSERT INTO notes (name) VALUES (%s)"


@pytest.fixture
def engine(postgres_cluster):
    engine = make_engine(postgres_cluster.new_database())
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (name text PRIMARY KEY)"))
    yield engine
    engine.dispose()


def _names(engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT name FROM notes ORDER BY name")).scalars())


def _wrote_yet(engine, connection) -> bool:
    """Whether the connection's transaction has written anything (it has an xid)."""
    pid = connection.connection.driver_connection.info.backend_pid
    with engine.connect() as other:
        query = text("SELECT backend_xid IS NOT NULL FROM pg_stat_activity WHERE pid = :pid")
        return other.execute(query, {"pid": pid}).scalar()


def _later(connection) -> LaterCursor:
    cursor = connection.info[LATER] = LaterCursor(connection.connection.driver_connection.cursor())
    return cursor


def test_held_back_writes_go_with_the_commit(engine):
    with engine.connect() as connection, connection.begin():
        cursor = _later(connection)
        cursor.execute("SELECT 1")
        cursor.hold(INSERT, ("a",), False)
        cursor.hold(INSERT, [("b",), ("c",)], True)
        assert not _wrote_yet(engine, connection)
        cursor.commit()
        connection.info.pop(LATER)
    assert _names(engine) == ["a", "b", "c"]


def test_a_statement_after_held_back_writes_sees_them(engine):
    with engine.connect() as connection, connection.begin():
        cursor = _later(connection)
        cursor.hold(INSERT, ("a",), False)
        counted = connection.execute(text("SELECT count(*) FROM notes")).scalar()
        cursor.hold(INSERT, ("b",), False)
        cursor.execute("SELECT count(*) FROM notes")
        assert (counted, cursor.fetchone()[0]) == (1, 2)
        cursor.hold(INSERT, ("c",), False)
        cursor.execute("UPDATE notes SET name = upper(name) WHERE name <> %s", ("a",))
        assert cursor.rowcount == 2
        cursor.commit()
        connection.info.pop(LATER)
    assert _names(engine) == ["B", "C", "a"]


def test_a_held_back_write_that_fails_fails_the_commit_and_nothing_is_written(engine):
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO notes VALUES ('a')"))
    failing = pytest.raises(psycopg.errors.UniqueViolation)
    with failing, engine.connect() as connection, connection.begin():
        cursor = _later(connection)
        cursor.hold(INSERT, ("b",), False)
        cursor.hold(INSERT, ("a",), False)
        try:
            cursor.commit()
        finally:
            connection.info.pop(LATER)
    assert _names(engine) == ["a"]


def test_statements_prepared_after_a_rollback_to_a_savepoint_run_again(engine):
    """psycopg forgets (and deallocates) its prepared statements at a ROLLBACK's result:
    read late in a pipeline, that dropped the next statement it prepared, whose second
    run then failed ("prepared statement does not exist"; schemathesis's 500s on a
    PATCH and an unpost that followed a refused writer of their group)."""
    with engine.connect() as connection, connection.begin():
        cursor = _later(connection)
        cursor.execute(INSERT, ("a",))
        cursor.hold("SAVEPOINT writer", (), False)
        cursor.hold(INSERT, ("refused",), False)
        cursor.roll_back_to("writer")
        counts = []
        for _ in range(2):
            cursor.execute("SELECT count(*) FROM notes WHERE name <> %s", ("b",))
            counts.append(cursor.fetchone()[0])
        cursor.hold(INSERT, ("b",), False)
        cursor.commit()
        connection.info.pop(LATER)
    assert (counts, _names(engine)) == ([1, 1], ["a", "b"])
