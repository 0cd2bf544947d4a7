"""Every number is bounded before arithmetic: out of range is a 4xx naming the
parameter (or the fault rule's key), never an overflow's 500."""

from __future__ import annotations

import base64
from random import Random

import pytest
import requests
from conftest import memo_body
from hostile import ANSWER_CEILING_S, assert_refused, store_unchanged

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


# -- filters, cursors and dates -------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value", "parameter"),
    [
        ("/debit_memos", "filter[]=total.GT:1e999999", "filter[]"),
        ("/debit_memos", "filter[]=total.LT:-1E+1000000000", "filter[]"),
        ("/debit_memos", "filter[]=remaining_balance.EQ:1e-999999999", "filter[]"),
        ("/debit_memos", "filter[]=total.IN:[1,1e999999]", "filter[]"),
        ("/debit_memos", "filter[]=total.GE:" + "9" * 5000, "filter[]"),
        ("/debit_memo_items", "filter[]=amount.GT:1e999999", "filter[]"),
        ("/debit_memo_items", "filter[]=quantity.LT:1e-999999", "filter[]"),
        ("/debit_memo_items", "filter[]=unit_amount.EQ:NaN", "filter[]"),
    ],
)
def test_a_filter_number_out_of_range_is_a_400(zuora_client, path, value, parameter):
    response = zuora_client.get(f"{path}?{value}", timeout=ANSWER_CEILING_S)

    envelope = assert_refused(response, parameter)
    assert len(envelope["errors"][0]["message"]) < 300


@pytest.mark.parametrize(
    "raw_value",
    ["1e999999", "-1e999999999", "1" + "0" * 400, "1e-999999999"],
)
def test_a_cursor_holding_a_number_out_of_range_is_a_400(zuora_client, raw_value):
    total = '{"orderBy": {"field": "total", "order": "DESC"}, "value": ' + raw_value + "}"
    rows = f'[{total}, {{"orderBy": {{"field": "id", "order": "DESC"}}, "value": "x"}}]'
    cursor = base64.b64encode(rows.encode()).decode()

    response = zuora_client.get("/debit_memos", params={"sort[]": "total.desc", "cursor": cursor})

    assert_refused(response, "cursor")


def test_a_document_date_too_late_for_the_payment_terms_is_a_400(zuora_client, zuora_mock):
    with store_unchanged(zuora_mock):
        response = zuora_client.post("/debit_memos", json=memo_body(document_date="9999-12-20"))

    envelope = assert_refused(response, "document_date")
    assert "due_date" in envelope["errors"][0]["message"]


def test_a_late_document_date_with_its_due_date_is_fine(zuora_client):
    response = zuora_client.post(
        "/debit_memos", json=memo_body(document_date="9999-12-20", due_date="9999-12-31")
    )

    assert response.status_code == 201, response.text
    assert response.json()["due_date"] == "9999-12-31"


@pytest.mark.parametrize(
    "now", ["9999-12-31T23:59:59Z", "9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+01:00"]
)
def test_a_clock_at_the_edge_of_the_calendar_is_a_400(zuora_mock, now):
    response = requests.put(f"{zuora_mock.root}/__mock/clock", json={"now": now}, timeout=10)

    assert_refused(response, "now")


def test_a_datetime_filter_at_the_edge_of_the_calendar_is_answered(zuora_client):
    for value in ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"):
        response = zuora_client.get("/debit_memos", params={"filter[]": f"updated_time.LT:{value}"})
        assert response.status_code in (200, 400), response.text


def test_a_snapshot_number_out_of_range_is_a_400(zuora_mock):
    state = zuora_mock.state
    state["debit_memos"][0]["total"] = 10**30
    with store_unchanged(zuora_mock):
        response = requests.put(f"{zuora_mock.root}/__mock/state", json=state, timeout=30)

    assert_refused(response, "debit_memos[0].total")
