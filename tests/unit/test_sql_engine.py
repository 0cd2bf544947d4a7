"""Store URLs made into engines: SQLite in WAL mode with a busy timeout, a
PostgreSQL cluster reached, and a clear error for a URL that names neither."""

from __future__ import annotations

import multiprocessing
import threading
import time

import pytest
from at_once import at_once
from sqlalchemy import text

from mockserver.store.sql.checkpoints import CHECKPOINT_EVERY, LOG_LIMIT
from mockserver.store.sql.engine import BUSY_TIMEOUT_MS, StoreUrlError, make_engine
from mockserver.store.sql.writers import SqliteWriters


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("mysql://me@db/sandbox", "'mysql' is not a store the sandbox knows"),
        ("sqlite://", "a SQLite store needs a file"),
        ("sqlite:///:memory:", "a SQLite store needs a file"),
        ("postgresql://me@db", "it names no database"),
        ("not a url", "it is not a database URL"),
    ],
)
def test_a_url_naming_no_usable_store_is_refused_saying_why(url, problem):
    with pytest.raises(StoreUrlError) as refused:
        make_engine(url)
    assert problem in str(refused.value)
    assert "sqlite:///path/to/file.db" in str(refused.value)


def test_a_sqlite_store_is_one_file_in_wal_mode_that_waits_for_its_lock(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'sandbox.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == BUSY_TIMEOUT_MS
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 0
    assert (tmp_path / "sandbox.db").exists()
    engine.dispose()


def test_a_postgresql_store_reaches_its_database(postgres_cluster):
    engine = make_engine(postgres_cluster.new_database())
    with engine.connect() as connection:
        assert connection.execute(text("SELECT current_database()")).scalar().startswith("sandbox_")
    engine.dispose()


def _take_the_turn(writers, taken):
    with writers:
        taken.set()


def test_a_sqlite_writer_of_another_process_waits_for_the_turn_and_gets_it_when_freed(tmp_path):
    """The turn is held across processes (a forked worker opens its own descriptor,
    so the parent's hold is not the child's too)."""
    fork = multiprocessing.get_context("fork")
    writers = SqliteWriters(str(tmp_path / "sandbox.db"))
    taken = fork.Event()
    with writers:
        child = fork.Process(target=_take_the_turn, args=(writers, taken))
        child.start()
        assert not taken.wait(0.3)
    assert taken.wait(30)
    child.join(30)
    assert child.exitcode == 0
    with writers:  # and this process has it again
        assert writers.path == tmp_path / "sandbox.db-writers"


def _write(engine, writers, times: int) -> None:
    """``times`` writes of a 4 KB row each, every one in the writers' turn."""
    for _ in range(times):
        with writers.begun(engine) as pooled:
            pooled.driver_connection.execute("INSERT INTO notes VALUES (randomblob(4096))")


def _checkpointed(writers, count: int) -> None:
    deadline = time.monotonic() + 30
    while writers.checkpoints.done < count and time.monotonic() < deadline:
        time.sleep(0.01)
    assert writers.checkpoints.done == count


def test_the_write_ahead_log_is_checkpointed_by_a_thread_of_its_own(tmp_path):
    """The commits checkpoint nothing (``wal_autocheckpoint=0``): the log would hold
    every write. The writer that ends every ``CHECKPOINT_EVERY``-th write asks the
    checkpointing thread to copy the log into the database, and the writes after it
    start the log again from its beginning."""
    database = tmp_path / "sandbox.db"
    engine = make_engine(f"sqlite:///{database}")
    writers = SqliteWriters(str(database))
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (body BLOB)"))
    _write(engine, writers, CHECKPOINT_EVERY - 1)
    assert writers.checkpoints.done == 0
    one_round = database.with_name("sandbox.db-wal").stat().st_size
    _write(engine, writers, 1)
    _checkpointed(writers, 1)
    for round_ in range(2, 9):
        _write(engine, writers, CHECKPOINT_EVERY)
        _checkpointed(writers, round_)
    assert database.with_name("sandbox.db-wal").stat().st_size < 2 * one_round  # not 8 rounds
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM notes")).scalar()
    assert count == 8 * CHECKPOINT_EVERY
    engine.dispose()


def test_the_write_ahead_log_stays_bounded_under_writes_that_never_pause(tmp_path):
    """A passive checkpoint copies what the log held as it began; writers that never
    pause add to it meanwhile, so no checkpoint ends with the whole log copied and the
    log never starts again. Past ``LOG_LIMIT`` pages the checkpointing thread copies
    the rest in the writers' turn: the log stays within a few times that size (how
    far past it depends on how soon that thread runs: up to 2.1 times on a loaded
    machine here), however long the writes go on; unbounded, these 200 rounds of
    4 KB rows leave 165 MB of it, 10 times the limit."""
    database = tmp_path / "sandbox.db"
    engine, writers = _notes(tmp_path)
    writes = 200 * CHECKPOINT_EVERY
    _write(engine, writers, writes)
    page = 4096 + 24  # a page of the log and its frame's header
    assert database.with_name("sandbox.db-wal").stat().st_size < 4 * LOG_LIMIT * page
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM notes")).scalar() == writes
    engine.dispose()


def _read_calls() -> int:
    """The read system calls this process has made (SQLite reads pages with ``pread``);
    the one this reading makes counts from the next reading on."""
    with open("/proc/self/io", "rb", buffering=0) as file:
        text = file.read(4096)  # one call: the file is a few lines
    return int(text.split(b"syscr:")[1].split()[0])


def _notes(tmp_path):
    database = tmp_path / "sandbox.db"
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (body BLOB)"))
    return engine, SqliteWriters(str(database))


def test_a_process_writes_on_one_connection_whose_pages_stay_cached(tmp_path):
    """Whichever thread writes, and though the pool holds other connections, the writes
    of a process go through one connection: no other connection of the process changes
    the database, so SQLite keeps its page cache and a write reads no page again (a
    write on another pooled connection than the last would read them all)."""
    engine, writers = _notes(tmp_path)
    held = [engine.raw_connection() for _ in range(3)]  # the pool has several
    for pooled in held:
        pooled.close()
    used = []

    def write():
        with writers.begun(engine) as pooled:
            pooled.driver_connection.execute("INSERT INTO notes VALUES (randomblob(200))")
            used.append(pooled.driver_connection)

    write()
    before = _read_calls()
    for _ in range(5):
        thread = threading.Thread(target=write)
        thread.start()
        thread.join()
    assert _read_calls() == before + 1  # the reading of ``before``
    assert len(set(map(id, used))) == 1
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM notes")).scalar() == 6
    engine.dispose()


def test_a_write_that_raises_is_rolled_back_and_the_next_one_writes(tmp_path):
    engine, writers = _notes(tmp_path)
    with pytest.raises(ValueError), writers.begun(engine) as pooled:
        pooled.driver_connection.execute("INSERT INTO notes VALUES ('gone')")
        raise ValueError("refused")
    with writers.begun(engine) as pooled:
        pooled.driver_connection.execute("INSERT INTO notes VALUES ('kept')")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT body FROM notes")).scalars().all() == ["kept"]
    engine.dispose()


def _write_in_child(engine, writers, parents, written) -> None:
    with writers.begun(engine) as pooled:
        pooled.driver_connection.execute("INSERT INTO notes VALUES ('child')")
        mine = id(pooled.driver_connection)
    written.put((mine, [id(each.driver_connection) for each in writers._inherited], parents))


def test_a_forked_worker_writes_on_a_connection_of_its_own(tmp_path):
    """The parent's connection goes to the worker unused (SQLite's connections are not
    to be used in a process they were not opened in); the parent writes on it again."""
    fork = multiprocessing.get_context("fork")
    engine, writers = _notes(tmp_path)
    with writers.begun(engine) as pooled:
        pooled.driver_connection.execute("INSERT INTO notes VALUES ('parent')")
        parents = id(pooled.driver_connection)
    written = fork.Queue()
    child = fork.Process(target=_write_in_child, args=(engine, writers, parents, written))
    child.start()
    mine, inherited, parents_there = written.get(timeout=30)
    child.join(30)
    assert child.exitcode == 0
    assert inherited == [parents_there] and mine != parents_there
    with writers.begun(engine) as pooled:
        pooled.driver_connection.execute("INSERT INTO notes VALUES ('parent again')")
        assert id(pooled.driver_connection) == parents
    with engine.connect() as connection:
        bodies = connection.execute(text("SELECT body FROM notes")).scalars().all()
    assert sorted(bodies) == ["child", "parent", "parent again"]
    engine.dispose()


def test_the_first_threads_of_a_process_to_read_the_count_and_take_the_turn_share_one_file(
    tmp_path,
):
    """A process opens the writers' file at its first use of it, whichever thread that is:
    threads that get there at once open it once (each opening it again dropped the file
    another thread was taking the turn on, whose ``flock`` then failed: a 500 of two
    workers' first requests)."""
    for attempt in range(40):
        writers = SqliteWriters(str(tmp_path / f"sandbox-{attempt}.db"))

        def first_use(n: int, writers=writers) -> None:
            if n % 2:
                writers.writes()
            else:
                with writers:
                    pass

        assert at_once(first_use) == []
        assert writers.writes() == 8
