"""Custom events over HTTP, end to end: a trigger and a definition registered
Zuora's way, a change made through either face, the callout delivered to a real
receiver (the plugin's ``callout_receiver``) when the test flushes."""

from __future__ import annotations

import pytest
import requests

POSTED = (
    "changeType == 'UPDATE' && DebitMemo.Status == 'Posted' && DebitMemo.Status_old != 'Posted'"
)


@pytest.fixture
def call(zuora_mock):
    with requests.Session() as session:
        session.headers.update(zuora_mock.headers)

        def request(method, path, **kwargs):
            response = session.request(method, f"{zuora_mock.root}{path}", timeout=30, **kwargs)
            assert response.status_code in (200, 201, 204), response.text
            return response.json() if response.content else None

        yield request


@pytest.fixture
def register(call, callout_receiver):
    def register(name: str, condition: str, base: str = "DebitMemo", **params) -> dict:
        call("POST", "/events/event-triggers", json={
            "active": True, "baseObject": base, "condition": condition,
            "eventType": {"name": name, "displayName": name},
        })  # fmt: skip
        return call("POST", "/notifications/notification-definitions", json={
            "name": f"on {name}", "eventTypeName": name, "calloutActive": True,
            "callout": {"name": "hook", "calloutBaseurl": callout_receiver.url,
                        "httpMethod": "POST", "requiredAuth": False, "calloutParams": params},
        })  # fmt: skip

    return register


def v2_memo(call, amount=1200) -> dict:
    return call("POST", "/v2/debit_memos", json={
        "account_number": "A00000001",
        "items": [{"amount": amount, "service_start": "2026-01-01", "name": "Fee"}],
    })  # fmt: skip


def test_a_v2_post_sends_the_custom_event_and_the_create_sends_nothing(
    call, register, zuora_mock, callout_receiver
):
    params = {"memoId": "<DataSource.DebitMemo.Id>", "amount": "<DataSource.DebitMemo.Amount>"}
    register("LargeMemoPosted", POSTED + " && DebitMemo.Amount > 1000.0", **params)
    memo = v2_memo(call)
    small = v2_memo(call, amount=10)
    assert zuora_mock.flush_callouts() == []
    call("POST", f"/v2/debit_memos/{memo['id']}/post")
    call("POST", f"/v2/debit_memos/{small['id']}/post")
    [delivery] = zuora_mock.flush_callouts()
    assert (delivery["event"], delivery["object_id"], delivery["status"]) == (
        "LargeMemoPosted", memo["id"], 200,
    )  # fmt: skip
    [received] = callout_receiver.received
    assert received.method == "POST"
    assert received.body == {"memoId": memo["id"], "amount": "1200.00"}
    assert received.notification_id == delivery["notification_id"]


def test_a_v1_post_sends_the_same_custom_event(call, register, zuora_mock, callout_receiver):
    register("MemoPostedNow", POSTED, number="DebitMemo.Number", status="DebitMemo.Status")
    plans = call("GET", "/v1/rateplan/SKU-FEES/productRatePlan")["productRatePlans"]
    charge = plans[0]["productRatePlanCharges"][0]["id"]
    memo = call("POST", "/v1/debit-memos", json={
        "accountNumber": "A00000001",
        "charges": [{"productRatePlanChargeId": charge, "amount": 40}],
    })  # fmt: skip
    call("PUT", f"/v1/debit-memos/{memo['id']}/post")
    zuora_mock.flush_callouts()
    assert [r.body for r in callout_receiver.received] == [
        {"number": memo["number"], "status": "Posted"}
    ]


def test_a_v1_payment_sends_a_payment_trigger(call, register, zuora_mock, callout_receiver):
    condition = "changeType == 'INSERT' && Payment.Amount >= 20"
    register("PaymentMade", condition, "Payment", payment="Payment.Number",
             applied="Payment.AppliedAmount")  # fmt: skip
    memo = v2_memo(call, amount=50)
    call("POST", f"/v2/debit_memos/{memo['id']}/post")
    call(
        "POST",
        f"/v2/debit_memos/{memo['id']}/pay",
        json={"currency": memo["currency"], "amount": 5},
    )
    call("POST", "/v1/payments", json={
        "accountNumber": "A00000001", "amount": 20, "currency": memo["currency"],
        "type": "External", "debitMemos": [{"debitMemoId": memo["id"], "amount": 20}],
    })  # fmt: skip
    zuora_mock.flush_callouts()
    [received] = callout_receiver.received
    assert received.body["applied"] == "20.00" and received.body["payment"].startswith("P-")


def test_a_delete_is_rendered_from_the_fields_before_it(
    call, register, zuora_mock, callout_receiver
):
    condition = "changeType == 'DELETE' && DebitMemo.Status_old == 'Canceled'"
    register("CanceledDeleted", condition, memoId="DebitMemo.Id", status="DebitMemo.Status")
    memo = v2_memo(call)
    call("POST", f"/v2/debit_memos/{memo['id']}/cancel")
    call("DELETE", f"/v2/debit_memos/{memo['id']}")
    zuora_mock.flush_callouts()
    assert [r.body for r in callout_receiver.received] == [
        {"memoId": memo["id"], "status": "Canceled"}
    ]


def test_basic_auth_goes_with_a_definition_that_requires_it(call, zuora_mock, callout_receiver):
    call("POST", "/events/event-triggers", json={
        "active": True, "baseObject": "DebitMemo", "condition": POSTED,
        "eventType": {"name": "MemoPostedNow", "displayName": "Memo posted now"},
    })  # fmt: skip
    call("POST", "/notifications/notification-definitions", json={
        "name": "with auth", "eventTypeName": "MemoPostedNow", "calloutActive": True,
        "callout": {"name": "hook", "calloutBaseurl": callout_receiver.url, "httpMethod": "PUT",
                    "requiredAuth": True, "calloutAuth": {
                        "username": "ledger", "password": "s3cret", "preemptive": True}},
    })  # fmt: skip
    call("POST", f"/v2/debit_memos/{v2_memo(call)['id']}/post")
    zuora_mock.flush_callouts()
    [received] = callout_receiver.received
    assert received.method == "PUT"
    assert received.headers["Authorization"] == "Basic bGVkZ2VyOnMzY3JldA=="


def test_an_inactive_trigger_or_definition_sends_nothing(
    call, register, zuora_mock, callout_receiver
):
    definition = register("MemoPostedNow", POSTED)
    [trigger] = call("GET", "/events/event-triggers")["data"]
    call("PUT", f"/events/event-triggers/{trigger['id']}", json={"active": False})
    call("POST", f"/v2/debit_memos/{v2_memo(call)['id']}/post")
    call("PUT", f"/events/event-triggers/{trigger['id']}", json={"active": True})
    call("PUT", f"/notifications/notification-definitions/{definition['id']}",
         json={"calloutActive": False})  # fmt: skip
    call("POST", f"/v2/debit_memos/{v2_memo(call)['id']}/post")
    assert zuora_mock.flush_callouts() == []
    assert callout_receiver.received == []


def test_a_definition_made_before_its_trigger_fires_once_the_trigger_exists(
    call, zuora_mock, callout_receiver
):
    call("POST", "/notifications/notification-definitions", json={
        "name": "early", "eventTypeName": "MemoPostedNow", "calloutActive": True,
        "callout": {"name": "hook", "calloutBaseurl": callout_receiver.url,
                    "httpMethod": "POST", "requiredAuth": False},
    })  # fmt: skip
    call("POST", f"/v2/debit_memos/{v2_memo(call)['id']}/post")
    assert zuora_mock.flush_callouts() == []
    call("POST", "/events/event-triggers", json={
        "active": True, "baseObject": "DebitMemo", "condition": POSTED,
        "eventType": {"name": "MemoPostedNow", "displayName": "Memo posted now"},
    })  # fmt: skip
    call("POST", f"/v2/debit_memos/{v2_memo(call)['id']}/post")
    assert [d["event"] for d in zuora_mock.flush_callouts()] == ["MemoPostedNow"]


def test_the_short_ways_list_shows_definitions_made_zuoras_way_and_a_reset_clears_them(
    call, register, zuora_mock
):
    made = register("MemoPostedNow", POSTED, memoId="DebitMemo.Id")
    listed = requests.get(f"{zuora_mock.root}/__mock/callouts", timeout=10).json()["data"]
    assert [(d["id"], d["event"], d["origin"]) for d in listed] == [
        (made["id"], "MemoPostedNow", "runtime")
    ]
    short = zuora_mock.callout(event="DebitMemoPosted", url="http://127.0.0.1:9/short")
    zuora_listed = call("GET", "/notifications/notification-definitions")["data"]
    assert [d["id"] for d in zuora_listed] == [made["id"], short["id"]]
    assert zuora_listed[1]["callout"]["calloutBaseurl"] == "http://127.0.0.1:9/short"
    zuora_mock.reset()
    assert requests.get(f"{zuora_mock.root}/__mock/callouts", timeout=10).json()["data"] == []
    assert call("GET", "/events/event-triggers")["data"] == []
