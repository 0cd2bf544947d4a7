"""Two faces, one store: what v1 writes, v2 reads, and the other way round,
field by field; also under 30 threads mixing v1 payments and v2 pays."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
import requests


@pytest.fixture
def charge_id(v1):
    plans = v1("GET", "/rateplan/SKU-SERVICES/productRatePlan").json()["productRatePlans"]
    return plans[0]["productRatePlanCharges"][0]["id"]


def _v1_time(iso: str) -> str:
    """v2's ISO timestamp as v1 writes it (the sandbox's zone is UTC)."""
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M:%S")


def _v1_payment(v1, memo_id: str, currency: str, amount) -> requests.Response:
    return v1(
        "POST",
        "/payments",
        json={
            "accountNumber": "A00000001", "amount": amount, "currency": currency,
            "type": "External", "debitMemos": [{"debitMemoId": memo_id, "amount": amount}],
        },
    )  # fmt: skip


def test_a_memo_made_through_v1_reads_the_same_through_v2(v1, zuora_client, charge_id):
    body = {
        "accountNumber": "A00000001", "effectiveDate": "2026-02-01", "dueDate": "2026-03-15",
        "comment": "through v1", "reasonCode": "Charge Dispute",
        "charges": [{"productRatePlanChargeId": charge_id, "amount": 99.99, "quantity": 3,
                     "serviceStartDate": "2026-01-01", "serviceEndDate": "2026-01-31"}],
    }  # fmt: skip
    made = v1("POST", "/debit-memos", json=body).json()
    seen = zuora_client.get(f"/debit_memos/{made['number']}", params={"expand[]": "items"}).json()
    assert (seen["id"], seen["debit_memo_number"], seen["state"]) == (
        made["id"], made["number"], "draft",
    )  # fmt: skip
    assert (seen["total"], seen["remaining_balance"], seen["amount_paid"]) == (99.99, 99.99, 0)
    assert (seen["document_date"], seen["due_date"]) == ("2026-02-01", "2026-03-15")
    assert (seen["description"], seen["reason_code"]) == ("through v1", "Charge Dispute")
    assert seen["account_number"] == made["accountNumber"] == "A00000001"
    assert _v1_time(seen["created_time"]) == made["createdDate"]
    [item] = seen["items"]["data"]
    assert (item["amount"], item["quantity"], item["unit_amount"]) == (99.99, 3, 33.33)
    assert (item["service_start"], item["service_end"]) == ("2026-01-01", "2026-01-31")
    assert (item["price_id"], item["name"]) == (charge_id, "Professional services")


def test_a_v2_price_id_names_a_v1_catalog_charge(v1, zuora_client, charge_id):
    item = {"amount": 12, "service_start": "2026-01-01", "price_id": charge_id}
    made = zuora_client.post("/debit_memos", json={"account_number": "A00000001", "items": [item]})
    assert made.status_code == 201, made.text
    seen = zuora_client.get(f"/debit_memos/{made.json()['id']}", params={"expand[]": "items"})
    [line] = seen.json()["items"]["data"]
    assert (line["price_id"], line["name"], line["amount"]) == (
        charge_id, "Professional services", 12,
    )  # fmt: skip
    [charge] = v1("GET", f"/debit-memos/{made.json()['id']}/items").json()["items"]
    assert (charge["sourceItemId"], charge["amount"]) == (charge_id, 12)


def test_a_memo_posted_through_v2_reads_the_same_through_v1(v1, create_memo):
    memo = create_memo(post=True, due_date="2027-01-31", description="through v2")
    seen = v1("GET", f"/debit-memos/{memo['debit_memo_number']}").json()
    assert (seen["id"], seen["number"], seen["status"]) == (
        memo["id"], memo["debit_memo_number"], "Posted",
    )  # fmt: skip
    assert (seen["amount"], seen["balance"], seen["beAppliedAmount"]) == (10, 10, 0)
    assert (seen["dueDate"], seen["debitMemoDate"], seen["comment"]) == (
        "2027-01-31", memo["document_date"], "through v2",
    )  # fmt: skip
    assert seen["postedOn"] == _v1_time(memo["state_transitions"]["posted_time"])
    assert seen["updatedDate"] == _v1_time(memo["updated_time"])


def test_a_v1_payment_lowers_the_v2_balance_and_blocks_unpost(v1, zuora_client, create_memo):
    memo = create_memo(post=True, items=[{"amount": 80, "service_start": "2026-01-01"}])
    payment = _v1_payment(v1, memo["id"], memo["currency"], 30.5).json()
    seen = zuora_client.get(f"/debit_memos/{memo['id']}").json()
    assert (seen["remaining_balance"], seen["amount_paid"], seen["balance"]) == (49.5, 30.5, 49.5)
    refused = zuora_client.post(f"/debit_memos/{memo['id']}/unpost")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "invalid_state"
    v1("PUT", f"/payments/{payment['id']}/unapply",
       json={"debitMemos": [{"debitMemoId": memo["id"], "amount": 30.5}]})  # fmt: skip
    assert zuora_client.get(f"/debit_memos/{memo['id']}").json()["remaining_balance"] == 80
    assert zuora_client.post(f"/debit_memos/{memo['id']}/unpost").json()["state"] == "draft"


def test_a_v2_pay_is_a_v1_payment(v1, zuora_client, create_memo):
    memo = create_memo(post=True, items=[{"amount": 25, "service_start": "2026-01-01"}])
    zuora_client.post(f"/debit_memos/{memo['id']}/pay", json={"currency": memo["currency"],
                                                               "amount": 20})  # fmt: skip
    [part] = v1("GET", f"/debit-memos/{memo['id']}/application-parts").json()["applicationParts"]
    assert part["appliedAmount"] == 20
    payment = v1("GET", f"/payments/{part['paymentId']}").json()
    assert (payment["amount"], payment["appliedAmount"], payment["unappliedAmount"]) == (20, 20, 0)
    assert (payment["status"], payment["type"], payment["accountNumber"]) == (
        "Processed", "Electronic", "A00000001",
    )  # fmt: skip
    assert v1("GET", f"/debit-memos/{memo['id']}").json()["balance"] == 5
    metrics = v1("GET", "/accounts/A00000001").json()["metrics"]
    account = zuora_client.get(f"/debit_memos/{memo['id']}", params={"expand[]": "account"})
    assert (
        metrics["totalDebitMemoBalance"]
        == (account.json()["account"]["remaining_debit_memo_balance"])
    )


def test_a_v1_collect_pays_the_memo_v2_reads(v1, zuora_client, create_memo):
    memo = create_memo(post=True, items=[{"amount": 64.5, "service_start": "2026-01-01"}])
    done = v1("POST", f"/debit-memos/{memo['debit_memo_number']}/collect", json={"collect": True})
    made = done.json()["processedPayment"]
    seen = zuora_client.get(f"/debit_memos/{memo['id']}").json()
    assert (seen["remaining_balance"], seen["amount_paid"], seen["paid"]) == (0, 64.5, True)
    assert seen["balance"] == 0 and seen["state"] == "posted"
    assert made["amount"] == 64.5
    refused = zuora_client.post(
        f"/debit_memos/{memo['id']}/pay", json={"currency": memo["currency"]}
    )
    assert refused.status_code == 400, "v2 sees it fully paid"


def test_thirty_threads_mixing_v1_payments_and_v2_pays_lose_nothing(
    v1, zuora_client, zuora_mock, create_memo
):
    memo = create_memo(post=True, items=[{"amount": 100, "service_start": "2026-01-01"}])
    currency = memo["currency"]

    def pay(n: int) -> bool:
        if n % 2:
            answer = _v1_payment(v1, memo["id"], currency, 5).json()
            return answer["success"]
        with requests.Session() as session:
            session.headers.update(zuora_mock.headers)
            response = session.post(
                f"{zuora_mock.url}/debit_memos/{memo['id']}/pay",
                json={"currency": currency, "amount": 5},
                timeout=30,
            )
        return response.status_code == 200

    with ThreadPoolExecutor(max_workers=30) as pool:
        outcomes = list(pool.map(pay, range(30)))
    assert outcomes.count(True) == 20, "exactly the payments the balance allows succeed"
    seen = zuora_client.get(f"/debit_memos/{memo['id']}").json()
    assert (seen["remaining_balance"], seen["amount_paid"], seen["paid"]) == (0, 100, True)
    parts = v1("GET", f"/debit-memos/{memo['id']}/application-parts",
               params={"pageSize": 40}).json()["applicationParts"]  # fmt: skip
    assert len(parts) == 20 and sum(p["appliedAmount"] for p in parts) == 100
    assert len({p["paymentId"] for p in parts}) == 20
