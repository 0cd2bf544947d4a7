"""Every route answers as Zuora does, with bodies that validate against Zuora's schemas."""

from __future__ import annotations

import pytest
from conftest import memo_body


def test_get_by_id_and_by_number_return_the_same_memo(zuora_client, zuora_schemas):
    memo = zuora_client.get("/debit_memos", params={"page_size": 1}).json()["data"][0]
    by_id = zuora_client.get(f"/debit_memos/{memo['id']}")
    by_number = zuora_client.get(f"/debit_memos/{memo['debit_memo_number']}")
    assert by_id.status_code == by_number.status_code == 200
    assert by_id.json() == by_number.json() == memo
    zuora_schemas.check("debitMemo", by_id.json())


def test_create_returns_201_and_a_draft(zuora_client, zuora_schemas):
    response = zuora_client.post("/debit_memos", json=memo_body(description="first"))
    assert response.status_code == 201
    memo = response.json()
    zuora_schemas.check("debitMemo", memo)
    assert memo["state"] == "draft"
    assert memo["description"] == "first"
    assert memo["total"] == 10
    assert memo["remaining_balance"] == 10
    assert len(memo["id"]) == 32 and int(memo["id"], 16) >= 0
    assert memo["debit_memo_number"] == "DM00000081"
    assert memo["account_number"] == "A00000001"
    assert "posted_by_id" not in memo


def test_numbers_are_issued_in_sequence(create_memo):
    numbers = [create_memo()["debit_memo_number"] for _ in range(3)]
    assert numbers == ["DM00000081", "DM00000082", "DM00000083"]


def test_create_with_post_true_is_posted_at_once(create_memo):
    memo = create_memo(post=True)
    assert memo["state"] == "posted"
    assert memo["posted_by_id"] == memo["created_by_id"]
    assert memo["state_transitions"]["posted_time"] == memo["created_time"]


def test_created_memo_can_be_read_back(zuora_client, create_memo):
    memo = create_memo(reason_code="Charge Dispute", custom_fields={"Source__c": "test"})
    fetched = zuora_client.get(f"/debit_memos/{memo['id']}").json()
    assert fetched == memo
    assert fetched["custom_fields"] == {"Source__c": "test"}


def test_patch_changes_only_what_is_sent(zuora_client, create_memo, zuora_schemas):
    memo = create_memo(description="before", custom_fields={"Region__c": "1", "Source__c": "2"})
    response = zuora_client.patch(
        f"/debit_memos/{memo['id']}",
        json={
            "due_date": "2030-01-31",
            "custom_fields": {"Source__c": "changed", "Priority__c": 3},
        },
    )
    assert response.status_code == 200
    patched = response.json()
    zuora_schemas.check("debitMemo", patched)
    assert patched["due_date"] == "2030-01-31"
    assert patched["description"] == "before"
    assert patched["custom_fields"] == {"Region__c": "1", "Source__c": "changed", "Priority__c": 3}
    assert patched["document_date"] == memo["document_date"]


def test_delete_a_canceled_memo_gives_204_and_then_404_everywhere(zuora_client, create_memo):
    memo = create_memo()
    assert zuora_client.post(f"/debit_memos/{memo['id']}/cancel").status_code == 200
    response = zuora_client.delete(f"/debit_memos/{memo['id']}")
    assert response.status_code == 204
    assert response.content == b""
    for method, path in [
        ("GET", ""),
        ("PATCH", ""),
        ("DELETE", ""),
        ("POST", "/post"),
        ("POST", "/cancel"),
        ("POST", "/unpost"),
        ("POST", "/pay"),
    ]:
        body = {"currency": memo["currency"]} if path == "/pay" else {"description": "x"}
        answer = zuora_client.request(method, f"/debit_memos/{memo['id']}{path}", json=body)
        assert answer.status_code == 404, (method, path)
        assert answer.json() == {
            "type": "not_found",
            "errors": [
                {
                    "code": "resource_not_found",
                    "parameter": "id",
                    "message": f"Resource {memo['id']} could not be found",
                }
            ],
            "retryable": False,
        }


def test_deleted_memo_items_leave_the_item_list(zuora_client, create_memo):
    memo = create_memo()
    params = {"filter[]": f"debit_memo_id.EQ:{memo['id']}"}
    assert len(zuora_client.get("/debit_memo_items", params=params).json()["data"]) == 1
    zuora_client.post(f"/debit_memos/{memo['id']}/cancel")
    zuora_client.delete(f"/debit_memos/{memo['id']}")
    assert zuora_client.get("/debit_memo_items", params=params).json()["data"] == []


def test_list_validates_against_zuora_schema(zuora_client, zuora_schemas):
    response = zuora_client.get("/debit_memos", params={"expand[]": "items,account,bill_to"})
    assert response.status_code == 200
    zuora_schemas.check("debitMemoListResponse", response.json())


def test_item_list_validates_against_zuora_schema(zuora_client, zuora_schemas):
    response = zuora_client.get(
        "/debit_memo_items", params={"expand[]": "taxation_items,debit_memo", "page_size": 99}
    )
    assert response.status_code == 200
    document = response.json()
    zuora_schemas.check("debitMemoItemListResponse", document)
    assert len(document["data"]) == 99
    assert all("debit_memo" in item and "taxation_items" in item for item in document["data"])


def test_item_list_shows_debit_memo_and_taxes_only_when_expanded(zuora_client):
    item = zuora_client.get("/debit_memo_items", params={"page_size": 1}).json()["data"][0]
    assert "debit_memo" not in item
    assert "taxation_items" not in item
    assert len(item["debit_memo_id"]) == 32


@pytest.mark.parametrize("action", ["post", "cancel"])
def test_actions_return_the_memo(zuora_client, create_memo, zuora_schemas, action):
    memo = create_memo()
    response = zuora_client.post(f"/debit_memos/{memo['debit_memo_number']}/{action}")
    assert response.status_code == 200
    zuora_schemas.check("debitMemo", response.json())
    assert response.json()["id"] == memo["id"]


def test_pay_returns_the_paid_memo(zuora_client, create_memo, zuora_schemas):
    memo = create_memo(post=True)
    response = zuora_client.post(
        f"/debit_memos/{memo['id']}/pay", json={"currency": memo["currency"]}
    )
    assert response.status_code == 200, response.text
    paid = response.json()
    zuora_schemas.check("debitMemo", paid)
    assert paid["paid"] is True
    assert paid["remaining_balance"] == 0
    assert paid["amount_paid"] == 10
