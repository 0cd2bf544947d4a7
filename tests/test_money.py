"""Money: decimal arithmetic, each currency's minor units, and no silent rounding."""

from __future__ import annotations

import pytest
from conftest import memo_body


def _jpy_account(client) -> str:
    page = client.get("/debit_memos", params={"filter[]": "currency.EQ:JPY", "page_size": 1})
    return page.json()["data"][0]["account_number"]


def test_point_one_plus_point_two_is_point_three(create_memo, zuora_client):
    memo = create_memo(
        post=True,
        items=[
            {"amount": 0.1, "service_start": "2026-01-01"},
            {"amount": 0.2, "service_start": "2026-01-01"},
        ],
    )
    assert memo["total"] == 0.3
    paid = zuora_client.post(
        f"/debit_memos/{memo['id']}/pay", json={"currency": memo["currency"], "amount": 0.1}
    ).json()
    assert paid["remaining_balance"] == 0.2
    paid = zuora_client.post(
        f"/debit_memos/{memo['id']}/pay", json={"currency": memo["currency"], "amount": 0.2}
    ).json()
    assert paid["remaining_balance"] == 0
    assert paid["paid"] is True


def test_amount_is_unit_amount_times_quantity(create_memo):
    memo = create_memo(items=[{"unit_amount": 3.33, "quantity": 3, "service_start": "2026-01-01"}])
    assert memo["total"] == 9.99


def test_only_amount_gives_quantity_one(zuora_client, create_memo):
    memo = create_memo(items=[{"amount": 12.5, "service_start": "2026-01-01"}])
    item = zuora_client.get(f"/debit_memos/{memo['id']}", params={"expand[]": "items"}).json()
    line = item["items"]["data"][0]
    assert (line["quantity"], line["unit_amount"], line["amount"]) == (1, 12.5, 12.5)


@pytest.mark.parametrize(
    ("item", "parameter"),
    [
        ({"amount": 10, "unit_amount": 3, "quantity": 3}, "items[0].amount"),
        ({"amount": 10.005}, "items[0].amount"),
        ({"unit_amount": 0.333, "quantity": 3}, "items[0].unit_amount"),
        ({"amount": -1}, "items[0].amount"),
        ({"amount": 1e12}, "items[0].amount"),
        ({"quantity": 2}, "items[0].amount"),
        ({"amount": 10, "quantity": 3}, "items[0].unit_amount"),
        ({"amount": 10, "quantity": 0}, "items[0].quantity"),
    ],
)
def test_inconsistent_or_inexact_amounts_are_refused(zuora_client, item, parameter):
    body = memo_body(items=[{"service_start": "2026-01-01", **item}])
    response = zuora_client.post("/debit_memos", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["parameter"] == parameter


def test_jpy_has_no_minor_units(zuora_client):
    account = _jpy_account(zuora_client)
    refused = zuora_client.post(
        "/debit_memos",
        json=memo_body(
            account_number=account, items=[{"amount": 100.5, "service_start": "2026-01-01"}]
        ),
    )
    assert refused.status_code == 400
    assert "0 decimal places for JPY" in refused.json()["errors"][0]["message"]
    created = zuora_client.post(
        "/debit_memos",
        json=memo_body(
            account_number=account,
            post=True,
            items=[{"amount": 1500, "service_start": "2026-01-01"}],
        ),
    )
    assert created.status_code == 201
    memo = created.json()
    pay = zuora_client.post(
        f"/debit_memos/{memo['id']}/pay", json={"currency": "JPY", "amount": 0.5}
    )
    assert pay.status_code == 400
    assert pay.json()["errors"][0]["parameter"] == "amount"


def test_tax_inclusive_subtotal_is_amount_minus_tax(zuora_client, create_memo):
    tax = {
        "name": "VAT",
        "amount": 20,
        "tax_code": "VAT",
        "tax_rate": 0.2,
        "tax_date": "2026-01-01",
    }
    memo = create_memo(
        items=[
            {
                "amount": 120,
                "tax_inclusive": True,
                "service_start": "2026-01-01",
                "taxation_items": [tax],
            }
        ]
    )
    assert (memo["subtotal"], memo["tax"], memo["total"]) == (100, 20, 120)
    exclusive = create_memo(
        items=[{"amount": 120, "service_start": "2026-01-01", "taxation_items": [tax]}]
    )
    assert (exclusive["subtotal"], exclusive["tax"], exclusive["total"]) == (120, 20, 140)


def test_payment_goes_to_items_in_order_then_their_taxes(zuora_client, create_memo):
    tax = {"name": "Tax", "amount": 1, "tax_code": "T", "tax_rate": 0.1, "tax_date": "2026-01-01"}
    memo = create_memo(
        post=True,
        items=[
            {"amount": 10, "service_start": "2026-01-01", "taxation_items": [tax]},
            {"amount": 5, "service_start": "2026-01-01"},
        ],
    )
    assert memo["total"] == 16
    zuora_client.post(
        f"/debit_memos/{memo['id']}/pay", json={"currency": memo["currency"], "amount": 10.5}
    )
    items = zuora_client.get(f"/debit_memos/{memo['id']}", params={"expand[]": "items"}).json()
    first, second = items["items"]["data"]
    assert first["remaining_balance"] == 0.5
    assert first["taxation_items"]["data"][0]["amount_paid"] == 0.5
    assert first["taxation_items"]["data"][0]["remaining_balance"] == 0.5
    assert second["remaining_balance"] == 5
    assert items["remaining_balance"] == 5.5


def test_pay_rules(zuora_client, create_memo):
    memo = create_memo(post=True)
    path = f"/debit_memos/{memo['id']}/pay"
    other = "USD" if memo["currency"] != "USD" else "EUR"
    cases = [
        ({}, "missing_parameter", "currency"),
        ({"currency": other}, "currency_mismatch", "currency"),
        ({"currency": memo["currency"], "amount": 0}, "invalid_parameter", "amount"),
        ({"currency": memo["currency"], "amount": 10.01}, "amount_exceeds_balance", "amount"),
        (
            {"currency": memo["currency"], "payment_method_id": "nope"},
            "invalid_parameter",
            "payment_method_id",
        ),
        (
            {"currency": memo["currency"], "account_number": "A00000002"},
            "invalid_parameter",
            "account_number",
        ),
    ]
    for body, code, parameter in cases:
        response = zuora_client.post(path, json=body)
        assert response.status_code == 400, body
        error = response.json()["errors"][0]
        assert (error["code"], error["parameter"]) == (code, parameter), body
    assert zuora_client.get(f"/debit_memos/{memo['id']}").json()["amount_paid"] == 0


def test_account_balance_follows_its_memos(zuora_client, create_memo):
    def balance() -> float:
        memo = zuora_client.get(
            "/debit_memos",
            params={
                "filter[]": "account_number.EQ:A00000001",
                "expand[]": "account",
                "page_size": 1,
            },
        ).json()["data"][0]
        return memo["account"]["remaining_debit_memo_balance"]

    before = balance()
    memo = create_memo(items=[{"amount": 7.25, "service_start": "2026-01-01"}])
    assert balance() == before, "a draft does not count"
    zuora_client.post(f"/debit_memos/{memo['id']}/post")
    assert balance() == pytest.approx(before + 7.25)
    zuora_client.post(
        f"/debit_memos/{memo['id']}/pay", json={"currency": memo["currency"], "amount": 2}
    )
    assert balance() == pytest.approx(before + 5.25)
