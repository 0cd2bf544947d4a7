"""Zuora's per-tenant limits: requests per minute and requests in flight.

Both are off unless configured. The rate limit counts requests in fixed
one-minute windows, as Zuora's ``ratelimit-*`` headers describe them.
"""

from __future__ import annotations

import functools
import math
import threading
import time
from typing import NamedTuple, Protocol

WINDOW_SECONDS = 60
NOMINAL_LIMIT = 2500  # what the headers report while no limit is set (sandbox rule)


class Quota(NamedTuple):
    """One request's share of the window (a tuple: made once per request, it
    costs a quarter of a frozen dataclass)."""

    allowed: bool
    limit: int
    remaining: int
    reset: int  # seconds until the window ends

    def headers(self) -> tuple[tuple[str, str], ...]:
        return quota_headers(self.limit, self.remaining, self.reset)


@functools.lru_cache(maxsize=2 * WINDOW_SECONDS)
def quota_headers(limit: int, remaining: int, reset: int) -> tuple[tuple[str, str], ...]:
    """Zuora's ``ratelimit-*`` headers. Made once per second of a window while
    no limit is set (the same limit and remaining), not once per request."""
    return (
        ("ratelimit-limit", f"{limit}, {limit};w={WINDOW_SECONDS}"),
        ("ratelimit-remaining", str(remaining)),
        ("ratelimit-reset", str(reset)),
    )


def window_of(now: float) -> tuple[int, int]:
    """The number of the window ``now`` (seconds) falls in, and the seconds until it ends."""
    window = int(now // WINDOW_SECONDS)
    return window, max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))


class RequestRate(Protocol):
    """Where a tenant's window is counted: this process (``RateLimiter``), or
    the store the processes share (``mockserver.tenancy.shared_keys``)."""

    per_minute: int | None

    def hit(self) -> Quota: ...

    def reset(self) -> None: ...


class RateLimiter:
    def __init__(self, per_minute: int | None = None, clock=time.monotonic):
        self.per_minute = per_minute
        self._clock = clock
        self._window = -1
        self._count = 0
        self._lock = threading.Lock()

    def hit(self) -> Quota:
        """Count one request and say whether it may go on."""
        window, reset = window_of(self._clock())
        if self.per_minute is None:
            return Quota(True, NOMINAL_LIMIT, NOMINAL_LIMIT, reset)
        with self._lock:
            if window != self._window:
                self._window, self._count = window, 0
            allowed = self._count < self.per_minute
            if allowed:
                self._count += 1
            remaining = self.per_minute - self._count
        return Quota(allowed, self.per_minute, remaining, reset)

    def reset(self) -> None:
        with self._lock:
            self._window, self._count = -1, 0


class ConcurrencyLimiter:
    """At most ``limit`` requests in flight; ``None`` means no limit."""

    def __init__(self, limit: int | None = None):
        self.limit = limit
        self._in_flight = 0
        self._lock = threading.Lock()

    def enter(self) -> bool:
        if self.limit is None:
            return True
        with self._lock:
            if self._in_flight >= self.limit:
                return False
            self._in_flight += 1
            return True

    def leave(self) -> None:
        if self.limit is None:
            return
        with self._lock:
            self._in_flight -= 1
