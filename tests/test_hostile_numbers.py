"""Every number is bounded before arithmetic: out of range is a 4xx naming the
parameter (or the fault rule's key), never an overflow's 500."""

from __future__ import annotations

from random import Random

import pytest
import requests
from hostile import ANSWER_CEILING_S, assert_refused

from mockserver.faults.latency import MAX_LATENCY_MS, LogNormal

HUGE = 10**400


@pytest.mark.parametrize(
    ("rule", "key"),
    [
        ({"status": 503, "times": HUGE}, "times"),
        ({"status": 503, "times": 2**31 + 1}, "times"),
        ({"status": 503, "after": HUGE}, "after"),
        ({"status": 503, "every": 2**40}, "every"),
        ({"status": 503, "retry_after": HUGE}, "retry_after"),
        ({"status": 503, "for_s": HUGE}, "for_s"),
        ({"status": 503, "probability": 1.5}, "probability"),
        ({"status": 503, "probability": -0.1}, "probability"),
        ({"latency_ms": 1e300}, "latency_ms"),
        ({"latency_ms": 24 * 3600 * 1000 + 1}, "latency_ms"),
        ({"latency_ms": "0..1e300"}, "latency_ms"),
        ({"latency_ms": "0..1" + "0" * 400}, "latency_ms"),
        ({"latency_median_ms": 10, "latency_p99_ms": 1e300}, "latency_p99_ms"),
        ({"latency_median_ms": HUGE, "latency_p99_ms": HUGE}, "latency_median_ms"),
        ({"action": "slow_body", "bytes_per_s": HUGE}, "bytes_per_s"),
    ],
)
def test_a_rule_value_out_of_range_is_a_400_naming_the_key(zuora_mock, rule, key):
    response = requests.post(f"{zuora_mock.root}/__mock/faults", json=rule, timeout=10)

    assert_refused(response, key)
    assert requests.get(f"{zuora_mock.root}/__mock/faults", timeout=10).json() == {"data": []}


def test_a_huge_integer_in_the_header_is_a_400(zuora_client):
    response = zuora_client.get(
        "/debit_memos", headers={"X-Mock-Fault": f"status=503,times={HUGE}"}
    )

    envelope = assert_refused(response, "X-Mock-Fault")
    assert "'times'" in envelope["errors"][0]["message"]
    assert len(envelope["errors"][0]["message"]) < 200


def test_a_lognormal_latency_with_a_tiny_median_and_a_day_long_p99_draws_finite_delays():
    latency = LogNormal(1e-300, MAX_LATENCY_MS)
    stream = Random(7)
    delays = [latency.draw(stream) for _ in range(2000)]
    assert max(delays) <= MAX_LATENCY_MS / 1000
    assert min(delays) >= 0


def test_a_rule_at_the_bounds_is_accepted(zuora_mock):
    rule = {
        "latency_median_ms": 1,
        "latency_p99_ms": 24 * 3600 * 1000,
        "times": 2**31,
        "probability": 1,
        "path": "/v2/nothing/**",
    }
    response = requests.post(
        f"{zuora_mock.root}/__mock/faults", json=rule, timeout=ANSWER_CEILING_S
    )

    assert response.status_code == 201, response.text
