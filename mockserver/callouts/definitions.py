"""Notification definitions: which event sends which callout, per tenant.

Both ways of registering write here: Zuora's v1 routes
(``/v1/notifications/notification-definitions``) and the sandbox's short way
(``--callout``, ``callouts:`` in the config file, ``/__mock/callouts``). A
definition names its event by ``event_category`` (a standard event: 2820 Debit
Memo Posted, 2120 Payment Processed) or by ``event_type_name`` (a custom
event's name); ``event_name`` is the name either way, the one ``dispatch``
matches. Records are immutable: an update replaces a definition by its id.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

# Zuora's standard events the sandbox sends: name -> eventCategory, and the object each is about.
STANDARD_EVENTS = {"DebitMemoPosted": 2820, "PaymentProcessed": 2120}
STANDARD_BASE_OBJECTS = {"DebitMemoPosted": "DebitMemo", "PaymentProcessed": "Payment"}
EVENT_NAMES = {category: name for name, category in STANDARD_EVENTS.items()}
DEFAULT_ATTEMPTS = 3  # Zuora's "Maximum Number of Delivery Attempts" default
MAX_ATTEMPTS = 5  # and its maximum
EMPTY = MappingProxyType({})


@dataclass(frozen=True)
class CalloutAuth:
    """Basic auth. Zuora sends the first request without ``Authorization`` and the
    credentials after a 401 that names a realm, unless ``preemptive``."""

    username: str
    password: str
    preemptive: bool = True


@dataclass(frozen=True)
class Callout:
    """The HTTP request a notification makes. ``params`` maps a body field's name to
    a merge field (``<DataSource.DebitMemo.Id>``, ``{{DataSource.DebitMemo.Id}}``,
    ``DebitMemo.Id``) or a literal text; ``attempts`` is how many times it is
    tried in all (1: no retry)."""

    url: str
    method: str = "POST"
    params: Mapping[str, str] = field(default_factory=lambda: EMPTY)
    headers: Mapping[str, str] = field(default_factory=lambda: EMPTY)
    auth: CalloutAuth | None = None
    attempts: int = DEFAULT_ATTEMPTS


@dataclass(frozen=True)
class NotificationDefinition:
    """One notification definition. ``origin`` is ``runtime`` (made through an API:
    a reset removes it) or ``startup`` (flags and config file: a reset keeps it)."""

    id: str
    name: str
    callout: Callout
    event_category: int | None = None
    event_type_name: str | None = None
    active: bool = True
    description: str = ""
    origin: str = "runtime"
    # a face's own fields, kept to answer with (Zuora's v1 body, say)
    extra: Mapping[str, object] = field(default_factory=lambda: EMPTY, compare=False)

    @property
    def event_name(self) -> str:
        if self.event_category is not None:
            return EVENT_NAMES.get(self.event_category, str(self.event_category))
        return self.event_type_name or ""


class Definitions:
    """One tenant's notification definitions, in the order they were added.

    Writers replace the table whole under a lock, so readers need none.
    """

    def __init__(self, startup: Iterable[NotificationDefinition] = ()):
        self._startup = tuple(replace(d, origin="startup") for d in startup)
        self._lock = threading.Lock()
        self._by_id: dict[str, NotificationDefinition] = {d.id: d for d in self._startup}

    def __len__(self) -> int:
        return len(self._by_id)

    def add(self, definition: NotificationDefinition) -> NotificationDefinition:
        with self._lock:
            if definition.id in self._by_id:
                raise KeyError(f"a notification definition has the id {definition.id}")
            self._by_id = {**self._by_id, definition.id: definition}
        return definition

    def get(self, definition_id: str) -> NotificationDefinition | None:
        return self._by_id.get(definition_id)

    def list(self) -> list[NotificationDefinition]:
        return list(self._by_id.values())

    def update(self, definition: NotificationDefinition) -> NotificationDefinition:
        """Replace the definition of the same id (which must exist)."""
        with self._lock:
            if definition.id not in self._by_id:
                raise KeyError(definition.id)
            self._by_id = {**self._by_id, definition.id: definition}
        return definition

    def delete(self, definition_id: str) -> bool:
        with self._lock:
            if definition_id not in self._by_id:
                return False
            self._by_id = {k: d for k, d in self._by_id.items() if k != definition_id}
            return True

    def for_event(self, event_name: str) -> list[NotificationDefinition]:
        """The active definitions of an event, in the order they were added."""
        return [d for d in self._by_id.values() if d.active and d.event_name == event_name]

    def clear_runtime(self) -> None:
        """Back to the start-up definitions only (a reset)."""
        with self._lock:
            self._by_id = {d.id: d for d in self._startup}
