"""When rules fire: ``probability``, ``times``, ``after``, ``every``, ``for_s``,
and reproducibility: the same seed and the same requests fire the same faults."""

from __future__ import annotations

import requests
from conftest import ManualClock, bearer

from mockserver.pytest_plugin import ZuoraClient


def statuses(client, count: int, path: str = "/debit_memos") -> list[int]:
    return [client.get(path, params={"page_size": 1}).status_code for _ in range(count)]


def fired(client, rule_id: str, count: int) -> list[bool]:
    """For each of ``count`` requests, whether ``rule_id`` fired on it."""
    return [
        rule_id
        in client.get("/debit_memos", params={"page_size": 1})
        .headers.get("X-Mock-Fault", "")
        .split(",")
        for _ in range(count)
    ]


def test_times_fires_at_most_n_times(zuora_mock, zuora_client):
    zuora_mock.add_fault(operation="getDebitMemoes", status=503, times=2)

    assert statuses(zuora_client, 4) == [503, 503, 200, 200]


def test_after_skips_the_first_n_matches(zuora_mock, zuora_client):
    zuora_mock.add_fault(operation="getDebitMemoes", status=503, after=2)

    assert statuses(zuora_client, 4) == [200, 200, 503, 503]


def test_every_fires_on_every_nth_match(zuora_mock, zuora_client):
    zuora_mock.add_fault(operation="getDebitMemoes", status=503, every=3)

    assert statuses(zuora_client, 6) == [200, 200, 503, 200, 200, 503]


def test_after_every_and_times_combine(zuora_mock, zuora_client):
    zuora_mock.add_fault(operation="getDebitMemoes", status=503, after=1, every=2, times=2)

    assert statuses(zuora_client, 8) == [200, 200, 503, 200, 503, 200, 200, 200]


def test_only_matching_requests_count(zuora_mock, zuora_client):
    zuora_mock.add_fault(operation="getDebitMemoes", status=503, after=1)

    zuora_client.get("/debit_memo_items")
    zuora_client.get("/debit_memo_items")

    assert statuses(zuora_client, 2) == [200, 503]


def test_probability_zero_never_fires_and_one_always_does(zuora_mock, zuora_client):
    zuora_mock.add_fault(operation="getDebitMemoes", status=503, probability=0)
    zuora_mock.add_fault(operation="getDebitMemoItems", status=503, probability=1)

    assert statuses(zuora_client, 5) == [200] * 5
    assert statuses(zuora_client, 5, "/debit_memo_items") == [503] * 5


def test_probability_fires_on_about_that_share(zuora_mock, zuora_client):
    zuora_mock.add_fault(operation="getDebitMemoes", status=503, probability=0.3)

    failures = statuses(zuora_client, 100).count(503)

    assert 10 <= failures <= 50


def test_for_s_is_an_outage_that_heals_by_itself(start_sandbox):
    clock = ManualClock()
    root = start_sandbox(monotonic=clock)
    rule = {"operation": "getDebitMemoes", "status": 503, "for_s": 0.5}
    requests.post(f"{root}/__mock/faults", json=rule, timeout=5).raise_for_status()
    client = ZuoraClient(f"{root}/v2", bearer())

    assert statuses(client, 2) == [503, 503]
    clock.advance(0.25)
    assert statuses(client, 1) == [503]
    clock.advance(0.25)
    assert statuses(client, 2) == [200, 200]


def test_the_rule_says_why_it_did_not_fire(zuora_mock, zuora_client):
    zuora_mock.add_fault(id="skip-two", operation="getDebitMemoes", status=503, after=2)

    zuora_client.get("/debit_memos")
    listed = requests.get(f"{zuora_mock.root}/__mock/faults", timeout=5).json()["data"]

    assert listed[0]["stats"] == {
        "matches": 1,
        "fired": 0,
        "last": "match 1 is skipped by after=2",
    }
    zuora_client.get("/debit_memo_items")
    listed = requests.get(f"{zuora_mock.root}/__mock/faults", timeout=5).json()["data"]
    assert listed[0]["stats"]["last"] == "operation is getDebitMemoItems, not getDebitMemoes"


# -- reproducibility -------------------------------------------------------------------


def run_statuses(start_sandbox, seed: int, rules: list[str], count: int = 40) -> list[int]:
    root = start_sandbox(seed=seed, faults=tuple(rules))
    return [
        requests.get(
            f"{root}/v2/debit_memos", params={"page_size": 1}, headers=bearer(), timeout=5
        ).status_code
        for _ in range(count)
    ]


def test_two_runs_with_one_seed_fire_the_same_faults(start_sandbox):
    rules = ["operation=getDebitMemoes,status=503,probability=0.5"]

    first = run_statuses(start_sandbox, 7, rules)
    second = run_statuses(start_sandbox, 7, rules)

    assert first == second
    assert 503 in first
    assert 200 in first


def test_another_seed_fires_other_faults(start_sandbox):
    rules = ["operation=getDebitMemoes,status=503,probability=0.5"]

    assert run_statuses(start_sandbox, 7, rules) != run_statuses(start_sandbox, 8, rules)


def test_adding_a_rule_does_not_shift_another_rules_draws(zuora_mock, zuora_client):
    rule = {"id": "flaky", "operation": "getDebitMemoes", "latency_ms": 1, "probability": 0.5}
    zuora_mock.add_fault(**rule)
    alone = fired(zuora_client, "flaky", 30)

    zuora_mock.reset()
    zuora_mock.add_fault(id="other", path="/v2/**", latency_ms=1, probability=0.5)
    zuora_mock.add_fault(**rule)
    beside_another = fired(zuora_client, "flaky", 30)

    assert alone == beside_another
    assert True in alone
    assert False in alone


def test_a_rule_added_again_after_a_reset_replays_the_same_draws(zuora_mock, zuora_client):
    zuora_mock.add_fault(operation="getDebitMemoes", latency_ms=1, probability=0.5)
    first = fired(zuora_client, "rule-1", 30)

    zuora_mock.reset()
    zuora_mock.add_fault(operation="getDebitMemoes", latency_ms=1, probability=0.5)

    assert fired(zuora_client, "rule-1", 30) == first


def test_latency_draws_are_reproducible(start_sandbox):
    def latencies(root: str) -> list[float]:
        for _ in range(8):
            requests.get(f"{root}/v2/debit_memos", headers=bearer(), timeout=5)
        journal = requests.get(f"{root}/__mock/requests", timeout=5).json()["data"]
        return [entry["latency_ms"] for entry in journal]

    rules = ("operation=getDebitMemoes,latency_ms=1..30",)
    first = latencies(start_sandbox(seed=3, faults=rules))
    second = latencies(start_sandbox(seed=3, faults=rules))

    assert first == second
    assert len(set(first)) == 8
