"""Two sandboxes on one shared store (SQLite or PostgreSQL), each with its own
engine, connection pool and lock, as two processes would have: each sees the
other's writes, and their writers together lose no update, overpay no memo
and repeat no number. (``--workers`` runs such sandboxes as processes.)"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from conftest import bearer, memo_body
from processes import serving


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_store(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    return request.getfixturevalue("postgres_cluster").new_database()


@pytest.fixture
def two_sandboxes(start_sandbox, shared_store) -> tuple[str, str]:
    return start_sandbox(store=shared_store), start_sandbox(store=shared_store)


def call(root: str, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, f"{root}/v2{path}", headers=bearer(), timeout=30, **kwargs)


def test_a_memo_made_through_one_sandbox_is_served_and_changed_by_the_other(two_sandboxes):
    first, second = two_sandboxes
    memo = call(first, "POST", "/debit_memos", json=memo_body(description="shared")).json()
    assert call(second, "GET", f"/debit_memos/{memo['id']}").json() == memo
    posted = call(second, "POST", f"/debit_memos/{memo['id']}/post")
    assert posted.status_code == 200, posted.text
    assert call(first, "GET", f"/debit_memos/{memo['id']}").json()["state"] == "posted"


def test_thirty_payments_through_two_sandboxes_pay_exactly_the_balance(two_sandboxes):
    first, second = two_sandboxes
    memo = call(first, "POST", "/debit_memos", json=memo_body(post=True)).json()
    assert memo["remaining_balance"] == 10
    pay = {"currency": memo["currency"], "amount": 1}

    def attempt(n: int) -> int:
        root = (first, second)[n % 2]
        return call(root, "POST", f"/debit_memos/{memo['id']}/pay", json=pay).status_code

    with ThreadPoolExecutor(30) as pool:
        statuses = list(pool.map(attempt, range(30)))
    assert (statuses.count(200), statuses.count(400)) == (10, 20)
    for root in (first, second):
        final = call(root, "GET", f"/debit_memos/{memo['id']}").json()
        assert (final["amount_paid"], final["remaining_balance"]) == (10, 0)


def test_memos_made_through_both_sandboxes_at_once_get_consecutive_numbers(two_sandboxes):
    def create(n: int) -> str:
        made = call(two_sandboxes[n % 2], "POST", "/debit_memos", json=memo_body())
        assert made.status_code == 201, made.text
        return made.json()["debit_memo_number"]

    with ThreadPoolExecutor(20) as pool:
        numbers = sorted(int(number[2:]) for number in pool.map(create, range(60)))
    assert numbers == list(range(81, 141))


def test_a_sandbox_started_later_on_the_store_finds_the_records_made_before(
    start_sandbox, shared_store
):
    first = start_sandbox(store=shared_store)
    memo = call(first, "POST", "/debit_memos", json=memo_body(description="kept")).json()
    again = start_sandbox(store=shared_store)
    assert call(again, "GET", f"/debit_memos/{memo['id']}").json()["description"] == "kept"
    assert call(again, "GET", "/debit_memos", params={"page_size": 1}).status_code == 200


def test_every_request_answered_by_one_sandbox_is_in_the_journal_the_other_reads(two_sandboxes):
    """On SQLite the entries are written behind the answers: a reader waits for them."""
    first, second = two_sandboxes
    memo = call(first, "POST", "/debit_memos", json=memo_body()).json()
    for n in range(30):
        track = {**bearer(), "Zuora-Track-Id": f"t{n}"}
        asked = requests.get(f"{first}/v2/debit_memos/{memo['id']}", headers=track, timeout=30)
        assert asked.status_code == 200
        newest = requests.get(f"{second}/__mock/requests", params={"limit": 1}, timeout=30)
        tracks = [
            entry["request"]["headers"].get("Zuora-Track-Id") for entry in newest.json()["data"]
        ]
        assert tracks == [f"t{n}"]


def test_a_clean_stop_leaves_every_answered_request_in_the_journal(shared_store, tmp_path):
    """On SQLite the entries of the last answers are still being written when SIGTERM
    comes: the process writes them before it exits."""

    def get(root: str, n: int) -> int:
        track = {**bearer(), "Zuora-Track-Id": f"stop-{n}"}
        url = f"{root}/v2/debit_memos?page_size=1"
        return requests.get(url, headers=track, timeout=30).status_code

    first = serving(tmp_path / "first.log", "--store", shared_store)
    with first as root, ThreadPoolExecutor(16) as pool:
        assert set(pool.map(lambda n: get(root, n), range(200))) == {200}
    with serving(tmp_path / "again.log", "--store", shared_store) as again:
        kept = requests.get(
            f"{again}/__mock/requests", params={"header": "Zuora-Track-Id"}, timeout=30
        ).json()["data"]
    assert len(kept) == 200
