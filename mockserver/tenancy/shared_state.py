"""The tenant state that the processes of one sandbox share through its SQL
store (``--store sqlite:///...`` or ``postgresql://...``): which tenants exist,
their versions, their frozen clocks, and the tables of the journal,
idempotency keys, rate-limit windows and fault rules (``shared_journal``,
``shared_keys``, ``shared_faults``).

A tenant's row carries ``faults_version``, bumped when its fault rules
change, so a process re-reads them only then (the version of its data is the
store's: ``store/sql/connections.py``). Times are wall-clock
seconds: the processes may run on several machines.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Engine,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DatabaseError

from mockserver.store.sql.driver_reads import VERSION_SQL, DriverReads
from mockserver.store.sql.engine import IMMEDIATE
from mockserver.store.sql.schema import refuse_other_columns
from mockserver.store.sql.writers import NoTurn, SqliteWriters, writers_of
from mockserver.tenancy.journal_marks import JournalMarks

STATE = MetaData()

tenants = Table(
    "mock_tenants",
    STATE,
    Column("tenant", Text, primary_key=True),
    Column("faults_version", BigInteger, nullable=False, default=0),
    Column("journal_seq", BigInteger, nullable=False, default=0),
    Column("journal_bytes", BigInteger, nullable=False, default=0),
    Column("rule_number", Integer, nullable=False, default=1),  # the N of the next rule-N
    Column("frozen_at", Float),  # the set clock's instant, seconds since the epoch
)

journal = Table(
    "mock_journal",
    STATE,
    Column("tenant", Text, primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("footprint", Integer, nullable=False),
    Column("entry", LargeBinary, nullable=False),  # JSON of the entry's other fields
    Column("request_body", LargeBinary, nullable=False),
    Column("response_body", LargeBinary),
)

idempotency_keys = Table(
    "mock_idempotency_keys",
    STATE,
    Column("tenant", Text, primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("done", Boolean, nullable=False),
    Column("expires", Float, nullable=False),
    Column("status", Integer),
    Column("body", LargeBinary),
    Column("content_type", Text),
    Index("mock_idempotency_keys_expiry", "tenant", "expires"),
)

rate_windows = Table(
    "mock_rate_windows",
    STATE,
    Column("tenant", Text, primary_key=True),
    Column("window", BigInteger, nullable=False),
    Column("count", Integer, nullable=False),
)

fault_rules = Table(
    "mock_fault_rules",
    STATE,
    Column("tenant", Text, primary_key=True),
    Column("slot", Text, primary_key=True),  # the rule's id; "header " + text for a header's
    Column("position", BigInteger, nullable=False),
    Column("source", String(16), nullable=False),
    Column("spec", Text, nullable=False),  # the rule as text of its normalized mapping
    Column("identity", Text, nullable=False),
    Column("started", Float, nullable=False),
    Column("matches", BigInteger, nullable=False, default=0),
    Column("fired", BigInteger, nullable=False, default=0),
)

# the tenant's row, and its store's version read with it (handed to the store's sync)
ROW_SQL = (
    "SELECT m.faults_version, m.frozen_at, t.version, t.generation FROM mock_tenants m"
    " LEFT JOIN tenants t ON t.tenant = m.tenant WHERE m.tenant = ?"
)
PER_TENANT = (journal, idempotency_keys, rate_windows, fault_rules)


@dataclass(frozen=True, slots=True)
class TenantRow:
    faults_version: int
    frozen_at: datetime | None


class SharedState:
    """The state tables on one engine, and the transactions they are changed in."""

    def __init__(
        self,
        engine: Engine,
        writers: SqliteWriters | NoTurn | None = None,
        reads: DriverReads | None = None,
    ):
        self.engine = engine
        # this process's writers take turns (with the store's: the same lock)
        self._writers = writers or writers_of(engine)
        self._reads = reads or DriverReads(engine, self._writers)
        self._writer = engine.execution_options(**{IMMEDIATE: True})
        self._dialect = {"postgresql": postgresql, "sqlite": sqlite}[engine.dialect.name]
        self._sqlite = engine.dialect.name == "sqlite"
        self._row_sql = self.sql(ROW_SQL)
        self._reads.versioned(self._row_sql)  # a batch of the journal changes none of it
        self._version_sql = self.sql(VERSION_SQL)
        # SQLite: one machine's processes, whose journal entries are written behind
        self.journal_marks = (
            JournalMarks(Path(f"{engine.url.database}-journal-marks")) if self._sqlite else None
        )
        try:
            STATE.create_all(engine)
        except DatabaseError:  # another process created them at the same moment
            STATE.create_all(engine)
        refuse_other_columns(engine, STATE)

    @contextlib.contextmanager
    def writing(self) -> Iterator[Connection]:
        """A transaction that writes (SQLite: it holds the write lock from the start)."""
        with self._writers, self._writer.begin() as connection:
            yield connection

    @contextlib.contextmanager
    def driver_writing(self) -> Iterator[Any]:
        """A writing transaction on the driver's own cursor, for the statements of
        every request (``sql`` gives their placeholders): a fraction of the time
        SQLAlchemy's statement machinery takes. They change nothing that ``row`` reads:
        what the reads keep is carried past them (``DriverReads.carry``)."""
        with self._writers.begun(self.engine, self._reads.carry) as pooled:
            cursor = pooled.cursor()
            yield cursor
            cursor.close()

    def sql(self, text: str) -> str:
        """``text`` with the driver's placeholders (written as ``?``)."""
        return self._reads.sql(text)

    @contextlib.contextmanager
    def reading(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            yield connection

    def upsert(self, table: Table):
        """``INSERT`` with the dialect's ``ON CONFLICT`` clauses."""
        return self._dialect.insert(table)

    # -- tenants -------------------------------------------------------------------

    def claim(self, tenant: str, cap: int | None = None) -> bool | None:
        """Add the tenant's row if it has none: True when this call added it, False
        when it was there, None when there are ``cap`` others already."""
        with self.writing() as connection:
            if connection.scalar(select(tenants.c.tenant).where(tenants.c.tenant == tenant)):
                return False
            count = connection.scalar(select(func.count()).select_from(tenants))
            if cap is not None and count > cap:
                return None
            connection.execute(insert(tenants).values(tenant=tenant))
            return True

    def row(self, tenant: str) -> TenantRow | None:
        """The tenant's counters and clock; None when no process has it (any more).
        Read at the start of every request, on the thread's own driver connection,
        with the store's version, which the store's sync that follows takes; on
        SQLite not read again while no writer, in any process, has ended since."""
        found = self._reads.one(self._row_sql, (tenant,))
        if found is None:
            return None
        faults_version, frozen_at, version, generation = found
        seen = None if version is None else (version, generation)
        self._reads.hand_over(self._version_sql, (tenant,), seen)
        when = None if frozen_at is None else datetime.fromtimestamp(frozen_at, UTC)
        return TenantRow(faults_version, when)

    def tenant_keys(self) -> list[str]:
        with self.reading() as connection:
            return list(connection.scalars(select(tenants.c.tenant).order_by(tenants.c.tenant)))

    def set_clock(self, tenant: str, when: datetime | None) -> None:
        with self.writing() as connection:
            connection.execute(
                update(tenants)
                .where(tenants.c.tenant == tenant)
                .values(frozen_at=None if when is None else when.timestamp())
            )

    def forget(self, connection: Connection, tenant: str, drop: bool = False) -> None:
        """Empty the tenant's journal, keys, windows and rules; ``drop``: its row too."""
        for table in PER_TENANT:
            connection.execute(delete(table).where(table.c.tenant == tenant))
        if drop:
            connection.execute(delete(tenants).where(tenants.c.tenant == tenant))
            return
        connection.execute(
            update(tenants)
            .where(tenants.c.tenant == tenant)
            .values(
                journal_bytes=0,
                frozen_at=None,
                faults_version=tenants.c.faults_version + 1,
            )
        )
