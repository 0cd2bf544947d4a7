"""Driving faults: ``/__mock/faults``, the ``X-Mock-Fault`` header, the
journal, reset, tenants, and loud rejection of bad rules."""

from __future__ import annotations

import threading
import time

import pytest
import requests
from conftest import admin, bearer

from mockserver.app import create_app
from mockserver.config import Config
from mockserver.server import start_in_thread

# -- /__mock/faults --------------------------------------------------------------------


def test_post_returns_the_rule_with_a_generated_id(zuora_mock):
    response = admin(
        zuora_mock, "POST", "faults", json={"operation": "createDebitMemo", "status": 503}
    )

    assert response.status_code == 201
    assert response.json() == {
        "id": "rule-1",
        "operation": "createDebitMemo",
        "status": 503,
        "source": "api",
        "stats": {"matches": 0, "fired": 0, "last": None},
    }


def test_post_takes_the_text_form(zuora_mock):
    response = admin(
        zuora_mock,
        "POST",
        "faults",
        data="operation=payDebitMemo,action=reset,probability=0.25,id=flaky-pay",
        headers={"Content-Type": "text/plain"},
    )

    assert response.status_code == 201
    rule = response.json()
    assert rule["id"] == "flaky-pay"
    assert rule["action"] == "reset"
    assert rule["probability"] == 0.25


def test_get_lists_the_rules_in_order(zuora_mock):
    first = zuora_mock.add_fault(operation="createDebitMemo", status=503)
    second = zuora_mock.add_fault(id="slow", path="/v2/debit_memos/*/pay", latency_ms="10..20")

    listed = admin(zuora_mock, "GET", "faults").json()["data"]

    assert [rule["id"] for rule in listed] == [first, second]
    assert listed[1]["latency_ms"] == "10..20"
    assert listed[1]["path"] == "/v2/debit_memos/*/pay"


def test_delete_by_id_removes_one_rule(zuora_mock, zuora_client):
    failing = zuora_mock.add_fault(operation="getDebitMemoes", status=503)
    kept = zuora_mock.add_fault(operation="createDebitMemo", status=503)

    assert admin(zuora_mock, "DELETE", f"faults/{failing}").status_code == 204

    assert zuora_client.get("/debit_memos").status_code == 200
    assert [rule["id"] for rule in admin(zuora_mock, "GET", "faults").json()["data"]] == [kept]


def test_delete_of_an_unknown_id_is_a_404_envelope(zuora_mock):
    response = admin(zuora_mock, "DELETE", "faults/no-such-rule")

    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "resource_not_found"


def test_delete_clears_every_rule(zuora_mock, zuora_client):
    zuora_mock.add_fault(operation="getDebitMemoes", status=503)
    zuora_mock.add_fault(path="/v2/**", latency_ms=5)

    assert admin(zuora_mock, "DELETE", "faults").status_code == 204

    assert admin(zuora_mock, "GET", "faults").json() == {"data": []}
    assert zuora_client.get("/debit_memos").status_code == 200


def test_an_id_in_use_is_a_409(zuora_mock):
    zuora_mock.add_fault(id="outage", status=503)

    response = admin(zuora_mock, "POST", "faults", json={"id": "outage", "status": 500})

    assert response.status_code == 409
    assert response.json()["errors"][0]["parameter"] == "id"


def test_the_plugin_fault_context_manager_removes_its_rule(zuora_mock, zuora_client):
    with zuora_mock.fault(operation="getDebitMemoes", status=503):
        assert zuora_client.get("/debit_memos").status_code == 503

    assert zuora_client.get("/debit_memos").status_code == 200


@pytest.mark.parametrize(
    ("rule", "key"),
    [
        ({"status": 503, "colour": "red"}, "colour"),
        ({"operation": "createDebitMemos", "status": 503}, "operation"),
        ({"action": "explode"}, "action"),
        ({"status": 503, "probability": 1.5}, "probability"),
        ({"status": 503, "probability": -0.1}, "probability"),
        ({"latency_ms": -5}, "latency_ms"),
        ({"latency_ms": "300..100"}, "latency_ms"),
        ({"latency_median_ms": -1, "latency_p99_ms": 10}, "latency_median_ms"),
        ({"latency_median_ms": 100}, "latency_p99_ms"),
        ({"latency_median_ms": 100, "latency_p99_ms": 50}, "latency_p99_ms"),
        ({"latency_ms": 10, "latency_median_ms": 5, "latency_p99_ms": 50}, "latency_ms"),
        ({"status": 503, "times": 0}, "times"),
        ({"status": 503, "times": 1.5}, "times"),
        ({"status": 503, "after": -1}, "after"),
        ({"status": 503, "every": 0}, "every"),
        ({"status": 503, "for_s": 0}, "for_s"),
        ({"status": 200}, "status"),
        ({"status": "soon"}, "status"),
        ({"status": True}, "status"),
        ({"action": "reset", "status": 503}, "status"),
        ({"status": 500, "retry_after": 5}, "retry_after"),
        ({"status": 503, "bytes_per_s": 5}, "bytes_per_s"),
        ({"action": "slow_body", "bytes_per_s": 0}, "bytes_per_s"),
        ({"status": 503, "stage": "during"}, "stage"),
        ({"status": 503, "method": "FETCH"}, "method"),
        ({"status": 503, "path": "v2/debit_memos"}, "path"),
        ({"status": 503, "header": "X-Test"}, "header"),
        ({"status": 503, "id": "has space"}, "id"),
        ({"operation": "createDebitMemo"}, "action"),
        ({}, "rule"),
    ],
)
def test_a_bad_rule_is_a_400_naming_the_key(zuora_mock, rule, key):
    response = admin(zuora_mock, "POST", "faults", json=rule)

    assert response.status_code == 400, response.text
    error = response.json()["errors"][0]
    assert error["code"] == "invalid_parameter"
    assert error["parameter"] == key
    assert admin(zuora_mock, "GET", "faults").json() == {"data": []}


@pytest.mark.parametrize(
    "body", [b"[1, 2]", b"{not json", b"42", b"status=503,times=bad", b"\xff\xfe"]
)
def test_a_body_that_is_not_a_rule_is_a_400(zuora_mock, body):
    response = admin(
        zuora_mock, "POST", "faults", data=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert response.json()["type"] == "bad_request"


def test_a_json_string_is_the_text_form(zuora_mock):
    response = admin(zuora_mock, "POST", "faults", json="status=503,times=0")

    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "times"


# -- X-Mock-Fault ------------------------------------------------------------------------


def test_the_header_faults_that_request_only(zuora_client):
    faulted = zuora_client.get("/debit_memos", headers={"X-Mock-Fault": "status=503"})
    plain = zuora_client.get("/debit_memos")

    assert faulted.status_code == 503
    assert faulted.headers["X-Mock-Fault"] == "header"
    assert plain.status_code == 200
    assert "X-Mock-Fault" not in plain.headers


def test_the_header_can_match_and_miss(zuora_client):
    header = {"X-Mock-Fault": "operation=createDebitMemo,status=503"}

    assert zuora_client.get("/debit_memos", headers=header).status_code == 200


def test_requests_with_the_same_header_share_its_schedule(zuora_client):
    header = {"X-Mock-Fault": "status=503,times=2"}

    codes = [zuora_client.get("/debit_memos", headers=header).status_code for _ in range(3)]

    assert codes == [503, 503, 200]


def test_a_bad_header_is_a_400_naming_the_key(zuora_client):
    response = zuora_client.get("/debit_memos", headers={"X-Mock-Fault": "status=503,times=0"})

    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["parameter"] == "X-Mock-Fault"
    assert "'times'" in error["message"]


def test_the_header_is_ignored_when_switched_off(start_sandbox):
    root = start_sandbox(fault_header=False)

    response = requests.get(
        f"{root}/v2/debit_memos",
        headers={**bearer(), "X-Mock-Fault": "status=503"},
        timeout=5,
    )

    assert response.status_code == 200


def test_the_control_plane_is_never_faulted(zuora_mock):
    zuora_mock.add_fault(path="/**", status=503)

    response = admin(zuora_mock, "GET", "health", headers={"X-Mock-Fault": "action=reset"})

    assert response.status_code == 200


def test_a_header_match_key_selects_requests(zuora_mock, zuora_client):
    zuora_mock.add_fault(header="X-Test-Case:retry-*", status=503)

    assert zuora_client.get("/debit_memos", headers={"X-Test-Case": "retry-3"}).status_code == 503
    assert zuora_client.get("/debit_memos", headers={"X-Test-Case": "other"}).status_code == 200
    assert zuora_client.get("/debit_memos").status_code == 200


def test_method_and_path_glob_select_requests(zuora_mock, zuora_client, create_memo):
    memo = create_memo(post=True)
    zuora_mock.add_fault(method="POST", path="/v2/debit_memos/*/pay", status=503)

    paid = zuora_client.post(f"/debit_memos/{memo['id']}/pay", json={"currency": "USD"})
    fetched = zuora_client.get(f"/debit_memos/{memo['id']}")

    assert paid.status_code == 503
    assert fetched.status_code == 200


# -- the journal --------------------------------------------------------------------------


def test_the_journal_records_the_fault_and_the_latency(zuora_mock, zuora_client):
    rule_id = zuora_mock.add_fault(operation="getDebitMemoes", status=503, latency_ms=20)
    zuora_client.get("/debit_memos")
    zuora_client.get("/debit_memo_items")

    faulted, plain = zuora_mock.requests()

    assert faulted["method"] == "GET"
    assert faulted["path"] == "/v2/debit_memos"
    assert faulted["operation"] == "getDebitMemoes"
    assert faulted["status"] == 503
    assert faulted["fault"] == rule_id
    assert faulted["latency_ms"] == 20
    assert faulted["duration_ms"] >= 20
    assert plain["fault"] is None
    assert plain["latency_ms"] == 0


def test_the_journal_filters(zuora_mock, zuora_client, create_memo):
    memo = create_memo(post=True)
    rule_id = zuora_mock.add_fault(operation="payDebitMemo", status=503, times=1)
    for _ in range(2):
        zuora_client.post(f"/debit_memos/{memo['id']}/pay", json={"currency": memo["currency"]})
    zuora_client.get("/debit_memos")

    assert [e["status"] for e in zuora_mock.requests(path="/v2/debit_memos/*/pay")] == [503, 200]
    assert [e["status"] for e in zuora_mock.requests(fault=rule_id)] == [503]
    assert [e["operation"] for e in zuora_mock.requests(status=503)] == ["payDebitMemo"]
    assert len(zuora_mock.requests(method="post")) == 3
    assert [e["operation"] for e in zuora_mock.requests(limit=1)] == ["getDebitMemoes"]


def test_deleting_the_journal_empties_it(zuora_mock, zuora_client):
    zuora_client.get("/debit_memos")

    assert admin(zuora_mock, "DELETE", "requests").status_code == 204
    assert zuora_mock.requests() == []


def test_the_journal_keeps_only_the_newest_requests(start_sandbox):
    root = start_sandbox(journal_size=3)
    for size in range(1, 6):
        requests.get(
            f"{root}/v2/debit_memos", params={"page_size": size}, headers=bearer(), timeout=5
        )

    journal = requests.get(f"{root}/__mock/requests", timeout=5).json()["data"]

    assert [entry["query"] for entry in journal] == ["page_size=3", "page_size=4", "page_size=5"]


# -- reset and tenants ---------------------------------------------------------------------


def test_reset_clears_runtime_rules_and_restarts_startup_rules(start_sandbox):
    root = start_sandbox(faults=("operation=getDebitMemoes,status=503,times=1",))

    def get() -> int:
        return requests.get(f"{root}/v2/debit_memos", headers=bearer(), timeout=5).status_code

    requests.post(f"{root}/__mock/faults", json={"status": 500}, timeout=5)
    assert [get(), get()] == [503, 500]

    requests.post(f"{root}/__mock/reset", timeout=5)

    listed = requests.get(f"{root}/__mock/faults", timeout=5).json()["data"]
    assert [(rule["id"], rule["source"]) for rule in listed] == [("startup-1", "startup")]
    assert [get(), get()] == [503, 200]


def test_faults_belong_to_one_tenant(start_sandbox):
    root = start_sandbox(tenants="per-token")
    requests.get(f"{root}/v2/debit_memos", headers=bearer("alice"), timeout=5)
    requests.post(
        f"{root}/__mock/faults", params={"tenant": "alice"}, json={"status": 503}, timeout=5
    )

    alice = requests.get(f"{root}/v2/debit_memos", headers=bearer("alice"), timeout=5)
    bob = requests.get(f"{root}/v2/debit_memos", headers=bearer("bob"), timeout=5)

    assert alice.status_code == 503
    assert bob.status_code == 200


# -- stopping ---------------------------------------------------------------------------------


def test_stopping_the_server_ends_injected_waits_at_once():
    server = start_in_thread(create_app(Config(port=0, log_requests=False)), port=0)
    outcome = []

    def wait_for_a_slow_answer():
        try:
            outcome.append(
                requests.get(
                    f"{server.url}/v2/debit_memos",
                    headers={**bearer(), "X-Mock-Fault": "latency_ms=30000"},
                    timeout=60,
                )
            )
        except requests.ConnectionError as error:
            outcome.append(error)

    client = threading.Thread(target=wait_for_a_slow_answer)
    client.start()
    time.sleep(0.3)

    started = time.monotonic()
    server.stop()
    client.join(timeout=10)

    assert time.monotonic() - started < 10
    assert not client.is_alive()
    assert isinstance(outcome[0], requests.ConnectionError)
