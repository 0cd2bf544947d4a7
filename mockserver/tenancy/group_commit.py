"""Two ways for the threads that write at the same moment to share one
transaction.

``GroupCommit``: a thread hands its item over and waits until a transaction
holding it has committed; a waiting thread, when no write is under way,
writes everything handed over by then in one go. Alone, a thread writes its
item at once; under load one commit serves many requests, and each still
returns only once its own item is stored.

``WriteBehind``: a thread hands its item over and goes on; a thread of its
own writes what was handed over, in batches. ``settle()`` waits until
everything handed over before it is written (and, with ``JournalMarks``,
what the other processes of the machine had handed over too). A batch
gathers for ``GATHER_S`` after its first item, unless a ``settle()`` here
asks for it sooner: under load one transaction then writes the items of
many requests, and the requests do not wake the writing thread one by one.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

from mockserver.tenancy.journal_marks import JournalMarks

Item = TypeVar("Item")
GATHER_S = 0.02  # how long a write behind waits for more items to join its batch
SETTLE_TIMEOUT_S = 2.0  # how long settle() waits for another process's writes at most
MAX_BATCH = 256  # items one transaction writes at most
FAILURES_KEPT = 64  # failed batches remembered for the threads still waiting on them


class GroupCommit(Generic[Item]):
    """``submit(item)`` stores ``item`` through ``write(items)``, a transaction."""

    def __init__(self, write: Callable[[list[Item]], None]):
        self._write = write
        self._pending: list[Item] = []
        self._handed = 0  # the number of the last item handed over
        self._stored = 0  # items numbered up to this one have been written (or failed)
        self._failed: deque[tuple[int, int, Exception]] = deque(maxlen=FAILURES_KEPT)
        self._writing = False
        self._turn = threading.Condition()

    def settle(self, others: bool = True) -> None:
        """Nothing to wait for: every item was committed before ``submit`` returned."""

    def submit(self, item: Item) -> None:
        """Returns once ``item`` is committed; raises what its write raised."""
        with self._turn:
            self._pending.append(item)
            self._handed += 1
            mine = self._handed
        while not self._write_or_wait(mine):
            pass
        for first, last, error in list(self._failed):
            if first <= mine <= last:
                raise error

    def _write_or_wait(self, mine: int) -> bool:
        """Wait while another thread writes; then write a batch if ``mine`` is not
        stored yet. True once it is."""
        with self._turn:
            while self._writing and self._stored < mine:
                self._turn.wait()
            if self._stored >= mine:
                return True
            batch = self._pending[:MAX_BATCH]
            del self._pending[:MAX_BATCH]
            self._writing = True
        error = None
        try:
            self._write(batch)
        except Exception as failure:  # every thread of the batch hears of it
            error = failure
        with self._turn:
            first = self._stored + 1
            self._stored += len(batch)
            if error is not None:
                self._failed.append((first, self._stored, error))
            self._writing = False
            self._turn.notify_all()
            return self._stored >= mine


class WriteBehind(Generic[Item]):
    """``submit(item)`` returns at once; ``write(items)``, a transaction, stores the
    items on this process's writing thread (started by the first item: a worker
    process forked from its parent starts its own). A batch whose write fails is
    logged and dropped."""

    def __init__(self, write: Callable[[list[Item]], None], marks: JournalMarks | None = None):
        self._write = write
        self._marks = marks
        self._pending: list[Item] = []
        self._handed = self._stored = 0
        self._turn = threading.Condition()
        self._hurry = False  # a settle() waits: write what is pending now
        self._pid = 0

    def submit(self, item: Item) -> None:
        with self._turn:
            if self._pid != os.getpid():
                self._start()
            self._pending.append(item)
            self._handed += 1
            if self._marks is not None:
                self._marks.handed()
            if len(self._pending) in (1, MAX_BATCH):  # a batch to begin, or one full
                self._turn.notify_all()

    def _gather(self) -> None:
        """Holding ``_turn``: let the items of the next ``GATHER_S`` join the batch begun,
        unless it is full or a ``settle()`` waits."""
        deadline = time.monotonic() + GATHER_S
        while not self._hurry and len(self._pending) < MAX_BATCH:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self._turn.wait(left)

    def _start(self) -> None:
        self._pid = os.getpid()
        self._pending, self._handed, self._stored = [], 0, 0
        threading.Thread(target=self._run, name="mockserver-write-behind", daemon=True).start()

    def _run(self) -> None:
        while True:
            with self._turn:
                while not self._pending:
                    self._turn.wait()
                self._gather()
                self._hurry = False
                batch = self._pending[:MAX_BATCH]
                del self._pending[:MAX_BATCH]
            try:
                self._write(batch)
            except Exception:
                logging.getLogger(__name__).exception("%d items not written", len(batch))
            with self._turn:
                self._stored += len(batch)
                self._turn.notify_all()
            if self._marks is not None:
                self._marks.stored(len(batch))

    def settle(self, others: bool = True) -> None:
        """Returns once every item handed over before the call is written, here and (with
        marks and ``others``) in the machine's other processes, or after
        ``SETTLE_TIMEOUT_S`` for those."""
        with self._turn:
            mine = self._handed
            if self._stored < mine:
                self._hurry = True
                self._turn.notify_all()
            while self._stored < mine and self._pid == os.getpid():
                self._turn.wait()
        if others and self._marks is not None:
            self._marks.wait_for_others(SETTLE_TIMEOUT_S)
