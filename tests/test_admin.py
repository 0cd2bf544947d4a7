"""The control plane: health, reset, state, clock and config."""

from __future__ import annotations

import copy

import pytest
import requests
from conftest import admin, memo_body


def test_health_is_ok_with_counts(zuora_mock):
    body = admin(zuora_mock, "GET", "health").json()
    assert body["status"] == "ok"
    assert body["debit_memos"] == 80
    assert body["seed"] == 42


def test_reset_restores_the_start_up_state(zuora_mock, zuora_client):
    before = zuora_mock.state
    zuora_client.post("/debit_memos", json=memo_body())
    zuora_mock.set_clock("2030-01-01T00:00:00Z")
    response = admin(zuora_mock, "POST", "reset")
    assert response.status_code == 200
    assert zuora_mock.state == before
    created = zuora_client.post("/debit_memos", json=memo_body()).json()
    assert not created["created_time"].startswith("2030"), "the clock is real again"


def test_state_round_trips_through_put(zuora_mock, zuora_client):
    snapshot = zuora_mock.state
    zuora_client.post("/debit_memos", json=memo_body(description="gone after load"))
    zuora_mock.load(snapshot)
    assert zuora_mock.state == snapshot
    found = zuora_client.get("/debit_memos", params={"filter[]": "description.EQ:gone after load"})
    assert found.json()["data"] == []


def test_loaded_state_is_what_the_api_serves(zuora_mock, zuora_client):
    snapshot = zuora_mock.state
    memo = copy.deepcopy(snapshot["debit_memos"][0])
    snapshot["debit_memos"] = [memo]
    memo["description"] = "hand-edited"
    zuora_mock.load(snapshot)
    listed = zuora_client.get("/debit_memos").json()["data"]
    assert [m["id"] for m in listed] == [memo["id"]]
    assert listed[0]["description"] == "hand-edited"
    created = zuora_client.post("/debit_memos", json=memo_body()).json()
    assert created["debit_memo_number"] == "DM00000081", "numbering continues after the snapshot"


@pytest.mark.parametrize(
    ("change", "parameter"),
    [
        (lambda s: s.update(format="other"), "format"),
        (lambda s: s["debit_memos"][0].update(total=123456), "debit_memos[0].total"),
        (lambda s: s["debit_memos"][0].update(state="open"), "debit_memos[0].state"),
        (lambda s: s["debit_memos"][0].update(account_id="nope"), "debit_memos[0].account_id"),
        (
            lambda s: s["debit_memos"][0].update(debit_memo_number="X1"),
            "debit_memos[0].debit_memo_number",
        ),
        (
            lambda s: s["debit_memos"][0]["items"][0].update(amount="1"),
            "debit_memos[0].items[0].amount",
        ),
        (
            lambda s: s["debit_memos"].append(s["debit_memos"][0]),
            "debit_memos[80].debit_memo_number",
        ),
        (lambda s: s["accounts"][0].update(surprise=1), "accounts[0].surprise"),
    ],
)
def test_invalid_state_is_400_naming_the_key_and_changes_nothing(zuora_mock, change, parameter):
    snapshot = zuora_mock.state
    broken = copy.deepcopy(snapshot)
    change(broken)
    response = admin(zuora_mock, "PUT", "state", json=broken)
    assert response.status_code == 400, response.text
    parameters = [e["parameter"] for e in response.json()["errors"]]
    assert any(p.startswith(parameter) for p in parameters), parameters
    assert zuora_mock.state == snapshot


def test_clock_set_and_reset(zuora_mock, zuora_client):
    response = admin(zuora_mock, "PUT", "clock", json={"now": "2027-01-31T00:00:00Z"})
    assert response.json() == {"now": "2027-01-31T00:00:00+00:00", "frozen": True}
    memo = zuora_client.post("/debit_memos", json=memo_body()).json()
    assert memo["created_time"] == "2027-01-31T00:00:00+00:00"
    assert memo["document_date"] == "2027-01-31"
    assert admin(zuora_mock, "DELETE", "clock").json()["frozen"] is False


@pytest.mark.parametrize(
    "body", [{}, {"now": "tomorrow"}, {"now": "2027-01-31"}, {"now": 1, "x": 2}]
)
def test_bad_clock_is_400(zuora_mock, body):
    response = admin(zuora_mock, "PUT", "clock", json=body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] in ("now", "x")


def test_config_shows_the_effective_settings_without_secrets(start_sandbox):
    root = start_sandbox(seed=9, admin_token="s3cret", tokens=("t1",))
    config = requests.get(
        f"{root}/__mock/config", headers={"Authorization": "Bearer s3cret"}, timeout=5
    ).json()
    assert config["seed"] == 9
    assert config["admin_token"] == "***"
    assert config["tokens"] == ["***"]


def test_admin_token_protects_the_control_plane_but_health(start_sandbox):
    root = start_sandbox(admin_token="s3cret")
    assert requests.get(f"{root}/__mock/health", timeout=5).status_code == 200
    wrong = {"Authorization": "Bearer nope"}
    for method, path in [("POST", "reset"), ("GET", "state"), ("GET", "config"), ("GET", "faults")]:
        response = requests.request(method, f"{root}/__mock/{path}", headers=wrong, timeout=5)
        assert response.status_code == 401, path
    right = {"Authorization": "Bearer s3cret"}
    assert requests.post(f"{root}/__mock/reset", headers=right, timeout=5).status_code == 200


def test_control_plane_needs_no_zuora_token(zuora_mock):
    assert admin(zuora_mock, "GET", "state").status_code == 200


def test_openapi_document_lists_the_ten_operations(zuora_mock):
    document = requests.get(f"{zuora_mock.root}/openapi.json", timeout=5).json()
    operations = {
        op["operationId"]
        for path, methods in document["paths"].items()
        if path.startswith("/v2/")
        for op in methods.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert operations == {
        "getDebitMemo",
        "patchDebitMemo",
        "deleteDebitMemo",
        "getDebitMemoes",
        "createDebitMemo",
        "cancelDebitMemo",
        "getDebitMemoItems",
        "postsDebitMemo",
        "unpostsDebitMemo",
        "payDebitMemo",
    }
    assert any(path.startswith("/__mock/") for path in document["paths"])
    docs = requests.get(f"{zuora_mock.root}/docs", timeout=5)
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_amount_rules_apply_to_snapshots(zuora_mock):
    snapshot = zuora_mock.state
    broken = copy.deepcopy(snapshot)
    broken["debit_memos"][0]["items"][0]["amount"] = 1.001
    response = admin(zuora_mock, "PUT", "state", json=broken)
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "debit_memos[0].items[0].amount"
