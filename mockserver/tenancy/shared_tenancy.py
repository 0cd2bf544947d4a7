"""Tenants whose state the processes of a sandbox share through its SQL store:
which tenants exist, each one's clock, journal, idempotency keys, rate-limit
window and fault rules. What stays per process: the requests in flight
(``--concurrency-limit`` and the share of injected waits count this
process's requests), asynchronous requests (run by the process that took
them), and caches that a version check keeps correct.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime, tzinfo

from mockserver.callouts import Callouts
from mockserver.config import Config, ConfigError
from mockserver.domain.clock import Clock
from mockserver.domain.errors import TenantLimitReached
from mockserver.faults import Rule, RuleParser
from mockserver.store.memory import FrozenStore
from mockserver.store.sql.backend import SqlStores
from mockserver.store.sql.engine import StoreUrlError
from mockserver.tenancy.shared_faults import SharedFaultRules
from mockserver.tenancy.shared_journal import SharedJournal
from mockserver.tenancy.shared_keys import SharedIdempotencyKeys, SharedRateLimiter
from mockserver.tenancy.shared_state import SharedState
from mockserver.tenancy.tenants import DEFAULT_TENANT, Keeping, Tenant, Tenants

SPARE_CONNECTIONS = 8


class SharedClock(Clock):
    """A clock that every process sets and resets at once (the tenant's row)."""

    def __init__(self, zone: tzinfo, state: SharedState, tenant: str):
        super().__init__(zone)
        self._state = state
        self._tenant = tenant

    def set(self, when: datetime) -> None:
        super().set(when)
        self._state.set_clock(self._tenant, self.now())

    def reset(self) -> None:
        super().reset()
        self._state.set_clock(self._tenant, None)

    def follow(self, frozen_at: datetime | None) -> None:
        """What the tenant's row says (another process may have set it)."""
        self._fixed = frozen_at


class SharedKeeping(Keeping):
    def __init__(
        self,
        state: SharedState,
        tenant: str,
        config: Config,
        faults: SharedFaultRules,
        clock: Callable[[], float],
    ):
        super().__init__(
            clock=SharedClock(config.zone, state, tenant),
            journal=SharedJournal(state, tenant, config.journal_size, config.journal_bytes),
            idempotency=SharedIdempotencyKeys(state, tenant, ttl=config.idempotency_ttl),
            rate_limiter=SharedRateLimiter(state, tenant, config.effective_rate_limit, clock),
            faults=faults,
        )
        self._state = state
        self._tenant = tenant

    def sync(self) -> bool:
        row = self._state.row(self._tenant)
        if row is None:
            return False
        self.clock.follow(row.frozen_at)
        self.faults.see(row.faults_version)
        return True


class SharedTenants(Tenants):
    """``Tenants`` that every process sees the same: a tenant made through one
    process exists in all (with the data and rules it has there); one dropped
    is gone from all; the cap counts them all. ``make(key)`` builds this
    process's object of a tenant; ``drop_store(key)`` deletes a tenant's data.

    A new tenant gets the start-up fault rules; the default tenant gets them at
    every start (replacing the start-up rules of the last start, keeping those
    added through the API)."""

    def __init__(
        self,
        state: SharedState,
        make: Callable[[str], Tenant],
        drop_store: Callable[[str], None],
        per_token: bool,
        cap: int,
    ):
        self._state = state
        self._drop_store = drop_store
        state.claim(DEFAULT_TENANT)
        super().__init__(make, per_token, cap)
        default = self._tenants[DEFAULT_TENANT]
        default.faults.install_startup()
        default.sync()

    def before_fork(self) -> None:
        """No connection of this process goes into its workers (each opens its own)."""
        self._state.engine.dispose()

    def after_fork(self) -> None:
        self._state.engine.dispose(close=False)

    def get(self, key: str) -> Tenant:
        """The tenant of ``key``, caught up with the other processes."""
        tenant = self._tenants.get(key)
        if tenant is not None and tenant.sync():
            return tenant
        with self._lock:
            tenant = self._tenants.get(key)
            if tenant is not None and tenant.sync():
                return tenant
            claimed = self._state.claim(key, None if key == DEFAULT_TENANT else self.cap)
            if claimed is None:
                raise TenantLimitReached(self.cap)
            tenant = self._tenants[key] = self._make(key)
            if claimed:
                tenant.faults.reset()
            tenant.sync()
            return tenant

    def make(self, key: str) -> tuple[Tenant, bool]:
        """The tenant of ``key``, and whether no process had it before (claimed in the store)."""
        known = key in self._tenants or key in self._state.tenant_keys()
        return self.get(key), not known

    def find(self, key: str) -> Tenant | None:
        if key not in self._tenants and key not in self._state.tenant_keys():
            return None
        return self.get(key)

    def all(self) -> list[Tenant]:
        return [self.get(key) for key in self._state.tenant_keys()]

    def drop(self, key: str) -> bool:
        if key == DEFAULT_TENANT or key not in self._state.tenant_keys():
            return False
        with self._lock:
            self._tenants.pop(key, None)
            with self._state.writing() as connection:
                self._state.forget(connection, key, drop=True)
            self._drop_store(key)
        return True

    def reset(self) -> None:
        for key in self._state.tenant_keys():
            if key != DEFAULT_TENANT:
                self.drop(key)
        with self._lock:
            self._tenants = {DEFAULT_TENANT: self._tenants[DEFAULT_TENANT]}
        self.get(DEFAULT_TENANT).reset()


def shared_tenants(
    config: Config,
    start_up: FrozenStore,
    parser: RuleParser,
    startup_rules: Iterable[tuple[Rule, str]],
    callouts: Callable[[str], Callouts],
    clock: Callable[[], float] = time.time,
) -> SharedTenants:
    """The tenants of ``config.store``, a SQL store's URL; with ``reset_on_start``,
    every tenant back to the start-up state first. ``callouts`` gives a tenant
    its callouts (kept in each process). ``clock`` (seconds) times the
    rate-limit windows and ``for_s`` schedules: the wall clock, which the
    processes of several machines agree on."""
    # a connection for each request thread, and some for the journals' and callouts' threads
    try:
        stores = SqlStores(config.store, pool_size=config.threads + SPARE_CONNECTIONS)
        state = SharedState(stores.engine, stores.writers, stores.reads)
    except StoreUrlError as refused:
        raise ConfigError(str(refused)) from None
    rules = tuple(startup_rules)

    def make(key: str) -> Tenant:
        faults = SharedFaultRules(state, key, config.seed, parser, rules, clock)
        keeping = SharedKeeping(state, key, config, faults, clock)
        return Tenant(key, start_up, config, keeping, stores, callouts(key))

    tenants = SharedTenants(
        state, make, stores.drop, config.tenants == "per-token", config.max_tenants
    )
    if config.reset_on_start:
        tenants.reset()
    return tenants
