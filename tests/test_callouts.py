"""Callouts over real HTTP to a real receiver: which changes send which event,
what a callout carries, and the short way of registering. The plugin's sandbox
runs manual callout time: nothing is sent until ``flush_callouts()``."""

from __future__ import annotations

import base64

import pytest
import requests

POSTED = {"memoId": "DebitMemo.Id", "number": "<DataSource.DebitMemo.Number>"}


@pytest.fixture
def v1(zuora_mock):
    with requests.Session() as session:
        session.headers.update(zuora_mock.headers)

        def call(method, path, **kwargs):
            return session.request(method, f"{zuora_mock.v1_url}/v1{path}", timeout=30, **kwargs)

        yield call


@pytest.fixture
def on_posted(zuora_mock, callout_receiver):
    return zuora_mock.callout(event="DebitMemoPosted", url=callout_receiver.url, params=POSTED)


@pytest.fixture
def on_payment(zuora_mock, callout_receiver):
    params = {"paymentId": "Payment.Id", "amount": "Payment.Amount"}
    return zuora_mock.callout(event="PaymentProcessed", url=callout_receiver.url, params=params)


def test_creating_a_draft_memo_sends_nothing(zuora_mock, callout_receiver, on_posted, create_memo):
    create_memo()
    assert zuora_mock.flush_callouts() == []
    assert callout_receiver.received == []


def test_posting_a_memo_sends_debit_memo_posted(
    zuora_mock, zuora_client, callout_receiver, on_posted, create_memo
):
    memo = create_memo()
    assert zuora_client.post(f"/debit_memos/{memo['id']}/post").status_code == 200
    [row] = zuora_mock.flush_callouts()
    [received] = callout_receiver.received
    assert received.method == "POST"
    assert received.body == {"memoId": memo["id"], "number": memo["debit_memo_number"]}
    assert received.headers["Content-Type"] == "application/json"
    assert received.notification_id == row["notification_id"]
    assert received.request_id == row["request_id"] != row["notification_id"]
    assert len(received.request_id) == 32 and "-" not in received.request_id
    assert (row["event"], row["object_id"], row["status"]) == (
        "DebitMemoPosted",
        memo["id"],
        200,
    )
    assert (row["attempt"], row["outcome"]) == (1, "delivered")


def test_a_memo_posted_at_create_is_debit_memo_posted(zuora_mock, on_posted, create_memo):
    memo = create_memo(post=True)
    [row] = zuora_mock.flush_callouts()
    assert (row["event"], row["object_id"]) == ("DebitMemoPosted", memo["id"])


def test_posting_through_v1_is_debit_memo_posted(zuora_mock, callout_receiver, on_posted, v1):
    charges = v1("GET", "/rateplan/SKU-FEES/productRatePlan").json()["productRatePlans"]
    charge = charges[0]["productRatePlanCharges"][0]["id"]
    body = {
        "accountNumber": "A00000001",
        "charges": [{"productRatePlanChargeId": charge, "amount": 40}],
    }
    memo = v1("POST", "/debit-memos", json=body).json()
    assert zuora_mock.flush_callouts() == []
    assert v1("PUT", f"/debit-memos/{memo['id']}/post").json()["status"] == "Posted"
    zuora_mock.flush_callouts()
    assert [r.body["memoId"] for r in callout_receiver.received] == [memo["id"]]


def test_a_v2_pay_is_payment_processed(
    zuora_mock, zuora_client, callout_receiver, on_payment, create_memo
):
    memo = create_memo(post=True)
    paid = zuora_client.post(f"/debit_memos/{memo['id']}/pay", json={"currency": memo["currency"]})
    assert paid.status_code == 200, paid.text
    [row] = zuora_mock.flush_callouts()
    assert row["event"] == "PaymentProcessed"
    [received] = callout_receiver.received
    assert received.body["amount"] == "10.00"
    assert received.body["paymentId"] == row["object_id"]


def test_a_v1_payment_is_payment_processed(
    zuora_mock, callout_receiver, on_payment, create_memo, v1
):
    memo = create_memo(post=True)
    body = {
        "accountNumber": "A00000001", "amount": 4.5, "currency": memo["currency"],
        "type": "External", "debitMemos": [{"debitMemoId": memo["id"], "amount": 4.5}],
    }  # fmt: skip
    payment = v1("POST", "/payments", json=body).json()
    assert payment["success"], payment
    zuora_mock.flush_callouts()
    [received] = callout_receiver.received
    assert received.body == {"paymentId": payment["id"], "amount": "4.50"}


def test_a_callout_carries_the_memo_as_it_was_at_the_event(
    zuora_mock, zuora_client, callout_receiver, create_memo
):
    params = {"status": "DebitMemo.Status", "balance": "<DataSource.DebitMemo.Balance>"}
    zuora_mock.callout(event="DebitMemoPosted", url=callout_receiver.url, params=params)
    memo = create_memo(post=True)
    paid = zuora_client.post(f"/debit_memos/{memo['id']}/pay", json={"currency": memo["currency"]})
    assert paid.status_code == 200, paid.text
    assert zuora_client.get(f"/debit_memos/{memo['id']}").json()["balance"] == 0
    zuora_mock.flush_callouts()
    [received] = callout_receiver.received
    assert received.body == {"status": "Posted", "balance": "10.00"}


def test_headers_and_preemptive_basic_auth(zuora_mock, callout_receiver, create_memo):
    zuora_mock.callout(
        event="DebitMemoPosted",
        url=callout_receiver.url,
        headers={"X-Team": "billing"},
        auth={"username": "zuora", "password": "s3cret", "preemptive": True},
    )
    create_memo(post=True)
    zuora_mock.flush_callouts()
    [received] = callout_receiver.received
    assert received.headers["X-Team"] == "billing"
    credentials = base64.b64encode(b"zuora:s3cret").decode()
    assert received.headers["Authorization"] == f"Basic {credentials}"


def test_basic_auth_zuoras_way_answers_a_challenge(zuora_mock, callout_receiver, create_memo):
    zuora_mock.callout(event="DebitMemoPosted", url=callout_receiver.url, auth="zuora:s3cret")
    callout_receiver.answer((401, {"WWW-Authenticate": 'Basic realm="hooks"'}))
    create_memo(post=True)
    rows = zuora_mock.flush_callouts()
    first, second = callout_receiver.received
    assert "Authorization" not in first.headers
    assert second.headers["Authorization"].startswith("Basic ")
    assert [(r["status"], r["outcome"]) for r in rows] == [(401, "challenged"), (200, "delivered")]
    assert first.notification_id == second.notification_id


def test_a_get_callout_sends_its_params_in_the_query(zuora_mock, callout_receiver, create_memo):
    zuora_mock.callout(
        event="DebitMemoPosted", url=callout_receiver.url, method="GET", params=POSTED
    )
    memo = create_memo(post=True)
    zuora_mock.flush_callouts()
    [received] = callout_receiver.received
    assert received.method == "GET"
    assert received.query == {"memoId": memo["id"], "number": memo["debit_memo_number"]}


def test_a_callout_in_text_form(zuora_mock, callout_receiver, create_memo):
    response = requests.post(
        f"{zuora_mock.root}/__mock/callouts",
        data=f"event=DebitMemoPosted,url={callout_receiver.url},param.memoId=DebitMemo.Id",
        headers={"Content-Type": "text/plain"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    assert response.json()["params"] == {"memoId": "DebitMemo.Id"}
    memo = create_memo(post=True)
    zuora_mock.flush_callouts()
    assert [r.body for r in callout_receiver.received] == [{"memoId": memo["id"]}]


def test_the_short_way_lists_and_deletes_definitions(zuora_mock, callout_receiver, on_posted):
    listed = requests.get(f"{zuora_mock.root}/__mock/callouts", timeout=10).json()["data"]
    assert [(d["id"], d["event"], d["event_category"]) for d in listed] == [
        (on_posted["id"], "DebitMemoPosted", 2820)
    ]
    assert listed[0]["origin"] == "runtime" and listed[0]["attempts"] == 3
    gone = requests.delete(f"{zuora_mock.root}/__mock/callouts/{on_posted['id']}", timeout=10)
    assert gone.status_code == 204
    again = requests.delete(f"{zuora_mock.root}/__mock/callouts/{on_posted['id']}", timeout=10)
    assert again.status_code == 404


@pytest.mark.parametrize(
    ("spec", "parameter"),
    [
        ({"url": "http://127.0.0.1:9/x"}, "event"),
        ({"event": "DebitMemoPosted"}, "url"),
        ({"event": "DebitMemoPosted", "url": "ftp://h/x"}, "url"),
        ({"event": "DebitMemoPosted", "url": "http://h:99999/x"}, "url"),
        ({"event": "Debit Memo", "url": "http://h/x"}, "event"),
        ({"event": "DebitMemoPosted", "url": "http://h/x", "method": "TRACE"}, "method"),
        ({"event": "DebitMemoPosted", "url": "http://h/x", "attempts": 6}, "attempts"),
        ({"event": "DebitMemoPosted", "url": "http://h/x", "params": {"a": "DebitMemo.No"}},
         "params.a"),
        ({"event": "PaymentProcessed", "url": "http://h/x", "params": {"b": "DebitMemo.Id"}},
         "params.b"),
        ({"event": "DebitMemoPosted", "url": "http://h/x", "headers": {"Zuora-Request-Id": "1"}},
         "headers.Zuora-Request-Id"),
        ({"event": "DebitMemoPosted", "url": "http://h/x", "auth": "nocolon"}, "auth"),
        ({"event": "DebitMemoPosted", "url": "http://h/x", "colour": "red"}, "colour"),
    ],
)  # fmt: skip
def test_a_bad_callout_is_a_400_naming_the_key(zuora_mock, spec, parameter):
    response = requests.post(f"{zuora_mock.root}/__mock/callouts", json=spec, timeout=10)
    assert response.status_code == 400, response.text
    assert parameter in response.text
    listed = requests.get(f"{zuora_mock.root}/__mock/callouts", timeout=10).json()["data"]
    assert listed == []


def test_the_journal_masks_the_credentials(zuora_mock, callout_receiver, create_memo):
    auth = {"username": "zuora", "password": "s3cret", "preemptive": True}
    zuora_mock.callout(event="DebitMemoPosted", url=callout_receiver.url, auth=auth)
    create_memo(post=True)
    [row] = zuora_mock.flush_callouts()
    assert row["headers"]["Authorization"] == "Basic ****"
    assert "s3cret" not in str(zuora_mock.deliveries())
    assert callout_receiver.received[0].headers["Authorization"] != "Basic ****"
