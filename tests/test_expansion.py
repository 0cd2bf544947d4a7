"""Zuora's dot-notation ``expand[]`` up to three levels, the nested ``fields[]``
parameters inside it, and ``filter[]=[items][id]`` on the memo list; good
values and bad, over HTTP."""

from __future__ import annotations

import pytest


def _error(response) -> tuple[int, str, str]:
    error = response.json()["errors"][0]
    return response.status_code, error["code"], error["parameter"]


@pytest.fixture
def memo_id(zuora_client) -> str:
    return zuora_client.get("/debit_memos", params={"page_size": 1}).json()["data"][0]["id"]


def _memo(zuora_client, memo_id: str, **params) -> dict:
    response = zuora_client.get(f"/debit_memos/{memo_id}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_accounts_contacts_and_payment_method_expand_inside_it(
    zuora_client, zuora_schemas, memo_id
):
    expand = "account.bill_to,account.sold_to,account.default_payment_method"
    memo = _memo(zuora_client, memo_id, **{"expand[]": expand})
    zuora_schemas.check("debitMemo", memo)
    account = memo["account"]
    assert account["id"] == memo["account_id"]
    assert account["bill_to"]["id"] == account["bill_to_id"]
    assert account["bill_to"]["account_id"] == account["id"]
    assert account["sold_to"]["id"] == account["sold_to_id"]
    method = account["default_payment_method"]
    assert (method["id"], method["account_id"]) == (
        account["default_payment_method_id"],
        account["id"],
    )
    assert method["type"] in ("card", "ach_debit") and method["state"] == "active"


def test_a_dotted_path_expands_the_objects_above_it_only(zuora_client, memo_id):
    memo = _memo(zuora_client, memo_id, **{"expand[]": "account.bill_to"})
    assert "account" in memo and "bill_to" in memo["account"]
    assert not {"bill_to", "items"} & set(memo), "the memo's own bill_to was not asked for"
    assert "sold_to" not in memo["account"]


def test_nested_fields_apply_inside_dotted_expansions(zuora_client, memo_id):
    params = {
        "expand[]": ["account.bill_to", "account.sold_to", "bill_to"],
        "fields[]": "id",
        "account.fields[]": "account_number,bill_to_id",
        "bill_to.fields[]": "first_name",
    }
    memo = _memo(zuora_client, memo_id, **params)
    assert sorted(memo) == ["account", "bill_to", "id"]
    assert sorted(memo["account"]) == ["account_number", "bill_to", "bill_to_id", "sold_to"]
    assert list(memo["account"]["bill_to"]) == ["first_name"] == list(memo["bill_to"])
    assert {"id", "address", "last_name"} <= set(memo["account"]["sold_to"]), (
        "no fields[] names sold_to: all of its fields"
    )


def test_items_taxation_items_shows_the_items_with_their_taxes(zuora_client):
    params = {
        "expand[]": "items.taxation_items", "taxation_items.fields[]": "name,amount",
        "debit_memo_items.fields[]": "id,tax", "page_size": 20,
    }  # fmt: skip
    memos = zuora_client.get("/debit_memos", params=params).json()["data"]
    items = [item for memo in memos for item in memo["items"]["data"]]
    taxed = [item for item in items if item["taxation_items"]["data"]]
    assert taxed, "seeded data has taxed items"
    for item in items:
        assert sorted(item) == ["id", "tax", "taxation_items"]
        taxes = item["taxation_items"]["data"]
        assert all(sorted(t) == ["amount", "name"] for t in taxes)
        assert item["tax"] == pytest.approx(sum(t["amount"] for t in taxes))


def test_the_memo_list_takes_dotted_paths(zuora_client, zuora_schemas):
    params = {"expand[]": "account.default_payment_method", "page_size": 5}
    document = zuora_client.get("/debit_memos", params=params).json()
    zuora_schemas.check("debitMemoListResponse", document)
    assert len(document["data"]) == 5
    for memo in document["data"]:
        assert memo["account"]["default_payment_method"]["account_id"] == memo["account_id"]


def test_the_item_list_expands_three_levels(zuora_client, zuora_schemas):
    params = {
        "expand[]": "debit_memo.account.bill_to,debit_memo.items.taxation_items",
        "taxation_items.fields[]": "name",
        "page_size": 10,
    }
    document = zuora_client.get("/debit_memo_items", params=params).json()
    zuora_schemas.check("debitMemoItemListResponse", document)
    for item in document["data"]:
        memo = item["debit_memo"]
        assert memo["id"] == item["debit_memo_id"]
        assert memo["account"]["bill_to"]["id"] == memo["account"]["bill_to_id"]
        assert item["id"] in {i["id"] for i in memo["items"]["data"]}
        taxes = [t for i in memo["items"]["data"] for t in i["taxation_items"]["data"]]
        assert all(list(t) == ["name"] for t in taxes)
        assert "taxation_items" not in item, "only debit_memo's items were expanded"


@pytest.mark.parametrize(
    ("path", "expand"),
    [
        ("/debit_memos/{memo}", "account.bill_to.address"),
        ("/debit_memos/{memo}", "items.taxation_items.amount"),
        ("/debit_memos/{memo}", "account.payments"),
        ("/debit_memos/{memo}", "bill_to.account"),
        ("/debit_memos/{memo}", "account..bill_to"),
        ("/debit_memos/{memo}", "account."),
        ("/debit_memos", "items.taxation_items.jurisdiction.name"),
        ("/debit_memos", "account.bill_to,payments.account"),
        ("/debit_memo_items", "debit_memo.account.bill_to.address"),
        ("/debit_memo_items", "debit_memo.items.debit_memo"),
        ("/debit_memo_items", "account"),
    ],
)
def test_an_unknown_path_or_a_fourth_level_is_400_naming_expand(
    zuora_client, memo_id, path, expand
):
    response = zuora_client.get(path.format(memo=memo_id), params={"expand[]": expand})
    assert _error(response) == (400, "invalid_parameter", "expand[]")
    assert expand.split(",")[-1] in response.json()["errors"][0]["message"]


def test_four_levels_are_refused_as_too_deep(zuora_client):
    response = zuora_client.get("/debit_memos", params={"expand[]": "a.b.c.d"})
    assert "deeper than 3 levels" in response.json()["errors"][0]["message"]


def _item_ids(zuora_client, memo_id: str) -> list[str]:
    memo = _memo(zuora_client, memo_id, **{"expand[]": "items"})
    return [item["id"] for item in memo["items"]["data"]]


def test_filter_on_item_ids_finds_the_memo_that_holds_the_item(zuora_client, create_memo):
    memo = create_memo(items=[
        {"amount": 10, "service_start": "2026-01-01"}, {"amount": 5, "service_start": "2026-01-01"},
    ])  # fmt: skip
    other = create_memo()
    wanted = _item_ids(zuora_client, memo["id"])[1]
    found = zuora_client.get("/debit_memos", params={"filter[]": f"[items][id].EQ:{wanted}"})
    assert [m["id"] for m in found.json()["data"]] == [memo["id"]]
    both = f"[items][id].IN:[{wanted},{_item_ids(zuora_client, other['id'])[0]}]"
    found = zuora_client.get("/debit_memos", params={"filter[]": both}).json()["data"]
    assert sorted(m["id"] for m in found) == sorted([memo["id"], other["id"]])


def test_filter_on_item_ids_with_ne_leaves_out_only_that_memo(zuora_client, memo_id):
    wanted = _item_ids(zuora_client, memo_id)[0]
    everything = zuora_client.get("/debit_memos", params={"page_size": 99}).json()["data"]
    rest = zuora_client.get(
        "/debit_memos", params={"filter[]": f"[items][id].NE:{wanted}", "page_size": 99}
    ).json()["data"]
    assert [m["id"] for m in rest] == [m["id"] for m in everything if m["id"] != memo_id]


def test_filter_on_an_unknown_item_id_finds_nothing(zuora_client):
    found = zuora_client.get("/debit_memos", params={"filter[]": "[items][id].EQ:" + "0" * 32})
    assert (found.status_code, found.json()["data"]) == (200, [])


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("filter[]", "[items][amount].EQ:10"),
        ("filter[]", "[items][id].XX:abc"),
        ("filter[]", "[items][id].IN:abc"),
        ("sort[]", "[items][id].ASC"),
    ],
)
def test_bad_item_id_queries_are_400_naming_the_parameter(zuora_client, name, value):
    response = zuora_client.get("/debit_memos", params={name: value})
    assert _error(response) == (400, "invalid_parameter", name)
