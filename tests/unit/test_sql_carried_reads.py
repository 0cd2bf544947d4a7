"""What a SQLite store's process keeps of its reads, past its own writes: the
request after its pay reads neither the tenant's shared row nor its version
again; after another process's write, it reads them and sees that write. Two
sandboxes on one file stand for two processes (each its own engine, writers'
turn and reads)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event
from sqlalchemy.pool import Pool

from mockserver.app import create_app
from mockserver.config import Config

HEADERS = {"Authorization": "Bearer carried", "Content-Type": "application/json"}
MEMO = {
    "account_number": "A00000001",
    "items": [{"amount": 100, "service_start": "2026-11-01", "name": "Carried"}],
}


@pytest.fixture
def statements():
    """Every statement the sandboxes' pooled connections run, as text."""
    ran: list[str] = []

    def trace(connection, _record):
        connection.set_trace_callback(ran.append)

    event.listen(Pool, "connect", trace)
    yield ran
    event.remove(Pool, "connect", trace)


def _shared_reads(ran: list[str]) -> list[str]:
    return [text for text in ran if text.startswith("SELECT") and "FROM mock_tenants" in text]


def _pay(client, memo: dict) -> dict:
    body = json.dumps({"currency": memo["currency"], "amount": 0.01})
    answer = client.post(f"/v2/debit_memos/{memo['id']}/pay", data=body, headers=HEADERS)
    assert answer.status_code == 200, answer.get_data()
    return answer.get_json()


def test_after_its_own_pay_a_process_reads_no_shared_row_and_sees_another_processs(
    tmp_path, statements
):
    store = f"sqlite:///{tmp_path / 'carried.db'}"
    one = create_app(Config(store=store, log_requests=False)).test_client()
    other = create_app(Config(store=store, log_requests=False)).test_client()
    memo = one.post("/v2/debit_memos", data=json.dumps(MEMO), headers=HEADERS).get_json()
    assert one.post(f"/v2/debit_memos/{memo['id']}/post", headers=HEADERS).status_code == 200
    _pay(one, memo)

    statements.clear()
    _pay(one, memo)
    seen = one.get(f"/v2/debit_memos/{memo['id']}", headers=HEADERS).get_json()
    assert seen["balance"] == 99.98
    assert _shared_reads(statements) == []  # its own writes carried what it read over

    _pay(other, memo)
    statements.clear()
    seen = one.get(f"/v2/debit_memos/{memo['id']}", headers=HEADERS).get_json()
    assert seen["balance"] == 99.97  # the other process's pay
    assert len(_shared_reads(statements)) == 1
