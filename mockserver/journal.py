"""The request journal: what each request was and what happened to it.

A bounded ring buffer (oldest records drop out first), so a sandbox under
load keeps constant memory. Records are immutable; reading never blocks
writers for long.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from dataclasses import asdict, dataclass

DEFAULT_SIZE = 1000


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    time: str
    method: str
    path: str
    query: str
    operation: str | None
    status: int | None
    duration_ms: float
    latency_ms: float
    fault: str | None
    request_id: str | None

    def to_wire(self) -> dict:
        return asdict(self)


class Journal:
    def __init__(self, size: int = DEFAULT_SIZE):
        self.size = size
        self._entries: deque[Entry] = deque(maxlen=size)
        self._seq = itertools.count(1)
        self._lock = threading.Lock()

    def next_seq(self) -> int:
        return next(self._seq)

    def record(self, entry: Entry) -> None:
        self._entries.append(entry)

    def entries(
        self,
        method: str | None = None,
        path: str | None = None,
        operation: str | None = None,
        status: int | None = None,
        limit: int | None = None,
    ) -> list[Entry]:
        """Matching entries, oldest first; ``limit`` keeps the newest ones."""
        with self._lock:
            snapshot = list(self._entries)
        found = [
            e
            for e in snapshot
            if (method is None or e.method == method.upper())
            and (path is None or e.path == path)
            and (operation is None or e.operation == operation)
            and (status is None or e.status == status)
        ]
        return found[-limit:] if limit else found

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
