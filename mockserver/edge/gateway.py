"""Zuora's edge in front of the API, as WSGI middleware: it picks the tenant,
stamps ``Zuora-Request-Id``, checks and echoes ``Zuora-Track-Id``, applies
the rate and concurrency limits, hands the request to the fault engine
(which also keeps the gateway timeout), journals every request and writes
the access log.

It knows HTTP and Zuora's envelope, and nothing of debit memos: which
operation a path is comes from the ``operation_of`` function it is given.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from http import HTTPStatus

from mockserver.domain.errors import ApiError, ErrorDetail, InvalidParameter, envelope
from mockserver.edge.access_log import AccessLog
from mockserver.faces.v2.wire import dumps
from mockserver.faults import FaultEngine, Report, RequestView, RuleError
from mockserver.tenancy.auth import bearer_token
from mockserver.tenancy.journal import Entry
from mockserver.tenancy.tenants import Tenants

ZUORA_PATHS = ("/v2/", "/oauth/")
TRACK_ID_FORBIDDEN = frozenset(":;\"'")
MAX_TRACK_ID = 64


def check_track_id(value: str) -> str:
    if (
        len(value) > MAX_TRACK_ID
        or not value.isascii()
        or not value.isprintable()
        or TRACK_ID_FORBIDDEN.intersection(value)
    ):
        raise InvalidParameter(
            "Zuora-Track-Id",
            "'Zuora-Track-Id' must be at most 64 US-ASCII characters without : ; \" or '",
        )
    return value


_request_ids = random.Random()  # seeded from the OS; no system call per request


def new_request_id() -> str:
    """A fresh version-4 UUID for ``Zuora-Request-Id``."""
    return str(uuid.UUID(int=_request_ids.getrandbits(128), version=4))


class Gateway:
    def __init__(
        self,
        app,
        tenants: Tenants,
        operation_of: Callable[[str, str], str | None],
        faults: FaultEngine | None = None,
        access_log: AccessLog | None = None,
    ):
        self.app = app
        self.tenants = tenants
        self.operation_of = operation_of
        self.faults = faults
        self.access_log = access_log

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith(ZUORA_PATHS):
            return self.app(environ, start_response)
        started = time.perf_counter()
        method = environ.get("REQUEST_METHOD", "GET")
        operation = self.operation_of(method, path)
        request_id = new_request_id()
        extra_headers = [("Zuora-Request-Id", request_id)]
        seen: list[str] = []
        report = Report()

        def start(status, headers, exc_info=None):
            seen.append(status)
            return start_response(status, headers + extra_headers, exc_info)

        tenant = None
        in_flight = None
        try:
            try:
                tenant = self.tenants.get(
                    self.tenants.key_for(
                        bearer_token(environ.get("HTTP_AUTHORIZATION", "")),
                        environ.get("HTTP_ZUORA_ENTITY_IDS"),
                    )
                )
                track_id = environ.get("HTTP_ZUORA_TRACK_ID")
                if track_id is not None:
                    extra_headers.append(("Zuora-Track-Id", check_track_id(track_id)))
                self._check_limits(tenant, extra_headers)
                if tenant.concurrency.limit is not None:
                    in_flight = tenant.concurrency
                environ["mockserver.tenant"] = tenant
                if self.faults is None:
                    body = self.app(environ, start)
                else:
                    request = RequestView(method, path, operation, environ)
                    body = self.faults.serve(
                        environ, start, tenant.faults, request, started, report
                    )
            except ApiError as error:
                body = self._error(error, start)
            except RuleError as error:
                bad_header = InvalidParameter("X-Mock-Fault", f"X-Mock-Fault: {error}")
                body = self._error(bad_header, start)
        except BaseException:
            # A connection fault ends the request by raising; nothing is in flight any more.
            if in_flight is not None:
                in_flight.leave()
            raise
        finally:
            entry = (method, path, operation, environ.get("QUERY_STRING", ""), request_id)
            self._record(tenant, entry, seen, started, report)
        if in_flight is not None:
            return _CloseHook(body, in_flight.leave)
        return body

    @staticmethod
    def _check_limits(tenant, extra_headers) -> None:
        """Zuora's per-tenant limits: requests a minute, then requests in flight."""
        quota = tenant.rate_limiter.hit()
        extra_headers.extend(quota.headers())
        if not quota.allowed:
            raise ApiError(
                ErrorDetail("rate_limit_exceeded", "Too many requests; retry later"),
                status=429,
                headers={"Retry-After": str(quota.reset)},
            )
        if not tenant.concurrency.enter():
            raise ApiError(
                ErrorDetail(
                    "rate_limit_exceeded",
                    f"More than {tenant.concurrency.limit} requests in flight; retry later",
                ),
                status=429,
                headers={"Retry-After": "1"},
            )

    @staticmethod
    def _error(error: ApiError, start) -> list[bytes]:
        payload = dumps(envelope(error.status, error.details))
        reason = _reason(error.status)
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
        start(f"{error.status} {reason}", headers + list(error.headers.items()))
        return [payload]

    def _record(self, tenant, request_line, seen, started, report: Report) -> None:
        method, path, operation, query, request_id = request_line
        duration_ms = (time.perf_counter() - started) * 1000
        status = int(seen[-1][:3]) if seen else None
        if tenant is not None:
            journal = tenant.journal
            journal.record(
                Entry(
                    seq=journal.next_seq(),
                    time=time.time(),
                    method=method,
                    path=path,
                    query=query,
                    operation=operation,
                    status=status,
                    duration_ms=round(duration_ms, 3),
                    latency_ms=report.latency_ms,
                    fault=report.fault,
                    request_id=request_id,
                )
            )
        if self.access_log is not None:
            self.access_log.record(
                method, path, status, duration_ms, report.fault, report.latency_ms
            )


class _CloseHook:
    """The app's body, calling ``on_close`` once the server is done sending it."""

    def __init__(self, body, on_close: Callable[[], None]):
        self._body = body
        self._on_close = on_close

    def __iter__(self):
        return iter(self._body)

    def close(self) -> None:
        try:
            if hasattr(self._body, "close"):
                self._body.close()
        finally:
            self._on_close()


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
