"""Sending one callout request, as Zuora does, and judging the answer.

The request: the rendered parameters as a JSON body (in the query string for
GET and DELETE), ``Zuora-Notification-Id`` (the same for every attempt of a
notification), ``Zuora-Request-Id`` (new per request, a uuid without hyphens)
with the ``X-Amzn-Trace-Id`` derived from it, then the definition's headers.
Basic auth Zuora's way: the first request goes without ``Authorization``; a
401 naming a realm (``WWW-Authenticate``) gets a second request with it. A
definition with ``preemptive`` auth sends it at once.

Only a 200 is a success. Zuora retries after a 1xx, 403, 408, 429 or 5xx, a
timeout or a connection that fails (refused, reset); any other answer fails
at once. Nothing waits longer than the timeout: it bounds the connection and
the answer's headers together, and the answer's body is never read.
"""

from __future__ import annotations

import base64
import errno
import json
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from mockserver.callouts.definitions import CalloutAuth
from mockserver.callouts.outbox import Notification

DEFAULT_TIMEOUT_S = 10.0
QUERY_METHODS = ("GET", "DELETE")
RETRYABLE = frozenset({403, 408, 429})


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: dict
    body: dict | None


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no answer at all
    error: str | None  # timeout, connection refused, connection reset, ...
    ms: float
    challenge: str | None = None  # the WWW-Authenticate of a 401

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def retryable(self) -> bool:
        status = self.status
        if status is None:
            return True
        return status < 200 or status in RETRYABLE or 500 <= status <= 599


def basic(auth: CalloutAuth) -> str:
    token = base64.b64encode(f"{auth.username}:{auth.password}".encode()).decode("ascii")
    return f"Basic {token}"


def request_of(notification: Notification, request_id: str, authorized: bool) -> Request:
    """The HTTP request of one attempt (``authorized``: with the Basic credentials)."""
    callout = notification.definition.callout
    headers = {
        "Zuora-Notification-Id": notification.id,
        "Zuora-Request-Id": request_id,
        "X-Amzn-Trace-Id": f"Root=1-{request_id[:8]}-{request_id[8:32]}",
    }
    url, body = callout.url, notification.body
    if callout.method in QUERY_METHODS:
        url, body = _with_query(url, body), None
    else:
        headers["Content-Type"] = "application/json"
    headers.update(callout.headers)
    if authorized and callout.auth is not None:
        headers["Authorization"] = basic(callout.auth)
    return Request(callout.method, url, headers, body)


def _with_query(url: str, params: dict) -> str:
    if not params:
        return url
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit(parts._replace(query=query))


class Transport:
    """Sends callout requests; thread-safe (one connection pool for the sandbox).

    The pool, and urllib3 with it (~20 ms of start-up), is made by the first
    request: a sandbox that sends no callout never loads it."""

    def __init__(self, timeout_s: float = DEFAULT_TIMEOUT_S):
        self.timeout_s = timeout_s
        self._pool = None
        self._making = threading.Lock()

    def _connections(self):
        with self._making:
            if self._pool is None:
                import urllib3

                self._pool = urllib3.PoolManager(
                    num_pools=64,
                    maxsize=4,
                    retries=False,
                    timeout=urllib3.Timeout(total=self.timeout_s),
                )
            return self._pool

    def send(self, request: Request) -> Answer:
        pool = self._connections()
        from urllib3.exceptions import HTTPError

        body = None if request.body is None else json.dumps(request.body).encode()
        started = time.perf_counter()
        try:
            response = pool.request(
                request.method,
                request.url,
                body=body,
                headers=request.headers,
                redirect=False,
                preload_content=False,
            )
        except HTTPError as error:
            return Answer(None, _what_failed(error), _ms(started))
        ms = _ms(started)
        challenge = response.headers.get("WWW-Authenticate")
        response.close()
        response.release_conn()
        return Answer(response.status, None, ms, challenge)

    def close(self) -> None:
        with self._making:
            if self._pool is not None:
                self._pool.clear()


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _what_failed(error) -> str:
    """What became of a request urllib3 raised ``error`` (an ``HTTPError``) for."""
    from urllib3.exceptions import NewConnectionError, ProtocolError, TimeoutError

    if isinstance(error, NewConnectionError):  # before TimeoutError: urllib3 makes it one
        cause = error.__cause__ or error.__context__
        if getattr(cause, "errno", None) == errno.ECONNREFUSED:
            return "connection refused"
        if not isinstance(cause, OSError) or "timed out" in str(cause):
            return "timeout"
        return f"connection failed: {cause.strerror or cause}"
    if isinstance(error, TimeoutError):
        return "timeout"
    if isinstance(error, ProtocolError):
        return "connection reset"
    return f"request failed: {type(error).__name__}"
