"""What a SQL store keeps of its lookups between requests: two ``SqlStores``
on one database stand for two processes. A lookup is kept while the tenant's
version is the one the last ``sync`` read (a request's start); another
process's write is seen at the next sync, this process's own at once."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

from sample_records import add_account, put_memo
from sqlalchemy import delete

from mockserver.store.memory import MemoryStore
from mockserver.store.sql import kept as kept_records
from mockserver.store.sql.backend import SqlStores
from mockserver.store.sql.schema import Schema

TENANT = "kept"
accounts = Schema().accounts


def open_both(processes):
    empty = MemoryStore("kept").frozen()
    return tuple(stores.open(TENANT, empty) for stores in processes)


def test_another_process_write_is_seen_at_the_next_sync(processes):
    here, there = open_both(processes)
    memo = put_memo(here, add_account(here))
    here.sync()
    assert here.memo(memo.id) == memo
    there.put_memo(replace(memo, description="changed there"))
    assert here.memo(memo.id) == memo  # the request that began before the write
    here.sync()
    assert here.memo(memo.id).description == "changed there"


def test_this_process_write_is_seen_at_once_without_a_sync(processes):
    here, _ = open_both(processes)
    memo = put_memo(here, add_account(here))
    here.sync()
    assert here.memo(memo.id) == memo
    here.put_memo(replace(memo, description="changed here"))
    assert here.memo(memo.id).description == "changed here"
    here.sync()
    assert here.memo(memo.id).description == "changed here"


def test_a_missing_record_made_by_another_process_is_found_after_the_next_sync(processes):
    here, there = open_both(processes)
    account = add_account(there)
    here.sync()
    assert here.memo_by_number("DM00000001") is None
    memo = put_memo(there, account)
    here.sync()
    assert here.memo_by_number(memo.debit_memo_number) == memo


def test_a_tenant_dropped_and_made_again_serves_nothing_kept_of_the_old_one(processes):
    here, _ = open_both(processes)
    memo = put_memo(here, add_account(here))
    here.sync()
    assert here.memo(memo.id) == memo
    processes[1].drop(TENANT)
    processes[1].open(TENANT, MemoryStore("kept").frozen())
    here.sync()
    assert here.memo(memo.id) is None


def test_a_transaction_after_another_process_wrote_keeps_what_it_read(processes):
    """Its lookups are kept for this process's next transaction: an account deleted
    behind the sandbox's back meanwhile (no writer, no new version) is still found."""
    here, there = open_both(processes)
    account = add_account(here)
    here.sync()
    add_account(there, number=2)  # what ``here`` kept is now a version behind
    with here.transaction():
        assert here.account(account.id) == account
    with processes[0].engine.begin() as behind:
        behind.execute(delete(accounts).where(accounts.c.id == account.id))
    with here.transaction():
        assert here.account(account.id) == account
    here.sync()
    there.put_account(replace(account, name="Changed There"))
    with here.transaction():
        assert here.account(account.id).name == "Changed There"


def test_settings_changed_by_another_process_are_seen_at_the_next_sync(processes):
    here, there = open_both(processes)
    here.sync()
    assert "Kept Reason" not in here.settings.reason_codes
    changed = replace(there.settings, reason_codes=("Kept Reason",))
    there.settings = changed
    here.sync()
    assert here.settings.reason_codes == ("Kept Reason",)


def test_on_sqlite_a_sync_reads_again_only_after_some_writer_has_ended(tmp_path):
    """The writers' file counts the writes: with no writer ended since the last read,
    a sync reads nothing (a change made behind the writers' back goes unseen)."""
    url = f"sqlite:///{tmp_path / 'count.db'}"
    here_stores, there_stores = SqlStores(url), SqlStores(url)
    empty = MemoryStore("kept").frozen()
    here, there = here_stores.open(TENANT, empty), there_stores.open(TENANT, empty)
    memo = put_memo(there, add_account(there))
    here.sync()
    assert here.memo(memo.id) == memo
    before = here_stores.writers.writes()
    with sqlite3.connect(tmp_path / "count.db") as behind:  # not a writer of the sandbox
        behind.execute("UPDATE tenants SET version = version + 1")
    here.sync()
    assert here_stores.writers.writes() == before
    assert here.memo(memo.id) == memo  # still kept: nothing said the database changed
    there.put_memo(replace(memo, description="through the writers"))
    assert here_stores.writers.writes() > before
    here.sync()
    assert here.memo(memo.id).description == "through the writers"
    for stores in (here_stores, there_stores):
        stores.engine.dispose()


def test_what_a_process_keeps_of_the_records_it_puts_stays_bounded(processes, monkeypatch):
    """Each write transaction keeps the records it put with those kept before it: past
    ``LOOKUPS_KEPT`` by id, the next one starts again rather than carry (and copy)
    every record this process ever put."""
    monkeypatch.setattr(kept_records, "LOOKUPS_KEPT", 5)
    here, _ = open_both(processes)
    here.sync()
    accounts = [add_account(here) for _ in range(30)]
    kept = here._db._kept.lookups[("accounts", "id")]
    assert 0 < len(kept) <= 5 + 1
    assert here.account(accounts[-1].id) == accounts[-1]
