"""Memory is bounded by size, not only by count: the journal by bytes
(``--journal-bytes``) as well as entries (``--journal-size``)."""

from __future__ import annotations

import requests
from conftest import bearer

QUERY_BYTES = 20 * 1024


def journal(root: str) -> list[dict]:
    answer = requests.get(f"{root}/__mock/requests", timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def list_with_a_large_query(root: str, number: int) -> None:
    params = {"page_size": 1, "padding": f"{number:04d}" + "x" * QUERY_BYTES}
    requests.get(f"{root}/v2/debit_memos", params=params, headers=bearer(), timeout=10)


def test_the_journal_keeps_fewer_large_entries_within_its_bytes(start_sandbox):
    root = start_sandbox(journal_bytes=64 * 1024, journal_size=1000)

    for number in range(10):
        list_with_a_large_query(root, number)

    entries = journal(root)
    assert 1 <= len(entries) <= 3
    assert sum(len(entry["query"]) for entry in entries) <= 64 * 1024
    assert "padding=0009" in entries[-1]["query"]  # the newest stays


def test_small_entries_are_bounded_by_count_before_bytes(start_sandbox):
    root = start_sandbox(journal_bytes=64 * 1024, journal_size=5)

    for _ in range(8):  # a memo a page: the journal keeps the answer's body too
        requests.get(f"{root}/v2/debit_memos?page_size=1", headers=bearer(), timeout=10)

    assert len(journal(root)) == 5


def test_an_entry_larger_than_the_bound_is_still_kept_alone(start_sandbox):
    root = start_sandbox(journal_bytes=1024)
    requests.get(f"{root}/v2/debit_memos", headers=bearer(), timeout=10)

    list_with_a_large_query(root, 1)

    entries = journal(root)
    assert len(entries) == 1
    assert "padding=0001" in entries[0]["query"]


def test_clearing_the_journal_frees_its_bytes(start_sandbox):
    # Room for three such entries with their headers and answers (about 24 KiB each).
    root = start_sandbox(journal_bytes=96 * 1024)
    for number in range(3):
        list_with_a_large_query(root, number)
    requests.delete(f"{root}/__mock/requests", timeout=10)

    for number in range(3):
        list_with_a_large_query(root, 10 + number)

    assert len(journal(root)) == 3
