"""Idempotency keys: replays, conflicts, and the methods they apply to."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import memo_body

from mockserver.domain.errors import IdempotencyKeyInUse
from mockserver.tenancy.idempotency import IdempotencyCache, fingerprint


def _count(client, description: str) -> int:
    page = client.get("/debit_memos", params={"filter[]": f"description.EQ:{description}"})
    return len(page.json()["data"])


def test_repeat_returns_the_first_response_and_does_nothing_more(zuora_client):
    body = memo_body(description="once")
    first = zuora_client.post("/debit_memos", json=body, headers={"Idempotency-Key": "k1"})
    again = zuora_client.post("/debit_memos", json=body, headers={"Idempotency-Key": "k1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Zuora-Request-Id"] != first.headers["Zuora-Request-Id"]
    assert _count(zuora_client, "once") == 1


def test_pay_with_a_key_pays_once(zuora_client, create_memo):
    memo = create_memo(post=True)
    pay = {"currency": memo["currency"], "amount": 4}
    for _ in range(3):
        response = zuora_client.post(
            f"/debit_memos/{memo['id']}/pay", json=pay, headers={"Idempotency-Key": "pay-4"}
        )
        assert response.json()["remaining_balance"] == 6
    assert zuora_client.get(f"/debit_memos/{memo['id']}").json()["amount_paid"] == 4


def test_error_outcomes_are_replayed_too(zuora_client):
    body = memo_body(account_number="A99999999")
    first = zuora_client.post("/debit_memos", json=body, headers={"Idempotency-Key": "bad"})
    again = zuora_client.post("/debit_memos", json=body, headers={"Idempotency-Key": "bad"})
    assert first.status_code == again.status_code == 400
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/debit_memos", memo_body(description="other body")),
        ("PATCH", "/debit_memos/DM00000001", {"description": "x"}),
        ("POST", "/debit_memos/DM00000001/post", None),
    ],
)
def test_same_key_with_another_request_is_422(zuora_client, method, path, body):
    zuora_client.post(
        "/debit_memos", json=memo_body(description="orig"), headers={"Idempotency-Key": "k"}
    )
    response = zuora_client.request(method, path, json=body, headers={"Idempotency-Key": "k"})
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["code"] == "idempotency_key_reused"
    assert response.json()["type"] == "unprocessable_entity"
    assert _count(zuora_client, "other body") == 0


def test_key_in_flight_is_refused():
    cache = IdempotencyCache()
    request = fingerprint("POST", "/v2/debit_memos", b"", b"{}")
    assert cache.begin("k", request) is None
    with pytest.raises(IdempotencyKeyInUse):
        cache.begin("k", request)


def test_concurrent_requests_with_one_key_create_one_memo(zuora_client):
    body = memo_body(description="raced")

    def send(_):
        return zuora_client.post("/debit_memos", json=body, headers={"Idempotency-Key": "race"})

    with ThreadPoolExecutor(16) as pool:
        statuses = [r.status_code for r in pool.map(send, range(32))]
    assert set(statuses) <= {201, 409}
    assert statuses.count(201) >= 1
    assert _count(zuora_client, "raced") == 1


def test_get_and_delete_ignore_the_header(zuora_client, create_memo):
    first = zuora_client.get("/debit_memos/DM00000001", headers={"Idempotency-Key": "g"})
    second = zuora_client.get("/debit_memos/DM00000002", headers={"Idempotency-Key": "g"})
    assert first.status_code == second.status_code == 200
    assert "Idempotent-Replayed" not in second.headers
    memo = create_memo()
    zuora_client.post(f"/debit_memos/{memo['id']}/cancel")
    assert (
        zuora_client.delete(
            f"/debit_memos/{memo['id']}", headers={"Idempotency-Key": "d"}
        ).status_code
        == 204
    )
    assert (
        zuora_client.delete(
            f"/debit_memos/{memo['id']}", headers={"Idempotency-Key": "d"}
        ).status_code
        == 404
    )


def test_key_too_long_is_400(zuora_client):
    response = zuora_client.post(
        "/debit_memos", json=memo_body(), headers={"Idempotency-Key": "k" * 256}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "Idempotency-Key"


def test_keys_expire_after_their_ttl():
    now = [1000.0]
    cache = IdempotencyCache(ttl=10, clock=lambda: now[0])
    request = fingerprint("POST", "/v2/debit_memos", b"", b"{}")
    cache.begin("k", request)
    now[0] += 11
    assert cache.begin("k", fingerprint("POST", "/v2/other", b"", b"{}")) is None


def test_reset_forgets_keys(zuora_client, zuora_mock):
    body = memo_body(description="before reset")
    zuora_client.post("/debit_memos", json=body, headers={"Idempotency-Key": "r"})
    zuora_mock.reset()
    again = zuora_client.post("/debit_memos", json=body, headers={"Idempotency-Key": "r"})
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again.headers
