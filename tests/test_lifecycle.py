"""The state machine: every transition, allowed and refused; refused ones change nothing."""

from __future__ import annotations

import pytest
from conftest import every_row

ACTIONS = ("post", "unpost", "cancel", "pay", "delete", "patch")
# The state each allowed action leads to, from each state (CONTRACT.md section 5).
ALLOWED = {
    "draft": {"post": "posted", "cancel": "canceled", "patch": "draft"},
    "posted": {"unpost": "draft", "pay": "posted", "patch": "posted"},
    "canceled": {"delete": None},
}


def _act(client, memo, action):
    path = f"/debit_memos/{memo['id']}"
    if action == "delete":
        return client.delete(path)
    if action == "patch":
        return client.patch(path, json={"description": "changed"})
    if action == "pay":
        return client.post(f"{path}/pay", json={"currency": memo["currency"], "amount": 1})
    return client.post(f"{path}/{action}")


@pytest.fixture
def memo_in(zuora_client, create_memo):
    def make(state: str) -> dict:
        memo = create_memo()
        if state == "posted":
            memo = zuora_client.post(f"/debit_memos/{memo['id']}/post").json()
        elif state == "canceled":
            memo = zuora_client.post(f"/debit_memos/{memo['id']}/cancel").json()
        assert memo["state"] == state
        return memo

    return make


@pytest.mark.parametrize("state", ["draft", "posted", "canceled"])
@pytest.mark.parametrize("action", ACTIONS)
def test_each_action_from_each_state(zuora_client, memo_in, state, action):
    memo = memo_in(state)
    response = _act(zuora_client, memo, action)
    after = zuora_client.get(f"/debit_memos/{memo['id']}")
    if action in ALLOWED[state]:
        assert response.status_code in (200, 204), response.text
        expected = ALLOWED[state][action]
        if expected is None:
            assert after.status_code == 404
        else:
            assert after.json()["state"] == expected
    else:
        assert response.status_code == 400, response.text
        error = response.json()["errors"][0]
        assert error["code"] == "invalid_state"
        assert state in error["message"] and action.replace("patch", "update") in error["message"]
        assert after.json() == memo, "a refused transition changed the memo"


def test_post_sets_posted_by_and_posted_time(zuora_client, memo_in, zuora_mock):
    zuora_mock.set_clock("2026-06-01T10:00:00Z")
    memo = memo_in("draft")
    posted = zuora_client.post(f"/debit_memos/{memo['id']}/post").json()
    assert posted["posted_by_id"] == memo["created_by_id"]
    assert posted["state_transitions"] == {"posted_time": "2026-06-01T10:00:00+00:00"}
    assert posted["updated_time"] == "2026-06-01T10:00:00+00:00"


def test_cancel_sets_canceled_time(zuora_client, memo_in, zuora_mock):
    zuora_mock.set_clock("2026-06-02T08:30:00+02:00")
    memo = memo_in("draft")
    canceled = zuora_client.post(f"/debit_memos/{memo['id']}/cancel").json()
    assert canceled["state_transitions"] == {"canceled_time": "2026-06-02T06:30:00+00:00"}


def test_unpost_is_refused_once_anything_is_paid(zuora_client, memo_in):
    memo = memo_in("posted")
    zuora_client.post(
        f"/debit_memos/{memo['id']}/pay", json={"currency": memo["currency"], "amount": 1}
    )
    response = zuora_client.post(f"/debit_memos/{memo['id']}/unpost")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "invalid_state"
    assert zuora_client.get(f"/debit_memos/{memo['id']}").json()["state"] == "posted"


def test_unpost_returns_a_draft_without_posting_marks(zuora_client, memo_in):
    memo = memo_in("posted")
    draft = zuora_client.post(f"/debit_memos/{memo['id']}/unpost").json()
    assert draft["state"] == "draft"
    assert "posted_by_id" not in draft
    assert draft["state_transitions"] == {}


def test_paying_a_fully_paid_memo_is_refused(zuora_client, memo_in):
    memo = memo_in("posted")
    pay = {"currency": memo["currency"]}
    assert zuora_client.post(f"/debit_memos/{memo['id']}/pay", json=pay).json()["paid"] is True
    again = zuora_client.post(f"/debit_memos/{memo['id']}/pay", json=pay)
    assert again.status_code == 400
    assert again.json()["errors"][0]["code"] == "invalid_state"


def test_paid_is_false_for_a_zero_total(zuora_client, create_memo):
    memo = create_memo(post=True, items=[{"amount": 0, "service_start": "2026-01-01"}])
    assert memo["total"] == 0
    assert memo["paid"] is False
    refused = zuora_client.post(
        f"/debit_memos/{memo['id']}/pay", json={"currency": memo["currency"]}
    )
    assert refused.status_code == 400


def test_past_due_follows_the_sandbox_clock(zuora_client, create_memo, zuora_mock):
    memo = create_memo(post=True, document_date="2026-01-01", due_date="2026-01-31")
    zuora_mock.set_clock("2026-01-31T12:00:00Z")
    assert zuora_client.get(f"/debit_memos/{memo['id']}").json()["past_due"] is False
    zuora_mock.set_clock("2026-02-01T00:00:00Z")
    assert zuora_client.get(f"/debit_memos/{memo['id']}").json()["past_due"] is True
    draft = create_memo(document_date="2026-01-01", due_date="2026-01-31")
    assert draft["past_due"] is False


def test_seeded_data_covers_every_state(zuora_client):
    seen = set()
    for memo in every_row(zuora_client.get, page_size=99):
        partly = memo["amount_paid"] > 0 and memo["remaining_balance"] > 0
        seen.add(
            "paid"
            if memo["paid"]
            else "past_due"
            if memo["past_due"]
            else "partly_paid"
            if partly
            else memo["state"]
        )
    assert seen == {"draft", "posted", "partly_paid", "paid", "past_due", "canceled"}
