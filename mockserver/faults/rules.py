"""The one flat vocabulary of fault rules, from a mapping (admin API, config
file) or from ``key=value,key=value`` text (``--fault``, ``X-Mock-Fault``).

Parsing is strict: an unknown key, operation or action, a value out of range,
or keys that contradict each other raise ``RuleError`` naming the key, so a
bad rule is a loud error rather than a rule that silently never fires.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from mockserver.faults.actions import ACTIONS, OPTION_PARSERS, Action, Status
from mockserver.faults.latency import MAX_LATENCY_MS, Fixed, Latency, LogNormal, Uniform
from mockserver.faults.matching import MAX_GLOB_LENGTH, Match
from mockserver.faults.schedule import Schedule
from mockserver.faults.values import RuleError, at_least, choice, number, positive, shown, text

MATCH_KEYS = ("operation", "method", "path", "header")
ACTION_KEYS = ("action", *OPTION_PARSERS)  # the options come from the actions' registry
LATENCY_KEYS = ("latency_ms", "latency_median_ms", "latency_p99_ms", "stage")
SCHEDULE_KEYS = ("probability", "times", "after", "every", "for_s")
KEYS = ("id", *MATCH_KEYS, *ACTION_KEYS, *LATENCY_KEYS, *SCHEDULE_KEYS)

STAGES = ("before", "after")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")
HEADER_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+\Z")


@dataclass(frozen=True)
class Rule:
    id: str
    spec: dict  # the rule in the vocabulary, normalized, id included
    match: Match
    action: Action | None
    latency: Latency | None
    stage: str
    schedule: Schedule
    identity: str  # what seeds the rule's random streams: its id if given, else its content

    @property
    def replaces(self) -> bool:
        """Whether the rule answers in place of the app."""
        return self.action is not None and self.action.replaces


def parse_text(text: str) -> dict[str, str]:
    """``operation=createDebitMemo,status=503`` as a mapping."""
    spec: dict[str, str] = {}
    for pair in text.split(","):
        if not pair.strip():
            continue
        key, equals, value = pair.partition("=")
        key = key.strip()
        if not equals:
            raise RuleError(key, f"'{key}' needs a value: write {key}=...")
        if key in spec:
            raise RuleError(key, f"'{key}' is given twice")
        spec[key] = value.strip()
    return spec


class RuleParser:
    """Parses rules against the operations the app serves."""

    def __init__(self, operations: Collection[str]):
        self.operations = frozenset(operations)
        self._parsers = {**PARSERS, "operation": self._operation}

    def parse(self, spec: str | Mapping, default_id: str | None = None) -> Rule:
        if isinstance(spec, str):
            raw = parse_text(spec)
        elif isinstance(spec, Mapping):
            raw = {str(key): value for key, value in spec.items() if value is not None}
        else:
            raise RuleError("rule", "a rule is a mapping or key=value,key=value text")
        for key in raw:
            if key not in KEYS:
                raise RuleError(key, f"'{key}' is not a fault rule key; known: {', '.join(KEYS)}")
        if not raw.keys() - {"id"}:
            raise RuleError("rule", "the rule is empty")
        values = {key: self._parsers[key](key, raw[key]) for key in KEYS if key in raw}
        return self._build(values, default_id)

    def _build(self, values: dict, default_id: str | None) -> Rule:
        action = _action(values)
        latency = _latency(values)
        if action is None and latency is None:
            raise RuleError("action", "the rule does nothing: give status, action or latency_ms")
        header_name, header_value = values.get("header", (None, None))
        spec = {key: _wire(key, values[key]) for key in KEYS if key in values}
        content = json.dumps({k: v for k, v in spec.items() if k != "id"}, sort_keys=True)
        rule_id = values.get("id") or default_id
        if rule_id is None:
            raise RuleError("id", "the rule needs an id")
        return Rule(
            id=rule_id,
            spec={"id": rule_id, **{k: v for k, v in spec.items() if k != "id"}},
            match=Match(
                operation=values.get("operation"),
                method=values.get("method"),
                path=values.get("path"),
                header_name=header_name,
                header_value=header_value,
            ),
            action=action,
            latency=latency,
            stage=values.get("stage", "before"),
            schedule=Schedule(
                probability=values.get("probability"),
                times=values.get("times"),
                after=values.get("after", 0),
                every=values.get("every"),
                for_s=values.get("for_s"),
            ),
            identity=values.get("id", content),
        )

    # -- one parser per key ------------------------------------------------------

    def _operation(self, key: str, value) -> str:
        name = text(key, value)
        if name not in self.operations:
            near = difflib.get_close_matches(name, sorted(self.operations), n=1)
            hint = f"; did you mean {near[0]}?" if near else ""
            raise RuleError(key, f"'{name}' is not an operation of this API{hint}")
        return name


def _action(values: dict) -> Action | None:
    name = values.get("action")
    status = values.get("status")
    cls = ACTIONS[name] if name else (Status if status is not None else None)
    for key in ("status", "retry_after", "bytes_per_s"):
        if key in values and (cls is None or key not in cls.options):
            where = f"action={name}" if name else "a rule without status"
            raise RuleError(key, f"'{key}' does not go with {where}")
    if "retry_after" in values and status not in (429, 503):
        raise RuleError("retry_after", "'retry_after' goes with status=429 or status=503")
    if cls is None:
        return None
    return cls(**{key: values[key] for key in cls.options if key in values})


def _latency(values: dict) -> Latency | None:
    median = values.get("latency_median_ms")
    p99 = values.get("latency_p99_ms")
    if "latency_ms" in values:
        if median is not None or p99 is not None:
            raise RuleError(
                "latency_ms",
                "give latency_ms, or latency_median_ms with latency_p99_ms, not both",
            )
        return values["latency_ms"]
    if median is None and p99 is None:
        return None
    if median is None or p99 is None:
        missing = "latency_median_ms" if median is None else "latency_p99_ms"
        raise RuleError(missing, "a lognormal latency needs latency_median_ms and latency_p99_ms")
    if p99 < median:
        raise RuleError("latency_p99_ms", "'latency_p99_ms' must be at least latency_median_ms")
    return LogNormal(median, p99)


def _wire(key: str, value):
    if key == "latency_ms":
        return value.describe()
    if key == "header":
        return f"{value[0]}:{value[1]}"
    return value


# -- value parsers of the keys the actions don't declare --------------------------


def _milliseconds(key: str, value) -> float:
    parsed = number(key, value)
    if parsed < 0:
        raise RuleError(key, f"'{key}' must not be negative, not {shown(value)}")
    if parsed > MAX_LATENCY_MS:
        raise RuleError(key, f"'{key}' must be at most {MAX_LATENCY_MS} (24 hours)")
    return parsed


def _lognormal_ms(key: str, value) -> float:
    return positive(key, value, MAX_LATENCY_MS)


def _fixed_or_uniform(key: str, value) -> Fixed | Uniform:
    if isinstance(value, str) and ".." in value:
        low, _, high = value.partition("..")
        bounds = [low.strip(), high.strip()]
    elif isinstance(value, (list, tuple)):
        bounds = list(value)
        if len(bounds) != 2:
            raise RuleError(key, f"'{key}' as a range needs two bounds, like 100..400")
    else:
        return Fixed(_milliseconds(key, value))
    low_ms, high_ms = (_milliseconds(key, bound) for bound in bounds)
    if high_ms < low_ms:
        raise RuleError(key, f"'{key}' range {shown(value)} ends before it starts")
    return Uniform(low_ms, high_ms)


def _probability(key: str, value) -> float:
    parsed = number(key, value)
    if not 0 <= parsed <= 1:
        raise RuleError(key, f"'{key}' must be between 0 and 1, not {shown(value)}")
    return parsed


def _method(key: str, value) -> str:
    return choice(METHODS)(key, text(key, value).upper())


def _path(key: str, value) -> str:
    parsed = text(key, value)
    if not parsed.startswith("/"):
        raise RuleError(key, f"'{key}' must start with /, like /v2/debit_memos/*/pay")
    if len(parsed) > MAX_GLOB_LENGTH:
        raise RuleError(key, f"'{key}' must be at most {MAX_GLOB_LENGTH} characters")
    return parsed


def _header(key: str, value) -> tuple[str, str]:
    name, colon, expected = text(key, value).partition(":")
    name = name.strip()
    if not colon or not HEADER_NAME.match(name):
        raise RuleError(key, f"'{key}' must be Name:value, like X-Test-Case:retry")
    return name, expected.strip()


def _id(key: str, value) -> str:
    is_number = isinstance(value, int) and not isinstance(value, bool)
    parsed = str(value) if is_number else text(key, value)
    if not ID_PATTERN.match(parsed):
        raise RuleError(key, f"'{key}' must be 1 to 64 letters, digits, '.', '_' or '-'")
    return parsed


PARSERS = {
    "id": _id,
    "method": _method,
    "path": _path,
    "header": _header,
    "action": choice(ACTIONS),
    **OPTION_PARSERS,
    "latency_ms": _fixed_or_uniform,
    "latency_median_ms": _lognormal_ms,
    "latency_p99_ms": _lognormal_ms,
    "stage": choice(STAGES),
    "probability": _probability,
    "times": at_least(1),
    "after": at_least(0),
    "every": at_least(1),
    "for_s": positive,
}
