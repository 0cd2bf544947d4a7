"""A tenant's idempotency keys and rate-limit window in the SQL store, so a
key claimed through one process is in flight (or replayed) through all of
them, and the requests of a minute are counted once for the whole sandbox.

The same rules as ``IdempotencyCache`` and ``RateLimiter``; times are
wall-clock seconds (the windows are the minutes of the clock), as the
processes may run on several machines.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

from sqlalchemy import case, delete, func, select, update

from mockserver.domain.errors import IdempotencyKeyInUse, IdempotencyKeyReused
from mockserver.tenancy.idempotency import Outcome
from mockserver.tenancy.limits import NOMINAL_LIMIT, Quota, window_of
from mockserver.tenancy.shared_state import SharedState, idempotency_keys, rate_windows

EVICT_EVERY = 64  # claims between two looks for expired keys and keys over the capacity

keys = idempotency_keys.c


class SharedIdempotencyKeys:
    def __init__(
        self, state: SharedState, tenant: str, ttl: float = 24 * 3600, capacity: int = 10_000
    ):
        self._state = state
        self._tenant = tenant
        self.ttl = ttl
        self.capacity = capacity
        self._claims = itertools.count(1)

    def _mine(self, key: str | None = None):
        if key is None:
            return keys.tenant == self._tenant
        return (keys.tenant == self._tenant) & (keys.key == key)

    def begin(self, key: str, request_fingerprint: str) -> Outcome | None:
        """Claim ``key`` for a new request (returns None), or return the outcome to replay.

        Raises ``IdempotencyKeyInUse`` while the first request still runs and
        ``IdempotencyKeyReused`` when the key came with another request.
        """
        now = time.time()
        claim = {"fingerprint": request_fingerprint, "done": False, "expires": now + self.ttl}
        with self._state.writing() as connection:
            connection.execute(delete(idempotency_keys).where(self._mine(key), keys.expires <= now))
            claimed = connection.execute(
                self._state.upsert(idempotency_keys)
                .values(tenant=self._tenant, key=key, **claim)
                .on_conflict_do_nothing()
                .returning(keys.key)
            ).first()
            if claimed is not None:
                if next(self._claims) % EVICT_EVERY == 0:
                    self._evict(connection, now)
                return None
            fingerprint, done, status, body, content_type = connection.execute(
                select(
                    keys.fingerprint, keys.done, keys.status, keys.body, keys.content_type
                ).where(self._mine(key))
            ).one()
        if fingerprint != request_fingerprint:
            raise IdempotencyKeyReused()
        if not done:
            raise IdempotencyKeyInUse()
        return Outcome(status, body, content_type)

    def _evict(self, connection, now: float) -> None:
        connection.execute(delete(idempotency_keys).where(self._mine(), keys.expires <= now))
        over = select(keys.key).where(self._mine()).order_by(keys.expires.desc())
        connection.execute(
            delete(idempotency_keys).where(
                self._mine(), keys.key.in_(over.offset(self.capacity).limit(1_000_000))
            )
        )

    def finish(self, key: str, outcome: Outcome) -> None:
        with self._state.writing() as connection:
            connection.execute(
                update(idempotency_keys)
                .where(self._mine(key))
                .values(
                    done=True,
                    status=outcome.status,
                    body=outcome.body,
                    content_type=outcome.content_type,
                )
            )

    def abandon(self, key: str) -> None:
        """Forget a claim whose request failed in a way worth retrying."""
        with self._state.writing() as connection:
            connection.execute(delete(idempotency_keys).where(self._mine(key)))

    def clear(self) -> None:
        with self._state.writing() as connection:
            connection.execute(delete(idempotency_keys).where(self._mine()))

    def __len__(self) -> int:
        with self._state.reading() as connection:
            query = select(func.count()).where(self._mine(), keys.expires > time.time())
            return connection.scalar(query.select_from(idempotency_keys))


class SharedRateLimiter:
    """Requests a minute per tenant, counted in the store's window row."""

    def __init__(
        self,
        state: SharedState,
        tenant: str,
        per_minute: int | None = None,
        clock: Callable[[], float] = time.time,
    ):
        self._state = state
        self._tenant = tenant
        self.per_minute = per_minute
        self._clock = clock

    def hit(self) -> Quota:
        """Count one request and say whether it may go on."""
        window, reset = window_of(self._clock())
        if self.per_minute is None:
            return Quota(True, NOMINAL_LIMIT, NOMINAL_LIMIT, reset)
        counted = self._state.upsert(rate_windows).values(
            tenant=self._tenant, window=window, count=1
        )
        row = rate_windows.c
        with self._state.writing() as connection:
            count = connection.scalar(
                counted.on_conflict_do_update(
                    index_elements=[row.tenant],
                    set_={
                        "window": window,
                        "count": case((row.window == window, row.count + 1), else_=1),
                    },
                ).returning(row.count)
            )
        return Quota(
            count <= self.per_minute, self.per_minute, max(0, self.per_minute - count), reset
        )

    def reset(self) -> None:
        with self._state.writing() as connection:
            connection.execute(delete(rate_windows).where(rate_windows.c.tenant == self._tenant))
