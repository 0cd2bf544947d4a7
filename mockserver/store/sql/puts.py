"""Records put into their rows in the transaction held: a record known not to be
there is inserted at once, and one whose row is known to hold it as it was has
only what changed set (SQLite rewrites the index entries of every column an
``UPDATE`` sets, changed or not)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import partial

from sqlalchemy import delete

from mockserver.domain.records import DebitMemoItem
from mockserver.store.sql import rows
from mockserver.store.sql.connections import Connections
from mockserver.store.sql.counters import Counters
from mockserver.store.sql.kept import MISSING
from mockserver.store.sql.recent import RecentRecords
from mockserver.store.sql.schema import Schema


class Puts:
    """The puts of one tenant's store."""

    def __init__(self, db: Connections, counters: Counters, recent: RecentRecords, schema: Schema):
        self._db = db
        self._counters = counters
        self._recent = recent
        self._schema = schema

    def replace(self, table, record, row_of: Callable):
        """Update the record's row, or add one after the others; what its row held, if
        known (else ``MISSING``). ``row_of(was)`` is its row: given what the row holds,
        only what changed."""
        was = self._db.known((table.name, "id", record.id))
        self._db.put(table.name, record)
        writes, cursor = self._db.writes, self._db.held.cursor
        row = row_of(None if was is MISSING else was)
        if was is not None and was is not MISSING:
            writes.change(cursor, table, row)  # the row holds ``was``: it is there
        elif was is None or writes.update(cursor, table, row) == 0:
            writes.insert(cursor, table, {**row, "position": self._counters.next("position")})
        self._recent.keep(table, record, row["version"])
        return was

    def items(self, now: tuple[DebitMemoItem, ...], was: tuple[DebitMemoItem, ...]) -> None:
        """A memo's items ``now``, whose rows hold ``was``."""
        items = self._schema.debit_memo_items
        before = {item.id: item for item in was}
        added, changed = [], []
        for item in now:
            old = before.pop(item.id, None)
            if old is None:
                added.append(item)
            elif old is not item and old != item:
                changed.append((item, old))
        held = self._db.held
        if before:
            held.connection.execute(
                delete(items).where(items.c.tenant == self._db.tenant, items.c.id.in_(before))
            )
        writes, cursor = self._db.writes, held.cursor
        for item, old in changed:
            self._item(partial(writes.change, cursor, items), item, old)
        for item in added:
            self._item(partial(writes.insert, cursor, items), item, None)

    def _item(self, put: Callable[[dict], object], item: DebitMemoItem, was) -> None:
        items = self._schema.debit_memo_items
        row = rows.item_row(self._db.tenant, item, version(), was)
        put(row)
        self._recent.keep(items, item, row["version"])
        self._db.put(items.name, item)


def version() -> int:
    """A record version: random, so two processes never give the same one to one record."""
    return secrets.randbits(62)
