"""Zuora's edge in front of the API, as WSGI middleware: it picks the tenant,
stamps ``Zuora-Request-Id``, checks and echoes ``Zuora-Track-Id``, applies
the rate limit, journals every request and writes the access log.

It knows HTTP and Zuora's envelope, and nothing of debit memos: which
operation a path is comes from the ``operation_of`` function it is given.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from http import HTTPStatus

from .errors import ApiError, ErrorDetail, InvalidParameter, envelope
from .journal import Entry
from .tenants import Tenants
from .wire import dumps

access_log = logging.getLogger("mockserver.access")

ZUORA_PATHS = ("/v2/", "/oauth/")
TRACK_ID_FORBIDDEN = frozenset(":;\"'")
MAX_TRACK_ID = 64


def _bearer(environ) -> str | None:
    scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


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


class Gateway:
    def __init__(
        self,
        app,
        tenants: Tenants,
        operation_of: Callable[[str, str], str | None],
        log_requests: bool = True,
    ):
        self.app = app
        self.tenants = tenants
        self.operation_of = operation_of
        self.log_requests = log_requests

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith(ZUORA_PATHS):
            return self.app(environ, start_response)
        started = time.perf_counter()
        request_id = str(uuid.uuid4())
        extra_headers = [("Zuora-Request-Id", request_id)]
        seen: list[str] = []

        def start(status, headers, exc_info=None):
            seen.append(status)
            return start_response(status, headers + extra_headers, exc_info)

        tenant = None
        try:
            tenant = self.tenants.get(
                self.tenants.key_for(_bearer(environ), environ.get("HTTP_ZUORA_ENTITY_IDS"))
            )
            track_id = environ.get("HTTP_ZUORA_TRACK_ID")
            if track_id is not None:
                extra_headers.append(("Zuora-Track-Id", check_track_id(track_id)))
            quota = tenant.rate_limiter.hit()
            extra_headers.extend(quota.headers())
            if not quota.allowed:
                raise ApiError(
                    ErrorDetail("rate_limit_exceeded", "Too many requests; retry later"),
                    status=429,
                    headers={"Retry-After": str(quota.reset)},
                )
            environ["mockserver.tenant"] = tenant
            body = self.app(environ, start)
        except ApiError as error:
            body = self._error(error, start)
        self._record(tenant, environ, path, seen, started, request_id)
        return body

    @staticmethod
    def _error(error: ApiError, start) -> list[bytes]:
        payload = dumps(envelope(error.status, error.details))
        reason = _reason(error.status)
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
        start(f"{error.status} {reason}", headers + list(error.headers.items()))
        return [payload]

    def _record(self, tenant, environ, path, seen, started, request_id) -> None:
        duration_ms = (time.perf_counter() - started) * 1000
        method = environ.get("REQUEST_METHOD", "GET")
        status = int(seen[0][:3]) if seen else None
        if tenant is not None:
            journal = tenant.journal
            journal.record(
                Entry(
                    seq=journal.next_seq(),
                    time=datetime.now(UTC).isoformat(timespec="milliseconds"),
                    method=method,
                    path=path,
                    query=environ.get("QUERY_STRING", ""),
                    operation=self.operation_of(method, path),
                    status=status,
                    duration_ms=round(duration_ms, 3),
                    latency_ms=0.0,
                    fault=None,
                    request_id=request_id,
                )
            )
        if self.log_requests:
            access_log.info("%s %s %s %.1fms", method, path, status, duration_ms)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
