"""The fault rule vocabulary is derived from the actions' registry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pytest

from mockserver.faults import KEYS, RuleError, RuleParser
from mockserver.faults.actions import ACTIONS, OPTION_PARSERS, Status, option_parsers
from mockserver.faults.values import error_status, positive, seconds

PARSER = RuleParser({"createDebitMemo"})


def test_the_registry_holds_the_named_actions():
    assert set(ACTIONS) == {"timeout", "reset", "empty", "malformed", "slow_body"}
    assert all(cls.name == name for name, cls in ACTIONS.items())


def test_every_option_an_action_declares_is_a_rule_key_once():
    declared = {key for cls in (Status, *ACTIONS.values()) for key in cls.options}
    assert declared == {"status", "retry_after", "bytes_per_s"}
    assert declared <= set(KEYS)
    assert len(KEYS) == len(set(KEYS))


def test_the_option_keys_come_from_the_registry_in_order():
    assert list(OPTION_PARSERS) == ["status", "retry_after", "bytes_per_s"]
    assert {
        "status": error_status,
        "retry_after": seconds,
        "bytes_per_s": positive,
    } == OPTION_PARSERS


def test_a_new_action_adds_its_options_to_the_vocabulary():
    @dataclass(frozen=True)
    class Garble:
        name: ClassVar[str] = "garble"
        options: ClassVar[dict] = {"status": error_status, "garble_rate": positive}
        replaces: ClassVar[bool] = True

    assert list(option_parsers((Status, Garble))) == ["status", "retry_after", "garble_rate"]


def test_two_actions_may_not_parse_one_key_differently():
    class Loose:
        name = "loose"
        options: ClassVar[dict] = {"status": positive}

    with pytest.raises(TypeError, match="status"):
        option_parsers((Status, Loose))


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        ("action=slow_body,bytes_per_s=0", "bytes_per_s", "more than 0"),
        ("action=malformed,status=600", "status", "400 to 599"),
        ("status=503,retry_after=-1", "retry_after", "at least 0"),
        ("action=timeout,status=503", "status", "does not go with action=timeout"),
        ("action=malformed,bytes_per_s=10", "bytes_per_s", "does not go with action=malformed"),
        ("action=explode", "action", "one of: empty, malformed, reset, slow_body, timeout"),
    ],
)
def test_options_are_parsed_by_the_action_that_declares_them(text, key, message):
    with pytest.raises(RuleError, match=message) as caught:
        PARSER.parse(text, default_id="r")
    assert caught.value.key == key


def test_a_declared_option_reaches_the_action():
    rule = PARSER.parse("action=slow_body,bytes_per_s=50,status=503,retry_after=4", "r")
    assert (rule.action.bytes_per_s, rule.action.status, rule.action.retry_after) == (50, 503, 4)
    assert list(rule.spec) == ["id", "action", "status", "retry_after", "bytes_per_s"]
