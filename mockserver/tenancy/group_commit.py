"""Group commit: the threads that write at the same moment share one
transaction. A thread hands its item over and waits until a transaction
holding it has committed; a waiting thread, when no write is under way,
writes everything handed over by then in one go. Alone, a thread writes its
item at once; under load one commit serves many requests, and each still
returns only once its own item is stored.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")
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
