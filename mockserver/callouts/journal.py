"""The deliveries journal: one row per HTTP request a notification made (or was
kept from making by a fault), newest last, at most ``MAX_DELIVERIES`` per tenant
(sandbox rule; the oldest go first)."""

from __future__ import annotations

import itertools
import threading
from collections import deque
from dataclasses import asdict, dataclass

MAX_DELIVERIES = 1000


@dataclass(frozen=True)
class Delivery:
    seq: int
    time: str  # when it was sent, ISO 8601 UTC
    notification_id: str
    request_id: str | None  # None when no request was sent (drop, fail)
    definition_id: str
    event: str
    object_id: str
    attempt: int  # 1 for the first attempt
    attempts: int  # how many the definition allows
    method: str
    url: str
    headers: dict
    body: dict | None
    status: int | None  # the receiver's answer; None: no answer
    error: str | None  # timeout, connection refused... or what a fault did
    ms: float
    outcome: str  # delivered | retry | failed | dropped
    fault: str | None  # the ids of the delivery fault rules that fired

    def to_wire(self) -> dict:
        return asdict(self)


class Deliveries:
    def __init__(self, size: int = MAX_DELIVERIES):
        self._rows: deque[Delivery] = deque(maxlen=size)
        self._lock = threading.Lock()
        self._seq = itertools.count(1)

    def __len__(self) -> int:
        return len(self._rows)

    def record(self, **row) -> Delivery:
        with self._lock:
            delivery = Delivery(seq=next(self._seq), **row)
            self._rows.append(delivery)
        return delivery

    def rows(
        self,
        event: str | None = None,
        notification_id: str | None = None,
        object_id: str | None = None,
        status: int | None = None,
        after: int = 0,
        limit: int | None = None,
    ) -> list[Delivery]:
        """The rows that match every filter given, oldest first (``limit``: the newest)."""
        with self._lock:
            rows = list(self._rows)
        wanted = [
            row
            for row in rows
            if row.seq > after
            and (event is None or row.event == event)
            and (notification_id is None or row.notification_id == notification_id)
            and (object_id is None or row.object_id == object_id)
            and (status is None or row.status == status)
        ]
        return wanted[-limit:] if limit else wanted

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()
            self._seq = itertools.count(1)
