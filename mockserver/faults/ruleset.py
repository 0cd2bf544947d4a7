"""One tenant's fault rules, each armed with its counters and random streams,
and the plan they make for a request.

Each rule draws from two streams of its own, seeded from the server seed and
the rule's identity (its id if given, else its content): one decides whether
it fires, one draws its latency. Adding a rule never shifts another's draws,
and a rule added again after a reset replays the same draws.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from random import Random

from mockserver.faults.actions import SlowBody, Timeout
from mockserver.faults.matching import RequestView
from mockserver.faults.rules import Rule, RuleParser
from mockserver.faults.schedule import Trigger
from mockserver.faults.values import RuleError

HEADER_RULES_KEPT = 256
HEADER_RULE_ID = "header"


class DuplicateRule(RuleError):
    def __init__(self, rule_id: str):
        super().__init__("id", f"a fault rule with id '{rule_id}' exists already")


@dataclass(frozen=True, slots=True)
class Firing:
    rule: Rule
    latency_s: float


class ArmedRule:
    """A rule with its schedule in motion."""

    def __init__(self, rule: Rule, source: str, seed: int, clock: Callable[[], float]):
        self.rule = rule
        self.source = source
        self._trigger = Trigger(rule.schedule, Random(f"{seed}/{rule.identity}/fire"), clock)
        self._latency_stream = Random(f"{seed}/{rule.identity}/latency")
        self._lock = threading.Lock()
        self.last: str | None = None  # why the latest request did or didn't fire it

    def consider(self, request: RequestView) -> Firing | None:
        matched, reason = self.rule.match.check(request)
        if not matched:
            self.last = reason
            return None
        with self._lock:
            fired, self.last = self._trigger.decide()
            if not fired:
                return None
            latency = self.rule.latency
            return Firing(self.rule, latency.draw(self._latency_stream) if latency else 0.0)

    def to_wire(self) -> dict:
        return {
            **self.rule.spec,
            "source": self.source,
            "stats": {
                "matches": self._trigger.matches,
                "fired": self._trigger.fired,
                "last": self.last,
            },
        }


@dataclass
class Plan:
    """What the rules that fired for one request do to it."""

    firings: list[Firing]
    answer: Rule | None = None  # the first fired rule that answers in place of the app
    delivery: SlowBody | None = None  # the first fired slow_body that only slows the answer
    latency_before_s: float = 0.0
    latency_after_s: float = 0.0
    ids: str = field(init=False)

    def __post_init__(self):
        self.ids = ",".join(firing.rule.id for firing in self.firings)
        for firing in self.firings:
            rule = firing.rule
            if rule.stage == "after":
                self.latency_after_s += firing.latency_s
            else:
                self.latency_before_s += firing.latency_s
            if rule.replaces and self.answer is None:
                self.answer = rule
            elif isinstance(rule.action, SlowBody) and self.delivery is None:
                self.delivery = rule.action

    @property
    def latency_ms(self) -> float:
        return (self.latency_before_s + self.latency_after_s) * 1000

    @property
    def holds(self) -> bool:
        """Whether it keeps a worker waiting: injected latency, a timeout, a trickle."""
        return (
            self.latency_before_s + self.latency_after_s > 0
            or self.delivery is not None
            or (self.answer is not None and isinstance(self.answer.action, (Timeout, SlowBody)))
        )

    @property
    def runs_app(self) -> bool:
        return self.answer is None or self.answer.stage == "after"


class FaultRules:
    """A tenant's rules: those given at start-up, those added at run time, and
    those that ``X-Mock-Fault`` headers brought (one per distinct header text,
    so a header's ``times`` or ``probability`` plays out over the requests
    that carry it). ``clock`` (monotonic seconds) times the ``for_s`` windows."""

    def __init__(
        self,
        seed: int,
        parser: RuleParser,
        startup: Iterable[tuple[Rule, str]] = (),
        clock: Callable[[], float] = time.monotonic,
    ):
        self._seed = seed
        self._clock = clock
        self._parser = parser
        self._startup = tuple(startup)
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Start-up rules only, their counters and streams restarted."""
        with self._lock:
            self._armed: tuple[ArmedRule, ...] = tuple(
                ArmedRule(rule, source, self._seed, self._clock) for rule, source in self._startup
            )
            self._header_rules: OrderedDict[str, ArmedRule] = OrderedDict()
            self._next_number = 1

    def add(self, spec: str | Mapping) -> ArmedRule:
        with self._lock:
            taken = {armed.rule.id for armed in self._armed}
            while f"rule-{self._next_number}" in taken:
                self._next_number += 1
            rule = self._parser.parse(spec, default_id=f"rule-{self._next_number}")
            if rule.id in taken:
                raise DuplicateRule(rule.id)
            if rule.id == f"rule-{self._next_number}":
                self._next_number += 1
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
            self._header_rules.clear()

    def __iter__(self):
        return iter(self._armed)

    def __bool__(self) -> bool:
        return bool(self._armed)

    def plan(self, request: RequestView, header_spec: str | None = None) -> Plan | None:
        """The plan for ``request``, or None when no rule fires."""
        candidates = self._armed
        if header_spec is not None:
            candidates = (self._header_rule(header_spec), *candidates)
        firings = [firing for armed in candidates if (firing := armed.consider(request))]
        return Plan(firings) if firings else None

    def _header_rule(self, text: str) -> ArmedRule:
        with self._lock:
            armed = self._header_rules.get(text)
            if armed is not None:
                self._header_rules.move_to_end(text)
                return armed
        rule = self._parser.parse(text, HEADER_RULE_ID)
        armed = ArmedRule(rule, "header", self._seed, self._clock)
        with self._lock:
            armed = self._header_rules.setdefault(text, armed)
            while len(self._header_rules) > HEADER_RULES_KEPT:
                self._header_rules.popitem(last=False)
        return armed
