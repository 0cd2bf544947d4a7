"""The request journal: what each request was and what happened to it.

A bounded ring buffer (oldest records drop out first), bounded both by
count and by bytes, so a sandbox under load keeps constant memory however
large its requests are (a query string can be 256 KiB). Records are
immutable; reading never blocks writers for long.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime

from mockserver.faults import compile_glob

DEFAULT_SIZE = 1000
DEFAULT_BYTES = 16 * 1024 * 1024
ENTRY_OVERHEAD_BYTES = 480  # the record, its numbers and string headers (tracemalloc)


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
    # The outcome of a request accepted with ``async: true`` is an entry of its
    # own, under the same request id, with the body the operation answered.
    asynchronous: bool = False
    response_body: bytes | None = None

    def to_wire(self) -> dict:
        wire = asdict(self)
        wire["time"] = datetime.fromtimestamp(self.time, UTC).isoformat(timespec="milliseconds")
        if self.response_body is not None:
            wire["response_body"] = json.loads(self.response_body) if self.response_body else None
        return wire

    def footprint(self) -> int:
        """About the bytes the entry takes in memory: its texts plus a fixed overhead."""
        return ENTRY_OVERHEAD_BYTES + sum(
            _text_bytes(getattr(self, field.name)) for field in fields(self)
        )


def _text_bytes(value) -> int:
    if isinstance(value, (str, bytes)):
        return len(value)
    if isinstance(value, dict):
        return sum(_text_bytes(k) + _text_bytes(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return sum(_text_bytes(item) for item in value)
    return 0


class Journal:
    """The newest ``size`` entries, fewer if they would take over ``max_bytes``
    (the newest entry is always kept)."""

    def __init__(self, size: int = DEFAULT_SIZE, max_bytes: int = DEFAULT_BYTES):
        self.size = size
        self.max_bytes = max_bytes
        self._entries: deque[tuple[Entry, int]] = deque()
        self._bytes = 0
        self._seq = itertools.count(1)
        self._lock = threading.Lock()

    def next_seq(self) -> int:
        return next(self._seq)

    def record(self, entry: Entry) -> None:
        footprint = entry.footprint()
        with self._lock:
            self._entries.append((entry, footprint))
            self._bytes += footprint
            while len(self._entries) > 1 and (
                len(self._entries) > self.size or self._bytes > self.max_bytes
            ):
                self._bytes -= self._entries.popleft()[1]

    @property
    def bytes(self) -> int:
        """The footprint of the entries kept."""
        return self._bytes

    def add(self, **fields) -> None:
        """Record an entry numbered and stamped now; ``fields`` are the rest of ``Entry``'s."""
        self.record(Entry(seq=self.next_seq(), time=time.time(), **fields))

    def entries(
        self,
        method: str | None = None,
        path: str | None = None,
        operation: str | None = None,
        status: int | None = None,
        fault: str | None = None,
        request_id: str | None = None,
        after: int | None = None,
        limit: int | None = None,
    ) -> list[Entry]:
        """Matching entries, oldest first; ``limit`` keeps the newest ones.

        ``path`` is a glob as in fault rules (``/v2/debit_memos/*/pay``);
        ``fault`` keeps the requests that rule fired on; ``request_id`` the
        request and, for an asynchronous one, its outcome; ``after`` those
        with a larger ``seq`` (what is new since a look at the journal).
        """
        with self._lock:
            snapshot = [entry for entry, _ in self._entries]
        path_glob = compile_glob(path) if path is not None else None
        found = [
            e
            for e in snapshot
            if (method is None or e.method == method.upper())
            and (path_glob is None or path_glob.match(e.path))
            and (operation is None or e.operation == operation)
            and (status is None or e.status == status)
            and (fault is None or fault in (e.fault or "").split(","))
            and (request_id is None or e.request_id == request_id)
            and (after is None or e.seq > after)
        ]
        return found[-limit:] if limit else found

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)
