"""Callouts: Zuora's notifications, sent to a team's endpoint when events happen.

HTTP-free but for the sending (``requests``); it knows no face. Per tenant
(``tenant.callouts``, a ``Callouts``):

- ``feed`` (``ChangeFeed``): every committed change of a debit memo or payment,
  from either face, as a ``Change`` (``tenant``, ``base_object`` ``DebitMemo`` |
  ``Payment``, ``change_type`` ``INSERT`` | ``UPDATE`` | ``DELETE``, ``old`` and
  ``new``: mappings of Zuora's field names, see ``fields``). ``feed.subscribe(fn)``
  calls ``fn(change)`` after each commit, in commit order, while the writer
  still holds the store's lock: be quick, don't block, enqueue. The standard
  events (``DebitMemoPosted`` 2820, ``PaymentProcessed`` 2120) subscribe this way.
- ``definitions`` (``Definitions``): the ``NotificationDefinition`` records
  (``id``, ``name``, ``event_category`` or ``event_type_name``, ``active``,
  ``callout``: ``Callout(url, method, params, headers, auth, attempts)``,
  ``origin`` ``runtime`` | ``startup``, ``extra`` for a face's own fields);
  ``add``, ``get``, ``list``, ``update`` (replace by id), ``delete``;
  ``clear_runtime`` on reset. ``new_definition_id()`` draws a new id.
  ``render.check_params`` refuses merge fields the event's object lacks.
- ``triggers`` (``EventTriggers``): Zuora's custom event triggers; each
  committed change is evaluated against the active ones on its object, and a
  match is the custom event ``eventType.name`` (after any standard event).
  ``registering`` checks and makes definitions and triggers from the bodies of
  Zuora's notification service (``faces/notifications``).
- ``dispatch(event_name, base_object, record)``: one notification per active
  definition whose ``event_name`` matches (a standard event's name, or a custom
  event's ``event_type_name``), queued in the tenant's ordered ``outbox`` with
  ``record`` (a ``Change.new``), which its parameters are rendered from when it
  is first sent (in the sender's thread: a request only queues).
- ``flush()``, ``deliveries`` (the journal), ``faults`` (delivery fault rules),
  ``clock`` (callout time): the sending, by the sandbox's ``Courier``.
"""

from mockserver.callouts.definitions import (
    DEFAULT_ATTEMPTS,
    MAX_ATTEMPTS,
    STANDARD_BASE_OBJECTS,
    STANDARD_EVENTS,
    Callout,
    CalloutAuth,
    Definitions,
    NotificationDefinition,
)
from mockserver.callouts.delivery import Transport
from mockserver.callouts.faults import CalloutFaults, CalloutRule, parse_rule
from mockserver.callouts.feed import Change, ChangeFeed, ObservedStore
from mockserver.callouts.hub import Callouts
from mockserver.callouts.journal import Deliveries, Delivery
from mockserver.callouts.outbox import Notification, Outbox
from mockserver.callouts.render import MergeFieldError, check_params, render
from mockserver.callouts.sender import Courier
from mockserver.callouts.timing import CalloutClock, CalloutTime

__all__ = [
    "DEFAULT_ATTEMPTS",
    "MAX_ATTEMPTS",
    "STANDARD_BASE_OBJECTS",
    "STANDARD_EVENTS",
    "Callout",
    "CalloutAuth",
    "CalloutClock",
    "CalloutFaults",
    "CalloutRule",
    "CalloutTime",
    "Callouts",
    "Change",
    "ChangeFeed",
    "Courier",
    "Definitions",
    "Deliveries",
    "Delivery",
    "MergeFieldError",
    "Notification",
    "NotificationDefinition",
    "ObservedStore",
    "Outbox",
    "Transport",
    "check_params",
    "parse_rule",
    "render",
]
