"""``Callouts``: one tenant's change feed, notification definitions, outbox,
delivery faults, deliveries journal and callout clock."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable, Mapping

from mockserver.callouts.definitions import Definitions, NotificationDefinition
from mockserver.callouts.delivery import Transport
from mockserver.callouts.events import standard_events
from mockserver.callouts.faults import CalloutFaults, CalloutRule
from mockserver.callouts.feed import Change, ChangeFeed
from mockserver.callouts.journal import Deliveries, Delivery
from mockserver.callouts.outbox import Notification, Outbox
from mockserver.callouts.sender import Courier
from mockserver.callouts.timing import CalloutClock, CalloutTime
from mockserver.callouts.triggers import EventTriggers


class Callouts:
    """What a tenant sends: ``dispatch`` turns an event into notifications, one per
    active definition of the event, queued in the outbox in event order; the
    ``courier`` (the sandbox's, shared by its tenants) sends them.

    Ids (of definitions, notifications and requests) come from streams seeded by
    the server seed and the tenant, restarted by ``reset``: the same seed and the
    same requests give the same ids.
    """

    def __init__(
        self,
        tenant: str,
        seed: int | str = 0,
        startup: Iterable[NotificationDefinition] = (),
        fault_rules: Iterable[CalloutRule] = (),
        courier: Courier | None = None,
        clock: CalloutClock | None = None,
    ):
        self.tenant = tenant
        self._seed = seed
        self.courier = courier or Courier(CalloutTime("manual"), Transport())
        self.clock = clock or self.courier.time.clock()
        self.feed = ChangeFeed(tenant)
        self.definitions = Definitions(startup)
        self.outbox = Outbox(self.courier.wake)
        self.faults = CalloutFaults(seed, fault_rules, self.clock.now)
        self.deliveries = Deliveries()
        self.sending = threading.RLock()  # one attempt at a time per tenant, in order
        self.triggers = EventTriggers(self.new_definition_id)
        self._streams()
        self.feed.subscribe(self._on_change)
        self.courier.register(self)

    def _streams(self) -> None:
        prefix = f"callouts:{self._seed}:{self.tenant}"
        self._definition_ids = random.Random(f"{prefix}:definitions")
        self._notification_ids = random.Random(f"{prefix}:notifications")
        self._request_ids = random.Random(f"{prefix}:requests")

    def new_definition_id(self) -> str:
        """A new 32-hex-digit id for a notification definition."""
        return f"{self._definition_ids.getrandbits(128):032x}"

    def new_request_id(self) -> str:
        return f"{self._request_ids.getrandbits(128):032x}"

    def _on_change(self, change: Change) -> None:
        for event in standard_events(change) + self.triggers.events_of(change):
            record = change.new if change.new is not None else change.old
            self.dispatch(event, change.base_object, record)

    def dispatch(
        self, event_name: str, base_object: str, record: Mapping[str, object]
    ) -> list[Notification]:
        """Queue one notification per active definition of ``event_name``, about
        ``record`` (the fields of a ``base_object``, as ``Change.new`` has them);
        the sender renders its body."""
        queued = []
        for definition in self.definitions.for_event(event_name):
            notification = Notification(
                id=f"{self._notification_ids.getrandbits(128):032x}",
                sequence=self.outbox.next_sequence(),
                event=event_name,
                base_object=base_object,
                object_id=str(record.get("Id", "")),
                definition=definition,
                record=record,
                due=self.clock.now(),
            )
            if self.outbox.put(notification):
                queued.append(notification)
        return queued

    def flush(self) -> list[Delivery]:
        """Send everything now (see ``Courier.flush``); the journal rows made."""
        return self.courier.flush(self)

    def reset(self) -> None:
        """Nothing left to send, an empty journal, start-up definitions and delivery
        faults only, no custom event triggers, the clock and the id streams restarted."""
        with self.sending:
            self.outbox.clear()
            self.deliveries.clear()
            self.definitions.clear_runtime()
            self.triggers.clear()
            self.faults.reset()
            self.clock.reset()
            self._streams()
