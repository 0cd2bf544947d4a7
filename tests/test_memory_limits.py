"""Memory is bounded by size, not only by count: the journal by bytes
(``--journal-bytes``) as well as entries (``--journal-size``), the store by
``--max-memos``, and what one worker thread frees serves the others."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from conftest import bearer, memo_body
from processes import clean_env, free_port, health_answers, running, serve_command

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


# -- the store: --max-memos ------------------------------------------------------------


def memo_count(root: str) -> int:
    state = requests.get(f"{root}/__mock/state", timeout=10)
    assert state.status_code == 200, state.text
    return len(state.json()["debit_memos"])


def create(root: str) -> requests.Response:
    return requests.post(f"{root}/v2/debit_memos", json=memo_body(), headers=bearer(), timeout=10)


def test_creating_a_memo_past_max_memos_is_a_409_naming_the_limit(start_sandbox):
    root = start_sandbox(max_memos=5, generation={"debit_memos": 3})
    assert [create(root).status_code for _ in range(2)] == [201, 201]

    refused = create(root)

    assert refused.status_code == 409
    error = refused.json()
    assert error["type"] == "conflict"
    assert error["retryable"] is False
    assert error["errors"][0]["code"] == "memo_limit_reached"
    assert "--max-memos" in error["errors"][0]["message"]
    assert "5" in error["errors"][0]["message"]
    assert memo_count(root) == 5


def test_a_deleted_memo_makes_room_for_a_new_one(start_sandbox):
    root = start_sandbox(max_memos=4, generation={"debit_memos": 3})
    memo = create(root).json()
    assert create(root).status_code == 409
    path = f"{root}/v2/debit_memos/{memo['id']}"
    requests.post(f"{path}/cancel", headers=bearer(), timeout=10)
    assert requests.delete(path, headers=bearer(), timeout=10).status_code == 204

    assert create(root).status_code == 201


def test_the_memo_cap_is_per_tenant(start_sandbox):
    root = start_sandbox(max_memos=4, generation={"debit_memos": 3}, tenants="per-token")

    def create_as(token: str) -> int:
        return requests.post(
            f"{root}/v2/debit_memos", json=memo_body(), headers=bearer(token), timeout=10
        ).status_code

    assert [create_as("alice"), create_as("alice")] == [201, 409]
    assert create_as("bob") == 201


# -- memory freed by one worker thread serves the others -------------------------------


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads RSS from /proc")
def test_repeated_exports_do_not_keep_a_copy_per_worker_thread(tmp_path):
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    argv = serve_command("--port", str(port), "--quiet", "--memos", "4000", "--threads", "8")
    with running(argv, clean_env(), health_answers(root), tmp_path / "log") as server:
        started = rss_mb(server.pid)
        sizes = []
        for _ in range(10):  # each on a new connection, so on the worker threads in turn
            export = requests.get(f"{root}/__mock/state", timeout=60)
            assert export.status_code == 200
            sizes.append(len(export.content) / 2**20)
        grown = rss_mb(server.pid) - started

    # Building one export takes a few times its size; eight threads each keeping
    # their own copy would take many times more.
    assert grown < 3 * max(sizes), (grown, max(sizes))
