"""Many threads at once: no lost update, no negative balance, no repeated id or number."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from conftest import memo_body


def test_thirty_threads_paying_one_on_ten_exactly_ten_succeed(zuora_client, create_memo):
    memo = create_memo(post=True)
    assert memo["remaining_balance"] == 10
    pay = {"currency": memo["currency"], "amount": 1}

    def attempt(_):
        return zuora_client.post(f"/debit_memos/{memo['id']}/pay", json=pay).status_code

    with ThreadPoolExecutor(30) as pool:
        statuses = list(pool.map(attempt, range(30)))
    assert statuses.count(200) == 10
    assert statuses.count(400) == 20
    final = zuora_client.get(f"/debit_memos/{memo['id']}").json()
    assert (final["amount_paid"], final["remaining_balance"], final["paid"]) == (10, 0, True)


def test_concurrent_creates_get_unique_ids_and_consecutive_numbers(zuora_client):
    def create(n):
        response = zuora_client.post("/debit_memos", json=memo_body(description=f"c{n}"))
        assert response.status_code == 201
        return response.json()

    with ThreadPoolExecutor(20) as pool:
        memos = list(pool.map(create, range(100)))
    ids = {m["id"] for m in memos}
    numbers = sorted(int(m["debit_memo_number"][2:]) for m in memos)
    assert len(ids) == 100
    assert numbers == list(range(81, 181))
    items = {
        i["id"]
        for m in memos
        for i in zuora_client.get(f"/debit_memos/{m['id']}", params={"expand[]": "items"}).json()[
            "items"
        ]["data"]
    }
    assert len(items) == 100


def test_concurrent_patches_lose_no_custom_field(zuora_mock, zuora_client, create_memo):
    state = zuora_mock.state
    state["settings"]["custom_fields"]["debit_memo"].update(
        {f"F{n}__c": "number" for n in range(40)}
    )
    zuora_mock.load(state)
    memo = create_memo()

    def patch(n):
        body = {"custom_fields": {f"F{n}__c": n}}
        return zuora_client.patch(f"/debit_memos/{memo['id']}", json=body).status_code

    with ThreadPoolExecutor(16) as pool:
        assert set(pool.map(patch, range(40))) == {200}
    fields = zuora_client.get(f"/debit_memos/{memo['id']}").json()["custom_fields"]
    assert fields == {f"F{n}__c": n for n in range(40)}


def test_reads_during_payments_never_see_a_negative_or_torn_balance(zuora_client, create_memo):
    memo = create_memo(post=True, items=[{"amount": 50, "service_start": "2026-01-01"}])
    pay = {"currency": memo["currency"], "amount": 1}

    def work(n):
        if n % 2:
            return zuora_client.post(f"/debit_memos/{memo['id']}/pay", json=pay).json()
        return zuora_client.get(f"/debit_memos/{memo['id']}").json()

    with ThreadPoolExecutor(24) as pool:
        seen = [m for m in pool.map(work, range(160)) if "remaining_balance" in m]
    for snapshot in seen:
        assert snapshot["remaining_balance"] >= 0
        assert snapshot["amount_paid"] + snapshot["remaining_balance"] == 50
