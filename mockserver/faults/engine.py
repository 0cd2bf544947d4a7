"""Carrying out a request's fault plan around the app, and the gateway timeout.

The order for one request: the rules that fire are planned; ``stage=before``
latency is waited out; then either the answering rule answers in place of
the app (``stage=before``: nothing is applied), or the app runs and its
whole answer is kept; ``stage=after`` latency is waited out; then the
answering rule (``stage=after``) throws the app's answer away and answers
instead, or the app's answer goes out, trickling if ``slow_body`` fired.
At any point past the gateway timeout the client gets a 504 instead.

Injected waits (latency, ``timeout``, a trickle) hold a worker thread, so
they are bounded: they end when the client hangs up, and at the gateway
timeout, or, with the gateway timeout off, at ``max_hold_s`` (then a 504
too). A tenant may hold at most its share of the workers at once
(``holds``); a request that would hold one more gets a 429 instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from mockserver.domain.errors import GatewayTimeout, RateLimited
from mockserver.faults.exchange import Answer, Exchange, Hold, ReleasedWhenSent
from mockserver.faults.matching import RequestView
from mockserver.faults.ruleset import FaultRules, Plan

if TYPE_CHECKING:
    from mockserver.faces.face import ErrorRenderer

FAULT_REQUEST_KEY = "HTTP_X_MOCK_FAULT"
DEFAULT_MAX_HOLD_S = 300.0


class Share(Protocol):
    """The slots of the worker pool one tenant may take with injected waits."""

    limit: int | None

    def enter(self) -> bool: ...

    def leave(self) -> None: ...


@dataclass(slots=True)
class Report:
    """What faults did to one request, for the journal and the access log."""

    fault: str | None = None
    latency_ms: float = 0.0


class FaultEngine:
    def __init__(
        self,
        app: Callable,
        gateway_timeout_s: float | None,
        header_enabled: bool,
        max_hold_s: float = DEFAULT_MAX_HOLD_S,
    ):
        self.app = app
        self.gateway_timeout_s = gateway_timeout_s or None
        self.hold_limit_s = self.gateway_timeout_s or max_hold_s
        self.header_enabled = header_enabled

    def serve(
        self,
        environ: dict,
        start_response: Callable,
        rules: FaultRules,
        request: RequestView,
        started: float,
        report: Report,
        errors: ErrorRenderer,
        holds: Share | None = None,
    ) -> Iterable[bytes]:
        """The answer to one request; raises ``RuleError`` for a bad ``X-Mock-Fault``.
        ``errors`` is the renderer of the face that owns the path; ``holds`` the
        tenant's share of the workers."""
        header = environ.get(FAULT_REQUEST_KEY) if self.header_enabled else None
        plan = rules.plan(request, header) if rules or header is not None else None
        deadline = started + self.gateway_timeout_s if self.gateway_timeout_s else None
        if plan is None:
            if deadline is None:
                return self.app(environ, start_response)
            return self._answer_in_time(environ, start_response, deadline, errors)
        report.fault = plan.ids
        report.latency_ms = round(plan.latency_ms, 3)
        hold_deadline = started + self.hold_limit_s
        exchange = Exchange(environ, start_response, hold_deadline, plan.ids, errors)
        if holds is None or not plan.holds:
            return self._carry_out(plan, exchange)
        if not holds.enter():
            return exchange.respond(exchange.refusal(_share_taken(holds.limit)))
        try:
            body = self._carry_out(plan, exchange)
        except BaseException:  # a connection fault ends the request by raising
            holds.leave()
            raise
        return ReleasedWhenSent(body, holds.leave, lambda: exchange.body_length)

    def _answer_in_time(
        self, environ, start_response, deadline: float, errors: ErrorRenderer
    ) -> Iterable[bytes]:
        """The app's answer passed through as it is (its body sent, then closed, by the
        server), unless it is ready only after the gateway timeout: then a 504."""
        late: list[Answer] = []

        def start(status, headers, exc_info=None):
            if time.perf_counter() >= deadline:
                late.append(Answer.refusal(errors, GatewayTimeout(), environ))
                return start_response(late[0].status, late[0].headers, exc_info)
            return start_response(status, headers, exc_info)

        body = self.app(environ, start)
        if not late:
            return body
        if hasattr(body, "close"):
            body.close()
        return [late[0].body]

    def _carry_out(self, plan: Plan, exchange: Exchange) -> Iterable[bytes]:
        if plan.delivery is not None:
            exchange.trickle_bytes_per_s = plan.delivery.bytes_per_s
        if not plan.runs_app:
            held = exchange.hold(plan.latency_before_s + plan.latency_after_s)
            if held is not Hold.DONE:
                return _cut_short(exchange, held)
            return plan.answer.action.perform(exchange, None)
        held = exchange.hold(plan.latency_before_s)
        if held is not Hold.DONE:
            return _cut_short(exchange, held)
        real = exchange.call_app(self.app)
        if exchange.past_deadline():
            return exchange.gateway_timeout()
        held = exchange.hold(plan.latency_after_s)
        if held is not Hold.DONE:
            return _cut_short(exchange, held)
        if plan.answer is not None:
            return plan.answer.action.perform(exchange, real)
        return exchange.respond(real)


def _share_taken(limit: int | None) -> RateLimited:
    return RateLimited(
        retry_after=1,
        message=f"This tenant already holds {limit} workers in injected waits "
        "(half of them); retry later",
    )


def _cut_short(exchange: Exchange, held: Hold) -> Iterable[bytes]:
    if held is Hold.DEADLINE:
        return exchange.gateway_timeout()
    return exchange.close()
