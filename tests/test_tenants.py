"""Tenants (``--tenants per-token``), over HTTP with two tokens at once: each
bearer token (or ``Zuora-Entity-Ids`` value) has its own store, seeded
identically on first use, its own journal and idempotency keys; the control
plane addresses one with ``?tenant=``; past the cap a new one gets a 429.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from conftest import admin, every_row, memo_body


class Tenant:
    """A client of one tenant, by its bearer token (and optionally its entity)."""

    def __init__(self, root: str, token: str, entity: str | None = None):
        self.root = root
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        if entity:
            self.session.headers["Zuora-Entity-Ids"] = entity
        self.key = entity or token

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.session.request(method, f"{self.root}/v2{path}", timeout=10, **kwargs)

    def create_memo(self, **overrides) -> requests.Response:
        return self.call("POST", "/debit_memos", json=memo_body(**overrides))

    def memos(self) -> dict[str, str | None]:
        """Every memo's description by id, page after page."""
        rows = every_row(
            lambda path, params: self.call("GET", path, params=params),
            **{"page_size": 99, "fields[]": "id,description"},
        )
        return {memo["id"]: memo.get("description") for memo in rows}

    def descriptions(self) -> list[str | None]:
        return list(self.memos().values())

    def admin(self, method: str, path: str, **kwargs) -> requests.Response:
        return admin(self, method, path, tenant=self.key, **kwargs)

    def make(self) -> None:
        """Make the tenant before its first request, as the control plane needs."""
        assert admin(self, "PUT", f"tenants/{self.key}").status_code == 201


@pytest.fixture
def per_token(start_sandbox) -> str:
    return start_sandbox(tenants="per-token")


@pytest.fixture
def alice(per_token) -> Tenant:
    return Tenant(per_token, "alice")


@pytest.fixture
def bob(per_token) -> Tenant:
    return Tenant(per_token, "bob")


def test_each_token_starts_from_the_same_seeded_data(alice, bob):
    seeded = alice.memos()
    assert seeded
    assert bob.memos() == seeded


def test_a_memo_one_token_creates_is_invisible_to_another(alice, bob):
    created = alice.create_memo(description="alice's").json()
    assert "alice's" in alice.descriptions()
    assert "alice's" not in bob.descriptions()
    assert bob.call("GET", f"/debit_memos/{created['debit_memo_number']}").status_code == 404


def test_the_same_memo_changes_apart_in_each_tenant(alice, bob):
    memo_id = next(iter(alice.memos()))
    alice.call("PATCH", f"/debit_memos/{memo_id}", json={"description": "alice was here"})
    assert alice.memos()[memo_id] == "alice was here"
    assert bob.memos()[memo_id] != "alice was here"


def test_tokens_working_at_the_same_time_each_see_only_their_own_memos(alice, bob):
    def create_ten(tenant: Tenant) -> None:
        for n in range(10):
            assert tenant.create_memo(description=f"{tenant.key}-{n}").status_code == 201

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(create_ten, (alice, bob)))
    for tenant in (alice, bob):
        created = [d for d in tenant.descriptions() if d and d.startswith(("alice-", "bob-"))]
        assert sorted(created) == sorted(f"{tenant.key}-{n}" for n in range(10))


def test_each_tenant_has_its_own_journal(alice, bob):
    alice.call("GET", "/debit_memos")
    alice.create_memo()
    bob.call("GET", "/debit_memo_items")
    alice_paths = [(e["method"], e["path"]) for e in alice.admin("GET", "requests").json()["data"]]
    bob_paths = [(e["method"], e["path"]) for e in bob.admin("GET", "requests").json()["data"]]
    assert alice_paths == [("GET", "/v2/debit_memos"), ("POST", "/v2/debit_memos")]
    assert bob_paths == [("GET", "/v2/debit_memo_items")]


def test_an_idempotency_key_belongs_to_one_tenant(alice, bob):
    key = {"Idempotency-Key": "same-key-in-two-tenants"}
    first = alice.create_memo(description="alice's")
    again = alice.call("POST", "/debit_memos", json=memo_body(description="alice's"), headers=key)
    from_bob = bob.call("POST", "/debit_memos", json=memo_body(description="bob's"), headers=key)
    replay = alice.call("POST", "/debit_memos", json=memo_body(description="alice's"), headers=key)
    assert first.status_code == again.status_code == from_bob.status_code == 201
    assert "Idempotent-Replayed" not in from_bob.headers
    assert from_bob.json()["id"] != again.json()["id"]
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == again.json()["id"]


def test_the_entity_header_picks_the_tenant_whatever_the_token(per_token):
    one = Tenant(per_token, "token-1", entity="entity-a")
    other_token_same_entity = Tenant(per_token, "token-2", entity="entity-a")
    same_token_other_entity = Tenant(per_token, "token-1", entity="entity-b")
    one.create_memo(description="entity a's")
    assert "entity a's" in other_token_same_entity.descriptions()
    assert "entity a's" not in same_token_other_entity.descriptions()


def test_the_control_plane_resets_and_exports_one_tenant(alice, bob):
    alice.create_memo(description="alice's")
    bob.create_memo(description="bob's")
    assert alice.admin("POST", "reset").status_code == 200
    assert "alice's" not in alice.descriptions()
    assert "bob's" in bob.descriptions()
    exported = bob.admin("GET", "state").json()["debit_memos"]
    assert "bob's" in [memo.get("description") for memo in exported]


def test_the_control_plane_sets_one_tenants_clock(alice, bob):
    alice.make()
    alice.admin("PUT", "clock", json={"now": "2030-01-31T00:00:00Z"})
    assert alice.create_memo().json()["created_time"].startswith("2030-01-31")
    assert not bob.create_memo().json()["created_time"].startswith("2030-01-31")


def test_a_global_reset_drops_every_tenant(per_token, alice, bob):
    alice.create_memo()
    bob.create_memo()
    assert requests.get(f"{per_token}/__mock/health", timeout=5).json()["tenants"] == 3
    requests.post(f"{per_token}/__mock/reset", timeout=5)
    assert requests.get(f"{per_token}/__mock/health", timeout=5).json()["tenants"] == 1


def test_past_the_cap_a_new_token_gets_a_429_envelope(start_sandbox):
    root = start_sandbox(tenants="per-token", max_tenants=2)
    first, second, third = (Tenant(root, token) for token in ("one", "two", "three"))
    assert first.call("GET", "/debit_memos").status_code == 200
    assert second.call("GET", "/debit_memos").status_code == 200
    refused = third.call("GET", "/debit_memos")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.json() == {
        "type": "too_many_requests",
        "errors": [
            {
                "code": "tenant_limit_reached",
                "parameter": "Authorization",
                "message": refused.json()["errors"][0]["message"],
            }
        ],
        "retryable": True,
    }
    assert "at most 2 tenants" in refused.json()["errors"][0]["message"]
    assert third.admin("GET", "state").status_code == 404  # naming it makes no tenant
    assert first.call("GET", "/debit_memos").status_code == 200


def test_a_global_reset_makes_room_for_new_tenants(start_sandbox):
    root = start_sandbox(tenants="per-token", max_tenants=1)
    assert Tenant(root, "one").call("GET", "/debit_memos").status_code == 200
    assert Tenant(root, "two").call("GET", "/debit_memos").status_code == 429
    requests.post(f"{root}/__mock/reset", timeout=5)
    assert Tenant(root, "two").call("GET", "/debit_memos").status_code == 200


def test_by_default_every_token_shares_one_store(start_sandbox):
    root = start_sandbox()
    alice, bob = Tenant(root, "alice"), Tenant(root, "bob")
    alice.create_memo(description="alice's")
    assert "alice's" in bob.descriptions()
    assert alice.admin("GET", "state").status_code == 400


def test_a_fault_rule_of_one_tenant_leaves_the_other_alone(alice, bob):
    alice.make()
    added = alice.admin("POST", "faults", json={"operation": "getDebitMemoes", "status": 503})
    assert added.status_code == 201, added.text
    assert alice.call("GET", "/debit_memos").status_code == 503
    assert bob.call("GET", "/debit_memos").status_code == 200
    assert bob.admin("GET", "faults").json()["data"] == []


def test_each_tenant_has_its_own_rate_limit(start_sandbox):
    root = start_sandbox(tenants="per-token", rate_limit=2)
    alice, bob = Tenant(root, "alice"), Tenant(root, "bob")
    assert [alice.call("GET", "/debit_memos").status_code for _ in range(3)] == [200, 200, 429]
    bobs = bob.call("GET", "/debit_memos")
    assert bobs.status_code == 200
    assert bobs.headers["ratelimit-remaining"] == "1"


def test_a_dropped_tenant_frees_its_place_and_starts_afresh(start_sandbox):
    root = start_sandbox(tenants="per-token", max_tenants=1)
    first = {"Authorization": "Bearer first"}
    second = {"Authorization": "Bearer second"}
    created = requests.post(
        f"{root}/v2/debit_memos", json=memo_body(description="mine"), headers=first, timeout=5
    )
    assert created.status_code == 201
    assert requests.get(f"{root}/v2/debit_memos", headers=second, timeout=5).status_code == 429
    assert requests.delete(f"{root}/__mock/tenants/first", timeout=5).status_code == 204
    assert requests.get(f"{root}/v2/debit_memos", headers=second, timeout=5).status_code == 200
    assert requests.delete(f"{root}/__mock/tenants/first", timeout=5).status_code == 404
    assert requests.delete(f"{root}/__mock/tenants/default", timeout=5).status_code == 404
