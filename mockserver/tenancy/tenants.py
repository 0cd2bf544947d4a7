"""Tenants: who owns which store, journal, idempotency keys and clock.

By default every request shares one tenant. With ``per-token`` each bearer
token (or ``Zuora-Entity-Ids`` value) gets its own, seeded identically on
first use, up to a cap so memory stays bounded.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from mockserver.callouts import Callouts, ObservedStore
from mockserver.config import Config
from mockserver.domain.clock import Clock
from mockserver.domain.debit_memos import DebitMemos
from mockserver.domain.errors import TenantLimitReached
from mockserver.domain.payments import Payments
from mockserver.faults import FaultRules
from mockserver.store import Store, Stores
from mockserver.store.memory import FrozenStore, MemoryStores
from mockserver.tenancy.async_queue import AsyncQueue
from mockserver.tenancy.idempotency import IdempotencyCache, IdempotencyKeys
from mockserver.tenancy.journal import Journal, RequestJournal
from mockserver.tenancy.limits import ConcurrencyLimiter, RateLimiter, RequestRate
from mockserver.tenancy.rendered import RenderedRecords

DEFAULT_TENANT = "default"
# Renderings kept per tenant: the shared one serves most requests; a per-token
# tenant (up to --max-tenants of them) keeps fewer, so their sum stays bounded.
RENDERED_PER_TENANT = {True: 4096, False: 512}


@dataclass
class Keeping:
    """Where a tenant's state besides its store is kept: here, in this process
    (``in_process``), or in the store the processes share (``shared_tenancy``)."""

    clock: Clock
    journal: RequestJournal
    idempotency: IdempotencyKeys
    rate_limiter: RequestRate
    faults: FaultRules

    def sync(self) -> bool:
        """Catch up with what other processes changed; False when the tenant is gone."""
        return True


def in_process(
    config: Config, faults: FaultRules, monotonic: Callable[[], float] = time.monotonic
) -> Keeping:
    """A tenant's state in this process. ``monotonic`` (seconds) times its rate-limit windows."""
    return Keeping(
        clock=Clock(config.zone),
        journal=Journal(config.journal_size, config.journal_bytes),
        idempotency=IdempotencyCache(ttl=config.idempotency_ttl),
        rate_limiter=RateLimiter(config.effective_rate_limit, monotonic),
        faults=faults,
    )


class Tenant:
    """Everything that belongs to one tenant of the sandbox; ``stores`` is where its
    store lives, ``keeping`` where the rest of its state does."""

    def __init__(
        self,
        key: str,
        baseline: FrozenStore,
        config: Config,
        keeping: Keeping,
        stores: Stores | None = None,
        callouts: Callouts | None = None,
    ):
        self.key = key
        self._baseline = baseline
        self._stores = stores or MemoryStores()
        self.keeping = keeping
        self.clock = keeping.clock
        self.journal = keeping.journal
        self.idempotency = keeping.idempotency
        self.rate_limiter = keeping.rate_limiter
        self.faults = keeping.faults
        self.concurrency = ConcurrencyLimiter(config.effective_concurrency_limit)
        # (sandbox rule) injected waits may hold at most half the worker threads
        self.holds = ConcurrencyLimiter(max(1, config.threads // 2))
        self._max_memos = config.max_memos
        self.rendered = RenderedRecords(RENDERED_PER_TENANT[key == DEFAULT_TENANT])
        self.store: Store = self._stores.open(key, baseline)
        self.async_requests = AsyncQueue()
        self.callouts = callouts or Callouts(key, config.seed)
        self._domain(self.store)

    def sync(self) -> bool:
        """See what other processes changed (at the start of each request); False when
        another process dropped the tenant."""
        if not self.keeping.sync():
            return False
        self.store.sync()
        return True

    def reset(self) -> None:
        """Back to the start-up state: seeded data, real clock, empty journal and keys,
        start-up fault rules only (restarted), a fresh rate-limit window, no
        asynchronous request left to run, no callout left to send and only the
        start-up notification definitions."""
        self.async_requests.clear()
        self.load(self._baseline)
        self.rendered.clear()
        self.clock.reset()
        self.journal.clear()
        self.idempotency.clear()
        self.rate_limiter.reset()
        self.faults.reset()
        self.callouts.reset()

    def load(self, frozen: FrozenStore) -> None:
        """The tenant's records replaced by ``frozen``'s."""
        self._replace_store(self._stores.fill(self.store, frozen))

    def forget(self) -> None:
        """The tenant's records dropped from its store's backend (the tenant is dropped)."""
        self._stores.drop(self.key)

    def _replace_store(self, store: Store) -> None:
        self.store = store
        self._domain(store)

    def _domain(self, store: Store) -> None:
        """The domain writes through a store that tells the callouts what changed."""
        observed = ObservedStore(store, self.callouts.feed)
        self.debit_memos = DebitMemos(observed, self.clock, self._max_memos)
        self.payments = Payments(observed, self.clock)


class Tenants:
    def __init__(self, make: Callable[[str], Tenant], per_token: bool, cap: int):
        self._make = make
        self.per_token = per_token
        self.cap = cap
        self._tenants: dict[str, Tenant] = {DEFAULT_TENANT: make(DEFAULT_TENANT)}
        self._lock = threading.Lock()

    def before_fork(self) -> None:
        """About to be copied into worker processes (``--workers``): nothing to do in memory."""

    def after_fork(self) -> None:
        """In a worker process just forked."""

    def stop(self) -> None:
        """The process stops serving: what its tenants have yet to write is written."""
        for tenant in self.all_here():
            tenant.journal.flush()

    def all_here(self) -> list[Tenant]:
        """The tenants this process has an object of."""
        return list(self._tenants.values())

    def key_for(self, token: str | None, entity_ids: str | None) -> str:
        if not self.per_token:
            return DEFAULT_TENANT
        return entity_ids or token or DEFAULT_TENANT

    def get(self, key: str) -> Tenant:
        tenant = self._tenants.get(key)
        return tenant if tenant is not None else self.make(key)[0]

    def make(self, key: str) -> tuple[Tenant, bool]:
        """The tenant of ``key``, and whether it is new (made here, under the cap)."""
        with self._lock:
            tenant = self._tenants.get(key)
            if tenant is not None:
                return tenant, False
            if len(self._tenants) > self.cap:
                raise TenantLimitReached(self.cap)
            tenant = self._tenants[key] = self._make(key)
            return tenant, True

    def find(self, key: str) -> Tenant | None:
        """The tenant of ``key`` if there is one; never creates it."""
        return self._tenants.get(key)

    def all(self) -> list[Tenant]:
        return list(self._tenants.values())

    def drop(self, key: str) -> bool:
        """Forget a per-token tenant and its data; the default one stays."""
        if key == DEFAULT_TENANT:
            return False
        with self._lock:
            tenant = self._tenants.pop(key, None)
        if tenant is None:
            return False
        tenant.forget()
        return True

    def reset(self) -> None:
        """Every tenant back to the start; per-token tenants are dropped."""
        with self._lock:
            default = self._tenants[DEFAULT_TENANT]
            default.reset()
            dropped = [t for key, t in self._tenants.items() if key != DEFAULT_TENANT]
            self._tenants = {DEFAULT_TENANT: default}
        for tenant in dropped:
            tenant.forget()
