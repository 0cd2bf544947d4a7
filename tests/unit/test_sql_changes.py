"""The log of what a tenant's last write transactions changed (``changes.py``),
and what a transaction keeps through it when other processes wrote before it:
two ``SqlStores`` on one database stand for two processes.

A record this process kept is proved kept (not read again) by deleting its row
behind the sandbox's back (no writer, no new version): a lookup kept still
finds it, one read again does not."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sample_records import add_account, put_memo
from sqlalchemy import create_engine, delete, text

from mockserver.store.memory import MemoryStore
from mockserver.store.sql import changes
from mockserver.store.sql.backend import SqlStores
from mockserver.store.sql.changes import appended, line, since
from mockserver.store.sql.engine import StoreUrlError
from mockserver.store.sql.schema import Schema

TENANT = "changes"
memos = Schema().debit_memos


def test_the_log_keeps_its_last_lines():
    log = b""
    for version in range(10, 10 + changes.CHANGES_KEPT + 3):
        log = appended(log, line(version, {"accounts": frozenset({f"a{version}"})}))
    kept = log.split(b"\n")
    assert len(kept) == changes.CHANGES_KEPT
    last = 12 + changes.CHANGES_KEPT
    oldest = last + 1 - changes.CHANGES_KEPT
    assert kept[0] == line(oldest, {"accounts": frozenset({f"a{oldest}"})})
    assert kept[-1] == line(last, {"accounts": frozenset({f"a{last}"})})


def test_what_changed_since_a_version_is_every_later_line_together():
    log = b"\n".join(
        [
            line(5, {"accounts": frozenset({"a"})}),
            line(6, {"debit_memos": frozenset({"m1"}), "debit_memo_items": None}),
            line(7, {"debit_memos": frozenset({"m2"}), "payments": frozenset({"p"})}),
            line(8, {}),
        ]
    )
    assert since(log, 5, 8) == {
        "debit_memos": frozenset({"m1", "m2"}),
        "debit_memo_items": None,
        "payments": frozenset({"p"}),
    }
    assert since(log, 7, 8) == {}


def test_the_log_cannot_say_past_its_first_line_or_across_a_fill():
    log = b"\n".join([line(6, {}), line(7, None), line(8, {})])
    assert since(log, 4, 8) is None  # version 5's line is gone
    assert since(log, 6, 8) is None  # version 7 wrote every table
    assert since(log, 7, 8) == {}
    assert since(b"", 7, 8) is None


def test_a_line_lists_a_few_ids_of_a_table_and_past_them_the_table():
    many = frozenset(f"m{n}" for n in range(changes.IDS_LOGGED + 1))
    log = line(3, {"debit_memos": many, "accounts": frozenset({"a"})})
    assert since(log, 2, 3) == {"debit_memos": None, "accounts": frozenset({"a"})}


@pytest.fixture
def stores(processes):
    """This process's store with two memos it put and read, and the other process's."""
    empty = MemoryStore(TENANT).frozen()
    here, there = (stores.open(TENANT, empty) for stores in processes)
    account = add_account(here)
    first, second = put_memo(here, account), put_memo(here, account)
    with here.transaction():
        assert (here.memo(first.id), here.memo(second.id)) == (first, second)
    return here, there, first, second


def behind_the_back(processes, memo_id: str) -> None:
    """The memo's row deleted by no writer of the sandbox: the version stays."""
    with processes[0].engine.begin() as connection:
        connection.execute(delete(memos).where(memos.c.id == memo_id))


def test_a_transaction_after_another_process_wrote_sees_its_write_and_keeps_the_rest(
    processes, stores
):
    here, there, first, second = stores
    there.put_memo(replace(second, description="changed there"))
    behind_the_back(processes, first.id)
    with here.transaction():
        assert here.memo(second.id).description == "changed there"
        assert here.memo(first.id) == first  # kept: not read again


def test_what_is_kept_goes_on_to_the_transactions_after(processes, stores):
    here, there, first, second = stores
    there.put_memo(replace(second, description="changed there"))
    with here.transaction():
        assert here.memo(second.id).description == "changed there"
    there.put_memo(replace(second, description="changed again"))
    behind_the_back(processes, first.id)
    with here.transaction():
        assert here.memo(first.id) == first
        assert here.memo(second.id).description == "changed again"


def test_a_lookup_by_number_in_a_table_another_process_changed_is_read_again(stores):
    here, there, first, _ = stores
    with here.transaction():
        assert here.memo_by_number("DM00000003") is None
    made = put_memo(there, there.account(first.account_id))
    assert made.debit_memo_number == "DM00000003"
    with here.transaction():
        assert here.memo_by_number("DM00000003") == made


def test_a_table_another_process_wrote_otherwise_than_by_puts_is_read_again(processes, stores):
    here, there, first, second = stores
    there.delete_memo(second.id)
    behind_the_back(processes, first.id)
    with here.transaction():
        assert here.memo(second.id) is None
        assert here.memo(first.id) is None  # every lookup of the table: read again


def test_past_the_lines_the_log_keeps_a_transaction_keeps_nothing(processes, stores, monkeypatch):
    monkeypatch.setattr(changes, "CHANGES_KEPT", 2)
    here, there, first, second = stores
    for n in range(3):
        there.put_memo(replace(second, description=f"changed there {n}"))
    behind_the_back(processes, first.id)
    with here.transaction():
        assert here.memo(first.id) is None
        assert here.memo(second.id).description == "changed there 2"


def test_after_another_process_filled_the_tenant_a_transaction_keeps_nothing(processes, stores):
    here, there, first, _ = stores
    processes[1].fill(there, MemoryStore(TENANT).frozen())
    with here.transaction():
        assert here.memo(first.id) is None


def test_a_database_whose_tenants_have_no_log_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'older.db'}"
    SqlStores(url).engine.dispose()
    older = create_engine(url)
    with older.begin() as connection:
        connection.execute(text("ALTER TABLE tenants DROP COLUMN changes"))
    with pytest.raises(StoreUrlError, match="its table tenants has no column changes"):
        Schema().create(older)
    older.dispose()
