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

from flask import Response, current_app, request

from mockserver.domain.errors import Internal, RateLimited, ZuoraError
from mockserver.faces.face import ErrorRenderer
from mockserver.faces.http import json_response, tenant
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
        raise RateLimited(
            1,
            f"More than {current.async_requests.limit} asynchronous requests are waiting; "
            "retry later",
        )
    environ = request.environ
    request_id = environ.get("mockserver.request_id")
    line = (request.method, request.path, environ.get("QUERY_STRING", ""), request_id)
    operation = (request.endpoint or "").partition(".")[2] or None
    stopping = environ.get("mockserver.stopping")
    errors = current_app.extensions["mockserver"].faces.errors_for(request.path)

    def job() -> None:
        if stopping is not None and stopping.is_set():
            return  # the server has stopped: nothing more runs
        _journal(current, line, operation, *_outcome(run, errors, request_id))

    response = json_response({"request_id": request_id}, status=202)
    response.call_on_close(lambda: current.async_requests.submit(job))
    return response


def _outcome(run: Callable[[], Outcome], errors: ErrorRenderer, request_id) -> tuple:
    """Status, body and milliseconds of ``run``; a refusal in the face's own shape."""
    started = time.perf_counter()
    try:
        status, body = run()
    except ZuoraError as error:
        status, _, body = errors.render(error, request_id)
    except Exception:
        log.exception("unexpected error while running an asynchronous request")
        status, _, body = errors.render(Internal(), request_id)
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
