"""Every fault action, as a real ``requests`` client sees it over real HTTP
(SANDBOX.md "Fault rules": status, timeout, reset, empty, malformed,
slow_body, latency, stage)."""

from __future__ import annotations

import time

import pytest
import requests
from conftest import bearer, memo_body

from mockserver.app import create_app
from mockserver.config import Config


def memo_count(zuora_mock) -> int:
    return len(zuora_mock.state["debit_memos"])


def journal_entry(zuora_mock, rule_id: str, wait_s: float = 2) -> dict:
    """The journal entry of the request ``rule_id`` fired on (the server may
    notice a client that hung up a moment after the client gave up)."""
    deadline = time.monotonic() + wait_s
    while True:
        entries = zuora_mock.requests(fault=rule_id)
        if entries or time.monotonic() > deadline:
            assert len(entries) == 1, entries
            return entries[0]
        time.sleep(0.05)


# -- status ----------------------------------------------------------------------


def test_status_answers_zuoras_envelope_and_applies_nothing(zuora_mock, zuora_client):
    before = memo_count(zuora_mock)
    rule_id = zuora_mock.add_fault(operation="createDebitMemo", status=503)

    response = zuora_client.post("/debit_memos", json=memo_body())

    assert response.status_code == 503
    assert response.json() == {"type": "service_unavailable", "errors": [], "retryable": True}
    assert response.headers["Retry-After"] == "1"
    assert response.headers["X-Mock-Fault"] == rule_id
    assert response.headers["Zuora-Request-Id"]
    assert memo_count(zuora_mock) == before


def test_status_429_carries_retry_after_and_zuoras_code(zuora_mock, zuora_client):
    zuora_mock.add_fault(operation="getDebitMemoes", status=429, retry_after=7)

    response = zuora_client.get("/debit_memos")

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    body = response.json()
    assert body["type"] == "too_many_requests"
    assert body["errors"][0]["code"] == "rate_limit_exceeded"
    assert body["retryable"] is True


def test_status_matches_only_its_operation(zuora_mock, zuora_client):
    zuora_mock.add_fault(operation="createDebitMemo", status=500)

    assert zuora_client.get("/debit_memos").status_code == 200


# -- connection-level actions ------------------------------------------------------


def test_reset_is_a_connection_reset(zuora_mock, zuora_client):
    zuora_mock.add_fault(operation="getDebitMemoes", action="reset")

    with pytest.raises(requests.ConnectionError, match="Connection reset by peer"):
        zuora_client.get("/debit_memos", timeout=5)


def test_empty_closes_the_connection_without_a_byte(zuora_mock, zuora_client):
    zuora_mock.add_fault(operation="getDebitMemoes", action="empty")

    with pytest.raises(requests.ConnectionError, match="closed connection without response"):
        zuora_client.get("/debit_memos", timeout=5)


def test_connection_faults_are_journaled_without_a_status(zuora_mock, zuora_client):
    rule_id = zuora_mock.add_fault(operation="getDebitMemoes", action="reset")
    with pytest.raises(requests.ConnectionError):
        zuora_client.get("/debit_memos", timeout=5)

    entry = journal_entry(zuora_mock, rule_id)

    assert entry["status"] is None
    assert entry["operation"] == "getDebitMemoes"


def test_the_next_connection_works_after_a_reset(zuora_mock, zuora_client):
    zuora_mock.add_fault(operation="getDebitMemoes", action="reset", times=1)
    with pytest.raises(requests.ConnectionError):
        zuora_client.get("/debit_memos", timeout=5)

    assert zuora_client.get("/debit_memos", timeout=5).status_code == 200


# -- malformed ---------------------------------------------------------------------


def test_malformed_is_a_200_whose_json_does_not_parse(zuora_mock, zuora_client):
    rule_id = zuora_mock.add_fault(operation="getDebitMemoes", action="malformed")

    response = zuora_client.get("/debit_memos")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["X-Mock-Fault"] == rule_id
    assert response.content.startswith(b"{")
    with pytest.raises(requests.JSONDecodeError):
        response.json()


def test_malformed_after_cuts_the_real_answer_even_when_it_was_gzipped(zuora_mock, zuora_client):
    zuora_mock.add_fault(operation="getDebitMemoes", action="malformed", stage="after")

    response = zuora_client.get("/debit_memos", headers={"Accept-Encoding": "gzip"})

    assert "Content-Encoding" not in response.headers
    assert response.content.startswith(b'{"next_page":')
    with pytest.raises(requests.JSONDecodeError):
        response.json()


def test_malformed_takes_a_status(zuora_mock, zuora_client):
    zuora_mock.add_fault(operation="getDebitMemoes", action="malformed", status=502)

    response = zuora_client.get("/debit_memos")

    assert response.status_code == 502
    assert response.content.startswith(b'{"type":"bad_gateway"')
    with pytest.raises(requests.JSONDecodeError):
        response.json()


# -- timeout -----------------------------------------------------------------------


def test_timeout_is_a_read_timeout_for_a_client_that_waits_less(zuora_mock, zuora_client):
    rule_id = zuora_mock.add_fault(operation="getDebitMemoes", action="timeout")

    with pytest.raises(requests.ReadTimeout):
        zuora_client.get("/debit_memos", timeout=0.2)

    assert journal_entry(zuora_mock, rule_id)["status"] is None


def test_timeout_ends_in_a_504_at_the_gateway_timeout(start_sandbox):
    root = start_sandbox(gateway_timeout=0.3)
    headers = {**bearer(), "X-Mock-Fault": "action=timeout"}

    started = time.monotonic()
    response = requests.get(f"{root}/v2/debit_memos", headers=headers, timeout=10)

    assert time.monotonic() - started >= 0.3
    assert response.status_code == 504
    assert response.json() == {"type": "gateway_timeout", "errors": [], "retryable": True}
    assert response.headers["X-Mock-Fault"] == "header"


# -- slow_body ---------------------------------------------------------------------


def test_slow_body_delivers_the_whole_answer_slowly(zuora_mock, zuora_client, create_memo):
    memo = create_memo()
    zuora_mock.add_fault(operation="getDebitMemo", action="slow_body", bytes_per_s=2000)

    started = time.monotonic()
    response = zuora_client.get(f"/debit_memos/{memo['id']}", timeout=5)

    size = int(response.headers["Content-Length"])
    assert size > 500
    assert time.monotonic() - started >= (size - 200) / 2000
    assert response.json()["id"] == memo["id"]


def test_slow_body_stalls_a_client_with_a_short_read_timeout(zuora_mock, zuora_client):
    zuora_mock.add_fault(operation="getDebitMemoes", action="slow_body", bytes_per_s=1)

    with pytest.raises(requests.ConnectionError, match="Read timed out"):
        zuora_client.get("/debit_memos", timeout=0.3)


def test_slow_body_with_a_status_trickles_its_envelope(zuora_mock, zuora_client):
    zuora_mock.add_fault(
        operation="getDebitMemoes", action="slow_body", status=503, bytes_per_s=100
    )

    started = time.monotonic()
    response = zuora_client.get("/debit_memos", timeout=5)

    assert response.status_code == 503
    assert response.json()["type"] == "service_unavailable"
    assert time.monotonic() - started >= 0.3


def test_slow_body_alone_lets_the_operation_happen(zuora_mock, zuora_client):
    before = memo_count(zuora_mock)
    zuora_mock.add_fault(operation="createDebitMemo", action="slow_body", bytes_per_s=5000)

    response = zuora_client.post("/debit_memos", json=memo_body(), timeout=5)

    assert response.status_code == 201
    assert memo_count(zuora_mock) == before + 1


# -- latency -----------------------------------------------------------------------


def test_fixed_latency_delays_the_answer(zuora_mock, zuora_client):
    rule_id = zuora_mock.add_fault(operation="getDebitMemoes", latency_ms=300)

    started = time.monotonic()
    response = zuora_client.get("/debit_memos")

    assert time.monotonic() - started >= 0.3
    assert response.status_code == 200
    assert response.headers["X-Mock-Fault"] == rule_id
    entry = journal_entry(zuora_mock, rule_id)
    assert entry["latency_ms"] == 300
    assert entry["duration_ms"] >= 300


def test_uniform_latency_stays_within_its_range(zuora_mock, zuora_client):
    rule_id = zuora_mock.add_fault(operation="getDebitMemoes", latency_ms="50..120")

    for _ in range(5):
        zuora_client.get("/debit_memos")

    latencies = [entry["latency_ms"] for entry in zuora_mock.requests(fault=rule_id)]
    assert len(latencies) == 5
    assert all(50 <= latency <= 120 for latency in latencies)
    assert len(set(latencies)) == 5


def test_lognormal_latency_is_drawn_and_waited(zuora_mock, zuora_client):
    rule_id = zuora_mock.add_fault(
        operation="getDebitMemoes", latency_median_ms=20, latency_p99_ms=60
    )

    started = time.monotonic()
    for _ in range(5):
        zuora_client.get("/debit_memos")
    elapsed_ms = (time.monotonic() - started) * 1000

    latencies = [entry["latency_ms"] for entry in zuora_mock.requests(fault=rule_id)]
    assert len(set(latencies)) == 5
    assert all(latency > 0 for latency in latencies)
    assert elapsed_ms >= sum(latencies)


def test_latency_adds_to_another_action(zuora_mock, zuora_client):
    rule_id = zuora_mock.add_fault(operation="getDebitMemoes", status=503, latency_ms=200)

    started = time.monotonic()
    response = zuora_client.get("/debit_memos")

    assert time.monotonic() - started >= 0.2
    assert response.status_code == 503
    assert response.headers["X-Mock-Fault"] == rule_id


def test_rules_that_fire_together_add_their_latency_and_the_first_answer_wins(
    zuora_mock, zuora_client
):
    slow = zuora_mock.add_fault(path="/v2/**", latency_ms=150)
    failing = zuora_mock.add_fault(operation="getDebitMemoes", status=502)
    zuora_mock.add_fault(operation="getDebitMemoes", status=503, latency_ms=150)

    started = time.monotonic()
    response = zuora_client.get("/debit_memos")

    assert time.monotonic() - started >= 0.3
    assert response.status_code == 502
    assert response.headers["X-Mock-Fault"].split(",")[:2] == [slow, failing]


# -- stage=after -------------------------------------------------------------------


def test_stage_after_applies_the_operation_then_fails(zuora_mock, zuora_client):
    before = memo_count(zuora_mock)
    zuora_mock.add_fault(operation="createDebitMemo", status=500, stage="after", times=1)

    response = zuora_client.post("/debit_memos", json=memo_body())

    assert response.status_code == 500
    assert response.json()["type"] == "internal_server_error"
    assert memo_count(zuora_mock) == before + 1


def test_stage_after_then_a_retry_with_the_same_key_replays_the_original_success(
    zuora_mock, zuora_client
):
    before = memo_count(zuora_mock)
    zuora_mock.add_fault(operation="createDebitMemo", status=500, stage="after", times=1)
    key = {"Idempotency-Key": "create-once"}

    failed = zuora_client.post("/debit_memos", json=memo_body(), headers=key)
    retried = zuora_client.post("/debit_memos", json=memo_body(), headers=key)

    assert failed.status_code == 500
    assert retried.status_code == 201
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert memo_count(zuora_mock) == before + 1
    listed = zuora_client.get("/debit_memos", params={"filter[]": f"id.EQ:{retried.json()['id']}"})
    assert len(listed.json()["data"]) == 1


def test_a_timeout_after_the_operation_then_a_retry_with_the_same_key_creates_one_memo(
    zuora_mock, zuora_client
):
    before = memo_count(zuora_mock)
    zuora_mock.add_fault(operation="createDebitMemo", action="timeout", stage="after", times=1)
    key = {"Idempotency-Key": "lost-answer"}

    with pytest.raises(requests.ReadTimeout):
        zuora_client.post("/debit_memos", json=memo_body(), headers=key, timeout=0.3)
    retried = zuora_client.post("/debit_memos", json=memo_body(), headers=key, timeout=5)

    assert retried.status_code == 201
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert memo_count(zuora_mock) == before + 1


def test_stage_after_reset_on_pay_still_takes_the_payment(zuora_mock, zuora_client, create_memo):
    memo = create_memo(post=True)
    zuora_mock.add_fault(operation="payDebitMemo", action="reset", stage="after")

    with pytest.raises(requests.ConnectionError):
        zuora_client.post(
            f"/debit_memos/{memo['id']}/pay", json={"currency": memo["currency"]}, timeout=5
        )

    paid = zuora_client.get(f"/debit_memos/{memo['id']}").json()
    assert paid["paid"] is True
    assert paid["remaining_balance"] == 0


def test_stage_before_applies_nothing(zuora_mock, zuora_client):
    before = memo_count(zuora_mock)
    zuora_mock.add_fault(operation="createDebitMemo", action="empty")

    with pytest.raises(requests.ConnectionError):
        zuora_client.post("/debit_memos", json=memo_body(), timeout=5)

    assert memo_count(zuora_mock) == before


def test_stage_after_latency_lets_a_client_time_out_on_an_applied_operation(
    zuora_mock, zuora_client
):
    before = memo_count(zuora_mock)
    zuora_mock.add_fault(operation="createDebitMemo", latency_ms=600, stage="after", times=1)
    key = {"Idempotency-Key": "slow-create"}

    with pytest.raises(requests.ReadTimeout):
        zuora_client.post("/debit_memos", json=memo_body(), headers=key, timeout=0.2)
    retried = zuora_client.post("/debit_memos", json=memo_body(), headers=key)

    assert retried.status_code == 201
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert memo_count(zuora_mock) == before + 1


# -- under another WSGI server -------------------------------------------------------


@pytest.mark.parametrize("action", ["reset", "empty"])
def test_without_the_sandboxs_server_a_connection_fault_is_a_502(action):
    app = create_app(Config(log_requests=False))

    response = app.test_client().get(
        "/v2/debit_memos", headers={**bearer(), "X-Mock-Fault": f"action={action}"}
    )

    assert response.status_code == 502
    assert response.get_json()["type"] == "bad_gateway"
    assert response.headers["X-Mock-Fault"] == "header"
