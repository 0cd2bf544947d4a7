"""Text is Unicode scalar values without control characters, wherever it comes in:
a lone surrogate, a C1 control or a key given twice is a 400 naming the
parameter, for every face and the control plane, and nothing is stored."""

from __future__ import annotations

import json

import pytest
import requests
from conftest import memo_body
from hostile import assert_refused, store_unchanged

JSON = {"Content-Type": "application/json"}


def send(client, method: str, path: str, document) -> requests.Response:
    """``document`` as JSON with every non-ASCII character escaped, lone surrogates too."""
    return client.request(method, path, data=json.dumps(document).encode(), headers=JSON)


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        (memo_body(description="x\ud800"), "description"),
        (memo_body(description="\udfffy"), "description"),
        (memo_body(description="next\u0085line"), "description"),
        (memo_body(description="\u009b31m"), "description"),
        (memo_body(reason_code="Charge\x1b"), "reason_code"),
        (
            memo_body(items=[{"amount": 1, "service_start": "2026-01-01", "name": "a\udc80"}]),
            "items[0].name",
        ),
        (
            memo_body(
                items=[
                    {"amount": 1, "service_start": "2026-01-01"},
                    {"amount": 1, "service_start": "2026-01-01", "sku": "\u0080"},
                ]
            ),
            "items[1].sku",
        ),
        (memo_body(custom_fields={"Region__c": "\ud83d"}), "custom_fields.Region__c"),
        (memo_body(custom_fields={"R\ud800__c": 1}), "custom_fields.R\\ud800__c"),
        ({**memo_body(), "\u0085": 1}, "\\x85"),
    ],
)
def test_create_refuses_what_is_not_text(zuora_client, zuora_mock, body, parameter):
    with store_unchanged(zuora_mock):
        response = send(zuora_client, "POST", "/debit_memos", body)

    assert_refused(response, parameter)
    assert zuora_client.get("/debit_memos").status_code == 200


def test_raw_c1_bytes_in_utf_8_are_refused_too(zuora_client, zuora_mock):
    body = json.dumps(memo_body(description="PLACEHOLDER")).encode()
    body = body.replace(b"PLACEHOLDER", "a\u0085b".encode())

    with store_unchanged(zuora_mock):
        response = zuora_client.post("/debit_memos", data=body, headers=JSON)

    assert_refused(response, "description")


def test_patch_and_pay_refuse_what_is_not_text(zuora_client, zuora_mock, create_memo):
    memo = create_memo(post=True)
    path = f"/debit_memos/{memo['id']}"

    with store_unchanged(zuora_mock):
        patched = send(zuora_client, "PATCH", path, {"description": "\ud800"})
        custom = send(zuora_client, "PATCH", path, {"custom_fields": {"Region__c": "\x9f"}})
        paid = send(
            zuora_client,
            "POST",
            f"{path}/pay",
            {"currency": memo["currency"], "description": "\udbff"},
        )

    assert_refused(patched, "description")
    assert_refused(custom, "custom_fields.Region__c")
    assert_refused(paid, "description")
    assert zuora_client.get(path).json() == memo


@pytest.mark.parametrize(
    ("raw", "parameter"),
    [
        (b'{"account_number": "A00000001", "account_number": "A00000002", "items": []}',
         "account_number"),
        (b'{"account_number": "A00000001", "items": [{"amount": 1, "amount": 2, '
         b'"service_start": "2026-01-01"}]}', "amount"),
        (b'{"account_number": "A00000001", "items": [], "custom_fields": '
         b'{"Region__c": "a", "Region__c": "b"}}', "Region__c"),
    ],
)  # fmt: skip
def test_a_key_given_twice_is_a_400_naming_it(zuora_client, zuora_mock, raw, parameter):
    with store_unchanged(zuora_mock):
        response = zuora_client.post("/debit_memos", data=raw, headers=JSON)

    envelope = assert_refused(response, parameter)
    assert "twice" in envelope["errors"][0]["message"]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("fields[]=id%C2%85", "fields[]"),
        ("page_size=%00", "page_size"),
        ("filter[]=state.EQ:posted%C2%9B", "filter[]"),
        ("cursor=%1B", "cursor"),
        ("%C2%80=1", "query"),
    ],
)
def test_query_parameters_must_be_text(zuora_client, zuora_mock, query, parameter):
    response = zuora_client.get(f"/debit_memos?{query}")
    items = zuora_client.get(f"/debit_memo_items?{query}")

    assert_refused(response, parameter)
    assert_refused(items, parameter)


def test_the_control_plane_reads_text_by_the_same_rule(zuora_mock):
    root = f"{zuora_mock.root}/__mock"
    with store_unchanged(zuora_mock):
        state = zuora_mock.state
        state["debit_memos"][0]["description"] = "\ud800"
        loaded = requests.put(
            f"{root}/state", data=json.dumps(state).encode(), headers=JSON, timeout=30
        )
        rule = requests.post(
            f"{root}/faults",
            data=json.dumps({"status": 503, "id": "\ud800"}),
            headers=JSON,
            timeout=10,
        )
        clock = requests.put(
            f"{root}/clock",
            data=json.dumps({"now": "2027-01-01T00:00:00Z\u0085"}),
            headers=JSON,
            timeout=10,
        )
        journal = requests.get(f"{root}/requests?method=GET%C2%85", timeout=10)

    assert_refused(loaded, "debit_memos[0].description")
    assert_refused(rule, "id")
    assert_refused(clock, "now")
    assert_refused(journal, "method")
    assert requests.get(f"{root}/faults", timeout=10).json() == {"data": []}
