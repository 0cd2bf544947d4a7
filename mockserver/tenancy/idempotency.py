"""Idempotency keys: the first outcome of a POST or PATCH, kept for replays.

A key is bound to a fingerprint of the request (method, path, query, body). While
the first request runs, the key is "in flight"; afterwards its outcome is
replayed to any request with the same key and fingerprint. Entries expire
after ``ttl`` seconds, and the oldest go first past ``capacity``.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from mockserver.domain.errors import IdempotencyKeyInUse, IdempotencyKeyReused, InvalidParameter

MAX_KEY_LENGTH = 255


@dataclass(frozen=True, slots=True)
class Outcome:
    status: int
    body: bytes
    content_type: str | None


class _State(Enum):
    IN_FLIGHT = 1
    DONE = 2


@dataclass(slots=True)
class _Entry:
    fingerprint: str
    state: _State
    expires: float
    outcome: Outcome | None = None


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    """What makes two requests the same one: method, path, query string and body."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def check_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise InvalidParameter(
            "Idempotency-Key",
            f"'Idempotency-Key' must be 1 to {MAX_KEY_LENGTH} printable ASCII characters",
        )
    return key


class IdempotencyKeys(Protocol):
    """Where a tenant's keys live: this process (``IdempotencyCache``), or the
    store the processes share (``mockserver.tenancy.shared_keys``)."""

    def begin(self, key: str, request_fingerprint: str) -> Outcome | None: ...

    def finish(self, key: str, outcome: Outcome) -> None: ...

    def abandon(self, key: str) -> None: ...

    def clear(self) -> None: ...


class IdempotencyCache:
    def __init__(self, ttl: float = 24 * 3600, capacity: int = 10_000, clock=time.monotonic):
        self.ttl = ttl
        self.capacity = capacity
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def begin(self, key: str, request_fingerprint: str) -> Outcome | None:
        """Claim ``key`` for a new request (returns None), or return the outcome to replay.

        Raises ``IdempotencyKeyInUse`` while the first request still runs and
        ``IdempotencyKeyReused`` when the key came with another request.
        """
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.expires <= now:
                del self._entries[key]
                entry = None
            if entry is None:
                self._entries[key] = _Entry(request_fingerprint, _State.IN_FLIGHT, now + self.ttl)
                self._evict()
                return None
            if entry.fingerprint != request_fingerprint:
                raise IdempotencyKeyReused()
            if entry.state is _State.IN_FLIGHT:
                raise IdempotencyKeyInUse()
            return entry.outcome

    def finish(self, key: str, outcome: Outcome) -> None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                entry.state = _State.DONE
                entry.outcome = outcome

    def abandon(self, key: str) -> None:
        """Forget a claim whose request failed in a way worth retrying."""
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def _evict(self) -> None:
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)
