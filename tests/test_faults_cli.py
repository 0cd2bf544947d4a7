"""Faults and limits as users switch them on: ``mockserver serve`` flags, their
environment variables and the config file, in a server process of its own."""

from __future__ import annotations

import json
import time

import pytest
import requests
from conftest import bearer
from processes import serving, start_fails


def get(
    root: str, path: str = "/v2/debit_memos", timeout: float = 5, **headers
) -> requests.Response:
    return requests.get(f"{root}{path}", headers={**bearer(), **headers}, timeout=timeout)


def test_fault_and_latency_flags(tmp_path):
    with serving(
        tmp_path / "serve.log",
        "--fault",
        "operation=getDebitMemoes,status=503,times=1",
        "--fault",
        "operation=getDebitMemoItems,action=malformed",
        "--latency",
        "150",
    ) as root:
        started = time.monotonic()
        first = get(root)
        elapsed = time.monotonic() - started
        second = get(root)
        items = get(root, "/v2/debit_memo_items")
        rules = requests.get(f"{root}/__mock/faults", timeout=5).json()["data"]

    assert first.status_code == 503
    assert first.headers["X-Mock-Fault"] == "startup-1,latency"
    assert elapsed >= 0.15
    assert second.status_code == 200
    assert second.headers["X-Mock-Fault"] == "latency"
    assert items.status_code == 200
    assert items.content.startswith(b"{")
    assert [(rule["id"], rule["source"]) for rule in rules] == [
        ("startup-1", "startup"),
        ("startup-2", "startup"),
        ("latency", "latency"),
        ("latency-notifications", "latency"),
        ("latency-events", "latency"),
        ("latency-v1", "latency"),
    ]
    assert rules[2]["path"] == "/v2/**"
    assert [rule["path"] for rule in rules[3:]] == ["/notifications/**", "/events/**", "/v1/**"]


def test_environment_variables(tmp_path):
    env = {
        "MOCKSERVER_FAULT": "operation=getDebitMemoes,status=502,times=1;"
        "operation=getDebitMemoItems,status=504",
        "MOCKSERVER_LATENCY": "20..40",
        "MOCKSERVER_FAULT_HEADER": "false",
        "MOCKSERVER_RATE_LIMIT": "100",
    }
    with serving(tmp_path / "serve.log", env=env) as root:
        statuses = [get(root).status_code, get(root).status_code]
        items = get(root, "/v2/debit_memo_items")
        with_header = get(root, **{"X-Mock-Fault": "status=500"})

    assert statuses == [502, 200]
    assert items.status_code == 504
    assert with_header.status_code == 200
    assert with_header.headers["ratelimit-limit"] == "100, 100;w=60"


def test_config_file_rules_as_text_and_mappings_plus_flag_rules(tmp_path):
    config = tmp_path / "sandbox.yaml"
    config.write_text(
        "seed: 9\n"
        "faults:\n"
        "  - operation=getDebitMemoes,status=503,times=1\n"
        "  - {id: items-down, operation: getDebitMemoItems, status: 500, probability: 1}\n"
        "latency: 5\n"
        "rate_limit: 50\n"
        "gateway_timeout: 0.25\n"
    )
    with serving(
        tmp_path / "serve.log",
        "--config",
        str(config),
        "--fault",
        "operation=createDebitMemo,action=timeout",
    ) as root:
        statuses = [get(root).status_code, get(root).status_code]
        items = get(root, "/v2/debit_memo_items")
        created = requests.post(
            f"{root}/v2/debit_memos", json={}, headers=bearer(), timeout=5
        ).status_code
        settings = requests.get(f"{root}/__mock/config", timeout=5).json()

    assert statuses == [503, 200]
    assert items.headers["X-Mock-Fault"] == "items-down,latency"
    assert created == 504
    assert settings["limits"] == {
        "rate_limit": 50,
        "concurrency_limit": None,
        "gateway_timeout": 0.25,
    }


def test_json_config_file(tmp_path):
    config = tmp_path / "sandbox.json"
    config.write_text(
        json.dumps({"faults": [{"operation": "getDebitMemoes", "status": 429, "retry_after": 3}]})
    )
    with serving(tmp_path / "serve.log", "--config", str(config)) as root:
        response = get(root)

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"


def test_profile_switches_on_zuoras_api_sandbox_limits(tmp_path):
    with serving(tmp_path / "serve.log", "--profile", "zuora-api-sandbox") as root:
        response = get(root)
        settings = requests.get(f"{root}/__mock/config", timeout=5).json()

    assert response.headers["ratelimit-limit"] == "2500, 2500;w=60"
    assert response.headers["ratelimit-remaining"] == "2499"
    assert settings["limits"] == {
        "rate_limit": 2500,
        "concurrency_limit": 40,
        "gateway_timeout": 60.0,
    }


def test_connection_faults_happen_on_the_socket_of_the_served_sandbox(tmp_path):
    with serving(
        tmp_path / "serve.log",
        "--fault",
        "operation=getDebitMemoes,action=reset",
        "--fault",
        "operation=getDebitMemoItems,action=empty",
    ) as root:
        with pytest.raises(requests.ConnectionError, match="Connection reset by peer"):
            get(root)
        with pytest.raises(requests.ConnectionError, match="without response"):
            get(root, "/v2/debit_memo_items")
        with pytest.raises(requests.ReadTimeout):
            get(root, timeout=0.2, **{"X-Mock-Fault": "action=timeout"})


def test_the_access_log_names_the_fault_and_the_latency(tmp_path):
    log = tmp_path / "serve.log"
    with serving(
        log, "--fault", "operation=getDebitMemoes,status=503,latency_ms=10", quiet=False
    ) as root:
        get(root)
        get(root, "/v2/debit_memo_items")

    lines = log.read_text().splitlines()
    access = [line for line in lines if "mockserver.access" in line and " /v2/" in line]
    assert len(access) == 2, access
    assert " GET /v2/debit_memos 503 " in access[0]
    assert access[0].endswith("tenant=default fault=startup-1 latency=10.0ms")
    assert " GET /v2/debit_memo_items 200 " in access[1]
    assert "fault=" not in access[1]


def test_a_bad_fault_flag_stops_the_start_naming_the_key():
    error = start_fails("--fault", "operation=createDebitMemo,status=503,probability=1.5")

    assert "'probability' must be between 0 and 1" in error


def test_a_bad_rule_in_the_config_file_stops_the_start(tmp_path):
    config = tmp_path / "sandbox.yaml"
    config.write_text("faults:\n  - {action: explode}\n")

    error = start_fails("--config", str(config))

    assert "'explode' is not a known action" in error


def test_a_bad_latency_flag_stops_the_start():
    assert "'latency_ms' must not be negative" in start_fails("--latency", "-10")


def test_a_bad_limit_stops_the_start():
    assert "--rate-limit" in start_fails("--rate-limit", "0")
    assert "MOCKSERVER_PROFILE" in start_fails(env={"MOCKSERVER_PROFILE": "enterprise"})
