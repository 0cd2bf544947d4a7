"""Zuora's edge in front of the API, as WSGI middleware.

For a path a registered face owns, one request runs through small steps
over one record (``Visit``): check the bearer token (before anything else:
an unknown token creates no tenant and meets no limit, CONTRACT.md section
2), pick the tenant, check and echo ``Zuora-Track-Id``, apply the rate and
concurrency limits, hand the request to the fault engine (which also keeps
the gateway timeout and the tenant's share of the workers), then journal it
and write the access log. A step refuses by raising a ``ZuoraError``; the
owning face's renderer answers it. Other paths (the control plane, the docs)
pass straight through.

It knows HTTP and nothing of debit memos or of any face's wire format: which
operation a path is comes from the ``operation_of`` function it is given,
how an error looks from the face.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from mockserver.domain.errors import InvalidParameter, RateLimited, Unauthorized, ZuoraError
from mockserver.edge import capture
from mockserver.edge.access_log import AccessLog
from mockserver.faces.face import Face, Faces
from mockserver.faults import FaultEngine, Report, RequestView, RuleError
from mockserver.faults.exchange import Answer, ReleasedWhenSent, content_length
from mockserver.tenancy.auth import TokenRegistry, bearer_token
from mockserver.tenancy.limits import ConcurrencyLimiter
from mockserver.tenancy.tenants import DEFAULT_TENANT, Tenant, Tenants

TENANT_KEY = "mockserver.tenant"
REQUEST_ID_KEY = "mockserver.request_id"
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
    """A fresh version-4 UUID for ``Zuora-Request-Id`` (written out by hand: a
    ``uuid.UUID`` costs four times as much, once per request)."""
    digits = f"{_request_ids.getrandbits(128):032x}"
    variant = "89ab"[int(digits[16], 16) & 3]
    return f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-{variant}{digits[17:20]}-{digits[20:]}"


@dataclass(slots=True)
class Visit:
    """One request through the gateway: what each step learns, for the next
    steps, the answer's headers, the journal and the access log."""

    environ: dict
    face: Face
    method: str
    path: str
    operation: str | None
    started: float
    request_id: str
    headers: list[tuple[str, str]]  # added to whatever answer goes out
    token: str | None = None  # the bearer token, on a face that asks for one
    tenant: Tenant | None = None
    in_flight: ConcurrencyLimiter | None = None  # to leave before the answer's last byte
    status: int | None = None
    report: Report = field(default_factory=Report)
    request_body: tuple[bytes, int] = (b"", 0)  # its first 64 KiB, its length
    response_headers: list[tuple[str, str]] | None = None

    def leave(self) -> None:
        if self.in_flight is not None:
            self.in_flight.leave()


class Gateway:
    def __init__(
        self,
        app,
        tenants: Tenants,
        faces: Faces,
        operation_of: Callable[[str, str], str | None],
        faults: FaultEngine,
        tokens: TokenRegistry,
        access_log: AccessLog | None = None,
    ):
        self.app = app
        self.tenants = tenants
        self.faces = faces
        self.operation_of = operation_of
        self.faults = faults
        self.tokens = tokens
        self.access_log = access_log
        self.admission = (
            self._authenticate,
            self._pick_tenant,
            self._echo_track_id,
            self._limit_rate,
            self._enter,
        )

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        face = self.faces.owner(path)
        if face is None:
            return self._off_face(environ, start_response)
        visit = self._visit(environ, face, path)

        def start(status, headers, exc_info=None):
            visit.status = int(status[:3])
            visit.response_headers = headers = headers + visit.headers
            return start_response(status, headers, exc_info)

        body = None
        try:
            body = self._serve(visit, start)
        except BaseException:
            # A connection fault ends the request by raising; nothing is in flight any more.
            visit.leave()
            raise
        finally:
            self._record(visit, body)
        if visit.in_flight is not None:
            return ReleasedWhenSent(
                body, visit.leave, lambda: content_length(visit.response_headers)
            )
        return body

    def _visit(self, environ: dict, face: Face, path: str) -> Visit:
        started = time.perf_counter()
        method = environ.get("REQUEST_METHOD", "GET")
        request_id = new_request_id()
        environ[REQUEST_ID_KEY] = request_id
        return Visit(
            environ=environ,
            face=face,
            method=method,
            path=path,
            operation=self.operation_of(method, path),
            started=started,
            request_id=request_id,
            headers=[("Zuora-Request-Id", request_id)],
            request_body=capture.take_request_body(environ),
        )

    def _serve(self, visit: Visit, start) -> Iterable[bytes]:
        try:
            for step in self.admission:
                step(visit)
            request = RequestView(visit.method, visit.path, visit.operation, visit.environ)
            return self.faults.serve(
                visit.environ,
                start,
                visit.tenant.faults,
                request,
                visit.started,
                visit.report,
                visit.face.errors,
                visit.tenant.holds,
            )
        except ZuoraError as error:
            return _refuse(visit, error, start)
        except RuleError as error:
            return _refuse(visit, InvalidParameter("X-Mock-Fault", f"X-Mock-Fault: {error}"), start)

    # -- admission: each step may refuse by raising a ZuoraError --------------------

    def _authenticate(self, visit: Visit) -> None:
        """A bearer token the sandbox accepts, on a face that asks for one. A refused
        request is journaled only by a tenant that exists already."""
        if not visit.face.authenticates:
            return
        visit.token = token = bearer_token(visit.environ.get("HTTP_AUTHORIZATION", ""))
        if token is None or not self.tokens.accepts(token):
            visit.tenant = self.tenants.find(self._tenant_key(visit))
            raise Unauthorized()

    def _pick_tenant(self, visit: Visit) -> None:
        visit.tenant = self.tenants.get(self._tenant_key(visit))
        visit.environ[TENANT_KEY] = visit.tenant

    def _tenant_key(self, visit: Visit) -> str:
        environ = visit.environ
        token = visit.token
        if token is None:  # not asked for, or not sent
            token = bearer_token(environ.get("HTTP_AUTHORIZATION", ""))
        return self.tenants.key_for(token, environ.get("HTTP_ZUORA_ENTITY_IDS"))

    @staticmethod
    def _echo_track_id(visit: Visit) -> None:
        track_id = visit.environ.get("HTTP_ZUORA_TRACK_ID")
        if track_id is not None:
            visit.headers.append(("Zuora-Track-Id", check_track_id(track_id)))

    @staticmethod
    def _limit_rate(visit: Visit) -> None:
        """Zuora's requests a minute per tenant; its headers go on every answer."""
        quota = visit.tenant.rate_limiter.hit()
        visit.headers.extend(quota.headers())
        if not quota.allowed:
            raise RateLimited(quota.reset)

    @staticmethod
    def _enter(visit: Visit) -> None:
        """Zuora's requests in flight per tenant."""
        concurrency = visit.tenant.concurrency
        if not concurrency.enter():
            raise RateLimited(1, f"More than {concurrency.limit} requests in flight; retry later")
        if concurrency.limit is not None:
            visit.in_flight = concurrency

    # -- after the answer -----------------------------------------------------------

    def _record(self, visit: Visit, sent) -> None:
        duration_ms = (time.perf_counter() - visit.started) * 1000
        report = visit.report
        if visit.tenant is not None:
            environ = visit.environ
            answer = capture.response_body(environ, sent, visit.response_headers)
            visit.tenant.journal.add(
                method=visit.method,
                path=visit.path,
                query=environ.get("QUERY_STRING", ""),
                operation=visit.operation,
                status=visit.status,
                duration_ms=round(duration_ms, 3),
                latency_ms=report.latency_ms,
                fault=report.fault,
                request_id=visit.request_id,
                request_headers=capture.request_headers(environ),
                request_body=visit.request_body[0],
                request_body_bytes=visit.request_body[1],
                response_headers=tuple(visit.response_headers or ()),
                response_body=None if answer is None else capture.cut(answer),
                response_body_bytes=0 if answer is None else len(answer),
            )
        if self.access_log is not None:
            self.access_log.record(
                visit.method,
                visit.path,
                visit.environ.get("QUERY_STRING", ""),
                visit.status,
                duration_ms,
                visit.tenant.key if visit.tenant is not None else None,
                report.fault,
                report.latency_ms,
            )

    def _off_face(self, environ, start_response):
        """A request for no face (control plane, docs, pages): only logged, with
        the tenant its ``?tenant=`` names."""
        if self.access_log is None:
            return self.app(environ, start_response)
        started = time.perf_counter()
        seen: list[str] = []

        def start(status, headers, exc_info=None):
            seen.append(status)
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, start)
        finally:
            query = environ.get("QUERY_STRING", "")
            self.access_log.record(
                environ.get("REQUEST_METHOD", "GET"),
                environ.get("PATH_INFO", ""),
                query,
                int(seen[-1][:3]) if seen else None,
                (time.perf_counter() - started) * 1000,
                parse_qs(query).get("tenant", [DEFAULT_TENANT])[-1],
            )


def _refuse(visit: Visit, error: ZuoraError, start) -> list[bytes]:
    """``error`` as the visit's face answers it."""
    answer = Answer.refusal(visit.face.errors, error, visit.environ)
    start(answer.status, answer.headers)
    return [answer.body]
