"""``POST /v1/debit-memos/{key}/collect`` over HTTP: unapplied payments applied
Oldest First, Largest First, then the rest charged to a payment method; every
refusal is Zuora's HTTP 200 with ``success: false`` and changes nothing."""

from __future__ import annotations

import pytest

RESOURCE = {
    "applicationOrder": 500040, "collect": 500041, "payment.paymentMethodId": 500043,
    "payment.cryptogram": 500045,
}  # fmt: skip


@pytest.fixture
def charge_id(v1):
    plans = v1("GET", "/rateplan/SKU-FEES/productRatePlan").json()["productRatePlans"]
    return plans[0]["productRatePlanCharges"][0]["id"]


@pytest.fixture
def memo(v1, charge_id) -> dict:
    """A posted memo of 40 on A00000001."""
    return _memo(v1, charge_id, autoPost=True)


def _memo(v1, charge_id, items=1, each=40, **fields) -> dict:
    charges = [{"productRatePlanChargeId": charge_id, "amount": each}] * items
    body = {"accountNumber": "A00000001", "charges": charges, **fields}
    made = v1("POST", "/debit-memos", json=body).json()
    assert made["success"], made
    return made


def _unapplied(v1, currency: str, amount, effective: str) -> dict:
    body = {
        "accountNumber": "A00000001", "amount": amount, "currency": currency,
        "type": "External", "effectiveDate": effective,
    }  # fmt: skip
    payment = v1("POST", "/payments", json=body).json()
    assert payment["success"] and payment["unappliedAmount"] == amount, payment
    return payment


def _collect(v1, memo: dict, **body) -> dict:
    answer = v1("POST", f"/debit-memos/{memo['number']}/collect", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _applied(answer: dict) -> list[tuple]:
    return [
        (p["number"], p["appliedAmount"], p["unappliedAmount"]) for p in answer["appliedPayments"]
    ]


def test_collect_charges_the_balance_to_the_accounts_default_payment_method(v1, memo):
    account = v1("GET", "/accounts/A00000001").json()["basicInfo"]
    answer = _collect(v1, memo, collect=True)
    assert answer["success"] is True
    assert answer["debitMemo"] == {"id": memo["id"], "number": memo["number"]}
    assert (answer["appliedCreditMemos"], answer["appliedPayments"]) == ([], [])
    made = answer["processedPayment"]
    assert (made["amount"], made["status"], made["paymentMethodId"]) == (
        40, "Processed", account["defaultPaymentMethodId"],
    )  # fmt: skip
    after = v1("GET", f"/debit-memos/{memo['id']}").json()
    assert (after["balance"], after["beAppliedAmount"], after["status"]) == (0, 40, "Posted")
    payment = v1("GET", f"/payments/{made['number']}").json()
    assert (payment["id"], payment["type"], payment["appliedAmount"]) == (
        made["id"], "Electronic", 40,
    )  # fmt: skip
    parts = v1("GET", f"/debit-memos/{memo['id']}/application-parts").json()["applicationParts"]
    assert [(p["paymentId"], p["appliedAmount"]) for p in parts] == [(made["id"], 40)]


def test_unapplied_payments_go_oldest_first_then_largest_first(v1, memo):
    later = _unapplied(v1, memo["currency"], 30, "2026-01-05")
    small = _unapplied(v1, memo["currency"], 5, "2026-01-01")
    large = _unapplied(v1, memo["currency"], 20, "2026-01-01")
    answer = _collect(v1, memo, applyCredit=True, collect=True)
    assert _applied(answer) == [
        (large["number"], 20, 0), (small["number"], 5, 0), (later["number"], 15, 15),
    ]  # fmt: skip
    assert "processedPayment" not in answer, "nothing was left to collect"
    assert v1("GET", f"/debit-memos/{memo['id']}").json()["balance"] == 0
    assert v1("GET", f"/payments/{later['id']}").json()["unappliedAmount"] == 15


def test_unapplied_payments_then_a_payment_for_the_rest(v1, memo):
    unapplied = _unapplied(v1, memo["currency"], 15, "2026-01-01")
    answer = _collect(v1, memo, applyCredit=True, applicationOrder=["UnappliedPayment"],
                      collect=True)  # fmt: skip
    assert _applied(answer) == [(unapplied["number"], 15, 0)]
    assert answer["processedPayment"]["amount"] == 25
    after = v1("GET", f"/debit-memos/{memo['id']}").json()
    assert (after["balance"], after["beAppliedAmount"]) == (0, 40)


def test_without_apply_credit_unapplied_payments_stay_unapplied(v1, memo):
    unapplied = _unapplied(v1, memo["currency"], 15, "2026-01-01")
    answer = _collect(v1, memo, collect=True)
    assert answer["appliedPayments"] == [] and answer["processedPayment"]["amount"] == 40
    assert v1("GET", f"/payments/{unapplied['id']}").json()["unappliedAmount"] == 15


def test_credit_memos_only_applies_nothing_the_sandbox_has_none(v1, memo):
    unapplied = _unapplied(v1, memo["currency"], 15, "2026-01-01")
    answer = _collect(v1, memo, applyCredit=True, applicationOrder=["CreditMemo"])
    assert (answer["success"], answer["appliedCreditMemos"], answer["appliedPayments"]) == (
        True, [], [],
    )  # fmt: skip
    assert v1("GET", f"/debit-memos/{memo['id']}").json()["balance"] == 40
    assert v1("GET", f"/payments/{unapplied['id']}").json()["unappliedAmount"] == 15


def test_an_empty_request_does_nothing(v1, memo):
    answer = _collect(v1, memo)
    assert answer == {
        "success": True, "debitMemo": {"id": memo["id"], "number": memo["number"]},
        "appliedCreditMemos": [], "appliedPayments": [],
    }  # fmt: skip
    assert v1("GET", f"/debit-memos/{memo['id']}").json()["balance"] == 40


def test_the_payment_method_named_pays(v1, memo):
    method = v1("GET", "/accounts/A00000001").json()["basicInfo"]["defaultPaymentMethodId"]
    answer = _collect(v1, memo, collect=True, payment={"paymentMethodId": method,
                      "gatewayId": "gw-1", "balanceRefresh": False})  # fmt: skip
    assert answer["processedPayment"]["paymentMethodId"] == method


def _code(field: str, category: int) -> int:
    return RESOURCE.get(field, 500000) * 100 + category


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"applicationOrder": ["UnappliedPayment"]}, _code("applicationOrder", 20)),
        ({"applyCredit": True, "applicationOrder": ["Invoice"]}, _code("applicationOrder", 20)),
        ({"applyCredit": True, "applicationOrder": []}, _code("applicationOrder", 20)),
        ({"applyCredit": True, "applicationOrder": ["UnappliedPayment", "UnappliedPayment"]},
         _code("applicationOrder", 20)),
        ({"collect": "yes"}, _code("collect", 20)),
        ({"collect": True, "payment": {"paymentMethodId": "nope"}},
         _code("payment.paymentMethodId", 20)),
        ({"collect": True, "payment": {"cryptogram": "c" * 51}}, _code("payment.cryptogram", 20)),
        ({"collect": True, "colour": "red"}, 50000021),
    ],
)  # fmt: skip
def test_bad_requests_are_refused_and_change_nothing(v1, memo, body, code):
    unapplied = _unapplied(v1, memo["currency"], 15, "2026-01-01")
    answer = _collect(v1, memo, **body)
    assert answer["success"] is False
    assert [r["code"] for r in answer["reasons"]] == [code], answer
    assert v1("GET", f"/debit-memos/{memo['id']}").json()["balance"] == 40
    assert v1("GET", f"/payments/{unapplied['id']}").json()["unappliedAmount"] == 15


def test_the_payment_method_of_another_account_is_refused(v1, memo):
    other = v1("GET", "/accounts/A00000002").json()["basicInfo"]["defaultPaymentMethodId"]
    answer = _collect(v1, memo, collect=True, payment={"paymentMethodId": other})
    assert [r["code"] for r in answer["reasons"]] == [50004320]
    assert v1("GET", f"/debit-memos/{memo['id']}").json()["balance"] == 40


def test_a_draft_and_an_unknown_memo_are_refused(v1, charge_id):
    draft = _memo(v1, charge_id)
    refused = _collect(v1, draft, collect=True)
    assert [r["code"] for r in refused["reasons"]] == [50000030]
    assert "draft" in refused["reasons"][0]["message"]
    unknown = _collect(v1, {"number": "DM99999999"}, collect=True)
    assert [r["code"] for r in unknown["reasons"]] == [50000040]
    assert v1("GET", f"/debit-memos/{draft['id']}").json()["balance"] == 40


def test_a_memo_of_more_than_ten_items_is_refused(v1, charge_id):
    memo = _memo(v1, charge_id, items=11, each=4, autoPost=True)
    refused = _collect(v1, memo, collect=True)
    assert [r["code"] for r in refused["reasons"]] == [50000030]
    assert "10 items" in refused["reasons"][0]["message"]
    assert v1("GET", f"/debit-memos/{memo['id']}").json()["beAppliedAmount"] == 0


def test_more_than_25_unapplied_payments_are_refused_and_none_applied(v1, memo):
    payments = [_unapplied(v1, memo["currency"], 1, "2026-01-01") for _ in range(26)]
    refused = _collect(v1, memo, applyCredit=True, collect=True)
    assert [r["code"] for r in refused["reasons"]] == [_code("applicationOrder", 30)]
    assert v1("GET", f"/debit-memos/{memo['id']}").json()["balance"] == 40
    assert v1("GET", f"/payments/{payments[0]['id']}").json()["unappliedAmount"] == 1


def test_an_idempotency_key_collects_once(v1, memo):
    headers = {"Idempotency-Key": "collect-once"}
    url = f"/debit-memos/{memo['id']}/collect"
    first = v1("POST", url, json={"collect": True}, headers=headers)
    again = v1("POST", url, json={"collect": True}, headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    parts = v1("GET", f"/debit-memos/{memo['id']}/application-parts").json()["applicationParts"]
    assert [p["paymentId"] for p in parts] == [first.json()["processedPayment"]["id"]]


def test_a_fault_by_zuoras_operation_id_refuses_the_collect(v1, zuora_mock, memo):
    url = f"/debit-memos/{memo['id']}/collect"
    with zuora_mock.fault(operation="POST_DebitMemoCollect", status=503, times=1):
        refused = v1("POST", url, json={"collect": True})
        assert refused.status_code == 503
        assert refused.json()["reasons"][0]["code"] == 50000060
        assert v1("GET", f"/debit-memos/{memo['id']}").json()["balance"] == 40
        assert v1("POST", url, json={"collect": True}).json()["success"] is True
    journal = zuora_mock.requests(operation="POST_DebitMemoCollect")
    assert [e["status"] for e in journal] == [503, 200]


def test_the_older_spelling_routes_the_same(v1, memo):
    answer = v1("POST", f"/debitmemos/{memo['id']}/collect", json={"collect": True}).json()
    assert answer["processedPayment"]["amount"] == 40
