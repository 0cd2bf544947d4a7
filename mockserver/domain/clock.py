"""The sandbox's "now": the real clock, or an instant set through the control plane."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo


class Clock:
    """Real time to the second, unless frozen at an instant by ``set``.

    ``now`` is an instant (kept in UTC); ``today`` and the offsets of the
    timestamps a face writes follow the tenant's time ``zone``.
    A set clock stands still (sandbox rule): every record made while it is set
    carries that instant, so tests can assert on it.
    """

    def __init__(self, zone: tzinfo = UTC) -> None:
        self.zone = zone
        self._fixed: datetime | None = None

    def now(self) -> datetime:
        fixed = self._fixed
        if fixed is not None:
            return fixed
        return datetime.now(UTC).replace(microsecond=0)

    @property
    def frozen(self) -> bool:
        return self._fixed is not None

    def today(self) -> date:
        """The tenant's date: in its time zone, not UTC's."""
        fixed = self._fixed
        if fixed is None:
            return datetime.now(self.zone).date()
        return self.day_of(fixed)

    def day_of(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        self._fixed = when.astimezone(UTC).replace(microsecond=0)

    def reset(self) -> None:
        self._fixed = None
