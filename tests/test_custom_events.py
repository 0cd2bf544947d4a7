"""Custom events over HTTP: a trigger and a definition registered Zuora's way, then
changes made through either face; what the tenant's outbox then holds."""

from __future__ import annotations

import pytest
import requests

from mockserver.app import create_app
from mockserver.config import Config
from mockserver.server import connection_policy, start_in_thread

POSTED = (
    "changeType == 'UPDATE' && DebitMemo.Status == 'Posted' && DebitMemo.Status_old != 'Posted'"
)
HEADERS = {"Authorization": "Bearer custom-events"}


@pytest.fixture(scope="module")
def sandbox():
    config = Config(port=0, log_requests=False)
    app = create_app(config)
    server = start_in_thread(app, port=0, threads=8, policy=connection_policy(config))
    yield server.url, app.extensions["mockserver"].tenants
    server.stop()


@pytest.fixture
def call(sandbox):
    root, tenants = sandbox
    tenants.reset()

    def request(method, path, **kwargs):
        response = requests.request(method, f"{root}{path}", headers=HEADERS, timeout=30, **kwargs)
        assert response.status_code in (200, 201, 204), response.text
        return response.json() if response.content else None

    return request


@pytest.fixture
def outbox(sandbox):
    return lambda: sandbox[1].get("default").callouts.outbox.pending()


def register(call, name: str, condition: str, base: str = "DebitMemo", **params) -> None:
    call("POST", "/events/event-triggers", json={
        "active": True, "baseObject": base, "condition": condition,
        "eventType": {"name": name, "displayName": name},
    })  # fmt: skip
    call("POST", "/notifications/notification-definitions", json={
        "name": f"on {name}", "eventTypeName": name, "calloutActive": True,
        "callout": {"name": "hook", "calloutBaseurl": "http://127.0.0.1:9/hook",
                    "httpMethod": "POST", "requiredAuth": False, "calloutParams": params},
    })  # fmt: skip


def v2_memo(call, amount=1200) -> dict:
    return call("POST", "/v2/debit_memos", json={
        "account_number": "A00000001",
        "items": [{"amount": amount, "service_start": "2026-01-01", "name": "Fee"}],
    })  # fmt: skip


def test_a_v2_post_fires_the_custom_event_and_the_create_does_not(call, outbox):
    params = {"memoId": "<DataSource.DebitMemo.Id>", "amount": "<DataSource.DebitMemo.Amount>"}
    register(call, "LargeMemoPosted", POSTED + " && DebitMemo.Amount > 1000.0", **params)
    memo = v2_memo(call)
    assert outbox() == []
    call("POST", f"/v2/debit_memos/{memo['id']}/post")
    [notification] = outbox()
    assert notification.event == "LargeMemoPosted" and notification.object_id == memo["id"]
    assert notification.body == {"memoId": memo["id"], "amount": "1200.00"}
    small = v2_memo(call, amount=10)
    call("POST", f"/v2/debit_memos/{small['id']}/post")
    assert len(outbox()) == 1


def test_a_v1_post_fires_the_same_custom_event(call, outbox):
    register(call, "MemoPostedNow", POSTED, number="DebitMemo.Number")
    plans = call("GET", "/v1/rateplan/SKU-FEES/productRatePlan")["productRatePlans"]
    charge = plans[0]["productRatePlanCharges"][0]["id"]
    memo = call("POST", "/v1/debit-memos", json={
        "accountNumber": "A00000001",
        "charges": [{"productRatePlanChargeId": charge, "amount": 40}],
    })  # fmt: skip
    assert outbox() == []
    call("PUT", f"/v1/debit-memos/{memo['id']}/post")
    [notification] = outbox()
    assert notification.body == {"number": memo["number"]}


def test_a_v1_payment_fires_a_payment_trigger(call, outbox):
    register(call, "PaymentMade", "changeType == 'INSERT' && Payment.Amount >= 20", "Payment",
             payment="Payment.Number", applied="Payment.AppliedAmount")  # fmt: skip
    memo = v2_memo(call, amount=50)
    call("POST", f"/v2/debit_memos/{memo['id']}/post")
    call(
        "POST",
        f"/v2/debit_memos/{memo['id']}/pay",
        json={"currency": memo["currency"], "amount": 5},
    )
    assert outbox() == []
    call("POST", "/v1/payments", json={
        "accountNumber": "A00000001", "amount": 20, "currency": memo["currency"],
        "type": "External", "debitMemos": [{"debitMemoId": memo["id"], "amount": 20}],
    })  # fmt: skip
    [notification] = outbox()
    assert notification.event == "PaymentMade"
    assert notification.body["applied"] == "20.00" and notification.body["payment"].startswith("P-")


def test_a_delete_fires_rendered_from_the_fields_before_it(call, outbox):
    condition = "changeType == 'DELETE' && DebitMemo.Status_old == 'Canceled'"
    register(call, "CanceledDeleted", condition, memoId="DebitMemo.Id", status="DebitMemo.Status")
    memo = v2_memo(call)
    call("POST", f"/v2/debit_memos/{memo['id']}/cancel")
    call("DELETE", f"/v2/debit_memos/{memo['id']}")
    [notification] = outbox()
    assert notification.body == {"memoId": memo["id"], "status": "Canceled"}


def test_an_inactive_trigger_or_definition_sends_nothing(call, outbox):
    register(call, "MemoPostedNow", POSTED)
    [trigger] = call("GET", "/events/event-triggers")["data"]
    call("PUT", f"/events/event-triggers/{trigger['id']}", json={"active": False})
    call("POST", f"/v2/debit_memos/{v2_memo(call)['id']}/post")
    assert outbox() == []
    call("PUT", f"/events/event-triggers/{trigger['id']}", json={"active": True})
    [definition] = call("GET", "/notifications/notification-definitions")["data"]
    call("PUT", f"/notifications/notification-definitions/{definition['id']}",
         json={"calloutActive": False})  # fmt: skip
    call("POST", f"/v2/debit_memos/{v2_memo(call)['id']}/post")
    assert outbox() == []


def test_a_definition_made_before_its_trigger_fires_once_the_trigger_exists(call, outbox):
    call("POST", "/notifications/notification-definitions", json={
        "name": "early", "eventTypeName": "MemoPostedNow", "calloutActive": True,
        "callout": {"name": "hook", "calloutBaseurl": "http://127.0.0.1:9/hook",
                    "httpMethod": "POST", "requiredAuth": False},
    })  # fmt: skip
    call("POST", f"/v2/debit_memos/{v2_memo(call)['id']}/post")
    assert outbox() == []
    call("POST", "/events/event-triggers", json={
        "active": True, "baseObject": "DebitMemo", "condition": POSTED,
        "eventType": {"name": "MemoPostedNow", "displayName": "Memo posted now"},
    })  # fmt: skip
    call("POST", f"/v2/debit_memos/{v2_memo(call)['id']}/post")
    assert [n.event for n in outbox()] == ["MemoPostedNow"]
