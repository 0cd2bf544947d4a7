"""References are checked as Zuora checks them: reason codes and custom fields
the tenant has (seeded), and invoices and prices the sandbox knows."""

from __future__ import annotations

import copy

import pytest
import requests
from conftest import memo_body

from mockserver.fixtures.seeding import Profile


def _error(response) -> tuple[int, str, str]:
    assert response.status_code == 400, response.text
    error = response.json()["errors"][0]
    return response.status_code, error["code"], error["parameter"]


@pytest.fixture
def settings(zuora_mock) -> dict:
    return zuora_mock.state["settings"]


@pytest.fixture
def unchanged(zuora_mock):
    """The store must be the same after the test's refused request."""
    before = zuora_mock.state
    yield
    assert zuora_mock.state == before


def _invoices_of(settings: dict, account_id: str) -> list[dict]:
    return [i for i in settings["invoices"] if i["account_id"] == account_id]


def _account_id(zuora_mock, number: str = "A00000001") -> str:
    return next(a["id"] for a in zuora_mock.state["accounts"] if a["account_number"] == number)


# -- reason codes ---------------------------------------------------------------


def test_the_seeded_reason_codes_are_zuoras_defaults_and_the_tenants_own(settings):
    assert settings["reason_codes"] == [
        "Correcting Invoice Error", "Ad hoc Debit", "Charge Dispute", "Credit memo reversal",
        "Write-off", "Late Payment Fee",
    ]  # fmt: skip


def test_a_memo_without_a_reason_code_gets_the_default(create_memo):
    assert create_memo()["reason_code"] == "Correcting Invoice Error"


def test_a_known_reason_code_in_any_case_is_stored_in_the_tenants_spelling(create_memo):
    assert create_memo(reason_code="late payment FEE")["reason_code"] == "Late Payment Fee"


def test_seeded_memos_carry_only_the_tenants_reason_codes(zuora_mock, settings):
    codes = {m["reason_code"] for m in zuora_mock.state["debit_memos"]}
    assert codes <= set(settings["reason_codes"])
    assert len(codes) > 3


@pytest.mark.parametrize("code", ["Goodwill", "", "Correcting Invoice Error "])
def test_an_unknown_reason_code_is_400_and_changes_nothing(zuora_client, unchanged, code):
    response = zuora_client.post("/debit_memos", json=memo_body(reason_code=code))
    assert _error(response) == (400, "invalid_parameter", "reason_code")
    assert "Late Payment Fee" in response.json()["errors"][0]["message"]


def test_patch_checks_the_reason_code(zuora_client, create_memo):
    memo = create_memo()
    url = f"/debit_memos/{memo['id']}"
    assert _error(zuora_client.patch(url, json={"reason_code": "Goodwill"}))[2] == "reason_code"
    patched = zuora_client.patch(url, json={"reason_code": "charge dispute"})
    assert patched.json()["reason_code"] == "Charge Dispute"


# -- custom fields ----------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"Region__c": "West", "Source__c": None},
        {"Priority__c": 3, "Disputed__c": False, "Review_Date__c": "2026-02-28"},
        {"Priority__c": 2.5},
    ],
)
def test_defined_custom_fields_of_their_type_are_kept(zuora_client, create_memo, fields):
    memo = create_memo(custom_fields=fields)
    assert memo["custom_fields"] == fields
    assert zuora_client.get(f"/debit_memos/{memo['id']}").json()["custom_fields"] == fields


@pytest.mark.parametrize(
    ("fields", "parameter"),
    [
        ({"Bogus__c": "x"}, "custom_fields.Bogus__c"),
        ({"Project__c": "x"}, "custom_fields.Project__c"),  # an item's field, not a memo's
        ({"Region__c": 5}, "custom_fields.Region__c"),
        ({"Region__c": True}, "custom_fields.Region__c"),
        ({"Priority__c": "3"}, "custom_fields.Priority__c"),
        ({"Priority__c": True}, "custom_fields.Priority__c"),
        ({"Disputed__c": "yes"}, "custom_fields.Disputed__c"),
        ({"Review_Date__c": "2026-02-30"}, "custom_fields.Review_Date__c"),
        ({"Review_Date__c": 20260228}, "custom_fields.Review_Date__c"),
    ],
)
def test_an_undefined_or_mistyped_custom_field_is_400_naming_it(
    zuora_client, unchanged, fields, parameter
):
    response = zuora_client.post("/debit_memos", json=memo_body(custom_fields=fields))
    assert _error(response) == (400, "invalid_parameter", parameter)


def test_item_custom_fields_are_the_items_definitions(zuora_client, create_memo, unchanged):
    bad = memo_body(items=[{"amount": 5, "service_start": "2026-01-01",
                            "custom_fields": {"Region__c": "West"}}])  # fmt: skip
    assert _error(zuora_client.post("/debit_memos", json=bad))[2] == (
        "items[0].custom_fields.Region__c"
    )


def test_item_custom_fields_are_kept(create_memo, zuora_client):
    item = {"amount": 5, "service_start": "2026-01-01", "custom_fields": {"Project__c": "Apollo"}}
    memo = create_memo(items=[item])
    items = zuora_client.get(f"/debit_memos/{memo['id']}", params={"expand[]": "items"}).json()
    assert items["items"]["data"][0]["custom_fields"] == {"Project__c": "Apollo"}


def test_patch_checks_custom_fields_and_changes_nothing_when_refused(zuora_client, create_memo):
    memo = create_memo(custom_fields={"Region__c": "West"})
    url = f"/debit_memos/{memo['id']}"
    response = zuora_client.patch(url, json={"custom_fields": {"Region__c": "East", "X__c": 1}})
    assert _error(response)[2] == "custom_fields.X__c"
    assert zuora_client.get(url).json() == memo


def test_pay_checks_the_payments_custom_fields(zuora_client, create_memo):
    memo = create_memo(post=True)
    url = f"/debit_memos/{memo['id']}/pay"
    body = {"currency": memo["currency"], "amount": 1}
    refused = zuora_client.post(url, json={**body, "custom_fields": {"Region__c": "West"}})
    assert _error(refused)[2] == "custom_fields.Region__c"
    assert zuora_client.get(f"/debit_memos/{memo['id']}").json()["amount_paid"] == 0
    paid = zuora_client.post(url, json={**body, "custom_fields": {"Channel__c": "web"}})
    assert paid.status_code == 200
    assert paid.json()["amount_paid"] == 1


# -- invoices and prices ------------------------------------------------------------


def _catalog_charges(state: dict) -> list[dict]:
    return [
        {"id": charge["id"], "name": charge["name"]}
        for product in state["products"]
        for plan in product["productRatePlans"]
        for charge in plan["productRatePlanCharges"]
    ]


def test_the_sandbox_knows_seeded_invoices_and_prices(zuora_mock, settings):
    # Eight prices of the tenant's own, then the catalog's charges (they are prices too).
    charges = _catalog_charges(zuora_mock.state)
    assert len(charges) == 8
    assert len(settings["prices"]) == 16
    assert settings["prices"][8:] == charges
    accounts = {a["id"] for a in zuora_mock.state["accounts"]}
    assert {i["account_id"] for i in settings["invoices"]} == accounts
    assert all(1 <= len(i["items"]) <= 3 for i in settings["invoices"])


def test_a_memo_from_an_invoice_of_its_account_refers_to_its_items(
    zuora_mock, zuora_client, settings
):
    invoice = _invoices_of(settings, _account_id(zuora_mock))[0]
    price = settings["prices"][0]["id"]
    item = {"amount": 5, "service_start": "2026-01-01", "price_id": price,
            "invoice_item_id": invoice["items"][0]["id"]}  # fmt: skip
    response = zuora_client.post(
        "/debit_memos", json=memo_body(invoice_id=invoice["id"], items=[item])
    )
    assert response.status_code == 201, response.text
    memo = response.json()
    assert memo["invoice_id"] == invoice["id"]
    detail = zuora_client.get(f"/debit_memos/{memo['id']}", params={"expand[]": "items"}).json()
    assert detail["items"]["data"][0]["price_id"] == price


def test_unknown_or_foreign_references_are_400(zuora_mock, zuora_client, settings, unchanged):
    own = _invoices_of(settings, _account_id(zuora_mock))
    other = _invoices_of(settings, _account_id(zuora_mock, "A00000002"))[0]
    line = {"amount": 5, "service_start": "2026-01-01"}
    tax = {"tax_date": "2026-01-01", "name": "VAT", "amount": 1, "tax_code": "V",
           "tax_rate": 0.2, "invoice_item_id": "0" * 32}  # fmt: skip
    cases = [
        (memo_body(invoice_id="0" * 32), "invoice_id"),
        (memo_body(invoice_id=other["id"]), "invoice_id"),
        (memo_body(items=[{**line, "price_id": "0" * 32}]), "items[0].price_id"),
        (memo_body(items=[{**line, "invoice_item_id": "0" * 32}]), "items[0].invoice_item_id"),
        (
            memo_body(invoice_id=own[0]["id"],
                      items=[{**line, "invoice_item_id": own[1]["items"][0]["id"]}]),
            "items[0].invoice_item_id",
        ),
        (memo_body(items=[{**line, "taxation_items": [tax]}]),
         "items[0].taxation_items[0].invoice_item_id"),
    ]  # fmt: skip
    for body, parameter in cases:
        assert _error(zuora_client.post("/debit_memos", json=body))[2] == parameter, body


# -- snapshots and the generation profile ---------------------------------------------


def test_settings_round_trip_through_the_state(zuora_mock, settings):
    zuora_mock.load(zuora_mock.state)
    assert zuora_mock.state["settings"] == settings


@pytest.mark.parametrize(
    ("change", "parameter"),
    [
        (lambda s: s["debit_memos"][0].update(reason_code="Goodwill"),
         "debit_memos[0].reason_code"),
        (lambda s: s["debit_memos"][0].update(custom_fields={"Region__c": 1}),
         "debit_memos[0].custom_fields.Region__c"),
        (lambda s: s["settings"]["custom_fields"]["debit_memo"].update(Region__c="float"),
         "settings.custom_fields"),
        (lambda s: s["settings"].update(reason_codes=[]), "settings.reason_codes"),
        (lambda s: s["settings"]["invoices"][0].update(account_id="nobody"),
         "settings.invoices[0].account_id"),
    ],
)  # fmt: skip
def test_a_snapshot_must_refer_to_its_own_settings(zuora_mock, change, parameter):
    before = zuora_mock.state
    broken = copy.deepcopy(before)
    change(broken)
    response = requests.put(f"{zuora_mock.root}/__mock/state", json=broken, timeout=10)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["parameter"] == parameter
    assert zuora_mock.state == before


def test_a_snapshot_without_settings_gets_the_default_profiles(zuora_mock):
    state = zuora_mock.state
    del state["settings"]
    zuora_mock.load(state)
    loaded = zuora_mock.state["settings"]
    assert loaded["reason_codes"] == Profile().reason_codes
    assert loaded["custom_fields"] == Profile().custom_fields
    assert loaded["invoices"] == []
    assert loaded["prices"] == _catalog_charges(zuora_mock.state)  # the catalog's only


def test_the_generation_profile_sets_the_tenants_codes_and_fields(start_sandbox):
    generation = {"reason_codes": ["Usage Adjustment"], "custom_fields": {"debit_memo": {}}}
    root = start_sandbox(generation=generation)
    state = requests.get(f"{root}/__mock/state", timeout=10).json()
    assert state["settings"]["reason_codes"] == ["Usage Adjustment"]
    assert {m["reason_code"] for m in state["debit_memos"]} == {"Usage Adjustment"}
    assert all(m["custom_fields"] == {} for m in state["debit_memos"])


@pytest.mark.parametrize(
    "generation",
    [
        {"reason_codes": []},
        {"reason_codes": ["A", "a"]},
        {"custom_fields": {"debit_memo": {"Region__c": "float"}}},
        {"custom_fields": {"debit_memo": {"Region": "text"}}},
        {"custom_fields": {"invoice": {}}},
    ],
)
def test_a_bad_profile_is_refused(generation):
    with pytest.raises(ValueError):
        Profile.from_mapping(generation)
