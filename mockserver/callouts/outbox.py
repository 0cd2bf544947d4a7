"""A tenant's outbox: the notifications still to send, in event order.

A ``Notification`` is one event's callout for one definition: its id (the
``Zuora-Notification-Id`` of every attempt), the fields of the event's record
(its body is rendered from them when it is sent, off the request's thread:
records are immutable, so the body is what it would have been at the event),
and how many attempts it has had. The outbox gives back what is due
on the callout clock, earliest first and, at the same time, in event order.
(sandbox rule) It holds at most ``MAX_PENDING`` notifications; past that a
new one is refused and counted in ``overflowed``.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING

from mockserver.callouts.definitions import NotificationDefinition
from mockserver.callouts.render import render

if TYPE_CHECKING:
    from mockserver.callouts.faults import Plan

MAX_PENDING = 10_000


@dataclass(frozen=True)
class Notification:
    id: str
    sequence: int  # event order within the tenant
    event: str
    base_object: str
    object_id: str
    definition: NotificationDefinition
    record: Mapping[str, object] = field(compare=False, repr=False)  # the event's object
    due: float = 0.0  # on the callout clock (seconds)
    attempt: int = 0  # attempts made so far
    plan: Plan | None = field(default=None, compare=False)  # the faults of the next attempt
    held: bool = False  # reordered: waits for the next notification to be sent first

    @cached_property
    def body(self) -> dict:
        """The callout's parameters, rendered from the record."""
        return render(self.definition.callout.params, self.base_object, self.record)

    def retried(self, due: float) -> Notification:
        return replace(self, attempt=self.attempt + 1, due=due, plan=None, held=False)


class Outbox:
    def __init__(self, wake: Callable[[], None] = lambda: None):
        self._heap: list[tuple[float, int, Notification]] = []
        self._lock = threading.Lock()
        self._wake = wake
        self._sequence = 0
        self._held = 0  # how many in the heap wait for the next one to be sent
        self.overflowed = 0

    def __len__(self) -> int:
        return len(self._heap)

    def next_sequence(self) -> int:
        with self._lock:
            self._sequence += 1
            return self._sequence

    def put(self, notification: Notification) -> bool:
        with self._lock:
            if len(self._heap) >= MAX_PENDING:
                self.overflowed += 1
                return False
            heapq.heappush(self._heap, (notification.due, notification.sequence, notification))
            self._held += notification.held
        self._wake()
        return True

    def pop_due(self, now: float | None = None) -> Notification | None:
        """Remove and return the earliest notification, if it is due at ``now``
        (any time when ``now`` is None)."""
        with self._lock:
            if not self._heap or (now is not None and self._heap[0][0] > now):
                return None
            notification = heapq.heappop(self._heap)[2]
            self._held -= notification.held
            return notification

    def release_held(self, now: float) -> None:
        """Reordered notifications are due now: the one they waited for has gone."""
        with self._lock:
            if not self._held:
                return
            self._held = 0
            self._heap = [
                (min(due, now), seq, replace(n, due=min(due, now), held=False))
                if n.held
                else (due, seq, n)
                for due, seq, n in self._heap
            ]
            heapq.heapify(self._heap)

    def next_due(self) -> float | None:
        heap = self._heap
        return heap[0][0] if heap else None

    def pending(self) -> list[Notification]:
        with self._lock:
            return [entry[2] for entry in sorted(self._heap)]

    def clear(self) -> None:
        with self._lock:
            self._heap = []
            self._held = 0
            self.overflowed = 0
