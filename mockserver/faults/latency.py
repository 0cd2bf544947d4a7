"""Injected delays: fixed, uniform, or lognormal from a median and a 99th percentile.

Each draws its delay, in seconds, from the random stream it is given, so a
rule's delays are as reproducible as its other decisions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from random import Random
from statistics import NormalDist

Z_99 = NormalDist().inv_cdf(0.99)
MAX_LATENCY_MS = 24 * 3600 * 1000  # (sandbox rule) no rule delays more than a day
LOG_MAX_LATENCY = math.log(MAX_LATENCY_MS)


@dataclass(frozen=True, slots=True)
class Fixed:
    ms: float

    def draw(self, stream: Random) -> float:
        return self.ms / 1000

    def describe(self) -> float:
        return self.ms


@dataclass(frozen=True, slots=True)
class Uniform:
    low_ms: float
    high_ms: float

    def draw(self, stream: Random) -> float:
        return stream.uniform(self.low_ms, self.high_ms) / 1000

    def describe(self) -> str:
        return f"{_number(self.low_ms)}..{_number(self.high_ms)}"


@dataclass(frozen=True, slots=True)
class LogNormal:
    """A long tail: half the delays under ``median_ms``, 1% over ``p99_ms``."""

    median_ms: float
    p99_ms: float

    @property
    def sigma(self) -> float:
        return math.log(self.p99_ms / self.median_ms) / Z_99

    def draw(self, stream: Random) -> float:
        """``lognormvariate``'s draw, computed in logs so a wide tail stops at a day."""
        log_ms = stream.normalvariate(math.log(self.median_ms), self.sigma)
        return (math.exp(log_ms) if log_ms < LOG_MAX_LATENCY else MAX_LATENCY_MS) / 1000


Latency = Fixed | Uniform | LogNormal


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value
