"""Zuora's ``async: true`` header on a write: ``202 Accepted`` with only the
request id, the operation run afterwards, its outcome in the journal.

(sandbox rule) What the request says is checked before the 202 (token,
headers, query parameters, the body's schema): a malformed request is
refused at once, as a synchronous one is. What depends on the data (an
unknown memo, a state that forbids the action, an unknown account) is the
operation's outcome: it runs once the 202 has been sent, after every async
request of the tenant accepted before it, and is journalled under the same
request id, with the body it answered (the memo, or the error envelope).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from flask import Response, request

from mockserver.domain.errors import ApiError, ErrorDetail
from mockserver.faces.http import json_response, tenant
from mockserver.faces.v2.wire import dumps
from mockserver.tenancy.tenants import Tenant

log = logging.getLogger("mockserver")

WRITES = frozenset({"POST", "PATCH", "DELETE"})

Outcome = tuple[int, bytes]  # status, body


def requested() -> bool:
    """A write with ``async: true`` (``check_request`` has already refused other values)."""
    return request.method in WRITES and request.headers.get("async", "").strip().lower() == "true"


def accept(run: Callable[[], Outcome]) -> Response:
    """The 202 for this request; ``run`` is queued once the answer has been sent."""
    current = tenant()
    if current.async_requests.full:
        raise ApiError(
            ErrorDetail(
                "rate_limit_exceeded",
                f"More than {current.async_requests.limit} asynchronous requests are waiting; "
                "retry later",
            ),
            status=429,
            headers={"Retry-After": "1"},
        )
    environ = request.environ
    request_id = environ.get("mockserver.request_id")
    line = (request.method, request.path, environ.get("QUERY_STRING", ""), request_id)
    operation = (request.endpoint or "").partition(".")[2] or None
    stopping = environ.get("mockserver.stopping")

    def job() -> None:
        if stopping is not None and stopping.is_set():
            return  # the server has stopped: nothing more runs
        _journal(current, line, operation, *_outcome(run))

    response = json_response({"request_id": request_id}, status=202)
    response.call_on_close(lambda: current.async_requests.submit(job))
    return response


def _outcome(run: Callable[[], Outcome]) -> tuple[int, bytes, float]:
    started = time.perf_counter()
    try:
        status, body = run()
    except ApiError as error:
        status, body = error.status, dumps(error.to_wire())
    except Exception:
        log.exception("unexpected error while running an asynchronous request")
        status, body = 500, dumps(ApiError(status=500).to_wire())
    return status, body, (time.perf_counter() - started) * 1000


def _journal(current: Tenant, line: tuple, operation, status: int, body: bytes, ms: float):
    method, path, query, request_id = line
    current.journal.add(
        method=method,
        path=path,
        query=query,
        operation=operation,
        status=status,
        duration_ms=round(ms, 3),
        latency_ms=0.0,
        fault=None,
        request_id=request_id,
        asynchronous=True,
        response_body=body,
    )
