"""Delivery as Zuora does it, and the delivery faults, over real HTTP to a real
receiver: only a 200 succeeds, retries keep the notification id, delivery
faults break callouts reproducibly. Manual callout time: ``flush_callouts()``
runs the retry clock forward until nothing is left to send."""

from __future__ import annotations

import socket

import pytest
import requests

PARAMS = {"memoId": "DebitMemo.Id"}


@pytest.fixture
def on_posted(zuora_mock, callout_receiver):
    def register(**spec):
        spec = {"event": "DebitMemoPosted", "url": callout_receiver.url, "params": PARAMS, **spec}
        return zuora_mock.callout(**spec)

    return register


def outcomes(rows: list[dict]) -> list[tuple]:
    return [(r["attempt"], r["status"], r["outcome"]) for r in rows]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_503_is_retried_with_the_same_notification_id(
    zuora_mock, callout_receiver, on_posted, create_memo
):
    on_posted()
    callout_receiver.answer(503, 200)
    create_memo(post=True)
    rows = zuora_mock.flush_callouts()
    assert outcomes(rows) == [(1, 503, "retry"), (2, 200, "delivered")]
    first, second = callout_receiver.received
    assert first.notification_id == second.notification_id
    assert first.request_id != second.request_id
    assert first.body == second.body


@pytest.mark.parametrize("status", [403, 408, 429, 500, 502, 504])
def test_zuoras_retryable_answers_are_retried(
    zuora_mock, callout_receiver, on_posted, create_memo, status
):
    on_posted()
    callout_receiver.answer(status)
    create_memo(post=True)
    assert outcomes(zuora_mock.flush_callouts()) == [(1, status, "retry"), (2, 200, "delivered")]


@pytest.mark.parametrize("status", [400, 401, 404, 201, 204, 302])
def test_other_answers_fail_at_once(zuora_mock, callout_receiver, on_posted, create_memo, status):
    on_posted()
    callout_receiver.answer(status)
    create_memo(post=True)
    assert outcomes(zuora_mock.flush_callouts()) == [(1, status, "failed")]
    assert len(callout_receiver.received) == 1


def test_attempts_are_exhausted(zuora_mock, callout_receiver, on_posted, create_memo):
    on_posted()
    callout_receiver.answer(503, 503, 503, 503)
    create_memo(post=True)
    rows = zuora_mock.flush_callouts()
    assert outcomes(rows) == [(1, 503, "retry"), (2, 503, "retry"), (3, 503, "failed")]
    assert {r["attempts"] for r in rows} == {3}
    assert len(callout_receiver.received) == 3


def test_a_definition_s_attempts_bound_the_retries(
    zuora_mock, callout_receiver, on_posted, create_memo
):
    on_posted(attempts=1)
    callout_receiver.answer(503)
    create_memo(post=True)
    assert outcomes(zuora_mock.flush_callouts()) == [(1, 503, "failed")]


def test_a_receiver_that_is_down_is_retried_as_a_refused_connection(
    zuora_mock, on_posted, create_memo
):
    on_posted(url=f"http://127.0.0.1:{free_port()}/hook")
    create_memo(post=True)
    rows = zuora_mock.flush_callouts()
    assert [(r["status"], r["error"], r["outcome"]) for r in rows] == [
        (None, "connection refused", "retry"),
        (None, "connection refused", "retry"),
        (None, "connection refused", "failed"),
    ]


def test_deliveries_are_journaled_and_filtered(
    zuora_mock, callout_receiver, on_posted, create_memo
):
    on_posted()
    callout_receiver.answer(503)
    memo = create_memo(post=True)
    create_memo(post=True)
    zuora_mock.flush_callouts()
    rows = zuora_mock.deliveries(object_id=memo["id"])
    assert outcomes(rows) == [(1, 503, "retry"), (2, 200, "delivered")]
    row = rows[0]
    assert row["url"] == callout_receiver.url and row["method"] == "POST"
    assert row["body"] == {"memoId": memo["id"]}
    assert row["headers"]["Zuora-Notification-Id"] == row["notification_id"]
    assert row["ms"] >= 0 and row["fault"] is None
    assert len(zuora_mock.deliveries(status=200)) == 2


# -- delivery faults ------------------------------------------------------------


def test_duplicate_sends_the_notification_twice(
    zuora_mock, callout_receiver, on_posted, create_memo
):
    on_posted()
    rule = zuora_mock.add_callout_fault(event="DebitMemoPosted", action="duplicate")
    create_memo(post=True)
    rows = zuora_mock.flush_callouts()
    assert [(r["outcome"], r["fault"]) for r in rows] == [("delivered", rule), ("duplicate", rule)]
    first, second = callout_receiver.received
    assert first.notification_id == second.notification_id
    assert first.request_id != second.request_id


def test_drop_never_sends(zuora_mock, callout_receiver, on_posted, create_memo):
    on_posted()
    zuora_mock.add_callout_fault(action="drop", id="lost")
    create_memo(post=True)
    [row] = zuora_mock.flush_callouts()
    assert (row["outcome"], row["fault"], row["request_id"]) == ("dropped", "lost", None)
    assert callout_receiver.received == []


def test_fail_counts_as_a_refused_connection_then_retries(
    zuora_mock, callout_receiver, on_posted, create_memo
):
    on_posted()
    zuora_mock.add_callout_fault(action="fail", times=1)
    create_memo(post=True)
    rows = zuora_mock.flush_callouts()
    assert [(r["attempt"], r["error"], r["outcome"]) for r in rows] == [
        (1, "connection refused (fault)", "retry"),
        (2, None, "delivered"),
    ]
    assert len(callout_receiver.received) == 1


def test_fail_after_sends_and_ignores_the_200_so_the_retry_is_a_duplicate(
    zuora_mock, callout_receiver, on_posted, create_memo
):
    on_posted()
    zuora_mock.add_callout_fault(action="fail", stage="after", times=1)
    create_memo(post=True)
    rows = zuora_mock.flush_callouts()
    assert [(r["status"], r["outcome"]) for r in rows] == [(200, "retry"), (200, "delivered")]
    assert rows[0]["error"] == "200 ignored (fault)"
    first, second = callout_receiver.received
    assert first.notification_id == second.notification_id
    assert first.body == second.body


def test_reorder_sends_a_notification_after_the_next_one(
    zuora_mock, callout_receiver, on_posted, create_memo
):
    on_posted()
    zuora_mock.add_callout_fault(action="reorder", times=1)
    first = create_memo(post=True)
    second = create_memo(post=True)
    zuora_mock.flush_callouts()
    assert [r.body["memoId"] for r in callout_receiver.received] == [second["id"], first["id"]]


def test_delay_sends_later_than_what_came_after(
    zuora_mock, callout_receiver, on_posted, create_memo
):
    on_posted()
    zuora_mock.add_callout_fault(delay_ms=90_000, times=1, id="late")
    first = create_memo(post=True)
    second = create_memo(post=True)
    rows = zuora_mock.flush_callouts()
    assert [r.body["memoId"] for r in callout_receiver.received] == [second["id"], first["id"]]
    assert [(r["object_id"], r["fault"]) for r in rows] == [
        (second["id"], None),
        (first["id"], "late"),
    ]


def test_a_fault_matches_the_url_glob(zuora_mock, callout_receiver, on_posted, create_memo):
    on_posted()
    zuora_mock.add_callout_fault(url="http://127.0.0.1:*/elsewhere", action="drop")
    create_memo(post=True)
    assert outcomes(zuora_mock.flush_callouts()) == [(1, 200, "delivered")]
    listed = requests.get(f"{zuora_mock.root}/__mock/callout-faults", timeout=10).json()["data"]
    assert listed[0]["stats"]["last"].startswith("url http://127.0.0.1:")


@pytest.mark.parametrize(
    ("rule", "key"),
    [
        ({"action": "explode"}, "action"),
        ({"event": "DebitMemoPosted"}, "action"),
        ({"action": "drop", "stage": "after"}, "stage"),
        ({"action": "drop", "probability": 2}, "probability"),
        ({"action": "drop", "status": 503}, "status"),
        ({"delay_ms": "400..100"}, "delay_ms"),
    ],
)
def test_a_bad_delivery_fault_is_a_400_naming_the_key(zuora_mock, rule, key):
    response = requests.post(f"{zuora_mock.root}/__mock/callout-faults", json=rule, timeout=10)
    assert response.status_code == 400, response.text
    assert key in response.text


def test_the_same_seed_gives_the_same_deliveries_in_the_same_order(
    zuora_mock, callout_receiver, on_posted, create_memo
):
    def run() -> list[tuple]:
        zuora_mock.reset()
        callout_receiver.clear()
        on_posted()
        for action in ("duplicate", "reorder", "drop", "fail"):
            zuora_mock.add_callout_fault(action=action, probability=0.3, id=action)
        for _ in range(8):
            create_memo(post=True)
        rows = zuora_mock.flush_callouts()
        seen = [(r.notification_id, r.request_id) for r in callout_receiver.received]
        keys = ("notification_id", "request_id", "object_id", "attempt", "outcome", "fault")
        return [tuple(r[k] for k in keys) for r in rows], seen

    first, again = run(), run()
    assert first == again
    assert {row[4] for row in first[0]} >= {"delivered", "dropped"}


# -- reset and time --------------------------------------------------------------


def test_reset_clears_runtime_definitions_outbox_and_deliveries(
    zuora_mock, callout_receiver, on_posted, create_memo
):
    on_posted()
    create_memo(post=True)
    zuora_mock.flush_callouts()
    create_memo(post=True)  # queued, not sent
    zuora_mock.add_callout_fault(action="drop")
    zuora_mock.reset()
    assert requests.get(f"{zuora_mock.root}/__mock/callouts", timeout=10).json()["data"] == []
    assert zuora_mock.deliveries() == []
    assert zuora_mock.flush_callouts() == []
    faults = requests.get(f"{zuora_mock.root}/__mock/callout-faults", timeout=10).json()
    assert faults["data"] == []
    assert len(callout_receiver.received) == 1
