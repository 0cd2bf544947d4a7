"""Callout time: when notifications are due, on a clock of their own.

``real`` (the CLI's default): the callout clock is the monotonic clock, so a
retry waits Zuora's 30 minutes. ``scaled:F``: the callout clock runs 1/F times
as fast (``scaled:0.001`` makes the 30 minutes 1.8 seconds). ``manual`` (the
pytest plugin's default): the clock stands still and nothing is sent until a
flush, which moves the clock forward to each due notification in turn. Every
callout duration (retry interval, ``delay_ms``, ``for_s``) is in callout
seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_FACTOR = 1000.0


@dataclass(frozen=True)
class CalloutTime:
    mode: str = "real"  # real | manual | scaled
    factor: float = 1.0  # real seconds per callout second

    @classmethod
    def parse(cls, text: str) -> CalloutTime:
        """``real``, ``manual`` or ``scaled:F``; a ``ValueError`` says what is wrong."""
        value = str(text).strip()
        if value in ("real", "manual"):
            return cls(value)
        name, colon, factor = value.partition(":")
        if name != "scaled" or not colon:
            raise ValueError(f"callout time is real, manual or scaled:F, not {value!r}")
        try:
            parsed = float(factor)
        except ValueError:
            raise ValueError(f"scaled:F needs a number F, not {factor!r}") from None
        if not 0 < parsed <= MAX_FACTOR:
            raise ValueError(f"scaled:F needs 0 < F <= {MAX_FACTOR:g}, not {factor}")
        return cls("scaled", parsed)

    @property
    def manual(self) -> bool:
        return self.mode == "manual"

    def describe(self) -> str:
        return f"scaled:{self.factor:g}" if self.mode == "scaled" else self.mode

    def clock(self, monotonic: Callable[[], float] = time.monotonic) -> CalloutClock:
        return CalloutClock(self, monotonic)


class CalloutClock:
    """One tenant's callout clock (see the module's docstring)."""

    def __init__(self, time_mode: CalloutTime, monotonic: Callable[[], float] = time.monotonic):
        self.time = time_mode
        self._monotonic = monotonic
        self._virtual = 0.0

    def now(self) -> float:
        if self.time.manual:
            return self._virtual
        return self._monotonic() / self.time.factor

    def real_seconds(self, callout_seconds: float) -> float:
        """How long a wait on the callout clock takes in real time."""
        return max(0.0, callout_seconds) * self.time.factor

    def advance_to(self, when: float) -> None:
        """Move a manual clock forward (never back); a running clock ignores it."""
        if self.time.manual and when > self._virtual:
            self._virtual = when

    def reset(self) -> None:
        self._virtual = 0.0
