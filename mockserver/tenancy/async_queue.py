"""The operations a tenant sent with ``async: true``: run one at a time, in
order, by a worker thread of the tenant's own.

The worker exists only while there is work: it starts with the first job and
ends when the queue is empty, so an idle tenant (or a stopped server) keeps
no thread. Jobs are plain callables; the face that accepts a request builds
its job (run the operation, journal the outcome).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable

log = logging.getLogger("mockserver")

MAX_PENDING = 1000  # (sandbox rule) per tenant; past it an async request is a 429


class AsyncQueue:
    def __init__(self, limit: int = MAX_PENDING) -> None:
        self.limit = limit
        self._jobs: deque[Callable[[], None]] = deque()
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None

    @property
    def full(self) -> bool:
        return len(self._jobs) >= self.limit

    def submit(self, job: Callable[[], None]) -> None:
        """Run ``job`` after every job submitted before it."""
        with self._lock:
            self._jobs.append(job)
            if self._worker is None:
                worker = threading.Thread(target=self._run, name="async-requests", daemon=True)
                self._worker = worker
                worker.start()

    def clear(self) -> None:
        """Forget the jobs not started yet (a reset: they belonged to the old data)."""
        with self._lock:
            self._jobs.clear()

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._jobs:
                    self._worker = None
                    return
                job = self._jobs.popleft()
            try:
                job()
            except Exception:
                log.exception("an asynchronous request failed in the sandbox itself")
