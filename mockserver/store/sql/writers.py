"""Who writes a SQLite store next: its writers take turns before SQLite is asked.

SQLite lets one writer at a time hold the database; another that asks meanwhile
waits in its busy handler, which sleeps (1 ms, 2 ms, 5 ms, ... up to 100 ms at
a time) and checks again. Under load the writers of two processes would spend
their time asleep while the lock is free. So a writer first takes this
process's lock (threads queue there), then an exclusive ``flock`` on a file
beside the database (processes queue there, and the kernel wakes the next one
the moment it is free), and only then begins its transaction.

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
import struct
import threading
import weakref
from contextlib import nullcontext
from functools import partial
from pathlib import Path

from sqlalchemy import Engine

from mockserver.store.sql.checkpoints import Checkpoints

COUNT = struct.Struct("<Q")  # the writes ended, at the start of the file


class SqliteWriters:
    """A context manager: held, no other writer of the database runs, in any process."""

    def __init__(self, database: str):
        self.path = Path(f"{database}-writers")
        self.checkpoints = Checkpoints(database)
        self._file = None
        self._pid = 0
        self._threads = threading.Lock()
        # a worker forked while a thread held the lock would inherit it held for ever
        os.register_at_fork(after_in_child=partial(_fresh_lock, weakref.ref(self)))

    def __enter__(self) -> None:
        self._threads.acquire()
        try:
            fcntl.flock(self._fd(), fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def __exit__(self, *exc) -> None:
        try:
            writes = COUNT.unpack_from(self._count, 0)[0] + 1
            COUNT.pack_into(self._count, 0, writes)
            fcntl.flock(self._fd(), fcntl.LOCK_UN)
        finally:
            self._threads.release()
        self.checkpoints.ended(writes)

    def writes(self) -> int:
        """How many writers of the database, in every process, have ended (one aligned
        8-byte load: a count being written is read whole, old or new)."""
        self._fd()
        return COUNT.unpack_from(self._count, 0)[0]

    def _fd(self) -> int:
        """This process's own descriptor of the file (a forked worker opens its own: a
        lock taken through an inherited descriptor would be the parent's)."""
        if self._pid != os.getpid():
            self._file = open(self.path, "a+b")  # noqa: SIM115 - kept open for the process
            if os.fstat(self._file.fileno()).st_size < COUNT.size:
                os.ftruncate(self._file.fileno(), COUNT.size)  # a new file: zero writes
            self._count = mmap.mmap(self._file.fileno(), COUNT.size)
            self._pid = os.getpid()
        return self._file.fileno()


def _fresh_lock(writers: weakref.ref[SqliteWriters]) -> None:
    held = writers()
    if held is not None:
        held._threads = threading.Lock()


class NoTurn(nullcontext):
    """PostgreSQL's writers: no turn taken here, no count kept."""

    def writes(self) -> None:
        return None


def writers_of(engine: Engine) -> SqliteWriters | NoTurn:
    """The turn the writers of ``engine``'s database take (see the module's docstring)."""
    if engine.dialect.name == "sqlite":
        return SqliteWriters(engine.url.database)
    return NoTurn()
