"""Zuora's limits the sandbox emulates (CONTRACT.md section 8): requests a
minute and requests in flight per tenant, and the gateway timeout."""

from __future__ import annotations

import threading
import time

import pytest
import requests
from conftest import ManualClock, bearer, memo_body

from mockserver.tenancy.limits import ConcurrencyLimiter


def get(root: str, token: str = "test-token", **headers) -> requests.Response:
    return requests.get(
        f"{root}/v2/debit_memos",
        params={"page_size": 1},
        headers={**bearer(token), **headers},
        timeout=10,
    )


# -- requests a minute ---------------------------------------------------------------


def test_without_a_rate_limit_nothing_is_refused(start_sandbox):
    root = start_sandbox()

    responses = [get(root) for _ in range(30)]

    assert {response.status_code for response in responses} == {200}
    assert responses[-1].headers["ratelimit-limit"] == "2500, 2500;w=60"


def test_the_rate_limit_counts_down_in_zuoras_headers(start_sandbox):
    root = start_sandbox(rate_limit=3)

    responses = [get(root) for _ in range(3)]

    assert [r.headers["ratelimit-remaining"] for r in responses] == ["2", "1", "0"]
    assert {r.headers["ratelimit-limit"] for r in responses} == {"3, 3;w=60"}
    assert all(1 <= int(r.headers["ratelimit-reset"]) <= 60 for r in responses)


def test_over_the_rate_limit_is_a_429_with_retry_after(start_sandbox):
    root = start_sandbox(rate_limit=2)
    get(root)
    get(root)

    refused = get(root)

    assert refused.status_code == 429
    assert refused.headers["ratelimit-remaining"] == "0"
    assert refused.headers["Retry-After"] == refused.headers["ratelimit-reset"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    body = refused.json()
    assert body["type"] == "too_many_requests"
    assert body["errors"][0]["code"] == "rate_limit_exceeded"
    assert body["retryable"] is True


def test_the_rate_limit_is_per_tenant(start_sandbox):
    root = start_sandbox(rate_limit=1, tenants="per-token")
    get(root, "alice")

    assert get(root, "alice").status_code == 429
    assert get(root, "bob").status_code == 200


def test_reset_starts_a_fresh_window(start_sandbox):
    root = start_sandbox(rate_limit=1)
    get(root)
    assert get(root).status_code == 429

    requests.post(f"{root}/__mock/reset", timeout=5)

    assert get(root).status_code == 200


def test_the_next_minute_is_a_fresh_window(start_sandbox):
    clock = ManualClock(start=600.0)
    root = start_sandbox(rate_limit=1, monotonic=clock)
    assert get(root).headers["ratelimit-reset"] == "60"
    clock.advance(59.5)
    refused = get(root)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"

    clock.advance(0.5)

    assert get(root).status_code == 200


def test_the_control_plane_is_not_rate_limited(start_sandbox):
    root = start_sandbox(rate_limit=1)
    get(root)

    assert requests.get(f"{root}/__mock/health", timeout=5).status_code == 200


# -- requests in flight --------------------------------------------------------------------


def test_over_the_concurrency_limit_is_a_429(start_sandbox):
    root = start_sandbox(concurrency_limit=1)
    slow = threading.Thread(target=get, args=(root,), kwargs={"X-Mock-Fault": "latency_ms=500"})
    slow.start()
    time.sleep(0.2)

    refused = get(root)
    slow.join()
    after = get(root)

    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"
    assert refused.json()["errors"][0]["code"] == "rate_limit_exceeded"
    assert "in flight" in refused.json()["errors"][0]["message"]
    assert after.status_code == 200


def test_requests_that_end_by_a_connection_fault_leave_no_slot_taken(start_sandbox):
    root = start_sandbox(concurrency_limit=1)
    for action in ("reset", "empty"):
        with pytest.raises(requests.ConnectionError):
            get(root, **{"X-Mock-Fault": f"action={action}"})

    assert get(root).status_code == 200


def test_a_slow_body_holds_its_slot_until_it_is_sent(start_sandbox):
    root = start_sandbox(concurrency_limit=1)
    slow = threading.Thread(
        target=get, args=(root,), kwargs={"X-Mock-Fault": "action=slow_body,bytes_per_s=500"}
    )
    slow.start()
    time.sleep(0.3)

    refused = get(root)
    slow.join()

    assert refused.status_code == 429
    assert get(root).status_code == 200


@pytest.fixture
def slow_to_leave(monkeypatch):
    """Every slot given back 0.3 s late, for the answer's last byte to reach its client
    first if the slot were given back only after it was sent."""
    leave = ConcurrencyLimiter.leave

    def late_leave(self):
        time.sleep(0.3)
        leave(self)

    monkeypatch.setattr(ConcurrencyLimiter, "leave", late_leave)


@pytest.mark.parametrize("body", ["whole", "slow_body"])
def test_an_answer_received_whole_has_given_its_slot_back(start_sandbox, slow_to_leave, body):
    root = start_sandbox(concurrency_limit=1)
    fault = {} if body == "whole" else {"X-Mock-Fault": "action=slow_body,bytes_per_s=100000"}

    answers = [get(root, **fault).status_code for _ in range(3)]

    assert answers == [200] * 3


def test_an_answer_received_whole_has_given_its_worker_share_back(start_sandbox, slow_to_leave):
    root = start_sandbox(threads=2)  # a share of one worker

    answers = [get(root, **{"X-Mock-Fault": "latency_ms=1"}).status_code for _ in range(3)]

    assert answers == [200] * 3


# -- the gateway timeout ----------------------------------------------------------------------


def test_latency_past_the_gateway_timeout_is_a_504(start_sandbox):
    root = start_sandbox(gateway_timeout=0.3)

    started = time.monotonic()
    response = get(root, **{"X-Mock-Fault": "latency_ms=5000"})

    assert time.monotonic() - started >= 0.3
    assert response.status_code == 504
    assert response.json() == {"type": "gateway_timeout", "errors": [], "retryable": True}
    assert response.headers["X-Mock-Fault"] == "header"


@pytest.mark.parametrize(
    ("fault", "memos_added"),
    [("latency_ms=1000", 0), ("latency_ms=1000,stage=after", 1)],
    ids=["before: nothing applied", "after: applied"],
)
def test_a_504_applies_the_operation_only_when_it_came_after_it(start_sandbox, fault, memos_added):
    root = start_sandbox(gateway_timeout=0.2)

    def memo_count() -> int:
        return len(requests.get(f"{root}/__mock/state", timeout=5).json()["debit_memos"])

    before = memo_count()
    response = requests.post(
        f"{root}/v2/debit_memos",
        json=memo_body(),
        headers={**bearer(), "X-Mock-Fault": fault},
        timeout=5,
    )

    assert response.status_code == 504
    assert memo_count() == before + memos_added


def test_handling_slower_than_the_gateway_timeout_is_a_504_without_any_fault(start_sandbox):
    root = start_sandbox(gateway_timeout=0.000001)

    response = get(root)

    assert response.status_code == 504
    assert response.json()["type"] == "gateway_timeout"
    assert "X-Mock-Fault" not in response.headers
    assert response.headers["Zuora-Request-Id"]


def test_latency_within_the_gateway_timeout_is_answered(start_sandbox):
    root = start_sandbox(gateway_timeout=2)

    assert get(root, **{"X-Mock-Fault": "latency_ms=100"}).status_code == 200


def test_gateway_timeout_zero_turns_it_off(start_sandbox):
    root = start_sandbox(gateway_timeout=0)

    with_latency = get(root, **{"X-Mock-Fault": "latency_ms=300"})

    assert with_latency.status_code == 200


# -- the profile ----------------------------------------------------------------------------------


def test_the_api_sandbox_profile_sets_zuoras_limits(start_sandbox):
    root = start_sandbox(profile="zuora-api-sandbox")

    response = get(root)
    limits = requests.get(f"{root}/__mock/config", timeout=5).json()["limits"]

    assert response.headers["ratelimit-limit"] == "2500, 2500;w=60"
    assert response.headers["ratelimit-remaining"] == "2499"
    assert limits == {"rate_limit": 2500, "concurrency_limit": 40, "gateway_timeout": 60.0}


def test_explicit_limits_win_over_the_profile(start_sandbox):
    root = start_sandbox(profile="zuora-api-sandbox", rate_limit=10)

    limits = requests.get(f"{root}/__mock/config", timeout=5).json()["limits"]

    assert get(root).headers["ratelimit-limit"] == "10, 10;w=60"
    assert limits["rate_limit"] == 10
    assert limits["concurrency_limit"] == 40
