"""One tenant's way into a SQL store's database: the transactions its writes
take turns in, the reads on their own, and what is kept between them.

A transaction holds the tenant's writes in turn, as the memory store's lock
does: it begins by adding one to the tenant's ``version`` (on PostgreSQL that
update locks the tenant's row; on SQLite the transaction holds the database's
write lock from its ``BEGIN IMMEDIATE``, after taking its turn among the
writers, see ``writers.py``). So no update is lost, no balance goes negative
and no number is given twice, whichever process of whichever machine writes.
Readers take no lock. The writers of one process that wait behind each other
share one such transaction, one after the other (``group.py``): a transaction
below is the group's, begun by its first writer and committed by its last.

What a process knows of the tenant at one version is ``Kept``: the lookups
read at that version. ``sync`` reads the version at
the start of a request; while it is the one seen last, lookups are served from
what is kept (a GET of a record read before costs one read of the version).
A write through this process keeps, at the version it ends at, the records it
put, by id (and, of a table it only put records in, the others kept by id).
Another process's write changes the version: the next ``sync`` starts afresh.

A transaction's bump returns the new version. When it is the kept one plus
one, or the one this process's previous transaction committed plus one (what
that transaction hands over: ``succession.py``), no other writer came
between, so what is kept still holds: the
transaction's lookups of tables it has not written yet are served from it,
and at the commit what it did not write is kept at the new version. The bump
also returns the tenant's counters, whoever wrote last, and the log of what
the last transactions changed (``changes.py``). When other writers came
between, what this process knew before them holds but for what they changed:
the transaction drops those lookups and keeps the rest. When the log cannot
say what they changed, the transaction begins with nothing kept, and keeps
what it reads and puts as it goes. A transaction that fails keeps nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import NoResultFound
from sqlalchemy.pool import PoolProxiedConnection

from mockserver.store.sql.changes import appended, line, since
from mockserver.store.sql.driver_reads import VERSION_SQL, DriverReads
from mockserver.store.sql.driver_writes import DriverWrites
from mockserver.store.sql.engine import readers, statements_engine
from mockserver.store.sql.group import GROUP_MAX, Group, Turn
from mockserver.store.sql.kept import LOOKUPS_KEPT, MISSING, Kept, Transaction, carried, known_after
from mockserver.store.sql.later import LATER, LaterCursor, run_later
from mockserver.store.sql.schema import COUNTERS, Schema, counter_column
from mockserver.store.sql.succession import Succession, handed
from mockserver.store.sql.writers import NoTurn, SqliteWriters


class Connections:
    """The connections of one tenant (``tenant``) of a store."""

    def __init__(self, engine: Engine, schema: Schema, tenant: str, writers, reads: DriverReads):
        self._engine = engine
        self._statements = statements_engine(engine)
        self.readers = readers(engine)
        self.writers: SqliteWriters | NoTurn = writers  # the database's writers take turns
        self.tenant = tenant
        self.reads = reads
        self.writes = DriverWrites(engine.dialect)
        self._bump = reads.sql(
            "UPDATE tenants SET version = version + 1 WHERE tenant = ?"
            " RETURNING version, generation, "
            + ", ".join(map(counter_column, COUNTERS))
            + ", changes"
        )
        self._ends: dict[tuple[str, ...], str] = {}  # by the counters it sets: see ``_end``
        self._sync_sql = reads.sql(VERSION_SQL)
        self._local = threading.local()  # this thread's ``Transaction``
        self._kept: Kept | None = None
        self._keeping = threading.Lock()  # who replaces ``_kept``
        self._succession = Succession()  # what the last transaction hands to the next
        self._turn = Turn()  # this process's writers of the tenant take turns
        self._group: Group | None = None  # the transaction they share, while open

    @property
    def held(self) -> Transaction | None:
        """This thread's transaction, if it is in one."""
        return getattr(self._local, "transaction", None)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """This thread's transaction: in a group of the writers that wait behind each
        other (``group.py``); returns once the group's commit is over."""
        held = self.held
        if held is not None:
            yield held
            return
        with self._turn:
            group = self._group or self._open()
            try:
                held = self._join(group)
            except BaseException as error:
                self._end_group(group, error)
                raise
            self._local.transaction = held
            try:
                yield held
            except BaseException as error:
                self._local.transaction = None
                self._failed(group, held, error)
                raise
            self._local.transaction = None
            try:
                self._stays(group, held)
            except BaseException as error:
                self._end_group(group, error)
                raise
            if not self._hand_on(group):
                return
        group.done.wait()
        if group.error is not None:
            raise group.error

    def _open(self) -> Group:
        """A group: the database's transaction begun, the tenant's version bumped."""
        opened: list[Group] = []

        def committed(writes: int) -> None:  # what reads keep holds at the new version
            group = opened[0]
            self.reads.carry(writes, self.tenant, (group.version, group.last.generation))

        writing = self.writers.begun(self._engine, committed)
        pooled = writing.__enter__()
        try:
            cursor = self._cursor(pooled)
            cursor.execute(self._bump, (self.tenant,))
            bumped = cursor.fetchone()
            if bumped is None:
                raise NoResultFound(f"no tenant {self.tenant!r}")
        except BaseException as error:
            writing.__exit__(type(error), error, error.__traceback__)
            pooled.info.pop(LATER, None)
            raise
        version, generation, *counted, log = bumped
        base = self._base(version, generation, log)
        counters = dict(zip(COUNTERS, counted, strict=True))
        first = Transaction(self._statements, pooled, cursor, generation, base, counters, log)
        group = Group(writing, pooled, cursor, version, log, self._kept, base, first)
        opened.append(group)
        self._group = group
        return group

    def _join(self, group: Group) -> Transaction:
        """The transaction of the group's next writer: its first's, or one that begins
        where the last whose work stays left off, after a savepoint."""
        group.size += 1
        if group.size == 1:
            return group.last
        last = group.last
        base = known_after(last, group.version)
        group.savepoint()
        return Transaction(
            self._statements,
            group.pooled,
            group.cursor,
            last.generation,
            base,
            dict(last.counters),
            group.log,
        )

    def _stays(self, group: Group, held: Transaction) -> None:
        if group.size > 1:
            group.released()
        group.stays(held)

    def _failed(self, group: Group, held: Transaction, error: BaseException) -> None:
        """A writer's work raised: the group's first ends the group, rolled back; a
        later one rolls back to its savepoint, and the group goes on."""
        if group.size == 1:
            self._end_group(group, error)
            return
        try:
            group.rolled_back()
        except BaseException as broken:
            self._end_group(group, broken)
            raise
        self._hand_on(group)

    def _hand_on(self, group: Group) -> bool:
        """The turn handed on with the group open when writers wait for it and the group
        has room (True); else the group ends, committed."""
        if self._turn.waiting and group.size < GROUP_MAX:
            return True
        self._end_group(group)
        return False

    def _end_group(self, group: Group, error: BaseException | None = None) -> None:
        """The group's transaction committed (rolled back with ``error``), and what it
        knows kept; its writers waiting for the commit are told."""
        self._group = None
        ended = handing = None
        try:
            if error is None:
                self._end(group)
                handing = self._succession.hand_over(group.version)
                if isinstance(group.cursor, LaterCursor):
                    group.cursor.commit()
            self._close(group, error)
            if error is None:
                ended = known_after(group.last, group.version)  # committed
        except BaseException as failed:
            group.error = failed
            raise
        finally:  # or rolled back (``ended`` None): nothing kept holds
            group.error = group.error or error
            handed(handing, ended)
            self._replace((group.start, group.base), ended)
            group.done.set()

    def _close(self, group: Group, error: BaseException | None) -> None:
        """The writers' transaction ended: committed, or rolled back with ``error``."""
        try:
            if error is None:
                group.writing.__exit__(None, None, None)
            else:
                group.writing.__exit__(type(error), error, error.__traceback__)
        except BaseException as failed:
            if failed is not error:
                raise
        finally:
            group.pooled.info.pop(LATER, None)
            group.cursor.close()

    def _base(self, version: int, generation: int, log: bytes) -> Kept:
        """What holds at the version before ``version`` (a bump's): what this process's
        last transaction knew at its commit (``succession.py``), else what is kept,
        either at that version, or before other writers came between but for what
        they changed (``log``); else nothing but what the transaction reads."""
        seen = (version - 1, generation)
        for known in (self._succession.known(version), self._kept):
            if known is None or known.seen[1] != generation or known.seen[0] > seen[0]:
                continue
            if known.seen[0] == seen[0]:
                return known
            changed = since(log, known.seen[0], seen[0])
            if changed is not None:
                return carried(known, changed, seen)
        return Kept(seen)

    def _end(self, group: Group) -> None:
        """The tenant's row as the group leaves it: the log with its line, and the
        values its counters went up to (on PostgreSQL, with the commit)."""
        names = tuple(sorted(group.pending))
        sql = self._ends.get(names)
        if sql is None:
            columns = "".join(f", {counter_column(name)} = ?" for name in names)
            sql = self._ends[names] = self.reads.sql(
                f"UPDATE tenants SET changes = ?{columns} WHERE tenant = ?"
            )
        log = appended(group.log, line(group.version, group.changed))
        counters = group.last.counters
        run_later(group.cursor, sql, (log, *(counters[n] for n in names), self.tenant))

    def _cursor(self, pooled: PoolProxiedConnection):
        """The driver's cursor of a write transaction (PostgreSQL's holds back the
        writes nothing reads the result of, for the commit: ``later.py``)."""
        cursor = pooled.driver_connection.cursor()
        if self._engine.dialect.name == "sqlite":
            return cursor
        later = LaterCursor(cursor)
        # the SQLAlchemy statements' ``send_before`` finds it: a Connection's ``info``
        # is its pooled connection's
        pooled.info[LATER] = later
        return later

    def _replace(self, began: tuple[Kept | None, Kept | None], ended: Kept | None) -> None:
        """What is kept after a transaction that began with ``began`` kept (when it
        waited, and its base): ``ended``, unless a sync (or another transaction)
        replaced both meanwhile with something newer; committed, ``ended`` also
        replaces what is kept at the version just before it. Nothing when nothing
        was kept (the next sync begins a new ``Kept``)."""
        with self._keeping:
            kept = self._kept
            if kept is None:
                return
            if any(kept is k for k in began) or (
                ended is not None and kept.seen[0] + 1 == ended.seen[0]
            ):
                self._kept = ended

    def first(self, sql: str, parameters: tuple) -> tuple | None:
        """The first row of ``sql`` (from ``reads.sql``) on the driver: in the
        transaction, or as a read on its own."""
        held = self.held
        if held is None:
            return self.reads.read(sql, parameters)
        held.cursor.execute(sql, parameters)
        return held.cursor.fetchone()

    def reading(self) -> AbstractContextManager[Connection]:
        """The transaction's connection, or one for a read on its own."""
        held = self.held
        return nullcontext(held.connection) if held is not None else self.readers.connect()

    def sync(self) -> None:
        """Read the tenant's version and generation: what was kept at another version goes.
        On SQLite, not read again while no writer, in any process, has ended since."""
        found = self.reads.one(self._sync_sql, (self.tenant,))
        if found is None:
            return
        seen = tuple(found)
        with self._keeping:
            kept = self._kept
            if kept is None or kept.seen != seen:
                self._kept = Kept(seen)

    @property
    def generation(self) -> int | None:
        """The tenant's generation: as the transaction began (no other writer changes it
        meanwhile), or as the last sync read it; None when it may have changed since."""
        held = self.held
        if held is not None:
            return held.generation
        kept = self._kept
        return None if kept is None else kept.seen[1]

    def generation_changed(self, generation: int) -> None:
        """The transaction gave the tenant a new generation."""
        self.held.generation = generation

    def kept(self, key: Hashable, look_up):
        """``look_up()``, or what it gave when last called with ``key`` (a tuple: the
        table's name, a column and its value) at this version; None, read nothing, for an
        id the transaction has just made."""
        if self._made_here(key):
            return None
        lookups = self._lookups(key[0], key[1])
        if lookups is None:
            return look_up()
        found = lookups.get(key[2], MISSING)
        if found is MISSING:
            found = look_up()
            if len(lookups) < LOOKUPS_KEPT:
                lookups[key[2]] = found
        return found

    def known(self, key: Hashable):
        """What is kept of ``key`` (as ``kept``'s), or ``MISSING``: never reads."""
        if self._made_here(key):
            return None
        lookups = self._lookups(key[0], key[1])
        return MISSING if lookups is None else lookups.get(key[2], MISSING)

    def _lookups(self, table: str, column: str) -> dict[Hashable, object] | None:
        held = self.held
        if held is None:
            kept = self._kept
        elif table in held.written:
            return None
        else:
            kept = held.base
        if kept is None:
            return None
        lookups = kept.lookups.get((table, column))
        return kept.lookups.setdefault((table, column), {}) if lookups is None else lookups

    def wrote(self, *tables: str) -> None:
        """The transaction writes ``tables``: their lookups are read from now on, and
        nothing it put in them is kept."""
        held = self.held
        held.written.update(tables)
        held.rewrote.update(tables)
        held.put = {key: record for key, record in held.put.items() if key[0] not in tables}

    def put(self, table: str, record) -> None:
        """The transaction put ``record`` in ``table``: kept by id after the commit."""
        held = self.held
        held.written.add(table)
        held.put[(table, "id", record.id)] = record
        held.fresh.discard(record.id)

    def made(self, record_id: str) -> None:
        """The transaction made the id: no record has it (ids are never made twice)."""
        held = self.held
        if held is not None:
            held.fresh.add(record_id)

    def _made_here(self, key: Hashable) -> bool:
        """``key`` looks up by an id no record has: the transaction made it and put none
        with it."""
        held = self.held
        return held is not None and key[1] == "id" and key[2] in held.fresh
