"""``async: true`` on a write: a 202 with only the request id, the operation run
afterwards in the order received, its outcome journalled under that id."""

from __future__ import annotations

import threading
import time

import pytest
from conftest import memo_body

from mockserver.tenancy.async_queue import AsyncQueue

ASYNC = {"async": "true"}
DEADLINE_S = 10


def outcome(zuora_mock, request_id: str) -> dict:
    """The journal entry of an asynchronous request's outcome, once it has run."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        entries = zuora_mock.requests(request_id=request_id)
        done = [e for e in entries if e["asynchronous"]]
        if done:
            return done[0]
        time.sleep(0.02)
    raise AssertionError(f"request {request_id} never ran: {entries}")


def accepted(response) -> str:
    assert response.status_code == 202, response.text
    request_id = response.headers["Zuora-Request-Id"]
    assert response.json() == {"request_id": request_id}
    assert response.headers["Content-Type"] == "application/json"
    return request_id


def test_an_async_create_answers_202_then_creates_the_memo(zuora_mock, zuora_client):
    request_id = accepted(zuora_client.post("/debit_memos", json=memo_body(), headers=ASYNC))
    entry = outcome(zuora_mock, request_id)
    assert (entry["status"], entry["operation"]) == (201, "createDebitMemo")
    memo = entry["response_body"]
    assert memo["debit_memo_number"] == "DM00000081"
    assert zuora_client.get(f"/debit_memos/{memo['id']}").json() == memo


def test_the_answer_is_journalled_before_the_outcome(zuora_mock, zuora_client):
    request_id = accepted(zuora_client.post("/debit_memos", json=memo_body(), headers=ASYNC))
    outcome(zuora_mock, request_id)
    answer, done = zuora_mock.requests(request_id=request_id)
    assert (answer["status"], answer["asynchronous"], answer["response_body"]) == (202, False, None)
    assert (done["status"], done["asynchronous"]) == (201, True)
    assert answer["seq"] < done["seq"]


@pytest.mark.parametrize("action", ["post", "cancel"])
def test_async_actions_run_on_the_memo(zuora_mock, zuora_client, create_memo, action):
    memo = create_memo()
    request_id = accepted(zuora_client.post(f"/debit_memos/{memo['id']}/{action}", headers=ASYNC))
    assert outcome(zuora_mock, request_id)["status"] == 200
    state = zuora_client.get(f"/debit_memos/{memo['id']}").json()["state"]
    assert state == {"post": "posted", "cancel": "canceled"}[action]


def test_async_patch_pay_and_delete(zuora_mock, zuora_client, create_memo):
    memo = create_memo(post=True)
    url = f"/debit_memos/{memo['id']}"
    patched = accepted(zuora_client.patch(url, json={"description": "later"}, headers=ASYNC))
    paid = accepted(
        zuora_client.post(f"{url}/pay", json={"currency": memo["currency"]}, headers=ASYNC)
    )
    assert outcome(zuora_mock, patched)["response_body"]["description"] == "later"
    assert outcome(zuora_mock, paid)["response_body"]["paid"] is True
    draft = create_memo()
    zuora_client.post(f"/debit_memos/{draft['id']}/cancel")
    deleted = accepted(zuora_client.delete(f"/debit_memos/{draft['id']}", headers=ASYNC))
    entry = outcome(zuora_mock, deleted)
    assert (entry["status"], entry["response_body"]) == (204, None)
    assert zuora_client.get(f"/debit_memos/{draft['id']}").status_code == 404


def test_a_failing_async_request_is_journalled_with_its_error_envelope(
    zuora_mock, zuora_client, create_memo
):
    memo = create_memo()
    zuora_client.post(f"/debit_memos/{memo['id']}/cancel")
    refused = accepted(zuora_client.post(f"/debit_memos/{memo['id']}/post", headers=ASYNC))
    missing = accepted(zuora_client.post("/debit_memos/DM09999999/post", headers=ASYNC))
    entry = outcome(zuora_mock, refused)
    assert entry["status"] == 400
    assert entry["response_body"]["type"] == "bad_request"
    assert entry["response_body"]["errors"][0]["code"] == "invalid_state"
    gone = outcome(zuora_mock, missing)
    assert gone["status"] == 404
    assert gone["response_body"]["errors"][0]["code"] == "resource_not_found"
    assert zuora_client.get(f"/debit_memos/{memo['id']}").json()["state"] == "canceled"


def test_async_requests_run_in_the_order_received(zuora_mock, zuora_client, create_memo):
    memo = create_memo()
    url = f"/debit_memos/{memo['id']}"
    ids = [
        accepted(zuora_client.post(f"{url}/post", headers=ASYNC)),
        accepted(
            zuora_client.post(f"{url}/pay", json={"currency": memo["currency"]}, headers=ASYNC)
        ),
        accepted(zuora_client.post(f"{url}/unpost", headers=ASYNC)),
        *[
            accepted(zuora_client.patch(url, json={"description": f"n{n}"}, headers=ASYNC))
            for n in range(10)
        ],
    ]
    outcomes = [outcome(zuora_mock, request_id) for request_id in ids]
    assert [e["status"] for e in outcomes] == [200, 200, 400] + [200] * 10
    assert [e["seq"] for e in outcomes] == sorted(e["seq"] for e in outcomes)
    final = zuora_client.get(url).json()
    assert (final["state"], final["paid"], final["description"]) == ("posted", True, "n9")


@pytest.mark.parametrize("header", [{}, {"async": "false"}, {"async": "False"}])
def test_without_async_true_a_write_is_synchronous(zuora_mock, zuora_client, header):
    response = zuora_client.post("/debit_memos", json=memo_body(), headers=header)
    assert response.status_code == 201
    assert not any(e["asynchronous"] for e in zuora_mock.requests())


@pytest.mark.parametrize(
    ("body", "params", "parameter"),
    [
        ({**memo_body(), "bogus": 1}, {}, "bogus"),
        (memo_body(items=[{"amount": "1", "service_start": "2026-01-01"}]), {}, "items[0].amount"),
        (memo_body(), {"fields[]": "nope"}, "fields[]"),
    ],
)
def test_a_malformed_async_request_is_refused_at_once(
    zuora_mock, zuora_client, body, params, parameter
):
    before = len(zuora_mock.state["debit_memos"])
    response = zuora_client.post("/debit_memos", json=body, params=params, headers=ASYNC)
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == parameter
    time.sleep(0.2)
    assert not any(e["asynchronous"] for e in zuora_mock.requests())
    assert len(zuora_mock.state["debit_memos"]) == before


def test_a_bad_async_value_is_400(zuora_client):
    response = zuora_client.post("/debit_memos", json=memo_body(), headers={"async": "soon"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "async"


def test_an_async_retry_with_the_same_idempotency_key_replays_the_202(zuora_mock, zuora_client):
    headers = {**ASYNC, "Idempotency-Key": "async-once"}
    first = zuora_client.post("/debit_memos", json=memo_body(), headers=headers)
    again = zuora_client.post("/debit_memos", json=memo_body(), headers=headers)
    request_id = accepted(first)
    assert again.status_code == 202
    assert again.json() == {"request_id": request_id}
    assert again.headers["Idempotent-Replayed"] == "true"
    outcome(zuora_mock, request_id)
    created = [e for e in zuora_mock.requests(operation="createDebitMemo") if e["asynchronous"]]
    assert len(created) == 1


def test_a_get_with_async_true_is_answered_at_once(zuora_client):
    assert zuora_client.get("/debit_memos", headers=ASYNC).status_code == 200


# -- the queue itself ------------------------------------------------------------


def test_the_queue_runs_jobs_in_order_and_keeps_no_idle_thread():
    queue, done, finished = AsyncQueue(), [], threading.Event()
    for n in range(50):
        queue.submit(lambda n=n: done.append(n))
    queue.submit(finished.set)
    assert finished.wait(DEADLINE_S)
    assert done == list(range(50))
    deadline = time.monotonic() + DEADLINE_S
    while any(t.name == "async-requests" for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the worker should end once the queue is empty"
        time.sleep(0.01)


def test_a_job_that_raises_does_not_stop_the_ones_after_it():
    queue, finished = AsyncQueue(), threading.Event()
    queue.submit(lambda: 1 / 0)
    queue.submit(finished.set)
    assert finished.wait(DEADLINE_S)


def test_clear_drops_what_has_not_started_and_full_counts_what_waits():
    queue, gate, ran = AsyncQueue(limit=2), threading.Event(), []
    queue.submit(gate.wait)
    queue.submit(lambda: ran.append("second"))
    queue.submit(lambda: ran.append("third"))
    assert queue.full
    queue.clear()
    assert not queue.full
    gate.set()
    finished = threading.Event()
    queue.submit(finished.set)
    assert finished.wait(DEADLINE_S)
    assert ran == []
