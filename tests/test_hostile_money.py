"""Money is read exactly (no rounding to 28 digits before the decimal-places
check) and written exactly (no binary floats on the way out), however many
digits it has."""

from __future__ import annotations

import base64
import json

import pytest
import requests
from conftest import memo_body
from hostile import assert_refused, store_unchanged

JSON = {"Content-Type": "application/json"}
ITEM = '{{"amount": {amount}, "service_start": "2026-01-01"}}'


def raw_memo(*amounts: str) -> bytes:
    """A create body with items of these amounts, written as sent (no float in between)."""
    items = ",".join(ITEM.format(amount=amount) for amount in amounts)
    return f'{{"account_number": "A00000001", "items": [{items}]}}'.encode()


@pytest.mark.parametrize(
    "amount",
    [
        "10.0099999999999999999999999999",
        "10.00000000000000000000000000001",
        "1e-999999999",
        "0.1e-30",
        "123.4500000000000000000000000000000001",
        "1e999999",
        "-0.000000000000000000000000000001",
    ],
)
def test_an_amount_that_would_round_is_a_400(zuora_client, zuora_mock, amount):
    with store_unchanged(zuora_mock):
        response = zuora_client.post("/debit_memos", data=raw_memo(amount), headers=JSON)

    assert_refused(response, "items[0].amount")


def test_trailing_zeros_are_not_decimal_places(zuora_client):
    response = zuora_client.post(
        "/debit_memos", data=raw_memo("10.1000000000000000000000000000000"), headers=JSON
    )

    assert response.status_code == 201, response.text
    assert response.json()["total"] == 10.1


def test_a_payment_that_would_round_is_a_400(zuora_client, zuora_mock, create_memo):
    memo = create_memo(post=True)
    body = f'{{"currency": "{memo["currency"]}", "amount": 1.0000000000000000000000000000001}}'

    with store_unchanged(zuora_mock):
        response = zuora_client.post(f"/debit_memos/{memo['id']}/pay", data=body, headers=JSON)

    assert_refused(response, "amount")


@pytest.fixture
def huge_memo(zuora_client) -> tuple[str, bytes]:
    """98 items of 999999999999.99 and one of 999999999991.97: 98999999999990.99 in all."""
    body = raw_memo(*["999999999999.99"] * 98, "999999999991.97")
    response = zuora_client.post("/debit_memos", data=body, headers=JSON)
    assert response.status_code == 201, response.text
    return response.json()["id"], response.content


TOTAL = b'"total":98999999999990.99'


def test_a_total_near_ten_to_the_fourteen_is_written_digit_for_digit(
    zuora_client, zuora_mock, huge_memo
):
    memo_id, created = huge_memo

    assert TOTAL in created
    assert b'"remaining_balance":98999999999990.99' in created
    assert TOTAL in zuora_client.get(f"/debit_memos/{memo_id}").content
    listed = zuora_client.get("/debit_memos", params={"filter[]": f"id.EQ:{memo_id}"})
    assert TOTAL in listed.content
    state = requests.get(f"{zuora_mock.root}/__mock/state", timeout=30).content
    assert TOTAL in state


def test_a_filter_on_the_exact_total_finds_it(zuora_client, huge_memo):
    memo_id, _ = huge_memo

    exact = zuora_client.get("/debit_memos", params={"filter[]": "total.EQ:98999999999990.99"})
    one_cent_off = zuora_client.get(
        "/debit_memos", params={"filter[]": "total.EQ:98999999999990.98"}
    )
    a_hair_off = zuora_client.get(
        "/debit_memos", params={"filter[]": "total.EQ:98999999999990.9900000000001"}
    )

    assert [memo["id"] for memo in exact.json()["data"]] == [memo_id]
    assert one_cent_off.json()["data"] == []
    assert a_hair_off.json()["data"] == []


def test_a_cursor_after_an_exact_total_pages_on(zuora_client, huge_memo):
    memo_id, _ = huge_memo
    params = {"sort[]": "total.desc", "page_size": 1}

    first = zuora_client.get("/debit_memos", params=params).json()
    cursor = json.loads(base64.b64decode(first["next_page"]))
    second = zuora_client.get("/debit_memos", params={**params, "cursor": first["next_page"]})

    assert first["data"][0]["id"] == memo_id
    assert cursor[0]["value"] == 98999999999990.99
    assert second.status_code == 200
    assert second.json()["data"][0]["id"] != memo_id
    assert second.json()["data"][0]["total"] < 98999999999990.99


def test_a_custom_field_number_is_written_as_sent(zuora_client, zuora_mock):
    custom = '"custom_fields": {"Priority__c": 0.12345678901234567890}'
    body = raw_memo("1").replace(b'"items"', f'{custom}, "items"'.encode())

    response = zuora_client.post("/debit_memos", data=body, headers=JSON)

    assert response.status_code == 201, response.text
    assert b'"Priority__c":0.1234567890123456789}' in response.content


def test_an_ordinary_amount_keeps_its_short_form(zuora_client):
    response = zuora_client.post("/debit_memos", json=memo_body(), headers=JSON)

    assert b'"total":10,' in response.content
