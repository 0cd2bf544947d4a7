"""The request journal: what each request was and what happened to it.

A bounded ring buffer (oldest records drop out first), bounded both by
count and by bytes, so a sandbox under load keeps constant memory however
large its requests are (a query string can be 256 KiB). Records are
immutable; reading never blocks writers for long.

Kept cheap for the hot path (once per request): this process's journal keeps
what it is given as it is given it (the fields, numbered and stamped) and
makes the ``Entry`` when the journal is read; only an entry's size is worked
out as it is added, for the byte bound.
"""

from __future__ import annotations

import base64
import codecs
import itertools
import json
import os
import threading
import time
from collections import deque
from datetime import UTC, datetime
from typing import NamedTuple, Protocol

from mockserver.faults import compile_glob

DEFAULT_SIZE = 1000
DEFAULT_BYTES = 16 * 1024 * 1024
ENTRY_OVERHEAD_BYTES = 760  # the record (fields as given), numbers, str headers (tracemalloc)
HEADER_OVERHEAD_BYTES = 160  # a (name, value) tuple and its two str headers


class Entry(NamedTuple):
    """One request (a tuple: immutable, and built at a quarter of a frozen
    dataclass's cost, once per request)."""

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
    # What was sent and answered (edge/capture.py): bodies cut at 64 KiB, with
    # their whole length; request headers as (NAME, value) pairs, NAME as CGI names
    # it without HTTP_ (ZUORA_TRACK_ID), Authorization redacted.
    request_headers: tuple[tuple[str, str], ...] = ()
    request_body: bytes = b""
    request_body_bytes: int = 0
    response_headers: tuple[tuple[str, str], ...] = ()
    response_body: bytes | None = None
    response_body_bytes: int = 0
    # The outcome of a request accepted with ``async: true`` is an entry of its
    # own, under the same request id, with the body the operation answered.
    asynchronous: bool = False
    pid: int = 0  # the server process that answered (one of several with --workers)

    def to_wire(self) -> dict:
        return {
            "seq": self.seq,
            "time": datetime.fromtimestamp(self.time, UTC).isoformat(timespec="milliseconds"),
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "operation": self.operation,
            "status": self.status,
            "duration_ms": self.duration_ms,
            "latency_ms": self.latency_ms,
            "fault": self.fault,
            "request_id": self.request_id,
            "asynchronous": self.asynchronous,
            "pid": self.pid,
            "response_body": (
                json.loads(self.response_body) if self.asynchronous and self.response_body else None
            ),
            "request": {
                "headers": {header_name(k): v for k, v in self.request_headers},
                **body_wire(self.request_body, self.request_body_bytes),
            },
            "response": {
                "status": self.status,
                "headers": dict(self.response_headers),
                **body_wire(self.response_body, self.response_body_bytes),
            },
        }

    def footprint(self) -> int:
        """About the bytes the entry takes in memory (``footprint``)."""
        return footprint(self._asdict())

    def request_header(self, name: str) -> str | None:
        key = name.upper().replace("-", "_")
        return next((value for k, value in self.request_headers if k == key), None)


def stamped(seq: int, fields: dict) -> Entry:
    """An entry numbered ``seq``, stamped now by this process."""
    return Entry(seq=seq, time=time.time(), pid=os.getpid(), **fields)


def footprint(fields: dict) -> int:
    """About the bytes an entry of ``fields`` (``Entry``'s, by name) takes in
    memory: its texts and bodies, plus fixed overheads for the record and for
    each header (texts counted in characters)."""
    get = fields.get
    request_headers = get("request_headers", ())
    response_headers = get("response_headers", ())
    return (
        ENTRY_OVERHEAD_BYTES
        + HEADER_OVERHEAD_BYTES * (len(request_headers) + len(response_headers))
        + len("".join(itertools.chain.from_iterable(request_headers)))
        + len("".join(itertools.chain.from_iterable(response_headers)))
        + len(fields["path"])
        + len(fields["query"])
        + len(get("operation") or "")
        + len(get("fault") or "")
        + len(get("request_id") or "")
        + len(get("request_body", b""))
        + len(get("response_body") or b"")
    )


def header_name(key: str) -> str:
    """``ZUORA_TRACK_ID`` -> ``Zuora-Track-Id``."""
    return "-".join(part.capitalize() for part in key.split("_"))


def body_wire(body: bytes | None, length: int) -> dict:
    """A body on the wire: UTF-8 text, or base64 when it isn't text."""
    if body is None:
        return {"body": None, "body_bytes": length, "body_truncated": False}
    truncated = length > len(body)
    wire: dict = {"body_bytes": length, "body_truncated": truncated}
    try:
        # A body cut at 64 KiB may end inside a character: that tail is left out.
        wire["body"] = codecs.getincrementaldecoder("utf-8")().decode(body, final=not truncated)
    except UnicodeDecodeError:
        wire["body"] = base64.b64encode(body).decode("ascii")
        wire["body_encoding"] = "base64"
    return wire


class RequestJournal(Protocol):
    """Where a tenant's journal lives: this process (``Journal``), or the store
    the processes share (``mockserver.tenancy.shared_journal``)."""

    size: int
    max_bytes: int

    def add(self, **fields) -> None: ...

    def entries(self, **filters) -> list[Entry]: ...

    def clear(self) -> None: ...

    def __len__(self) -> int: ...

    def flush(self) -> None:
        """What this process has added is stored (before the process stops)."""
        ...


class Journal:
    """The newest ``size`` entries, fewer if they would take over ``max_bytes``
    (the newest entry is always kept)."""

    def __init__(self, size: int = DEFAULT_SIZE, max_bytes: int = DEFAULT_BYTES):
        self.size = size
        self.max_bytes = max_bytes
        # (seq, time, pid, fields, footprint): an Entry once read
        self._kept: deque[tuple[int, float, int, dict, int]] = deque()
        self._bytes = 0
        self._seq = itertools.count(1)
        self._lock = threading.Lock()

    @property
    def bytes(self) -> int:
        """The footprint of the entries kept."""
        return self._bytes

    def add(self, **fields) -> None:
        """Record an entry numbered and stamped now; ``fields`` are the rest of ``Entry``'s."""
        size = footprint(fields)
        stamp, pid = time.time(), os.getpid()
        with self._lock:
            kept = self._kept
            kept.append((next(self._seq), stamp, pid, fields, size))
            self._bytes += size
            while len(kept) > 1 and (len(kept) > self.size or self._bytes > self.max_bytes):
                self._bytes -= kept.popleft()[4]

    def entries(self, **filters) -> list[Entry]:
        """Matching entries, oldest first (``filters``: see ``matching``)."""
        with self._lock:
            kept = list(self._kept)
        snapshot = [
            Entry(seq=seq, time=stamp, pid=pid, **fields) for seq, stamp, pid, fields, _ in kept
        ]
        return matching(snapshot, **filters)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self._bytes = 0

    def flush(self) -> None:
        """Nothing to write: an entry is kept as it is added."""

    def __len__(self) -> int:
        return len(self._kept)


def matching(
    entries: list[Entry],
    method: str | None = None,
    path: str | None = None,
    operation: str | None = None,
    status: int | None = None,
    fault: str | None = None,
    request_id: str | None = None,
    after: int | None = None,
    body: str | None = None,
    header: str | None = None,
    limit: int | None = None,
) -> list[Entry]:
    """The entries that match, in their order; ``limit`` keeps the last ones.

    ``path`` is a glob as in fault rules (``/v2/debit_memos/*/pay``);
    ``fault`` keeps the requests that rule fired on; ``after`` those
    with a larger ``seq`` (what is new since a look at the journal); ``body``
    those whose request body holds that text; ``header`` (``Name:value``, or
    ``Name``) those that sent that header.
    """
    path_glob = compile_glob(path) if path is not None else None
    needle = body.encode() if body is not None else None
    found = [
        e
        for e in entries
        if (method is None or e.method == method.upper())
        and (path_glob is None or path_glob.match(e.path))
        and (operation is None or e.operation == operation)
        and (status is None or e.status == status)
        and (fault is None or fault in (e.fault or "").split(","))
        and (request_id is None or e.request_id == request_id)
        and (after is None or e.seq > after)
        and (needle is None or needle in e.request_body)
        and (header is None or _sent(e, header))
    ]
    return found[-limit:] if limit else found


def _sent(entry: Entry, header: str) -> bool:
    name, colon, value = header.partition(":")
    sent = entry.request_header(name.strip())
    return sent is not None and (not colon or sent == value.strip())
