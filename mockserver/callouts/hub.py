"""``Callouts``: one tenant's change feed, notification definitions and outbox."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Mapping

from mockserver.callouts.definitions import Definitions, NotificationDefinition
from mockserver.callouts.events import standard_events
from mockserver.callouts.feed import Change, ChangeFeed
from mockserver.callouts.outbox import Notification, Outbox
from mockserver.callouts.render import render


class Callouts:
    """What a tenant sends: ``dispatch`` turns an event into notifications, one per
    active definition of the event, queued in the outbox in event order.

    Ids (of definitions and notifications) come from streams seeded by the server
    seed and the tenant, restarted by ``reset``: the same seed and the same
    requests give the same ids. ``now`` reads the callout clock (seconds).
    """

    def __init__(
        self,
        tenant: str,
        seed: int | str = 0,
        startup: Iterable[NotificationDefinition] = (),
        now: Callable[[], float] = time.monotonic,
        wake: Callable[[], None] = lambda: None,
    ):
        self.tenant = tenant
        self._seed = seed
        self.now = now
        self.feed = ChangeFeed(tenant)
        self.definitions = Definitions(startup)
        self.outbox = Outbox(wake)
        self._streams()
        self.feed.subscribe(self._on_change)

    def _streams(self) -> None:
        self._definition_ids = random.Random(f"callouts:{self._seed}:{self.tenant}:definitions")
        self._notification_ids = random.Random(f"callouts:{self._seed}:{self.tenant}:notifications")

    def new_definition_id(self) -> str:
        """A new 32-hex-digit id for a notification definition."""
        return f"{self._definition_ids.getrandbits(128):032x}"

    def _on_change(self, change: Change) -> None:
        for event in standard_events(change):
            if self.definitions.for_event(event):
                self.dispatch(event, change.base_object, change.new)

    def dispatch(
        self, event_name: str, base_object: str, record: Mapping[str, object]
    ) -> list[Notification]:
        """Queue one notification per active definition of ``event_name``, about
        ``record`` (the fields of a ``base_object``, as ``Change.new`` has them)."""
        queued = []
        for definition in self.definitions.for_event(event_name):
            notification = Notification(
                id=f"{self._notification_ids.getrandbits(128):032x}",
                sequence=self.outbox.next_sequence(),
                event=event_name,
                base_object=base_object,
                object_id=str(record.get("Id", "")),
                definition=definition,
                body=render(definition.callout.params, base_object, record),
                due=self.now(),
            )
            if self.outbox.put(notification):
                queued.append(notification)
        return queued

    def reset(self) -> None:
        """Nothing left to send; start-up definitions only; the id streams restarted."""
        self.outbox.clear()
        self.definitions.clear_runtime()
        self._streams()
