"""Who writes a SQLite store next: its writers take turns before SQLite is asked.

SQLite lets one writer at a time hold the database; another that asks meanwhile
waits in its busy handler, which sleeps (1 ms, 2 ms, 5 ms, ... up to 100 ms at
a time) and checks again. Under load the writers of two processes would spend
their time asleep while the lock is free. So a writer first takes this
process's lock (threads queue there), then an exclusive ``flock`` on a file
beside the database (processes queue there, and the kernel wakes the next one
the moment it is free), and only then begins its transaction.

The writers of one process take turns on one connection of their own
(``begun``): SQLite drops a connection's whole page cache when another
connection has changed the database since it last read, so a writer that
took any connection of the pool would read again every page it touches.

The file also counts the writes: a writer adds one as it ends (its
transaction committed), before the next may begin; every so many, the
writer that ended asks for a checkpoint (``checkpoints.py``). A process that reads the
count unchanged since it last read the database knows that no process wrote
since, and need not read again (``writes()``).

PostgreSQL locks one tenant's row and wakes the next writer itself: its
writers take no turn here, and nothing counts their writes (another machine
may make them).
"""

from __future__ import annotations

import fcntl
import mmap
import os
import sqlite3
import struct
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from functools import partial
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.pool import PoolProxiedConnection

from mockserver.store.sql import engine as engines
from mockserver.store.sql.checkpoints import Checkpoints

COUNT = struct.Struct("<Q")  # the writes ended, at the start of the file


class SqliteWriters:
    """A context manager: held, no other writer of the database runs, in any process."""

    def __init__(self, database: str):
        self.path = Path(f"{database}-writers")
        self.checkpoints = Checkpoints(database, self.turn)
        self._file = None
        self._pid = 0
        self._threads = threading.Lock()
        self._opening = threading.Lock()  # see ``_fd``
        self._writing: PoolProxiedConnection | None = None  # see ``begun``
        self._inherited: list[PoolProxiedConnection] = []  # see ``_in_child``
        os.register_at_fork(after_in_child=partial(_in_child, weakref.ref(self)))

    @contextmanager
    def begun(
        self, engine: Engine, committed: Callable[[int], None] | None = None
    ) -> Iterator[PoolProxiedConnection]:
        """The turn taken, and this process's writing connection in a transaction
        holding the write lock (``BEGIN IMMEDIATE``): committed when the block ends,
        rolled back when it raises; then, committed, ``committed(writes)`` in the turn,
        with the count of the writes ended before this one. One connection for every
        write of the process keeps its page cache: no other connection of the process
        changes the database."""
        with self:
            if self._writing is None:
                self._writing = engine.raw_connection()  # the writers' from now on
            driver = self._writing.driver_connection
            driver.execute("BEGIN IMMEDIATE")
            try:
                yield self._writing
                driver.commit()
            except BaseException:
                self._roll_back(driver)
                raise
            if committed is not None:
                committed(COUNT.unpack_from(self._count, 0)[0])

    def _roll_back(self, driver: sqlite3.Connection) -> None:
        """The transaction rolled back; a connection that cannot is closed (the next
        writer opens another)."""
        try:
            driver.rollback()
        except sqlite3.Error:
            writing, self._writing = self._writing, None
            writing.close()

    def __enter__(self) -> None:
        self._take()

    def __exit__(self, *exc) -> None:
        try:
            writes = COUNT.unpack_from(self._count, 0)[0] + 1
            COUNT.pack_into(self._count, 0, writes)
        finally:
            self._give_back()
        self.checkpoints.ended(writes)

    @contextmanager
    def turn(self) -> Iterator[None]:
        """The turn, with no write counted (a checkpoint's: it changes nothing a reader
        sees)."""
        self._take()
        try:
            yield
        finally:
            self._give_back()

    def _take(self) -> None:
        self._threads.acquire()
        try:
            fcntl.flock(self._fd(), fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def _give_back(self) -> None:
        try:
            fcntl.flock(self._fd(), fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def writes(self) -> int:
        """How many writers of the database, in every process, have ended (one aligned
        8-byte load: a count being written is read whole, old or new)."""
        self._fd()
        return COUNT.unpack_from(self._count, 0)[0]

    def _fd(self) -> int:
        """This process's own descriptor of the file (a forked worker opens its own: a
        lock taken through an inherited descriptor would be the parent's), opened once
        by whichever of its threads comes first (a second opening would drop the file
        and the count another thread is using)."""
        if self._pid != os.getpid():
            with self._opening:
                if self._pid != os.getpid():
                    self._open()
        return self._file.fileno()

    def _open(self) -> None:
        file = open(self.path, "a+b")  # noqa: SIM115 - kept open for the process
        if os.fstat(file.fileno()).st_size < COUNT.size:
            os.ftruncate(file.fileno(), COUNT.size)  # a new file: zero writes
        self._file, self._count = file, mmap.mmap(file.fileno(), COUNT.size)
        self._pid = os.getpid()  # last: the threads that see it see the file open


def _in_child(writers: weakref.ref[SqliteWriters]) -> None:
    """A forked worker's writers: locks of their own (one inherited while a thread
    held it would stay held for ever), and a connection of their own (SQLite's are
    neither to be used nor closed in a process they were not opened in: the parent's
    is kept, unused)."""
    held = writers()
    if held is not None:
        held._threads = threading.Lock()
        held._opening = threading.Lock()
        if held._writing is not None:
            held._inherited.append(held._writing)
            held._writing = None


class NoTurn(nullcontext):
    """PostgreSQL's writers: no turn taken here, no count kept."""

    def begun(self, engine: Engine, committed: Callable[[int], None] | None = None):
        """A pooled connection in a writing transaction (``engine.begun``); no count of
        the writes for ``committed``."""
        return engines.begun(engine)

    def writes(self) -> None:
        return None


def writers_of(engine: Engine) -> SqliteWriters | NoTurn:
    """The turn the writers of ``engine``'s database take (see the module's docstring)."""
    if engine.dialect.name == "sqlite":
        return SqliteWriters(engine.url.database)
    return NoTurn()
