"""A SQLite store's checkpoints, off the writers' turn.

A commit in WAL mode appends the pages it changed to the write-ahead log; a
checkpoint copies them into the database file, so the log can start again
from its beginning. Left to SQLite, the commit that takes the log past 1,000
pages runs the checkpoint itself, with two ``fsync`` calls, before it returns:
while the writers' turn is still held, so every writer of every process waits
for it. The sandbox's connections turn that off (``wal_autocheckpoint=0``,
see ``engine.py``); instead, the writer that ends every ``CHECKPOINT_EVERY``-th
write asks its process's checkpointing thread for one, which runs it (passive:
it copies what no reader still needs, waiting for no one) on a connection of
its own while the next writers write.

A passive checkpoint copies the log as it was when it began. Writers that never
pause add to it meanwhile, so no such checkpoint ends with the whole log copied,
and the log only starts again once one has: under writes that go on, it would
grow without end (about 30 MB a second of pays here). So when one finds the log
past ``LOG_LIMIT`` pages, the thread copies the rest in the writers' turn, where
no writer adds to it, and the next writer starts the log again. Most of the
copying stays off the turn; the turn waits for the rest and the checkpoint's two
``fsync`` calls, about once every ``LOG_LIMIT`` pages.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager

CHECKPOINT_EVERY = 64  # writes between checkpoints (a pay is about 16 pages of log)
LOG_LIMIT = 4096  # pages of log (16 MB) past which a checkpoint finishes in the writers' turn


class Checkpoints:
    """The checkpoints of the SQLite database at ``path``, run on a thread of this
    process (a forked worker starts its own); ``turn()`` holds the writers' turn."""

    def __init__(self, path: str, turn: Callable[[], AbstractContextManager]):
        self._path = path
        self._turn = turn
        self._asked = threading.Event()
        self._pid = 0
        self._start = threading.Lock()
        self.done = 0  # checkpoints run by this process

    def ended(self, writes: int) -> None:
        """The writer that ended the database's ``writes``-th write, in any process."""
        if writes % CHECKPOINT_EVERY == 0:
            self.ask()

    def ask(self) -> None:
        """A checkpoint, soon, on this process's checkpointing thread."""
        with self._start:
            if self._pid != os.getpid():
                self._pid = os.getpid()
                self._asked = threading.Event()
                thread = threading.Thread(target=self._run, name="mockserver-checkpoints")
                thread.daemon = True
                thread.start()
        self._asked.set()

    def _run(self) -> None:
        asked = self._asked
        while True:
            asked.wait()
            asked.clear()
            try:
                self.checkpoint()
            except sqlite3.Error:
                logging.getLogger(__name__).exception("checkpoint of %s failed", self._path)
            self.done += 1

    def checkpoint(self) -> None:
        """One passive checkpoint now, on a connection opened for it (none is kept
        open between checkpoints, which come seconds apart); finished in the writers'
        turn when the log is past ``LOG_LIMIT`` pages (a passive checkpoint counts as
        copied what the log held as it began: the writers may have added more)."""
        connection = sqlite3.connect(self._path, isolation_level=None)
        try:
            _, logged, _ = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if logged > LOG_LIMIT:
                with self._turn():
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            connection.close()
