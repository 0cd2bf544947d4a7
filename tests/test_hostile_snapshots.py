"""Hostile snapshots (``PUT /__mock/state``, ``--fixtures``): one id names one
record, an account's contact and payment methods are its own, and numbers stay
within eight digits (DM99999999, P-99999999). A refusal is a 400 naming the
record and field, and loading is all or nothing: the store is unchanged."""

from __future__ import annotations

import copy
import json

import pytest
from conftest import admin, memo_body
from hostile import assert_refused, store_unchanged
from processes import start_fails


def _memo_id_as_item_id(s):
    s["debit_memos"][1]["items"][0]["id"] = s["debit_memos"][0]["id"]


def _item_id_as_memo_id(s):
    s["debit_memos"][1]["id"] = s["debit_memos"][0]["items"][0]["id"]


def _two_items_one_id(s):
    items = s["debit_memos"][0]["items"]
    items[1]["id"] = items[0]["id"]


def _item_ids_across_memos(s):
    s["debit_memos"][2]["items"][0]["id"] = s["debit_memos"][0]["items"][0]["id"]


def _taxation_item_id_as_item_id(s):
    memo, n, item = next(
        (m, n, i) for m in s["debit_memos"] for n, i in enumerate(m["items"]) if i["taxation_items"]
    )
    item["taxation_items"][0]["id"] = memo["items"][0]["id"] if n else s["debit_memos"][0]["id"]
    return f"debit_memos[{s['debit_memos'].index(memo)}].items[{n}].taxation_items[0].id"


def _shared_payment_method(s):
    first, second = s["accounts"][0], s["accounts"][1]
    shared = first["payment_methods"][0]["id"]
    second["payment_methods"][0]["id"] = shared
    second["default_payment_method_id"] = shared


def _shared_contact(s):
    first, second = s["accounts"][0], s["accounts"][1]
    second["bill_to"]["id"] = first["bill_to"]["id"]
    second["bill_to_id"] = first["bill_to"]["id"]


def _account_id_as_contact_id(s):
    s["accounts"][1]["bill_to"]["id"] = s["accounts"][0]["id"]
    s["accounts"][1]["bill_to_id"] = s["accounts"][0]["id"]


def _duplicate_payment_id(s):
    s["payments"][1]["id"] = s["payments"][0]["id"]


def _payment_id_as_memo_id(s):
    s["payments"][1]["id"] = s["debit_memos"][0]["id"]


def _duplicate_payment_part_id(s):
    s["payments"][1]["parts"][0]["id"] = s["payments"][0]["parts"][0]["id"]


def _another_accounts_payment_method(s):
    payment = s["payments"][0]
    other = next(a for a in s["accounts"] if a["id"] != payment["accountId"])
    payment["paymentMethodId"] = other["payment_methods"][0]["id"]


CASES = [
    (_memo_id_as_item_id, "debit_memos[1].items[0].id", "another record (a debit memo)"),
    (_item_id_as_memo_id, "debit_memos[1].id", "another record (a debit memo item)"),
    (_two_items_one_id, "debit_memos[0].items[1].id", "another record (a debit memo item)"),
    (_item_ids_across_memos, "debit_memos[2].items[0].id", "another record (a debit memo item)"),
    (_taxation_item_id_as_item_id, None, "is the id of another record"),
    (_shared_payment_method, "accounts[1].payment_methods[0].id", "(a payment method)"),
    (_shared_contact, "accounts[1].bill_to.id", "another record (a contact)"),
    (_account_id_as_contact_id, "accounts[1].bill_to.id", "another record (an account)"),
    (_duplicate_payment_id, "payments[1].id", "Repeats another payment"),
    (_payment_id_as_memo_id, "payments[1].id", "another record (a debit memo)"),
    (_duplicate_payment_part_id, "payments[1].parts[0].id", "another record (a payment part)"),
    (_another_accounts_payment_method, "payments[0].paymentMethodId", "Not a payment method"),
    (lambda s: s.update(last_debit_memo_number=100_000_000), "last_debit_memo_number", "99999999"),
    (lambda s: s.update(last_debit_memo_number=10**15), "last_debit_memo_number", "99999999"),
    (lambda s: s.update(last_payment_number=10**15), "last_payment_number", "99999999"),
    (
        lambda s: s["debit_memos"][0].update(debit_memo_number="DM100000000"),
        "debit_memos[0].debit_memo_number",
        "String does not match",
    ),
    (
        lambda s: s["payments"][0].update(number="P-100000000"),
        "payments[0].number",
        "String does not match",
    ),
]


@pytest.mark.parametrize(
    ("change", "parameter", "message"), CASES, ids=[str(n) for n in range(len(CASES))]
)
def test_a_hostile_snapshot_is_a_400_naming_the_field_and_loads_nothing(
    zuora_mock, change, parameter, message
):
    broken = copy.deepcopy(zuora_mock.state)
    named = change(broken) or parameter

    with store_unchanged(zuora_mock):
        answer = admin(zuora_mock, "PUT", "state", json=broken)

    envelope = assert_refused(answer, named)
    assert message in json.dumps(envelope)


def test_the_highest_numbers_load_and_the_next_create_is_a_409_naming_the_number(
    zuora_mock, zuora_client
):
    at_the_cap = {**zuora_mock.state, "last_debit_memo_number": 99_999_999}
    assert admin(zuora_mock, "PUT", "state", json=at_the_cap).status_code == 200

    with store_unchanged(zuora_mock):
        refused = zuora_client.post("/debit_memos", json=memo_body())

    envelope = assert_refused(refused, "debit_memo_number", 409)
    assert envelope["errors"][0]["code"] == "numbers_exhausted"
    assert "DM99999999" in envelope["errors"][0]["message"]


def test_past_the_highest_payment_number_a_payment_is_refused_and_nothing_changes(
    zuora_mock, zuora_client
):
    state = zuora_mock.state
    assert (
        admin(
            zuora_mock, "PUT", "state", json={**state, "last_payment_number": 99_999_999}
        ).status_code
        == 200
    )
    memo = next(
        m for m in zuora_mock.state["debit_memos"] if m["state"] == "posted" and m["balance"]
    )

    with store_unchanged(zuora_mock):
        refused = zuora_client.post(
            f"/debit_memos/{memo['id']}/pay", json={"currency": memo["currency"], "amount": 1}
        )

    envelope = assert_refused(refused, "number", 409)
    assert "P-99999999" in envelope["errors"][0]["message"]


def test_a_fixtures_file_with_a_shared_payment_method_does_not_start(tmp_path, zuora_mock):
    document = copy.deepcopy(zuora_mock.state)
    _shared_payment_method(document)
    path = tmp_path / "fixtures.json"
    path.write_text(json.dumps(document))

    error = start_fails("--fixtures", str(path))

    assert "'accounts[1].payment_methods[0].id'" in error
    assert "is the id of another record (a payment method)" in error
    assert len(error.strip().splitlines()) == 1
