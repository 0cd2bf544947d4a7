"""What a request costs PostgreSQL: the statements a sandbox sends, read from
the cluster's log (``log_statement = all`` on the sandbox's database only).

A GET of a memo read before is two statements, each a transaction of its own
(no ``BEGIN``, ``COMMIT`` or ``ROLLBACK`` round trips): the tenant's row with
its store's version, and the journal entry numbered and inserted at once.
Every statement is prepared at its first run on a connection."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
import requests
from conftest import bearer, get_json, memo_body

from mockserver.tenancy.shared_journal import TRIM_EVERY

ROW_READ = "SELECT m.faults_version, m.frozen_at, t.version, t.generation FROM mock_tenants"
JOURNAL_ADD = "WITH counted AS (UPDATE mock_tenants SET journal_seq"
JOURNAL_CUT = "WITH gone AS (DELETE FROM mock_journal"
COUNTER_READ = "SELECT last_memo, last_payment"  # every counter, from the tenant's row
BUMP = "UPDATE tenants SET version = version + 1"
MEMO_READ = "SELECT debit_memos.id"


class LoggedDatabase:
    """A new database of the cluster whose sessions log every statement."""

    def __init__(self, cluster):
        self.url = cluster.new_database()
        self._log = cluster.log
        name = self.url.split("@/", 1)[1].split("?", 1)[0]
        with psycopg.connect(
            f"host={cluster.socket} user=postgres dbname=postgres", autocommit=True
        ) as db:
            db.execute(f"ALTER DATABASE \"{name}\" SET log_statement = 'all'")
        self._start = 0

    def mark(self) -> None:
        self._start = self._log.stat().st_size

    def _lines(self) -> list[str]:
        return self._log.read_bytes()[self._start :].decode(errors="replace").splitlines()

    def executed(self) -> list[str]:
        """The names of the statements executed through the extended protocol since
        ``mark()``: a prepared statement's (``_pg3_N``), or ``<unnamed>``."""
        return [
            line.split("LOG:  execute ", 1)[1].split(":", 1)[0]
            for line in self._lines()
            if "LOG:  execute " in line
        ]

    def statements(self) -> list[str]:
        """The statements logged since ``mark()``, without the log's prefix."""
        found = []
        for line in self._lines():
            if "LOG:  statement: " in line:
                found.append(line.split("LOG:  statement: ", 1)[1])
            elif "LOG:  execute " in line:
                found.append(line.split(": ", 2)[2])
        return found


@pytest.fixture
def logged(postgres_cluster) -> LoggedDatabase:
    return LoggedDatabase(postgres_cluster)


def test_a_get_of_a_memo_read_before_is_two_statements_outside_any_transaction(
    start_sandbox, logged
):
    root = start_sandbox(store=logged.url)
    memo = requests.post(f"{root}/v2/debit_memos", json=memo_body(), headers=bearer(), timeout=30)
    assert memo.status_code == 201, memo.text
    url = f"{root}/v2/debit_memos/{memo.json()['id']}"
    assert requests.get(url, headers=bearer(), timeout=30).status_code == 200
    logged.mark()
    for _ in range(TRIM_EVERY):
        answer = requests.get(url, headers=bearer(), timeout=30)
        assert answer.status_code == 200, answer.text
    statements = logged.statements()
    reads = [s for s in statements if s.startswith(ROW_READ)]
    adds = [s for s in statements if s.startswith(JOURNAL_ADD)]
    cuts = [s for s in statements if s.startswith(JOURNAL_CUT)]
    assert (len(reads), len(adds), len(cuts)) == (TRIM_EVERY, TRIM_EVERY, 1)
    assert len(statements) == 2 * TRIM_EVERY + 1, statements


def test_the_journal_numbers_the_entries_of_both_processes_one_statement_each(
    start_sandbox, logged
):
    roots = [start_sandbox(store=logged.url) for _ in range(2)]
    for root in roots:  # each process has the tenant, and has seen its rules
        assert requests.get(f"{root}/v2/debit_memos", headers=bearer(), timeout=30).ok
    logged.mark()
    for n in range(6):
        answer = requests.get(f"{roots[n % 2]}/v2/debit_memos", headers=bearer(), timeout=30)
        assert answer.status_code == 200, answer.text
    adds = [s for s in logged.statements() if s.startswith(JOURNAL_ADD)]
    assert len(adds) == 6
    entries = requests.get(f"{roots[1]}/__mock/requests", timeout=30).json()["data"]
    assert [entry["seq"] for entry in entries] == list(range(1, len(entries) + 1))
    assert len(entries) >= 8


def test_a_new_sandbox_prepares_each_statement_at_its_first_run(start_sandbox, logged):
    root = start_sandbox(store=logged.url)
    logged.mark()
    memo = requests.post(f"{root}/v2/debit_memos", json=memo_body(), headers=bearer(), timeout=30)
    assert memo.status_code == 201, memo.text
    posted = requests.post(
        f"{root}/v2/debit_memos/{memo.json()['id']}/post", headers=bearer(), timeout=30
    )
    assert posted.status_code == 200, posted.text
    executed = logged.executed()
    assert len(executed) > 10
    assert "<unnamed>" not in executed


def _posted_memo(root: str, amount: int = 1000) -> tuple[str, str]:
    items = [{"amount": amount, "service_start": "2026-01-01", "name": "Fee"}]
    memo = requests.post(
        f"{root}/v2/debit_memos", json=memo_body(items=items), headers=bearer(), timeout=30
    )
    assert memo.status_code == 201, memo.text
    posted = requests.post(
        f"{root}/v2/debit_memos/{memo.json()['id']}/post", headers=bearer(), timeout=30
    )
    assert posted.status_code == 200, posted.text
    return memo.json()["id"], memo.json()["currency"]


def _pay(root: str, memo_id: str, currency: str) -> dict:
    """A pay of 0.01 of the memo, answered 200: the memo as the answer shows it."""
    answer = requests.post(
        f"{root}/v2/debit_memos/{memo_id}/pay",
        json={"currency": currency, "amount": 0.01},
        headers=bearer(),
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_pays_that_wait_for_each_other_read_no_counter_again(start_sandbox, logged):
    """A pay whose transaction waited for the tenant's row while the one before it in
    the same process committed takes the counters that one ended at (and what it
    knew): no counter is read from PostgreSQL again, however the pays overlap."""
    root = start_sandbox(store=logged.url)
    memos = [_posted_memo(root) for _ in range(4)]

    def pay(n: int) -> None:
        _pay(root, *memos[n % len(memos)])

    pay(0)
    logged.mark()
    with ThreadPoolExecutor(8) as threads:
        list(threads.map(pay, range(48)))
    reads = [s for s in logged.statements() if s.startswith(COUNTER_READ)]
    assert reads == []
    paid = requests.get(f"{root}/v2/debit_memos/{memos[0][0]}", headers=bearer(), timeout=30)
    assert paid.json()["balance"] == pytest.approx(1000 - 0.13)


def test_a_pay_of_a_memo_read_before_reads_it_no_more_though_the_pays_between_wrote_memos(
    start_sandbox, logged
):
    """A put changes its record's row alone: what is kept of the others by id holds."""
    root = start_sandbox(store=logged.url)
    memos = [_posted_memo(root) for _ in range(3)]
    for memo_id, _ in memos:
        assert requests.get(f"{root}/v2/debit_memos/{memo_id}", headers=bearer(), timeout=30).ok
    logged.mark()
    for memo in memos * 2:
        assert _pay(root, *memo)["balance"] < 1000
    assert [s for s in logged.statements() if s.startswith(MEMO_READ)] == []


def test_a_pay_after_another_process_wrote_reads_no_counter_its_bump_returns_them(
    start_sandbox, logged
):
    """The counters live in the tenant's row: the bump that locks it returns them, so a
    pay that follows another process's write knows them without a read."""
    roots = [start_sandbox(store=logged.url) for _ in range(2)]
    memo_id, currency = _posted_memo(roots[0])

    _pay(roots[1], memo_id, currency)
    _pay(roots[0], memo_id, currency)
    logged.mark()
    _pay(roots[1], memo_id, currency)
    statements = logged.statements()
    assert [s for s in statements if s.startswith(COUNTER_READ)] == []
    bumps = [s for s in statements if s.startswith(BUMP)]
    assert len(bumps) == 1
    assert "RETURNING version, generation, last_memo, last_payment" in bumps[0]
    memo = get_json(f"{roots[0]}/v2/debit_memos/{memo_id}")
    assert memo["balance"] == pytest.approx(1000 - 0.03)
    payments = get_json(f"{roots[0]}/v1/payments")["payments"]
    assert len({p["number"] for p in payments}) == len(payments)


def test_a_pay_of_a_memo_read_before_reads_nothing_while_it_holds_the_tenants_row(
    start_sandbox, logged
):
    """Between its bump and its commit a pay reads nothing: its memo, account and
    counters are kept, and no record has the ids it has just made (its payment's)."""
    root = start_sandbox(store=logged.url)
    memos = [_posted_memo(root) for _ in range(2)]

    for memo in memos:
        _pay(root, *memo)
    logged.mark()
    for memo in memos:
        _pay(root, *memo)
    statements = logged.statements()
    bumps = [n for n, s in enumerate(statements) if s.startswith(BUMP)]
    assert len(bumps) == 2
    for bump in bumps:
        held = statements[bump + 1 : statements.index("COMMIT", bump)]
        assert [s for s in held if s.startswith("SELECT")] == []
        assert any(s.startswith("INSERT INTO payments") for s in held)
    payments = get_json(f"{root}/v1/payments")["payments"]
    assert len({p["number"] for p in payments}) == len(payments)


def test_a_pay_after_another_process_paid_another_memo_reads_nothing_while_it_holds_the_row(
    start_sandbox, logged
):
    """The other process's pay changed its memo and made a payment, as the log its bump
    returns says (``changes.py``): this pay's memo, account and payment method, read by
    this process before, stay kept, and it reads none of them again."""
    roots = [start_sandbox(store=logged.url) for _ in range(2)]
    mine, theirs = _posted_memo(roots[0]), _posted_memo(roots[0])
    _pay(roots[0], *mine)
    _pay(roots[1], *theirs)
    logged.mark()
    assert _pay(roots[0], *mine)["balance"] == pytest.approx(1000 - 0.02)
    statements = logged.statements()
    bumps = [n for n, s in enumerate(statements) if s.startswith(BUMP)]
    assert len(bumps) == 1
    held = statements[bumps[0] + 1 : statements.index("COMMIT", bumps[0])]
    assert [s for s in held if s.startswith("SELECT")] == []
    assert any(s.startswith("UPDATE tenants SET changes") for s in held)
    assert get_json(f"{roots[1]}/v2/debit_memos/{theirs[0]}")["balance"] == pytest.approx(999.99)
