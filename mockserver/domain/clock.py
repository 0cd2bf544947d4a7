"""The sandbox's "now": the real clock, or an instant set through the control plane."""

from __future__ import annotations

from datetime import UTC, date, datetime


class Clock:
    """Real UTC time to the second, unless frozen at an instant by ``set``.

    A set clock stands still (sandbox rule): every record made while it is set
    carries that instant, so tests can assert on it.
    """

    def __init__(self) -> None:
        self._fixed: datetime | None = None

    def now(self) -> datetime:
        fixed = self._fixed
        if fixed is not None:
            return fixed
        return datetime.now(UTC).replace(microsecond=0)

    def today(self) -> date:
        return self.now().date()

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        self._fixed = when.astimezone(UTC).replace(microsecond=0)

    def reset(self) -> None:
        self._fixed = None
