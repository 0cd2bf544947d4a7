"""Delivery faults: rules that break callouts on purpose, reproducibly.

The request faults' vocabulary where it applies (``id``, ``stage``,
``probability``, ``times``, ``after``, ``every``, ``for_s``: parsed by the
same parsers, scheduled by the same ``decide``), matching ``event`` and
``url`` (a glob, as ``path`` is for requests), with the actions ``duplicate``
(sent twice, same notification id), ``reorder`` (sent after the next one),
``drop`` (never sent), ``fail`` (counted as a refused connection, then
retried; with ``stage=after`` sent first and its 200 ignored) and a
``delay_ms`` (``300`` or ``100..400``) that adds to any of them. A rule is
considered once per attempt; its draws come from streams seeded by the server
seed and the rule's identity, so the same seed and the same events give the
same faults.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from mockserver.callouts.outbox import Notification
from mockserver.faults import RuleError, compile_glob, parse_text
from mockserver.faults.latency import Latency
from mockserver.faults.rules import MAX_GLOB_LENGTH, PARSERS, SCHEDULE_KEYS
from mockserver.faults.ruleset import draw, new_rule
from mockserver.faults.schedule import Schedule, Tally, decide
from mockserver.faults.values import choice, text

ACTIONS = ("duplicate", "reorder", "drop", "fail")
KEYS = ("id", "event", "url", "action", "delay_ms", "stage", *SCHEDULE_KEYS)


def _url(key: str, value) -> str:
    parsed = text(key, value)
    if len(parsed) > MAX_GLOB_LENGTH:
        raise RuleError(key, f"'{key}' must be at most {MAX_GLOB_LENGTH} characters")
    return parsed


VALUE_PARSERS = {
    **{key: PARSERS[key] for key in ("id", "stage", *SCHEDULE_KEYS)},
    "event": text,
    "url": _url,
    "action": choice(ACTIONS),
    "delay_ms": PARSERS["latency_ms"],
}


@dataclass(frozen=True)
class CalloutRule:
    id: str
    spec: dict  # normalized, id included
    event: str | None
    url: str | None
    action: str | None
    delay: Latency | None
    stage: str
    schedule: Schedule
    identity: str  # seeds the rule's streams: its id if given, else its content

    def check(self, notification: Notification) -> tuple[bool, str]:
        if self.event is not None and notification.event != self.event:
            return False, f"event is {notification.event}, not {self.event}"
        url = notification.definition.callout.url
        if self.url is not None and not compile_glob(self.url).match(url):
            return False, f"url {url} is not {self.url}"
        return True, "matched"


def parse_rule(spec: str | Mapping, default_id: str | None = None) -> CalloutRule:
    raw = parse_text(spec) if isinstance(spec, str) else _mapping(spec)
    for key in raw:
        if key not in KEYS:
            raise RuleError(key, f"'{key}' is not a delivery fault key; known: {', '.join(KEYS)}")
    values = {key: VALUE_PARSERS[key](key, raw[key]) for key in KEYS if key in raw}
    if "action" not in values and "delay_ms" not in values:
        raise RuleError("action", "the rule does nothing: give action or delay_ms")
    if "stage" in values and values.get("action") != "fail":
        raise RuleError("stage", "'stage' goes with action=fail")
    spec_out = {
        key: values[key].describe() if key == "delay_ms" else values[key]
        for key in KEYS
        if key in values
    }
    content = json.dumps({k: v for k, v in spec_out.items() if k != "id"}, sort_keys=True)
    rule_id = values.get("id") or default_id
    if rule_id is None:
        raise RuleError("id", "the rule needs an id")
    return CalloutRule(
        id=rule_id,
        spec={"id": rule_id, **{k: v for k, v in spec_out.items() if k != "id"}},
        event=values.get("event"),
        url=values.get("url"),
        action=values.get("action"),
        delay=values.get("delay_ms"),
        stage=values.get("stage", "before"),
        schedule=Schedule(**{key: values[key] for key in SCHEDULE_KEYS if key in values}),
        identity=values.get("id", content),
    )


def _mapping(spec) -> dict:
    if not isinstance(spec, Mapping):
        raise RuleError("rule", "a rule is a mapping or key=value,key=value text")
    return {str(key): value for key, value in spec.items() if value is not None}


@dataclass(frozen=True)
class Plan:
    """What the rules that fired do to one attempt."""

    ids: tuple[str, ...] = ()
    actions: frozenset[str] = frozenset()  # duplicate, reorder, drop, fail (before sending)
    fail_after: bool = False  # fail,stage=after: sent, and its answer ignored
    delay_s: float = 0.0

    def __contains__(self, action: str) -> bool:
        return action in self.actions

    @property
    def fault(self) -> str | None:
        return ",".join(self.ids) or None


class ArmedRule:
    def __init__(self, rule: CalloutRule, source: str, seed: int, clock: Callable[[], float]):
        self.rule = rule
        self.source = source
        self._seed = seed
        self._clock = clock
        self._tally = Tally(clock())
        self.last: str | None = None

    def consider(self, notification: Notification) -> float | None:
        """The delay (seconds) when the rule fires for this attempt, else None."""
        matched, self.last = self.rule.check(notification)
        if not matched:
            return None
        decision = decide(self.rule.schedule, self._tally, self._clock(), self._fire_draw)
        self._tally, self.last = decision.tally, decision.reason
        if not decision.fired:
            return None
        if not self.rule.delay:
            return 0.0
        return self.rule.delay.draw(
            draw(self._seed, self.rule.identity, "delay", self._tally.fired)
        )

    def _fire_draw(self, match: int) -> float:
        return draw(self._seed, self.rule.identity, "fire", match).random()

    def to_wire(self) -> dict:
        tally = self._tally
        stats = {"matches": tally.matches, "fired": tally.fired, "last": self.last}
        return {**self.rule.spec, "source": self.source, "stats": stats}


class CalloutFaults:
    """One tenant's delivery fault rules: the start-up ones and those added at run time."""

    def __init__(
        self,
        seed: int,
        startup: Iterable[CalloutRule] = (),
        clock: Callable[[], float] = lambda: 0.0,
    ):
        self._seed = seed
        self._startup = tuple(startup)
        self._clock = clock
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._armed = tuple(
                ArmedRule(rule, "startup", self._seed, self._clock) for rule in self._startup
            )
            self._next_number = 1

    def add(self, spec: str | Mapping) -> ArmedRule:
        with self._lock:
            taken = {armed.rule.id for armed in self._armed}
            rule, self._next_number = new_rule(parse_rule, spec, taken, self._next_number)
            armed = ArmedRule(rule, "api", self._seed, self._clock)
            self._armed = (*self._armed, armed)
        return armed

    def remove(self, rule_id: str) -> bool:
        with self._lock:
            kept = tuple(armed for armed in self._armed if armed.rule.id != rule_id)
            found = len(kept) != len(self._armed)
            self._armed = kept
        return found

    def clear(self) -> None:
        with self._lock:
            self._armed = ()

    def __iter__(self):
        return iter(self._armed)

    def plan(self, notification: Notification) -> Plan:
        """What befalls this attempt of ``notification``."""
        ids, actions, delay_s, fail_after = [], set(), 0.0, False
        with self._lock:
            for armed in self._armed:
                delay = armed.consider(notification)
                if delay is None:
                    continue
                ids.append(armed.rule.id)
                delay_s += delay
                if armed.rule.action == "fail" and armed.rule.stage == "after":
                    fail_after = True
                elif armed.rule.action is not None:
                    actions.add(armed.rule.action)
        return Plan(tuple(ids), frozenset(actions), fail_after, delay_s)
