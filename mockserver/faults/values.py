"""Parsers for the values of fault rule keys: ``(key, value) -> parsed``.

Shared by the rule vocabulary (``rules.py``) and the options each action
declares (``actions.py``); every refusal is a ``RuleError`` naming the key.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from typing import Any

Parser = Callable[[str, Any], Any]
MAX_WHOLE = 2**31  # (sandbox rule) counts, seconds and rates; latencies stop at a day


class RuleError(ValueError):
    """A rule that can't be used; ``key`` is the offending key."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


def text(key: str, value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RuleError(key, f"'{key}' must be a non-empty string")
    return value.strip()


def number(key: str, value) -> float:
    if isinstance(value, bool):
        raise RuleError(key, f"'{key}' must be a number")
    try:
        parsed = float(value)
    except OverflowError:
        raise RuleError(key, f"'{key}' must be a finite number") from None
    except (TypeError, ValueError):
        raise RuleError(key, f"'{key}' must be a number, not {shown(value)}") from None
    if not math.isfinite(parsed):
        raise RuleError(key, f"'{key}' must be a finite number")
    return parsed


def whole(key: str, value, minimum: int) -> int:
    parsed = number(key, value)
    if not parsed.is_integer():
        raise RuleError(key, f"'{key}' must be a whole number, not {shown(value)}")
    if parsed < minimum:
        raise RuleError(key, f"'{key}' must be at least {minimum}, not {shown(value)}")
    if parsed > MAX_WHOLE:
        raise RuleError(key, f"'{key}' must be at most {MAX_WHOLE}, not {shown(value)}")
    return int(parsed)


def choice(choices: Collection[str]) -> Parser:
    def parse(key: str, value) -> str:
        parsed = text(key, value)
        if parsed not in choices:
            known = ", ".join(sorted(choices))
            raise RuleError(key, f"'{parsed}' is not a known {key}; one of: {known}")
        return parsed

    return parse


def at_least(minimum: int) -> Parser:
    return lambda key, value: whole(key, value, minimum)


def positive(key: str, value, maximum: float = MAX_WHOLE) -> float:
    parsed = number(key, value)
    if parsed <= 0:
        raise RuleError(key, f"'{key}' must be more than 0, not {shown(value)}")
    if parsed > maximum:
        raise RuleError(key, f"'{key}' must be at most {maximum}, not {shown(value)}")
    return parsed


def seconds(key: str, value) -> int:
    """A whole number of seconds, 0 or more."""
    return whole(key, value, 0)


def error_status(key: str, value) -> int:
    status = whole(key, value, 400)
    if status > 599:
        raise RuleError(key, f"'{key}' must be an error status, 400 to 599, not {shown(value)}")
    return status


def shown(value) -> str:
    """A value for a message, cut short: a rule can be as long as a header."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
