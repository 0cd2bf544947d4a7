"""This process's journal: what it keeps of the fields it is given, and its bounds."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

from mockserver.tenancy.journal import Entry, Journal, footprint


def fields(n: int, body: bytes = b"") -> dict:
    return {
        "method": "GET",
        "path": f"/v2/debit_memos/{n}",
        "query": "page_size=1",
        "operation": "getDebitMemo",
        "status": 200,
        "duration_ms": 1.5,
        "latency_ms": 0.0,
        "fault": None,
        "request_id": str(n),
        "request_headers": (("HOST", "sandbox"), ("AUTHORIZATION", "Bearer ****oken")),
        "response_headers": (("Content-Type", "application/json"),),
        "response_body": body,
        "response_body_bytes": len(body),
    }


def test_an_entry_is_the_fields_given_numbered_and_stamped_by_this_process():
    journal = Journal()
    before = time.time()
    journal.add(**fields(7, b"{}"))
    [entry] = journal.entries()
    assert isinstance(entry, Entry)
    assert entry._replace(seq=0, time=0.0, pid=0) == Entry(
        seq=0, time=0.0, pid=0, **fields(7, b"{}")
    )
    assert (entry.seq, entry.pid) == (1, os.getpid())
    assert before <= entry.time <= time.time()
    assert entry.request_body == b"" and entry.asynchronous is False  # Entry's defaults


def test_entries_added_at_once_by_many_threads_are_numbered_in_the_order_kept():
    journal = Journal(size=2000)
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda n: journal.add(**fields(n)), range(1600)))
    assert [entry.seq for entry in journal.entries()] == list(range(1, 1601))


def test_the_oldest_go_past_the_count_or_the_bytes_and_the_newest_stays():
    by_count = Journal(size=3)
    for n in range(5):
        by_count.add(**fields(n))
    assert [entry.request_id for entry in by_count.entries()] == ["2", "3", "4"]

    size = footprint(fields(0, b"x" * 1000))
    by_bytes = Journal(size=100, max_bytes=2 * size)
    for n in range(4):
        by_bytes.add(**fields(n, b"x" * 1000))
    assert [entry.request_id for entry in by_bytes.entries()] == ["2", "3"]
    assert by_bytes.bytes == 2 * size
    by_bytes.add(**fields(9, b"y" * 10 * size))
    assert [entry.request_id for entry in by_bytes.entries()] == ["9"]


def test_an_entry_s_footprint_is_the_footprint_of_its_fields():
    entry = Entry(seq=1, time=0.0, **fields(3, b"abc"))
    assert entry.footprint() == footprint(fields(3, b"abc"))
    assert footprint(fields(3, b"abcd")) == footprint(fields(3, b"abc")) + 1
