"""Bad input gets a clear 4xx envelope naming the parameter, and the store is unchanged."""

from __future__ import annotations

import gzip
import json

import pytest
from conftest import memo_body

ITEM = {"amount": 10, "service_start": "2026-01-01"}


def _item(**changes) -> dict:
    return {**ITEM, **changes}


CREATE_CASES = [
    # (raw body or JSON, content type, expected status, parameter)
    (b"{not json", "application/json", 400, "body"),
    (b"[1, 2]", "application/json", 400, "body"),
    (b'"text"', "application/json", 400, "body"),
    (b"", "application/json", 400, "body"),
    (b"\xff\xfe{}", "application/json", 400, "body"),
    (b'{"amount": NaN}', "application/json", 400, "body"),
    (b'{"amount": Infinity}', "application/json", 400, "body"),
    (b"[" * 100_000 + b"]" * 100_000, "application/json", 400, "body"),
    (json.dumps(memo_body()).encode(), "text/plain", 415, "Content-Type"),
    (json.dumps(memo_body()).encode(), "application/x-www-form-urlencoded", 415, "Content-Type"),
    (memo_body(unknown_field=1), None, 400, "unknown_field"),
    (memo_body(items=[_item(color="red")]), None, 400, "items[0].color"),
    (memo_body(account_number=12), None, 400, "account_number"),
    (memo_body(post="true"), None, 400, "post"),
    (memo_body(items="many"), None, 400, "items"),
    (memo_body(items=[]), None, 400, "items"),
    (memo_body(items=[_item(amount="10")]), None, 400, "items[0].amount"),
    (memo_body(items=[_item(amount=True)]), None, 400, "items[0].amount"),
    (memo_body(items=[_item(amount=-5)]), None, 400, "items[0].amount"),
    (memo_body(items=[_item(amount=1.234)]), None, 400, "items[0].amount"),
    (
        b'{"account_number": "A00000001", '
        b'"items": [{"amount": 1e400, "service_start": "2026-01-01"}]}',
        "application/json",
        400,
        "items[0].amount",
    ),
    (memo_body(items=[{"amount": 10}]), None, 400, "items[0].service_start"),
    (memo_body(items=[_item(service_start="2026-02-30")]), None, 400, "items[0].service_start"),
    (memo_body(items=[_item(service_start="01/02/2026")]), None, 400, "items[0].service_start"),
    (memo_body(items=[_item(service_end="2025-01-01")]), None, 400, "items[0].service_end"),
    (memo_body(document_date="2026-13-01"), None, 400, "document_date"),
    (memo_body(document_date="2026-05-01", due_date="2026-04-01"), None, 400, "due_date"),
    (memo_body(description="x" * 10_000), None, 400, "description"),
    (memo_body(description="line\x00break"), None, 400, "description"),
    (memo_body(description="bell\x07"), None, 400, "description"),
    (memo_body(currency="US"), None, 400, "currency"),
    (memo_body(currency="XXX"), None, 400, "currency"),
    (memo_body(account_number="A99999999"), None, 400, "account_number"),
    (memo_body(account_id="0" * 32, account_number=None), None, 400, "account_id"),
    ({"items": [ITEM]}, None, 400, "account_id"),
    (memo_body(custom_fields={"bad name": 1}), None, 400, "custom_fields"),
    (memo_body(custom_fields={"Nested__c": {"a": 1}}), None, 400, "custom_fields"),
    (memo_body(custom_fields=["x"]), None, 400, "custom_fields"),
    (
        memo_body(items=[_item(taxation_items=[{"name": "t"}])]),
        None,
        400,
        "items[0].taxation_items[0].amount",
    ),
    (
        memo_body(
            items=[
                _item(
                    taxation_items=[
                        {
                            "name": "t",
                            "amount": 1,
                            "tax_code": "T",
                            "tax_rate": 0.1,
                            "tax_date": "2026-01-01",
                            "tax_rate_type": "weird",
                        }
                    ]
                )
            ]
        ),
        None,
        400,
        "items[0].taxation_items[0].tax_rate_type",
    ),
    (
        memo_body(
            items=[
                _item(
                    taxation_items=[
                        {
                            "name": "t",
                            "amount": 20,
                            "tax_code": "T",
                            "tax_rate": 2,
                            "tax_date": "2026-01-01",
                        }
                    ],
                    tax_inclusive=True,
                )
            ]
        ),
        None,
        400,
        "items[0].taxation_items",
    ),
    (memo_body(items=[ITEM] * 100), None, 400, "items"),
]


@pytest.fixture
def unchanged(zuora_mock):
    """Asserts, after the test, that the store is exactly as before."""
    before = zuora_mock.state
    yield
    assert zuora_mock.state == before, "the store changed"


@pytest.mark.parametrize(("body", "content_type", "status", "parameter"), CREATE_CASES)
def test_bad_create_is_4xx_naming_the_parameter(
    zuora_client, unchanged, body, content_type, status, parameter
):
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if v is not None}
        raw = json.dumps(body).encode()
    else:
        raw = body
    headers = {"Content-Type": content_type or "application/json"}
    response = zuora_client.post("/debit_memos", data=raw, headers=headers)
    assert response.status_code == status, response.text
    envelope = response.json()
    assert envelope["retryable"] is False
    assert any(e["parameter"].startswith(parameter) for e in envelope["errors"]), envelope
    assert all(e["message"] for e in envelope["errors"])


def test_body_over_one_mebibyte_is_413(zuora_client, unchanged):
    body = json.dumps(memo_body(description="x" * 200)).encode() + b" " * (1024 * 1024)
    response = zuora_client.post(
        "/debit_memos", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["type"] == "payload_too_large"


def test_gzip_bomb_is_413(zuora_client, unchanged):
    bomb = gzip.compress(b" " * (3 * 1024 * 1024))
    response = zuora_client.post(
        "/debit_memos",
        data=bomb,
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({"state": "open"}, "state"),
        ({"total": 5}, "total"),
        ({"due_date": "tomorrow"}, "due_date"),
        ({"pay": "yes"}, "pay"),
        ({"custom_fields": {"X__c": "\x01"}}, "custom_fields"),
    ],
)
def test_bad_patch_is_400(zuora_client, unchanged, body, parameter):
    memo = zuora_client.get("/debit_memos", params={"page_size": 1}).json()["data"][0]
    response = zuora_client.patch(f"/debit_memos/{memo['id']}", json=body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"].startswith(parameter)


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({"currency": "EUR", "amount": "1"}, "amount"),
        ({"currency": "EUR", "amount": None}, "amount"),
        ({"currency": "EUR", "payment_date": "2026-02-31"}, "payment_date"),
        ({"currency": "EUR", "gateway_options": {"a": 1}}, "gateway_options"),
        ({"currency": "EUR", "tip": 1}, "tip"),
    ],
)
def test_bad_pay_is_400(zuora_client, unchanged, body, parameter):
    memo = zuora_client.get(
        "/debit_memos", params={"filter[]": "remaining_balance.GT:0", "page_size": 1}
    ).json()["data"][0]
    response = zuora_client.post(f"/debit_memos/{memo['id']}/pay", json=body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"].startswith(parameter)


def test_unknown_route_is_a_404_envelope(zuora_client):
    response = zuora_client.get("/credit_memos")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["type"] == "not_found"


def test_wrong_method_is_a_405_envelope(zuora_client):
    response = zuora_client.put("/debit_memos")
    assert response.status_code == 405
    assert response.json() == {"type": "method_not_allowed", "errors": [], "retryable": False}
    assert "GET" in response.headers["Allow"] and "POST" in response.headers["Allow"]


def test_unknown_memo_is_404_naming_it(zuora_client):
    response = zuora_client.get("/debit_memos/DM99999999")
    assert response.status_code == 404
    assert response.json()["errors"][0]["message"] == "Resource DM99999999 could not be found"
