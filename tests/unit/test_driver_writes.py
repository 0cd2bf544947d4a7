"""The puts on the driver's cursor (``driver_writes.py``) store each column as
SQLAlchemy's own insert of the same row does: same text for SQLite's dates and
instants, same numbers, bytes and booleans, on both engines."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sample_records import add_account, make_memo
from sqlalchemy import insert

from mockserver.store.memory import MemoryStore
from mockserver.store.sql import rows
from mockserver.store.sql.backend import SqlStores


@pytest.fixture
def stores(shared_store_url):
    stores = SqlStores(shared_store_url)
    yield stores
    stores.engine.dispose()


def stored(stores, table, tenant: str) -> list[tuple]:
    """The rows of ``tenant`` in ``table`` as the driver gives them (SQLite's text, not
    what SQLAlchemy parses of it), every column but the tenant, version and position."""
    columns = ", ".join(c.name for c in table.c if c.name not in ("tenant", "version", "position"))
    with stores.engine.connect() as connection:
        found = connection.exec_driver_sql(
            f"SELECT {columns} FROM {table.name} WHERE tenant = '{tenant}' ORDER BY id"
        )
        return [tuple(row) for row in found]


def test_a_memo_put_on_the_driver_is_stored_as_sqlalchemy_stores_it(stores):
    store = stores.open("driver", MemoryStore("writes").frozen())
    account = add_account(store)
    eastern = timezone(timedelta(hours=-5))
    memo = make_memo(
        store,
        account,
        amounts=(1000, 250),
        state="posted",
        updated=datetime(2026, 1, 5, 9, 0, 0, 0, tzinfo=eastern),  # no microseconds
        description="driver",
    )
    store.put_memo(memo)
    schema, tenant = stores.schema, "sqlalchemy"
    with stores.engine.begin() as connection:  # the same rows by SQLAlchemy's insert
        connection.execute(
            insert(schema.debit_memos), [rows.memo_row(tenant, memo, 1) | {"position": 1}]
        )
        connection.execute(
            insert(schema.debit_memo_items), [rows.item_row(tenant, i, 1) for i in memo.items]
        )
    for table in (schema.debit_memos, schema.debit_memo_items):
        assert stored(stores, table, "driver") == stored(stores, table, tenant)
    assert store.memo(memo.id) == memo
    assert memo.audit.updated_time.astimezone(UTC).hour == 14


def test_a_memo_changed_where_its_row_is_known_is_stored_whole(stores, monkeypatch):
    """A put over a row known to hold the memo as it was sets only the columns that
    changed: the rows then hold what a whole new row would."""
    store = stores.open("driver", MemoryStore("writes").frozen())
    store.sync()  # what the process knows of the tenant holds from here on
    account = add_account(store)
    memo = make_memo(store, account, amounts=(1000, 250), state="draft")
    store.put_memo(memo)
    later = datetime(2026, 2, 1, 12, 0, 0, 123456, tzinfo=UTC)
    paid = replace(memo.items[0], subtotal_paid=400, audit=replace(memo.audit, updated_time=later))
    changed = replace(
        memo, state="posted", items=(paid, memo.items[1]), audit=paid.audit, description="paid"
    )
    known = []
    whole_row = rows.memo_row
    monkeypatch.setattr(rows, "memo_row", lambda *a: known.append(a[3:]) or whole_row(*a))
    store.put_memo(changed)
    assert known == [(memo,)]  # the row as it was was known: only what changed was set
    schema, tenant = stores.schema, "sqlalchemy"
    with stores.engine.begin() as connection:
        connection.execute(
            insert(schema.debit_memos), [whole_row(tenant, changed, 1) | {"position": 1}]
        )
        connection.execute(
            insert(schema.debit_memo_items), [rows.item_row(tenant, i, 1) for i in changed.items]
        )
    for table in (schema.debit_memos, schema.debit_memo_items):
        assert stored(stores, table, "driver") == stored(stores, table, tenant)
    assert store.memo(memo.id) == changed
