"""How the Quickstart API answers an error: one table from kind to status and
code, and one renderer for Zuora's envelope
``{"type": ..., "errors": [{"code", "parameter", "message"}], "retryable": ...}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus

from mockserver.domain.errors import ErrorKind, HttpStatus, Kind, Problem, Refusal, ZuoraError
from mockserver.faces.face import ErrorAnswer, fact_headers
from mockserver.faces.v2.wire import dumps

JSON_TYPE = "application/json"


@dataclass(frozen=True, slots=True)
class Reply:
    status: int | None  # None: the status the error names (HttpStatus)
    code: str  # the envelope's ``code`` for a problem of this kind


ANSWERS: dict[ErrorKind, Reply] = {
    Kind.INVALID_PARAMETER: Reply(400, "invalid_parameter"),
    Kind.UNKNOWN_FIELD: Reply(400, "invalid_parameter"),
    Kind.INVALID_QUERY_PARAMETER: Reply(400, "invalid_parameter"),
    Kind.MISSING_PARAMETER: Reply(400, "missing_parameter"),
    Kind.NOT_FOUND: Reply(404, "resource_not_found"),
    Kind.INVALID_STATE: Reply(400, "invalid_state"),
    Kind.AMOUNT_EXCEEDS_BALANCE: Reply(400, "amount_exceeds_balance"),
    Kind.CURRENCY_MISMATCH: Reply(400, "currency_mismatch"),
    Kind.RULE_BROKEN: Reply(400, "invalid_state"),
    Kind.ID_TAKEN: Reply(409, "invalid_parameter"),
    Kind.IDEMPOTENCY_KEY_IN_USE: Reply(409, "idempotency_key_in_use"),
    Kind.IDEMPOTENCY_KEY_REUSED: Reply(422, "idempotency_key_reused"),
    Kind.MEMO_LIMIT_REACHED: Reply(409, "memo_limit_reached"),
    Kind.NUMBERS_EXHAUSTED: Reply(409, "numbers_exhausted"),
    Refusal.UNAUTHORIZED: Reply(401, "unauthorized"),
    Refusal.NO_SUCH_ROUTE: Reply(404, "resource_not_found"),
    Refusal.METHOD_NOT_ALLOWED: Reply(405, "method_not_allowed"),
    Refusal.PAYLOAD_TOO_LARGE: Reply(413, "invalid_parameter"),
    Refusal.UNSUPPORTED_MEDIA_TYPE: Reply(415, "invalid_parameter"),
    Refusal.RATE_LIMITED: Reply(429, "rate_limit_exceeded"),
    Refusal.TENANT_LIMIT_REACHED: Reply(429, "tenant_limit_reached"),
    Refusal.GATEWAY_TIMEOUT: Reply(504, "gateway_timeout"),
    Refusal.REQUEST_TIMEOUT: Reply(408, "request_timeout"),
    Refusal.CONNECTION_LIMIT_REACHED: Reply(503, "connection_limit_reached"),
    Refusal.INTERNAL: Reply(500, "internal_server_error"),
    Refusal.HTTP_STATUS: Reply(None, "invalid_parameter"),
}

ERROR_TYPES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable_entity",
    429: "too_many_requests",
    500: "internal_server_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


def error_type(status: int) -> str:
    """Zuora's ``type`` for a status; other statuses get their snake_case reason."""
    if status in ERROR_TYPES:
        return ERROR_TYPES[status]
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "error"


def status_of(error: ZuoraError) -> int:
    status = ANSWERS[error.kind].status
    if status is None and isinstance(error, HttpStatus):
        return error.status
    return status or 500


def detail(problem: Problem) -> dict:
    wire = {"code": ANSWERS[problem.kind].code}
    if problem.field is not None:
        wire["parameter"] = problem.field
    wire["message"] = problem.message
    return wire


def envelope(error: ZuoraError) -> dict:
    status = status_of(error)
    return {
        "type": error_type(status),
        "errors": [detail(problem) for problem in error.problems],
        "retryable": status in RETRYABLE_STATUSES,
    }


class QuickstartErrors:
    """The v2 face's ``ErrorRenderer``."""

    def render(self, error: ZuoraError, request_id: str | None = None) -> ErrorAnswer:
        return ErrorAnswer(
            status_of(error),
            [("Content-Type", JSON_TYPE), *fact_headers(error)],
            dumps(envelope(error)),
        )
