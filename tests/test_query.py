"""fields[], expand[], filter[], sort[], page_size and cursor, with good and bad values."""

from __future__ import annotations

import base64
import json
from datetime import date

import pytest
from conftest import every_row


def _error(response) -> tuple[int, str, str]:
    error = response.json()["errors"][0]
    return response.status_code, error["code"], error["parameter"]


def test_fields_returns_only_those_fields(zuora_client):
    data = zuora_client.get("/debit_memos", params={"fields[]": "id,state", "page_size": 3}).json()
    assert [sorted(m) for m in data["data"]] == [["id", "state"]] * 3


def test_fields_is_repeatable(zuora_client):
    params = [("fields[]", "id"), ("fields[]", "total,currency")]
    memo = zuora_client.get("/debit_memos", params=[*params, ("page_size", 1)]).json()["data"][0]
    assert sorted(memo) == ["currency", "id", "total"]


def test_nested_fields_apply_to_expanded_objects(zuora_client):
    params = {
        "fields[]": "id",
        "expand[]": "items,account,bill_to",
        "debit_memo_items.fields[]": "id,amount",
        "taxation_items.fields[]": "name",
        "account.fields[]": "account_number",
        "bill_to.fields[]": "last_name",
        "page_size": 1,
    }
    memo = zuora_client.get("/debit_memos", params=params).json()["data"][0]
    assert sorted(memo) == ["account", "bill_to", "id", "items"]
    assert list(memo["account"]) == ["account_number"]
    assert list(memo["bill_to"]) == ["last_name"]
    for item in memo["items"]["data"]:
        assert sorted(item) == ["amount", "id", "taxation_items"]
        assert all(list(t) == ["name"] for t in item["taxation_items"]["data"])


@pytest.mark.parametrize(
    "name", ["fields[]", "debit_memo_items.fields[]", "account.fields[]", "bill_to.fields[]"]
)
def test_unknown_field_is_400_naming_the_parameter(zuora_client, name):
    response = zuora_client.get("/debit_memos", params={name: "id,bogus"})
    assert _error(response) == (400, "invalid_parameter", name)
    assert "bogus" in response.json()["errors"][0]["message"]


def test_unexpanded_memo_has_no_items_account_or_bill_to(zuora_client):
    memo = zuora_client.get("/debit_memos", params={"page_size": 1}).json()["data"][0]
    assert not {"items", "account", "bill_to"} & set(memo)


def test_expand_items_includes_taxation_items(zuora_client):
    memos = zuora_client.get("/debit_memos", params={"expand[]": "items", "page_size": 20}).json()
    taxed = [
        item for m in memos["data"] for item in m["items"]["data"] if item["taxation_items"]["data"]
    ]
    assert taxed, "seeded data has taxed items"
    for item in taxed:
        assert item["tax"] == pytest.approx(
            sum(t["amount"] for t in item["taxation_items"]["data"])
        )


def test_expand_account_and_bill_to_show_the_seeded_account(zuora_client):
    memo = zuora_client.get(
        "/debit_memos", params={"expand[]": ["account", "bill_to"], "page_size": 1}
    ).json()["data"][0]
    assert memo["account"]["id"] == memo["account_id"]
    assert memo["bill_to"]["id"] == memo["bill_to_id"] == memo["account"]["bill_to_id"]
    assert memo["account"]["default_payment_method_id"]
    assert memo["bill_to"]["address"]["country"]


def test_unknown_expand_is_400(zuora_client):
    assert _error(zuora_client.get("/debit_memos", params={"expand[]": "payments"})) == (
        400,
        "invalid_parameter",
        "expand[]",
    )


@pytest.mark.parametrize(
    ("filter_", "check"),
    [
        ("state.EQ:posted", lambda m: m["state"] == "posted"),
        ("state.NE:posted", lambda m: m["state"] != "posted"),
        ("total.GT:1000", lambda m: m["total"] > 1000),
        ("total.LE:500.5", lambda m: m["total"] <= 500.5),
        ("currency.IN:[JPY,GBP]", lambda m: m["currency"] in ("JPY", "GBP")),
        (
            "debit_memo_number.SW:DM0000001",
            lambda m: m["debit_memo_number"].startswith("DM0000001"),
        ),
        ("paid.EQ:true", lambda m: m["paid"] is True),
        ("past_due.EQ:true", lambda m: m["past_due"] is True),
        ("due_date.LT:2026-06-01", lambda m: date.fromisoformat(m["due_date"]) < date(2026, 6, 1)),
        ("description.EQ:null", lambda m: "description" not in m),
        ("posted_by_id.NE:null", lambda m: "posted_by_id" in m),
        ("created_time.GE:2026-09-01T00:00:00Z", lambda m: m["created_time"] >= "2026-09-01"),
    ],
)
def test_filters_select_exactly_the_matching_memos(zuora_client, filter_, check):
    everything = every_row(zuora_client.get, page_size=99)
    matching = every_row(zuora_client.get, **{"filter[]": filter_, "page_size": 99})
    assert matching, f"seeded data should have memos for {filter_}"
    assert all(check(m) for m in matching)
    assert {m["id"] for m in matching} == {m["id"] for m in everything if check(m)}


def test_numbers_compare_as_numbers_not_text(zuora_client):
    small = every_row(zuora_client.get, **{"filter[]": "total.LT:9", "page_size": 99})
    assert all(m["total"] < 9 for m in small)
    assert not any(m["total"] >= 9 for m in small)


def test_filters_combine_with_and(zuora_client):
    rows = every_row(
        zuora_client.get, **{"filter[]": ["state.EQ:posted", "currency.EQ:USD"], "page_size": 99}
    )
    assert rows and all(m["state"] == "posted" and m["currency"] == "USD" for m in rows)


@pytest.mark.parametrize(
    "bad",
    [
        "bogus.EQ:1",
        "total.XX:1",
        "total.GT:abc",
        "total.GT:NaN",
        "paid.EQ:yes",
        "paid.GT:true",
        "due_date.LT:2026-02-30",
        "due_date.LT:20260101",
        "state.EQ",
        "state",
        "total.SW:1",
        "currency.IN:JPY",
        "total.LT:null",
    ],
)
def test_bad_filters_are_400(zuora_client, bad):
    assert _error(zuora_client.get("/debit_memos", params={"filter[]": bad})) == (
        400,
        "invalid_parameter",
        "filter[]",
    )


def test_default_order_is_updated_time_then_id_descending(zuora_client):
    rows = every_row(zuora_client.get, page_size=99)
    keys = [(m["updated_time"], m["id"]) for m in rows]
    assert keys == sorted(keys, reverse=True)
    assert len(rows) == 80


@pytest.mark.parametrize("field", ["total", "due_date", "debit_memo_number", "state"])
@pytest.mark.parametrize("order", ["asc", "desc", "ASC", "DESC"])
def test_sort_orders_the_whole_list_across_pages(zuora_client, field, order):
    rows = every_row(zuora_client.get, **{"sort[]": f"{field}.{order}", "page_size": 7})
    values = [m[field] for m in rows]
    assert values == sorted(values, reverse=order.lower() == "desc")
    assert len({m["id"] for m in rows}) == len(rows) == 80


def test_sort_is_repeatable_for_ties(zuora_client):
    rows = every_row(zuora_client.get, **{"sort[]": ["state.asc", "total.desc"], "page_size": 9})
    keys = [(m["state"], -m["total"]) for m in rows]
    assert keys == sorted(keys)


def test_the_direction_is_read_in_either_case(zuora_client):
    upper = zuora_client.get("/debit_memos", params={"sort[]": "account_number.ASC"}).json()
    lower = zuora_client.get("/debit_memos", params={"sort[]": "account_number.asc"}).json()
    assert upper["data"] == lower["data"]
    items = zuora_client.get("/debit_memo_items", params={"sort[]": "amount.DESC"}).json()["data"]
    assert [i["amount"] for i in items] == sorted((i["amount"] for i in items), reverse=True)


@pytest.mark.parametrize(
    "bad",
    [
        "total", "total.ascending", "total.up", "bogus.asc", "total.asc.x",
        "total.asc,total.DESC", ["total.asc", "total.asc"],
        ["state.asc", "total.desc", "state.DESC"],
    ],
)  # fmt: skip
def test_bad_sort_is_400(zuora_client, bad):
    assert _error(zuora_client.get("/debit_memos", params={"sort[]": bad})) == (
        400,
        "invalid_parameter",
        "sort[]",
    )


@pytest.mark.parametrize("size", ["0", "100", "-1", "abc", "1.5", "", "٣"])
def test_page_size_out_of_range_is_400(zuora_client, size):
    assert _error(zuora_client.get("/debit_memos", params={"page_size": size})) == (
        400,
        "invalid_parameter",
        "page_size",
    )


@pytest.mark.parametrize("size", [1, 30, 99])
def test_page_size_bounds_are_accepted(zuora_client, size):
    page = zuora_client.get("/debit_memo_items", params={"page_size": size}).json()
    assert len(page["data"]) == size


def test_next_page_is_null_on_the_last_page(zuora_client):
    page = zuora_client.get(
        "/debit_memos", params={"filter[]": "state.EQ:canceled", "page_size": 99}
    )
    assert page.json()["next_page"] is None


def test_cursor_is_base64_of_the_last_rows_sort_keys(zuora_client):
    page = zuora_client.get("/debit_memos", params={"page_size": 2}).json()
    decoded = json.loads(base64.b64decode(page["next_page"]))
    last = page["data"][-1]
    assert decoded == [
        {"orderBy": {"field": "updated_time", "order": "DESC"}, "value": last["updated_time"]},
        {"orderBy": {"field": "id", "order": "DESC"}, "value": last["id"]},
    ]


@pytest.mark.parametrize(
    "cursor",
    ["not-base64!", base64.b64encode(b"[1,2]").decode(), base64.b64encode(b"{}").decode(), "e30"],
)
def test_undecodable_cursor_is_400(zuora_client, cursor):
    assert _error(zuora_client.get("/debit_memos", params={"cursor": cursor})) == (
        400,
        "invalid_parameter",
        "cursor",
    )


def test_cursor_from_another_sort_is_400(zuora_client):
    cursor = zuora_client.get("/debit_memos", params={"page_size": 2}).json()["next_page"]
    response = zuora_client.get("/debit_memos", params={"cursor": cursor, "sort[]": "total.asc"})
    assert _error(response) == (400, "invalid_parameter", "cursor")


@pytest.mark.parametrize("sort", [None, "total.asc"])
def test_rows_added_or_deleted_between_pages_never_repeat_or_skip_others(
    zuora_client, create_memo, sort
):
    params = {"page_size": 10, **({"sort[]": sort} if sort else {})}
    before = {m["id"] for m in every_row(zuora_client.get, **params)}
    first = zuora_client.get("/debit_memos", params=params).json()
    seen = [m["id"] for m in first["data"]]
    # Changes between pages: new memos, and a deleted memo from the next pages.
    for _ in range(3):
        create_memo()
    victim = create_memo()
    zuora_client.post(f"/debit_memos/{victim['id']}/cancel")
    zuora_client.delete(f"/debit_memos/{victim['id']}")
    cursor = first["next_page"]
    while cursor:
        page = zuora_client.get("/debit_memos", params={**params, "cursor": cursor}).json()
        seen += [m["id"] for m in page["data"]]
        cursor = page["next_page"]
    assert len(seen) == len(set(seen)), "a row repeated"
    assert before <= set(seen), "a row that existed throughout was skipped"


def test_unknown_query_parameter_is_400(zuora_client):
    assert _error(zuora_client.get("/debit_memos", params={"filter": "state.EQ:posted"})) == (
        400,
        "invalid_parameter",
        "filter",
    )


def test_item_list_filters_and_sorts(zuora_client):
    memo = zuora_client.get("/debit_memos", params={"expand[]": "items", "page_size": 1}).json()
    memo = memo["data"][0]
    items = every_row(
        zuora_client.get,
        "/debit_memo_items",
        **{"filter[]": f"debit_memo_id.EQ:{memo['id']}", "sort[]": "amount.asc"},
    )
    assert sorted(i["id"] for i in items) == sorted(i["id"] for i in memo["items"]["data"])
    assert [i["amount"] for i in items] == sorted(i["amount"] for i in items)


def test_single_memo_filter_applies_to_its_items(zuora_client):
    memos = every_row(zuora_client.get, **{"expand[]": "items", "page_size": 99})
    memo = next(m for m in memos if len({i["amount"] for i in m["items"]["data"]}) > 1)
    threshold = min(i["amount"] for i in memo["items"]["data"])
    filtered = zuora_client.get(
        f"/debit_memos/{memo['id']}",
        params={"expand[]": "items", "filter[]": f"items[amount].GT:{threshold}"},
    ).json()
    assert filtered["items"]["data"]
    assert all(i["amount"] > threshold for i in filtered["items"]["data"])
    assert len(filtered["items"]["data"]) < len(memo["items"]["data"])
    bad = zuora_client.get(f"/debit_memos/{memo['id']}", params={"filter[]": "state.EQ:posted"})
    assert _error(bad) == (400, "invalid_parameter", "filter[]")


def test_ties_break_by_id_in_the_direction_of_the_sort(zuora_client):
    rows = every_row(zuora_client.get, **{"sort[]": "currency.asc", "page_size": 13})
    keys = [(m["currency"], m["id"]) for m in rows]
    assert keys == sorted(keys)
    rows = every_row(zuora_client.get, **{"sort[]": "currency.desc", "page_size": 13})
    keys = [(m["currency"], m["id"]) for m in rows]
    assert keys == sorted(keys, reverse=True)


def test_a_memo_that_changes_moves_in_a_sorted_list(zuora_client, create_memo):
    memo = create_memo(post=True, items=[{"amount": 999999, "service_start": "2026-01-01"}])
    params = {"sort[]": "remaining_balance.desc", "page_size": 1, "fields[]": "id"}
    assert zuora_client.get("/debit_memos", params=params).json()["data"] == [{"id": memo["id"]}]
    zuora_client.post(f"/debit_memos/{memo['id']}/pay", json={"currency": memo["currency"]})
    assert zuora_client.get("/debit_memos", params=params).json()["data"] != [{"id": memo["id"]}]
    params["sort[]"] = "remaining_balance.asc"
    rows = every_row(zuora_client.get, **{**params, "filter[]": "remaining_balance.EQ:0"})
    assert memo["id"] in {m["id"] for m in rows}


@pytest.mark.parametrize("field", ["id", "debit_memo_number"])
def test_filter_by_id_or_number_finds_one_memo(zuora_client, field):
    memo = zuora_client.get("/debit_memos", params={"page_size": 1}).json()["data"][0]
    found = zuora_client.get("/debit_memos", params={"filter[]": f"{field}.EQ:{memo[field]}"})
    assert [m["id"] for m in found.json()["data"]] == [memo["id"]]
    other = "id" if field == "debit_memo_number" else "debit_memo_number"
    mixed = zuora_client.get("/debit_memos", params={"filter[]": f"{field}.EQ:{memo[other]}"})
    assert mixed.json()["data"] == []


def test_sort_by_id_alone_pages_through_everything(zuora_client):
    rows = every_row(zuora_client.get, **{"sort[]": "id.asc", "page_size": 11})
    assert [m["id"] for m in rows] == sorted(m["id"] for m in rows)
    assert len(rows) == 80


# -- Zuora's lists of today: fields[], its alias, the filterable fields, custom fields --


def test_fields_accepts_the_fields_zuora_points_to_instead_of_balance(zuora_client):
    params = {"fields[]": "remaining_balance,amount_paid", "page_size": 3}
    data = zuora_client.get("/debit_memos", params=params).json()["data"]
    assert [sorted(m) for m in data] == [["amount_paid", "remaining_balance"]] * 3


def test_the_deprecated_debit_memo_fields_is_fields(zuora_client):
    memo = zuora_client.get("/debit_memos", params={"page_size": 1}).json()["data"][0]
    url = f"/debit_memos/{memo['id']}"
    alias = zuora_client.get(url, params={"debit_memo.fields[]": "id,state"}).json()
    assert alias == {"id": memo["id"], "state": memo["state"]}
    both = zuora_client.get(url, params={"debit_memo.fields[]": "id", "fields[]": "total"}).json()
    assert both == {"id": memo["id"], "total": memo["total"]}
    response = zuora_client.get(url, params={"debit_memo.fields[]": "id,bogus"})
    assert _error(response) == (400, "invalid_parameter", "debit_memo.fields[]")


@pytest.mark.parametrize(
    "filter_",
    [
        "id.EQ:2c92c0f86a8dd422016a9e7a70116b0d", "updated_time.GT:2026-01-01T00:00:00Z",
        "account_id.NE:null", "document_date.GE:2026-01-01", "debit_memo_number.SW:DM",
        "remaining_balance.GT:0", "state.EQ:posted", "total.LE:100",
    ],
)  # fmt: skip
def test_the_fields_zuoras_guide_lists_are_filterable(zuora_client, filter_):
    assert zuora_client.get("/debit_memos", params={"filter[]": filter_}).status_code == 200


def test_the_tenants_custom_fields_are_filterable(zuora_client):
    everything = every_row(zuora_client.get, page_size=99)
    emea = every_row(zuora_client.get, **{"filter[]": "Region__c.EQ:EMEA", "page_size": 99})
    assert emea
    expected = {m["id"] for m in everything if m["custom_fields"].get("Region__c") == "EMEA"}
    assert {m["id"] for m in emea} == expected
    west = zuora_client.get("/debit_memos", params={"filter[]": "Region__c.EQ:West"}).json()
    assert west["data"] == []


def test_custom_fields_filter_by_their_type(zuora_client, create_memo):
    low = create_memo(custom_fields={"Priority__c": 2, "Review_Date__c": "2026-03-01"})
    high = create_memo(custom_fields={"Priority__c": 10, "Review_Date__c": "2026-12-01"})
    numbers = every_row(zuora_client.get, **{"filter[]": "Priority__c.GT:9"})
    assert [m["id"] for m in numbers] == [high["id"]]  # 10 > 9 as numbers, not as text
    dates = every_row(zuora_client.get, **{"filter[]": "Review_Date__c.LT:2026-06-01"})
    assert [m["id"] for m in dates] == [low["id"]]
    ordered = every_row(zuora_client.get, **{"filter[]": "Priority__c.NE:null",
                                              "sort[]": "Priority__c.DESC"})  # fmt: skip
    assert [m["id"] for m in ordered] == [high["id"], low["id"]]


@pytest.mark.parametrize("bad", ["Bogus__c.EQ:1", "Priority__c.GT:high", "Disputed__c.EQ:yes"])
def test_an_unknown_or_mistyped_custom_field_filter_is_400(zuora_client, bad):
    response = zuora_client.get("/debit_memos", params={"filter[]": bad})
    assert _error(response) == (400, "invalid_parameter", "filter[]")
