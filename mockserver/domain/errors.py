"""Zuora's error vocabulary: what went wrong, in the shape of Zuora's envelope.

Domain code raises these; the HTTP layer turns any of them into
``{"type": ..., "errors": [...], "retryable": ...}`` in one place. Nothing
here knows about Flask.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus

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


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    code: str
    message: str
    parameter: str | None = None

    def to_wire(self) -> dict:
        wire = {"code": self.code}
        if self.parameter is not None:
            wire["parameter"] = self.parameter
        wire["message"] = self.message
        return wire


def envelope(status: int, details: list[ErrorDetail] | tuple[ErrorDetail, ...] = ()) -> dict:
    return {
        "type": error_type(status),
        "errors": [detail.to_wire() for detail in details],
        "retryable": status in RETRYABLE_STATUSES,
    }


class ApiError(Exception):
    """An error a client sees; ``status`` and ``details`` make the envelope."""

    status = 400

    def __init__(self, *details: ErrorDetail, status: int | None = None, headers=None):
        super().__init__("; ".join(d.message for d in details) or self.__class__.__name__)
        if status is not None:
            self.status = status
        self.details = details
        self.headers = dict(headers or {})

    def to_wire(self) -> dict:
        return envelope(self.status, self.details)


class InvalidParameter(ApiError):
    def __init__(self, parameter: str, message: str):
        super().__init__(ErrorDetail("invalid_parameter", message, parameter))


class MissingParameter(ApiError):
    def __init__(self, parameter: str, message: str | None = None):
        super().__init__(
            ErrorDetail("missing_parameter", message or f"'{parameter}' is required", parameter)
        )


class NotFound(ApiError):
    status = 404

    def __init__(self, resource_id: str, parameter: str = "id"):
        super().__init__(
            ErrorDetail(
                "resource_not_found", f"Resource {resource_id} could not be found", parameter
            )
        )


class InvalidState(ApiError):
    def __init__(self, state: str, action: str, reason: str = ""):
        message = f"Cannot {action} a debit memo in state '{state}'"
        if reason:
            message += f": {reason}"
        super().__init__(ErrorDetail("invalid_state", message, "state"))


class AmountExceedsBalance(ApiError):
    def __init__(self, amount, balance):
        super().__init__(
            ErrorDetail(
                "amount_exceeds_balance",
                f"'amount' {amount} exceeds the remaining balance {balance}",
                "amount",
            )
        )


class CurrencyMismatch(ApiError):
    def __init__(self, parameter: str, given: str, expected: str):
        super().__init__(
            ErrorDetail(
                "currency_mismatch",
                f"'{parameter}' is {given} but must be {expected}",
                parameter,
            )
        )


class IdempotencyKeyInUse(ApiError):
    status = 409

    def __init__(self):
        super().__init__(
            ErrorDetail(
                "idempotency_key_in_use",
                "A request with this Idempotency-Key is still being processed",
                "Idempotency-Key",
            )
        )


class IdempotencyKeyReused(ApiError):
    status = 422

    def __init__(self):
        super().__init__(
            ErrorDetail(
                "idempotency_key_reused",
                "This Idempotency-Key was used with another method, path or body",
                "Idempotency-Key",
            )
        )


class Unauthorized(ApiError):
    status = 401

    def __init__(self):
        super().__init__()
