"""Delivery fault rules and callout time, parsed and decided without a server."""

from __future__ import annotations

import pytest

from mockserver.callouts import (
    Callout,
    CalloutFaults,
    CalloutTime,
    Notification,
    NotificationDefinition,
    parse_rule,
)
from mockserver.faults import RuleError


def notification(event: str = "DebitMemoPosted", url: str = "http://127.0.0.1:9/hook"):
    definition = NotificationDefinition("d1", "hook", Callout(url), event_category=2820)
    return Notification("n1", 1, event, "DebitMemo", "m1", definition, record={})


def test_a_rule_in_text_and_as_a_mapping_is_one_rule():
    text = parse_rule("event=DebitMemoPosted,action=fail,stage=after,times=2", "rule-1")
    mapping = parse_rule(
        {"event": "DebitMemoPosted", "action": "fail", "stage": "after", "times": 2}, "rule-1"
    )
    assert text == mapping
    assert text.spec == {
        "id": "rule-1", "event": "DebitMemoPosted", "action": "fail", "stage": "after", "times": 2,
    }  # fmt: skip


def test_delay_ms_takes_a_range_like_latency_ms():
    rule = parse_rule("delay_ms=100..400", "r")
    assert rule.spec["delay_ms"] == "100..400"


@pytest.mark.parametrize(
    ("spec", "key"),
    [
        ("action=explode", "action"),
        ("event=DebitMemoPosted", "action"),
        ("action=drop,stage=after", "stage"),
        ("action=drop,operation=createDebitMemo", "operation"),
        ("action=drop,times=0", "times"),
        ("action=drop,id=has space", "id"),
        ("delay_ms=-5", "delay_ms"),
        ("action", "action"),
    ],
)
def test_a_bad_rule_names_its_key(spec, key):
    with pytest.raises(RuleError) as raised:
        parse_rule(spec, "r")
    assert raised.value.key == key


def test_a_plan_combines_the_rules_that_fired():
    faults = CalloutFaults(42)
    faults.add("action=duplicate,id=twice")
    faults.add("action=fail,stage=after,id=lost-answer")
    faults.add("delay_ms=1500,id=slow")
    faults.add("url=http://elsewhere/**,action=drop,id=elsewhere")
    plan = faults.plan(notification())
    assert plan.ids == ("twice", "lost-answer", "slow")
    assert plan.actions == {"duplicate"} and plan.fail_after
    assert plan.delay_s == 1.5 and plan.fault == "twice,lost-answer,slow"


def test_the_same_seed_draws_the_same_schedule():
    def draws(seed: int) -> list[tuple]:
        faults = CalloutFaults(seed)
        faults.add("action=drop,probability=0.5")
        return [faults.plan(notification()).ids for _ in range(20)]

    assert draws(1) == draws(1) != draws(2)


def test_a_reset_restarts_the_schedule_and_keeps_startup_rules():
    faults = CalloutFaults(3, [parse_rule("action=drop,times=1", "startup-1")])
    faults.add("action=duplicate")
    assert faults.plan(notification()).ids == ("startup-1", "rule-1")
    faults.reset()
    assert [armed.rule.id for armed in faults] == ["startup-1"]
    assert faults.plan(notification()).ids == ("startup-1",)


@pytest.mark.parametrize(
    ("text", "mode", "factor"),
    [("real", "real", 1.0), ("manual", "manual", 1.0), ("scaled:0.001", "scaled", 0.001)],
)
def test_callout_time_values(text, mode, factor):
    parsed = CalloutTime.parse(text)
    assert (parsed.mode, parsed.factor, parsed.describe()) == (mode, factor, text)


def test_a_scaled_clock_runs_faster_and_a_manual_one_only_when_moved():
    seconds = [10.0]
    scaled = CalloutTime.parse("scaled:0.5").clock(lambda: seconds[0])
    assert scaled.now() == 20.0 and scaled.real_seconds(1800) == 900
    manual = CalloutTime("manual").clock(lambda: seconds[0])
    manual.advance_to(1800)
    manual.advance_to(60)
    assert manual.now() == 1800
    manual.reset()
    assert manual.now() == 0
