"""When a matching rule fires: ``probability``, ``times``, ``after``, ``every``, ``for_s``.

A ``Trigger`` is a schedule in motion: the rule's match and fire counters,
the moment it was added, and its own random stream. Every match draws one
number from the stream, whether or not the other keys let the rule fire, so
the n-th matching request always gets the n-th draw: the same seed and the
same request sequence fire the same faults.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from random import Random


@dataclass(frozen=True, slots=True)
class Schedule:
    probability: float | None = None
    times: int | None = None
    after: int = 0
    every: int | None = None
    for_s: float | None = None


class Trigger:
    def __init__(
        self, schedule: Schedule, stream: Random, clock: Callable[[], float] = time.monotonic
    ):
        self.schedule = schedule
        self._stream = stream
        self._clock = clock
        self.started = clock()
        self.matches = 0
        self.fired = 0

    def decide(self) -> tuple[bool, str]:
        """Count one matching request and say whether the rule fires for it, and why."""
        schedule = self.schedule
        self.matches += 1
        match = self.matches
        draw = self._stream.random() if schedule.probability is not None else None
        if schedule.for_s is not None and self._clock() - self.started >= schedule.for_s:
            return False, f"for_s={schedule.for_s:g} is over"
        if match <= schedule.after:
            return False, f"match {match} is skipped by after={schedule.after}"
        if schedule.every is not None and (match - schedule.after) % schedule.every:
            return False, f"match {match} is not an every={schedule.every} match"
        if schedule.times is not None and self.fired >= schedule.times:
            return False, f"fired times={schedule.times} already"
        if draw is not None and draw >= schedule.probability:
            return False, f"drew {draw:.4f}, not under probability={schedule.probability:g}"
        self.fired += 1
        return True, "fired"
