"""One tenant's fault rules, each armed with its counters and random streams,
and the plan they make for a request.

Each rule draws from two streams of its own, seeded from the server seed and
the rule's identity (its id if given, else its content): one decides whether
it fires (its n-th match draws the stream's n-th number), one draws its
latency (its n-th firing, the n-th). Adding a rule never shifts another's
draws, and a rule added again after a reset replays the same draws.

Where the counts live is a ``Counter``: in the process (``LocalCounter``), or
shared by the processes of a sandbox (``mockserver.tenancy.shared_faults``).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from random import Random
from typing import Protocol, TypeVar

from mockserver.faults.actions import SlowBody, Timeout
from mockserver.faults.matching import RequestView
from mockserver.faults.rules import Rule, RuleParser
from mockserver.faults.schedule import Decision, Tally, decide
from mockserver.faults.values import RuleError

R = TypeVar("R")  # a rule with an ``id``

HEADER_RULES_KEPT = 256
HEADER_RULE_ID = "header"


class DuplicateRule(RuleError):
    def __init__(self, rule_id: str):
        super().__init__("id", f"a fault rule with id '{rule_id}' exists already")


@dataclass(frozen=True, slots=True)
class Firing:
    rule: Rule
    latency_s: float


class Counter(Protocol):
    """Where a rule's tally lives; ``count`` applies one decision to it atomically."""

    def tally(self) -> Tally: ...

    def count(self, step: Callable[[Tally], Decision]) -> Decision: ...


class LocalCounter:
    """A tally in this process."""

    def __init__(self, started: float):
        self._tally = Tally(started)
        self._lock = threading.Lock()

    def tally(self) -> Tally:
        return self._tally

    def count(self, step: Callable[[Tally], Decision]) -> Decision:
        with self._lock:
            decision = step(self._tally)
            self._tally = decision.tally
        return decision


def draw(seed: int, identity: str, stream: str, number: int) -> Random:
    """The generator of the ``number``-th draw of one of a rule's streams."""
    return Random(f"{seed}/{identity}/{stream}/{number}")


class ArmedRule:
    """A rule with its schedule in motion."""

    def __init__(
        self, rule: Rule, source: str, seed: int, clock: Callable[[], float], counter: Counter
    ):
        self.rule = rule
        self.source = source
        self._seed = seed
        self._clock = clock
        self._counter = counter
        self.last: str | None = None  # why the latest request did or didn't fire it

    def consider(self, request: RequestView) -> Firing | None:
        matched, reason = self.rule.match.check(request)
        if not matched:
            self.last = reason
            return None
        rule = self.rule
        now = self._clock()
        decision = self._counter.count(
            lambda tally: decide(rule.schedule, tally, now, self._fire_draw)
        )
        self.last = decision.reason
        if not decision.fired:
            return None
        latency = rule.latency
        if latency is None:
            return Firing(rule, 0.0)
        stream = draw(self._seed, rule.identity, "latency", decision.tally.fired)
        return Firing(rule, latency.draw(stream))

    def _fire_draw(self, match: int) -> float:
        return draw(self._seed, self.rule.identity, "fire", match).random()

    def to_wire(self) -> dict:
        tally = self._counter.tally()
        return {
            **self.rule.spec,
            "source": self.source,
            "stats": {"matches": tally.matches, "fired": tally.fired, "last": self.last},
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


def new_rule(
    parse: Callable[..., R], spec: str | Mapping, taken: set[str], next_number: int
) -> tuple[R, int]:
    """A rule added at run time by ``parse(spec, default_id=...)`` (a request or a
    delivery fault rule), ``rule-N`` when it names no id (the next N not taken),
    and the N after it."""
    while f"rule-{next_number}" in taken:
        next_number += 1
    rule = parse(spec, default_id=f"rule-{next_number}")
    if rule.id in taken:
        raise DuplicateRule(rule.id)
    if rule.id == f"rule-{next_number}":
        next_number += 1
    return rule, next_number


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
                self.arm(rule, source) for rule, source in self._startup
            )
            self._header_rules: OrderedDict[str, ArmedRule] = OrderedDict()
            self._next_number = 1

    def arm(self, rule: Rule, source: str, counter: Counter | None = None) -> ArmedRule:
        return ArmedRule(
            rule, source, self._seed, self._clock, counter or LocalCounter(self._clock())
        )

    def add(self, spec: str | Mapping) -> ArmedRule:
        with self._lock:
            taken = {armed.rule.id for armed in self._armed}
            rule, self._next_number = new_rule(self._parser.parse, spec, taken, self._next_number)
            armed = self.arm(rule, "api")
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

    def current(self) -> tuple[ArmedRule, ...]:
        """The rules in their order (header rules aside)."""
        return self._armed

    def __iter__(self):
        return iter(self.current())

    def __bool__(self) -> bool:
        return bool(self.current())

    def plan(self, request: RequestView, header_spec: str | None = None) -> Plan | None:
        """The plan for ``request``, or None when no rule fires."""
        candidates = self.current()
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
        armed = self.arm(rule, "header")
        with self._lock:
            armed = self._header_rules.setdefault(text, armed)
            while len(self._header_rules) > HEADER_RULES_KEPT:
                self._header_rules.popitem(last=False)
        return armed
