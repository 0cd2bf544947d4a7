"""A tenant's request journal in the SQL store, so every process of a sandbox
records into one journal and reads all of it.

The same bounds as ``Journal``: the newest ``size`` entries, fewer when they
would take over ``max_bytes``. Numbers come from the tenant's row, in the
transaction that records the entry, so ``seq`` grows in commit order across
processes. Old entries are deleted every ``TRIM_EVERY`` entries (reads keep
the newest ``size`` meanwhile), or at once when the bytes are over.

On PostgreSQL a batch is one statement in autocommit, which numbers and
inserts (``ADD_SQL``): one round trip, and the tenant's row is locked only
while PostgreSQL runs it, not across the round trips of a transaction.
"""

from __future__ import annotations

import orjson
from sqlalchemy import Connection, delete, func, select, update

from mockserver.store.sql.engine import autocommitted
from mockserver.tenancy.group_commit import GroupCommit, WriteBehind
from mockserver.tenancy.journal import Entry, matching, stamped
from mockserver.tenancy.shared_state import SharedState, journal, tenants

TRIM_EVERY = 16
_BODIES = ("request_body", "response_body")
_PAIRS = ("request_headers", "response_headers")
_FIELDS = tuple(name for name in Entry._fields if name not in _BODIES and name != "seq")
COUNT_SQL = (
    "UPDATE mock_tenants SET journal_seq = journal_seq + ?, journal_bytes = journal_bytes + ?"
    " WHERE tenant = ? RETURNING journal_seq, journal_bytes"
)
TRIM_SQL = "DELETE FROM mock_journal WHERE tenant = ? AND seq <= ? RETURNING footprint"
FREED_SQL = "UPDATE mock_tenants SET journal_bytes = journal_bytes - ? WHERE tenant = ?"
INSERT_SQL = (
    "INSERT INTO mock_journal (tenant, seq, footprint, entry, request_body, response_body)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)

# PostgreSQL: the batch's columns as arrays, numbered after the tenant's last; the
# arrays sent in binary (psycopg's text form escapes every byte: ~13x the time)
ADD_SQL = (
    "WITH counted AS (UPDATE mock_tenants SET journal_seq = journal_seq + %(count)s,"
    " journal_bytes = journal_bytes + %(added)s WHERE tenant = %(tenant)s"
    " RETURNING journal_seq, journal_bytes),"
    " inserted AS (INSERT INTO mock_journal"
    " (tenant, seq, footprint, entry, request_body, response_body)"
    " SELECT %(tenant)s, counted.journal_seq - %(count)s + d.n, d.footprint, d.entry,"
    " d.request_body, d.response_body FROM counted, unnest(%(footprints)b::integer[],"
    " %(entries)b::bytea[], %(requests)b::bytea[], %(responses)b::bytea[])"
    " WITH ORDINALITY AS d(footprint, entry, request_body, response_body, n))"
    " SELECT journal_seq, journal_bytes FROM counted"
)
# PostgreSQL: the entries up to a number deleted, and their bytes taken off
CUT_SQL = (
    "WITH gone AS (DELETE FROM mock_journal WHERE tenant = %(tenant)s AND seq <= %(seq)s"
    " RETURNING footprint) UPDATE mock_tenants"
    " SET journal_bytes = journal_bytes - (SELECT coalesce(sum(footprint), 0) FROM gone)"
    " WHERE tenant = %(tenant)s RETURNING journal_bytes"
)


_ARRAYS = ("footprints", "entries", "requests", "responses")  # ADD_SQL's, of _values'


def _values(entry: Entry, footprint: int) -> tuple:
    """The values of ``INSERT_SQL`` after the tenant and the number."""
    fields = {name: getattr(entry, name) for name in _FIELDS}
    return footprint, orjson.dumps(fields), entry.request_body, entry.response_body


def _entry(seq: int, text: bytes, request_body: bytes, response_body: bytes | None) -> Entry:
    fields = orjson.loads(text)
    for name in _PAIRS:
        fields[name] = tuple(tuple(pair) for pair in fields[name])
    return Entry(seq=seq, request_body=request_body, response_body=response_body, **fields)


class SharedJournal:
    def __init__(self, state: SharedState, tenant: str, size: int, max_bytes: int):
        self._state = state
        self._tenant = tenant
        self.size = size
        self.max_bytes = max_bytes
        marks = state.journal_marks
        self._commits = GroupCommit(self._add) if marks is None else WriteBehind(self._write, marks)

    def add(self, **fields) -> None:
        """Record an entry numbered and stamped now; ``fields`` are the rest of ``Entry``'s.
        On PostgreSQL it returns once the entry is committed (with the entries other
        threads added meanwhile); on SQLite at once, the entry written behind it."""
        draft = stamped(0, fields)
        self._commits.submit((draft, draft.footprint()))

    def _add(self, drafts: list[tuple[Entry, int]]) -> None:
        """PostgreSQL: number ``drafts`` and insert them in one statement."""
        rows = [_values(draft, footprint) for draft, footprint in drafts]
        columns = {"tenant": self._tenant, "count": len(rows)}
        columns["added"] = sum(footprint for _, footprint in drafts)
        arrays = (list(values) for values in zip(*rows, strict=True))
        columns.update(zip(_ARRAYS, arrays, strict=True))
        with autocommitted(self._state.engine) as cursor:
            cursor.execute(ADD_SQL, columns)
            counted = cursor.fetchone()
            if counted is None:
                return  # the tenant was dropped meanwhile
            last, total = counted
            if last // TRIM_EVERY != (last - len(rows)) // TRIM_EVERY:
                cursor.execute(CUT_SQL, {"tenant": self._tenant, "seq": last - self.size})
                (total,) = cursor.fetchone() or (total,)
        self._within_bytes(last, total)

    def _write(self, drafts: list[tuple[Entry, int]]) -> None:
        """SQLite: number ``drafts`` in one go, and insert them."""
        added = sum(footprint for _, footprint in drafts)
        state = self._state
        with state.driver_writing() as cursor:
            cursor.execute(state.sql(COUNT_SQL), (len(drafts), added, self._tenant))
            counted = cursor.fetchone()
            if counted is None:
                return  # the tenant was dropped meanwhile
            last, total = counted
            first = last - len(drafts) + 1
            rows = [
                (self._tenant, seq, *_values(draft, footprint))
                for seq, (draft, footprint) in enumerate(drafts, start=first)
            ]
            cursor.executemany(state.sql(INSERT_SQL), rows)
            if last // TRIM_EVERY != (first - 1) // TRIM_EVERY:
                cursor.execute(state.sql(TRIM_SQL), (self._tenant, last - self.size))
                freed = sum(footprint for (footprint,) in cursor.fetchall())
                cursor.execute(state.sql(FREED_SQL), (freed, self._tenant))
                total -= freed
        self._within_bytes(last, total)

    def _within_bytes(self, seq: int, total: int) -> None:
        if total > self.max_bytes:
            with self._state.writing() as connection:
                self._trim(connection, seq, total)

    def _trim(self, connection: Connection, seq: int, total: int) -> None:
        """Delete the oldest entries while the bytes are over (and any past the count)."""
        mine = journal.c.tenant == self._tenant
        rows = connection.execute(
            select(journal.c.seq, journal.c.footprint).where(mine).order_by(journal.c.seq)
        ).all()
        gone, freed = [], 0
        for number, footprint in rows[:-1]:
            if number > seq - self.size and total - freed <= self.max_bytes:
                break
            gone.append(number)
            freed += footprint
        if gone:
            connection.execute(delete(journal).where(mine, journal.c.seq <= gone[-1]))
            connection.execute(
                update(tenants)
                .where(tenants.c.tenant == self._tenant)
                .values(journal_bytes=tenants.c.journal_bytes - freed)
            )

    def entries(self, after: int | None = None, **filters) -> list[Entry]:
        """Matching entries, oldest first (``filters``: see ``journal.matching``)."""
        columns = (journal.c.seq, journal.c.entry, journal.c.request_body, journal.c.response_body)
        self._commits.settle()
        query = select(*columns).where(journal.c.tenant == self._tenant)
        if after is not None:
            query = query.where(journal.c.seq > after)
        with self._state.reading() as connection:
            newest = connection.scalar(
                select(tenants.c.journal_seq).where(tenants.c.tenant == self._tenant)
            )
            rows = connection.execute(
                query.where(journal.c.seq > (newest or 0) - self.size).order_by(journal.c.seq)
            ).all()
        return matching([_entry(*row) for row in rows], **filters)

    def flush(self) -> None:
        self._commits.settle(others=False)

    def clear(self) -> None:
        self._commits.settle()
        with self._state.writing() as connection:
            connection.execute(delete(journal).where(journal.c.tenant == self._tenant))
            connection.execute(
                update(tenants).where(tenants.c.tenant == self._tenant).values(journal_bytes=0)
            )

    def __len__(self) -> int:
        self._commits.settle()
        with self._state.reading() as connection:
            newest = connection.scalar(
                select(tenants.c.journal_seq).where(tenants.c.tenant == self._tenant)
            )
            count = connection.scalar(
                select(func.count())
                .select_from(journal)
                .where(journal.c.tenant == self._tenant, journal.c.seq > (newest or 0) - self.size)
            )
        return count or 0
