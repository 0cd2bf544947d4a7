"""``--store``: the sandbox keeps its records where it is told, and a URL it
can't use stops the start with a message saying what to give."""

from __future__ import annotations

import sqlite3

import pytest
from processes import start_fails

from mockserver.config import Config, ConfigError

KINDS = {"memory": "memory", "sqlite": "sqlite+pysqlite:///", "postgresql": "postgresql+psycopg://"}


def test_the_sandbox_runs_on_the_store_the_run_asked_for(zuora_mock, pytestconfig):
    assert zuora_mock.config()["store"].startswith(KINDS[pytestconfig.getoption("store")])


def test_a_store_url_naming_no_database_stops_the_start_saying_what_to_give():
    message = start_fails("--store", "mysql://me@db/sandbox")
    assert "'mysql' is not a store the sandbox knows" in message
    assert "sqlite:///path/to/file.db or postgresql://user@host/db" in message


def test_the_store_is_read_from_the_environment_too():
    message = start_fails(env={"MOCKSERVER_STORE": "sqlite://"})
    assert "a SQLite store needs a file" in message


def test_a_password_in_the_store_url_is_not_shown_by_the_config():
    config = Config(store="postgresql://me:secret@db.example/sandbox")
    assert "secret" not in str(config.to_wire())
    assert config.to_wire()["store"] == "postgresql+psycopg://me:***@db.example/sandbox"


def test_a_bad_store_url_is_a_config_error():
    with pytest.raises(ConfigError, match="it names no database"):
        Config(store="postgresql://me@db.example")


def test_a_sqlite_file_made_by_another_version_stops_the_start_naming_the_table(tmp_path):
    database = tmp_path / "older.db"
    connection = sqlite3.connect(database)
    connection.execute("CREATE TABLE tenants (tenant TEXT PRIMARY KEY, generation BIGINT)")
    connection.commit()
    connection.close()
    message = start_fails("--store", f"sqlite:///{database}")
    assert "its table tenants has no column" in message
    assert "another version of the sandbox made it" in message
    assert "Traceback" not in message
