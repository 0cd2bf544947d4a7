"""``Courier``: the sandbox's sending of callouts, off the requests' threads.

In ``real`` and ``scaled`` time one background thread (started with the first
notification) sends what is due, tenant by tenant, earliest first; an API
request only ever queues. A receiver that is down fails at once and one that
hangs is given up at the timeout, so neither holds anything else up for
long. In ``manual`` time nothing is sent until ``flush``, which delivers the
tenant's outbox in the request's thread, moving the tenant's callout clock
forward to each retry in turn until the outbox is empty. (sandbox rule) One
flush makes at most ``MAX_FLUSH_ATTEMPTS`` attempts.
"""

from __future__ import annotations

import logging
import threading
import weakref
from typing import TYPE_CHECKING

from mockserver.callouts.attempt import attempt
from mockserver.callouts.delivery import Transport
from mockserver.callouts.journal import Delivery
from mockserver.callouts.timing import CalloutTime

if TYPE_CHECKING:
    from mockserver.callouts.hub import Callouts

MAX_FLUSH_ATTEMPTS = 10_000
log = logging.getLogger(__name__)


class Courier:
    def __init__(self, time_mode: CalloutTime, transport: Transport):
        self.time = time_mode
        self.transport = transport
        self._tenants: weakref.WeakSet[Callouts] = weakref.WeakSet()
        self._wakeup = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopped = False

    def register(self, callouts: Callouts) -> None:
        with self._wakeup:
            self._tenants.add(callouts)

    def wake(self) -> None:
        """Something was queued: the sender looks again (and starts, the first time)."""
        if self.time.manual:
            return
        with self._wakeup:
            if self._thread is None and not self._stopped:
                self._thread = threading.Thread(
                    target=self._run, name="callout-sender", daemon=True
                )
                self._thread.start()
            self._wakeup.notify()

    def flush(self, callouts: Callouts) -> list[Delivery]:
        """Deliver the tenant's whole outbox now; the journal rows of the attempts made."""
        rows: list[Delivery] = []
        with callouts.sending:
            for _ in range(MAX_FLUSH_ATTEMPTS):
                notification = callouts.outbox.pop_due()
                if notification is None:
                    break
                callouts.clock.advance_to(notification.due)
                rows += attempt(callouts, notification, self.transport)
        return rows

    def stop(self) -> None:
        with self._wakeup:
            self._stopped = True
            self._wakeup.notify()
        if self._thread is not None:
            self._thread.join(timeout=self.transport.timeout_s + 1)

    def _run(self) -> None:
        while True:
            callouts = self._next_due()
            if callouts is None:
                return
            try:
                with callouts.sending:
                    notification = callouts.outbox.pop_due(callouts.clock.now())
                    if notification is not None:
                        attempt(callouts, notification, self.transport)
            except Exception:
                log.exception("a callout attempt failed")

    def _next_due(self) -> Callouts | None:
        """Wait until a tenant has a notification due; None once stopped."""
        with self._wakeup:
            while not self._stopped:
                soonest, wait = None, None
                for callouts in list(self._tenants):
                    due = callouts.outbox.next_due()
                    if due is None:
                        continue
                    left = callouts.clock.real_seconds(due - callouts.clock.now())
                    if left <= 0:
                        return callouts
                    if wait is None or left < wait:
                        soonest, wait = callouts, left
                self._wakeup.wait(wait if soonest is not None else None)
        return None
