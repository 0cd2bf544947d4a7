"""Custom event triggers: a condition on a base object's changes that, when it holds,
is an event of the trigger's own name (``eventType.name``), sent to the
notification definitions whose ``eventTypeName`` it is.

Per tenant, all made at run time (Zuora's ``/events/event-triggers``): a reset
removes them. At most ``MAX_TRIGGERS`` (Zuora's limit); one trigger per event
type name (sandbox rule: Zuora merges or deletes duplicate events).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mockserver.callouts.feed import Change

if TYPE_CHECKING:  # the parser loads with the first trigger (callouts.registering)
    from mockserver.domain.conditions import Condition

MAX_TRIGGERS = 1000
NAMESPACE = "user.notification"


@dataclass(frozen=True)
class EventType:
    name: str
    display_name: str
    description: str | None = None


@dataclass(frozen=True)
class EventTrigger:
    id: str
    condition: Condition
    event_type: EventType
    active: bool = True
    description: str | None = None

    @property
    def base_object(self) -> str:
        return self.condition.base_object


class TriggerConflict(ValueError):
    """A trigger the registry can't take: ``field`` says which part of it."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class EventTriggers:
    """One tenant's custom event triggers, in the order they were created.

    Writers replace the table whole under a lock, so ``events_of`` (called for every
    committed change) reads without one.
    """

    def __init__(self, new_id: Callable[[], str]):
        self._new_id = new_id
        self._lock = threading.Lock()
        self._by_id: dict[str, EventTrigger] = {}

    def new_id(self) -> str:
        return self._new_id()

    def add(self, trigger: EventTrigger) -> EventTrigger:
        with self._lock:
            if len(self._by_id) >= MAX_TRIGGERS:
                raise TriggerConflict(
                    "eventType", f"a tenant has at most {MAX_TRIGGERS} custom event triggers"
                )
            name = trigger.event_type.name
            if any(t.event_type.name == name for t in self._by_id.values()):
                raise TriggerConflict(
                    "eventType.name", f"an event trigger of the event type '{name}' exists already"
                )
            self._by_id = {**self._by_id, trigger.id: trigger}
        return trigger

    def get(self, trigger_id: str) -> EventTrigger | None:
        return self._by_id.get(trigger_id)

    def list(self) -> list[EventTrigger]:
        return list(self._by_id.values())

    def named(self, event_type_name: str) -> EventTrigger | None:
        return next((t for t in self._by_id.values() if t.event_type.name == event_type_name), None)

    def update(self, trigger: EventTrigger) -> EventTrigger:
        """Replace the trigger of the same id (which must exist)."""
        with self._lock:
            if trigger.id not in self._by_id:
                raise KeyError(trigger.id)
            self._by_id = {**self._by_id, trigger.id: trigger}
        return trigger

    def delete(self, trigger_id: str) -> bool:
        with self._lock:
            if trigger_id not in self._by_id:
                return False
            self._by_id = {k: t for k, t in self._by_id.items() if k != trigger_id}
            return True

    def clear(self) -> None:
        with self._lock:
            self._by_id = {}

    def events_of(self, change: Change) -> list[str]:
        """The event type names of the active triggers on the change's object whose
        condition holds for it, in the order the triggers were created."""
        return [
            trigger.event_type.name
            for trigger in self._by_id.values()
            if trigger.active
            and trigger.base_object == change.base_object
            and trigger.condition.matches(change)
        ]
