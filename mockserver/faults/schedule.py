"""When a matching rule fires: ``probability``, ``times``, ``after``, ``every``, ``for_s``.

A rule's ``Tally`` is its schedule in motion: its match and fire counts and
the moment it was added. ``decide`` counts one match and says whether the
rule fires for it. The n-th match of a rule draws the n-th number of the
rule's stream (``draw(n)``), whether or not the other keys let it fire, so
the same seed and the same request sequence fire the same faults, however
many processes count the matches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Schedule:
    probability: float | None = None
    times: int | None = None
    after: int = 0
    every: int | None = None
    for_s: float | None = None


@dataclass(frozen=True, slots=True)
class Tally:
    started: float  # when the rule was added, in the clock's seconds
    matches: int = 0
    fired: int = 0


@dataclass(frozen=True, slots=True)
class Decision:
    tally: Tally  # the tally with this match counted
    fired: bool
    reason: str


def decide(schedule: Schedule, tally: Tally, now: float, draw: Callable[[int], float]) -> Decision:
    """Count one matching request at ``now`` and say whether the rule fires for it, and why."""
    match = tally.matches + 1
    counted = Tally(tally.started, match, tally.fired)
    number = draw(match) if schedule.probability is not None else None
    if schedule.for_s is not None and now - tally.started >= schedule.for_s:
        return Decision(counted, False, f"for_s={schedule.for_s:g} is over")
    if match <= schedule.after:
        return Decision(counted, False, f"match {match} is skipped by after={schedule.after}")
    if schedule.every is not None and (match - schedule.after) % schedule.every:
        return Decision(counted, False, f"match {match} is not an every={schedule.every} match")
    if schedule.times is not None and tally.fired >= schedule.times:
        return Decision(counted, False, f"fired times={schedule.times} already")
    if number is not None and number >= schedule.probability:
        return Decision(
            counted, False, f"drew {number:.4f}, not under probability={schedule.probability:g}"
        )
    return Decision(Tally(tally.started, match, tally.fired + 1), True, "fired")
