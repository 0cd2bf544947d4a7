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
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading

CHECKPOINT_EVERY = 64  # writes between checkpoints (a pay is about 16 pages of log)


class Checkpoints:
    """The checkpoints of the SQLite database at ``path``, run on a thread of this
    process (a forked worker starts its own)."""

    def __init__(self, path: str):
        self._path = path
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
        open between checkpoints, which come seconds apart)."""
        connection = sqlite3.connect(self._path, isolation_level=None)
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            connection.close()
