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
from datetime import UTC, datetime

from mockserver.faults import compile_glob

DEFAULT_SIZE = 1000


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    time: float  # seconds since the epoch; ISO 8601 on the wire
    method: str
    path: str
    query: str
    operation: str | None
    status: int | None
    duration_ms: float
    latency_ms: float  # injected by fault rules
    fault: str | None  # ids of the fault rules that fired, comma-separated
    request_id: str | None

    def to_wire(self) -> dict:
        wire = asdict(self)
        wire["time"] = datetime.fromtimestamp(self.time, UTC).isoformat(timespec="milliseconds")
        return wire


class Journal:
    def __init__(self, size: int = DEFAULT_SIZE):
        self._entries: deque[Entry] = deque(maxlen=size)
        self._seq = itertools.count(1)
        self._lock = threading.Lock()

    def next_seq(self) -> int:
        return next(self._seq)

    def record(self, entry: Entry) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(
        self,
        method: str | None = None,
        path: str | None = None,
        operation: str | None = None,
        status: int | None = None,
        fault: str | None = None,
        limit: int | None = None,
    ) -> list[Entry]:
        """Matching entries, oldest first; ``limit`` keeps the newest ones.

        ``path`` is a glob as in fault rules (``/v2/debit_memos/*/pay``);
        ``fault`` keeps the requests that rule fired on.
        """
        with self._lock:
            snapshot = list(self._entries)
        path_glob = compile_glob(path) if path is not None else None
        found = [
            e
            for e in snapshot
            if (method is None or e.method == method.upper())
            and (path_glob is None or path_glob.match(e.path))
            and (operation is None or e.operation == operation)
            and (status is None or e.status == status)
            and (fault is None or fault in (e.fault or "").split(","))
        ]
        return found[-limit:] if limit else found

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
