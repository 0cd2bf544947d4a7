"""What a process knows of one tenant of a SQL store at one of its versions
(``Kept``), and a write transaction's own state (``Transaction``): what its
thread may take from what is kept, and what it leaves kept once committed
(``known_after``). ``connections.py`` says when each holds.
"""

from __future__ import annotations

import secrets
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.pool import PoolProxiedConnection

from mockserver.store.sql.changes import Changed

LOOKUPS_KEPT = 4096  # lookups kept per column and version; past it, the rest are read each time
MISSING = object()  # no lookup kept


@dataclass
class Kept:
    """What this process knows of the tenant at ``seen`` (its version, generation)."""

    seen: tuple[int, int]
    # by table and column, then by the column's value
    lookups: dict[tuple[str, str], dict[Hashable, object]] = field(default_factory=dict)


@dataclass
class Transaction:
    """This thread's transaction: its connection, and what it may take from ``base``."""

    engine: Engine  # what makes ``connection``
    pooled: PoolProxiedConnection  # in the transaction the driver began (``writers.begun``)
    cursor: Any  # the driver's, on the same connection: see ``driver_writes.py``
    generation: int
    base: Kept | None  # what is known at the version before its own (None: nothing holds)
    counters: dict[str, int]  # by name: their values now, those in ``pending`` not yet written
    log: bytes = b""  # what the last transactions changed, as the bump found it (``changes.py``)
    pending: set[str] = field(default_factory=set)
    written: set[str] = field(default_factory=set)  # tables this transaction wrote
    rewrote: set[str] = field(default_factory=set)  # of them, those written other than by puts
    put: dict[Hashable, object] = field(default_factory=dict)  # by lookup key: records put
    fresh: set[str] = field(default_factory=set)  # ids it made that no record has yet
    everything: bool = False  # it wrote every table (``wrote_all``)
    statements: Connection | None = None  # see ``connection``

    @property
    def connection(self) -> Connection:
        """A SQLAlchemy connection on the transaction's own, made at the first use (most
        transactions need none). The transaction ends on the driver, with the pooled
        connection: this one is dropped, never closed."""
        if self.statements is None:
            self.statements = Connection(self.engine, self.pooled)
        return self.statements

    def wrote_all(self) -> None:
        """Every table of the tenant was written: nothing kept holds any more."""
        self.everything = True
        self.base = None
        self.counters.clear()
        self.pending.clear()
        self.put.clear()
        self.fresh.clear()

    def changed(self) -> Changed | None:
        """What the transaction changed, by table (see ``changes.Changed``); None: every
        table."""
        if self.everything:
            return None
        changed: Changed = {table: None for table in self.rewrote}
        for table in self.written - self.rewrote:
            changed[table] = frozenset(key[2] for key in self.put if key[0] == table)
        return changed


def known_after(held: Transaction, version: int) -> Kept:
    """What is known at the version a transaction ends at: what was kept of the tables
    it did not write, and of those it only put records in, the other records by id
    (a put changes the row of its record's id alone)."""
    base = held.base
    lookups = {} if base is None else base.lookups.copy()  # copies: readers add to them
    kept = {}
    for (table, column), found in lookups.items():
        if table not in held.written:
            kept[(table, column)] = found
        elif table not in held.rewrote and column == "id" and len(found) < LOOKUPS_KEPT:
            kept[(table, column)] = found.copy()
    for (table, column, value), record in held.put.items():
        kept.setdefault((table, column), {})[value] = record
    return Kept((version, held.generation), kept)


def carried(kept: Kept, changed: Changed, seen: tuple[int, int]) -> Kept:
    """``kept``, known at ``seen`` (a later version) but for what the transactions
    between changed: by id, the lookups of the ids put; of a table written otherwise,
    and by any other column of a table changed, all."""
    lookups = {}
    for (table, column), found in kept.lookups.copy().items():  # copies: readers add to them
        if table not in changed:
            lookups[(table, column)] = found
        elif column == "id" and changed[table] is not None:
            lookups[(table, column)] = left = found.copy()
            for record_id in changed[table]:
                left.pop(record_id, None)
    return Kept(seen, lookups)


def first_version() -> int:
    """A new tenant's version: random, so a tenant dropped and made again never
    starts at a version a process kept lookups of the old one at."""
    return secrets.randbits(60)
