"""One tenant's way into a SQL store's database: the transactions its writes
take turns in, the reads on their own, and the lookups kept between requests.

A transaction holds the tenant's writes in turn, as the memory store's lock
does: it begins by adding one to the tenant's ``version`` (on PostgreSQL that
update locks the tenant's row; on SQLite the transaction holds the database's
write lock from its ``BEGIN IMMEDIATE``, after taking its turn among the
writers, see ``writers.py``). So no update is lost, no balance goes negative
and no number is given twice, whichever process of whichever machine writes.
Readers take no lock.

What a lookup found outside a transaction is kept while the tenant's version
stays the one ``sync`` read at the start of a request: a GET of a record this
process read before costs one read of the version. A write through this
process keeps nothing until the next ``sync``; another process's write changes
the version the next ``sync`` reads. A kept lookup is dropped with its whole
set: each set holds only what was read after the set was made, and a new set
is made whenever the version is not the one seen last.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Hashable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from sqlalchemy import Connection, Engine, update

from mockserver.store.sql.driver_reads import VERSION_SQL, DriverReads
from mockserver.store.sql.engine import IMMEDIATE, readers
from mockserver.store.sql.schema import Schema
from mockserver.store.sql.writers import NoTurn, SqliteWriters

LOOKUPS_KEPT = 4096  # lookups kept per tenant and version; past it, the rest are read each time
MISSING = object()  # no lookup kept


class Connections:
    """The connections of one tenant (``tenant``) of a store."""

    def __init__(self, engine: Engine, schema: Schema, tenant: str, writers, reads: DriverReads):
        self._engine = engine
        self.readers = readers(engine)
        self.writers: SqliteWriters | NoTurn = writers  # the database's writers take turns
        self.tenant = tenant
        tenants = schema.tenants
        self._bump = (
            update(tenants)
            .where(tenants.c.tenant == tenant)
            .values(version=tenants.c.version + 1)
            .returning(tenants.c.generation)
        )
        self._reads = reads
        self._sync_sql = reads.sql(VERSION_SQL)
        self._local = threading.local()  # the connection of this thread's transaction
        self._lookups: dict[Hashable, object] | None = None  # kept at ``_seen``'s version
        self._seen: tuple[int, int] | None = None  # (version, generation) the last sync read

    @property
    def held(self) -> Connection | None:
        """This thread's transaction's connection, if it is in one."""
        return getattr(self._local, "connection", None)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        held = self.held
        if held is not None:
            yield held
            return
        writer = self._engine.connect().execution_options(**{IMMEDIATE: True})
        try:
            with self.writers, writer as connection, connection.begin():
                self._local.generation = connection.execute(self._bump).scalar_one()
                self._local.connection = connection
                try:
                    yield connection
                finally:
                    self._local.connection = None
        finally:  # committed or rolled back: what was kept may be out of date
            self._seen = self._lookups = None

    def reading(self) -> AbstractContextManager[Connection]:
        """The transaction's connection, or one for a read on its own."""
        held = self.held
        return nullcontext(held) if held is not None else self.readers.connect()

    def sync(self) -> None:
        """Read the tenant's version and generation: lookups kept at another version go.
        On SQLite, not read again while no writer, in any process, has ended since."""
        found = self._reads.one(self._sync_sql, (self.tenant,))
        if found is None:
            return
        seen = tuple(found)
        if self._seen != seen or self._lookups is None:
            self._lookups = {}
        self._seen = seen

    @property
    def generation(self) -> int | None:
        """The tenant's generation: as the transaction began (no other writer changes it
        meanwhile), or as the last sync read it; None when it may have changed since."""
        if self.held is not None:
            return self._local.generation
        seen = self._seen
        return None if seen is None else seen[1]

    def generation_changed(self, generation: int) -> None:
        """The transaction gave the tenant a new generation."""
        self._local.generation = generation

    def kept(self, key: Hashable, look_up):
        """``look_up()``, or what it gave when last called with ``key`` at this version."""
        lookups = None if self.held is not None else self._lookups
        if lookups is None:
            return look_up()
        found = lookups.get(key, MISSING)
        if found is MISSING:
            found = look_up()
            if len(lookups) < LOOKUPS_KEPT:
                lookups[key] = found
        return found


def first_version() -> int:
    """A new tenant's version: random, so a tenant dropped and made again never
    starts at a version a process kept lookups of the old one at."""
    return secrets.randbits(60)
