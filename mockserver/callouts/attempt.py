"""One attempt of a notification: its delivery faults, its requests, its journal
rows, and what becomes of it (delivered, retried later, failed, dropped).

A ``delay_ms`` or a ``reorder`` puts the attempt back in the outbox with its
plan kept, so its rules are not considered twice: a delayed attempt is due
that much later; a reordered one waits until the next notification has been
sent (at most ``REORDER_WAIT_S`` callout seconds).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from mockserver.callouts.delivery import Answer, Request, Transport, request_of
from mockserver.callouts.faults import Plan
from mockserver.callouts.journal import Delivery
from mockserver.callouts.outbox import Notification

if TYPE_CHECKING:
    from mockserver.callouts.hub import Callouts

RETRY_INTERVAL_S = 30 * 60  # Zuora's "Minimum Interval between Delivery Attempts" default
REORDER_WAIT_S = 60.0
FAILED_BY_FAULT = "connection refused (fault)"


def attempt(callouts: Callouts, notification: Notification, transport: Transport) -> list[Delivery]:
    """Make the notification's next attempt; the journal rows it made."""
    now = callouts.clock.now()
    plan = notification.plan or callouts.faults.plan(notification)
    if plan.delay_s > 0:
        later = replace(notification, due=now + plan.delay_s, plan=replace(plan, delay_s=0.0))
        callouts.outbox.put(later)
        return []
    if "reorder" in plan:
        kept = replace(plan, actions=plan.actions - {"reorder"})
        callouts.outbox.put(replace(notification, due=now + REORDER_WAIT_S, plan=kept, held=True))
        return []
    if "drop" in plan:
        dropped = Answer(None, "dropped (fault)", 0.0)
        return [_row(callouts, notification, None, dropped, plan, "dropped")]
    rows = _send(callouts, notification, transport, plan)
    callouts.outbox.release_held(callouts.clock.now())
    return rows


def _send(
    callouts: Callouts, notification: Notification, transport: Transport, plan: Plan
) -> list[Delivery]:
    if "fail" in plan:
        exchanges = [(None, Answer(None, FAILED_BY_FAULT, 0.0))]
    else:
        exchanges = _exchanges(callouts, notification, transport)
    request, answer = exchanges[-1]
    delivered = answer.ok and not plan.fail_after
    retry = not delivered and notification.attempt + 1 < notification.definition.callout.attempts
    retry = retry and (answer.retryable or plan.fail_after)
    outcome = "delivered" if delivered else "retry" if retry else "failed"
    if plan.fail_after and answer.ok:
        answer = replace(answer, error="200 ignored (fault)")
    rows = _record(callouts, notification, [*exchanges[:-1], (request, answer)], plan, outcome)
    if retry:
        callouts.outbox.put(notification.retried(callouts.clock.now() + RETRY_INTERVAL_S))
    if "duplicate" in plan and request is not None:
        again = _exchanges(callouts, notification, transport)
        rows += _record(callouts, notification, again, plan, "duplicate")
    return rows


def _exchanges(
    callouts: Callouts, notification: Notification, transport: Transport
) -> list[tuple[Request, Answer]]:
    """Send the attempt's request: twice when Basic auth is challenged."""
    auth = notification.definition.callout.auth
    authorized = auth is not None and auth.preemptive
    request = request_of(notification, callouts.new_request_id(), authorized)
    exchanges = [(request, transport.send(request))]
    answer = exchanges[0][1]
    if answer.status == 401 and answer.challenge and auth is not None and not authorized:
        request = request_of(notification, callouts.new_request_id(), authorized=True)
        exchanges.append((request, transport.send(request)))
    return exchanges


def _record(
    callouts: Callouts,
    notification: Notification,
    exchanges: list[tuple[Request | None, Answer]],
    plan: Plan,
    outcome: str,
) -> list[Delivery]:
    """One journal row per exchange; a challenged first request is ``challenged``."""
    last = len(exchanges) - 1
    return [
        _row(callouts, notification, request, answer, plan, outcome if n == last else "challenged")
        for n, (request, answer) in enumerate(exchanges)
    ]


def _row(
    callouts: Callouts,
    notification: Notification,
    request: Request | None,
    answer: Answer,
    plan: Plan,
    outcome: str,
) -> Delivery:
    callout = notification.definition.callout
    return callouts.deliveries.record(
        time=datetime.now(UTC).isoformat(timespec="milliseconds"),
        notification_id=notification.id,
        request_id=request.headers["Zuora-Request-Id"] if request else None,
        definition_id=notification.definition.id,
        event=notification.event,
        object_id=notification.object_id,
        attempt=notification.attempt + 1,
        attempts=callout.attempts,
        method=request.method if request else callout.method,
        url=request.url if request else callout.url,
        headers=_shown(request.headers) if request else {},
        body=request.body if request else notification.body,
        status=answer.status,
        error=answer.error,
        ms=answer.ms,
        outcome=outcome,
        fault=plan.fault,
    )


def _shown(headers: dict) -> dict:
    """The headers as the journal keeps them: the credentials masked."""
    if "Authorization" not in headers:
        return headers
    scheme = headers["Authorization"].partition(" ")[0]
    return {**headers, "Authorization": f"{scheme} ****"}
