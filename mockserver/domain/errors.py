"""The sandbox's error vocabulary: what went wrong, as (kind, field, message).

Nothing here knows a status code, a header or an envelope: each face turns a
``ZuoraError`` into its own answer from one table keyed by kind (v2:
``faces/v2/errors.py``). Two sets of kinds:

- ``Kind``: the request broke one of Zuora's rules (a value, a state, a
  balance, an idempotency key). Domain code raises these.
- ``Refusal``: the request never got to a rule (no credentials, a body too
  large or of the wrong type, a limit, no such route, a gateway timeout, a
  status a fault rule asked for). The faces' protocol layer, the tenancy
  limits, the gateway and the fault engine raise these.

An error holds one or more ``Problem``s (a validation error lists every bad
field) or none (a 401 or 405 names no field); its ``kind`` decides the
answer, each problem's ``kind`` what a face says about that field.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """Zuora's business rules a request can break."""

    INVALID_PARAMETER = "invalid_parameter"
    UNKNOWN_FIELD = "unknown_field"
    INVALID_QUERY_PARAMETER = "invalid_query_parameter"
    MISSING_PARAMETER = "missing_parameter"
    NOT_FOUND = "not_found"
    INVALID_STATE = "invalid_state"
    AMOUNT_EXCEEDS_BALANCE = "amount_exceeds_balance"
    CURRENCY_MISMATCH = "currency_mismatch"
    RULE_BROKEN = "rule_broken"
    ID_TAKEN = "id_taken"
    IDEMPOTENCY_KEY_IN_USE = "idempotency_key_in_use"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    MEMO_LIMIT_REACHED = "memo_limit_reached"
    NUMBERS_EXHAUSTED = "numbers_exhausted"


class Refusal(StrEnum):
    """Protocol refusals: the request was turned away before any business rule."""

    UNAUTHORIZED = "unauthorized"
    NO_SUCH_ROUTE = "no_such_route"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    RATE_LIMITED = "rate_limited"
    TENANT_LIMIT_REACHED = "tenant_limit_reached"
    GATEWAY_TIMEOUT = "gateway_timeout"
    REQUEST_TIMEOUT = "request_timeout"  # the request itself arrived too slowly
    CONNECTION_LIMIT_REACHED = "connection_limit_reached"  # past --max-connections
    INTERNAL = "internal"
    HTTP_STATUS = "http_status"  # a status named by a fault rule or the HTTP library


ErrorKind = Kind | Refusal


@dataclass(frozen=True, slots=True)
class Problem:
    kind: ErrorKind
    field: str | None
    message: str


class ZuoraError(Exception):
    """A refused request. ``retry_after`` (seconds) and ``allowed`` (methods) are
    facts a face may pass on; they are not headers until a face says so."""

    kind: ErrorKind = Kind.INVALID_PARAMETER
    retry_after: int | None = None
    allowed: tuple[str, ...] | None = None

    def __init__(self, *problems: Problem, kind: ErrorKind | None = None):
        super().__init__("; ".join(p.message for p in problems) or self.__class__.__name__)
        if kind is not None:
            self.kind = kind
        self.problems = problems


class InvalidParameter(ZuoraError):
    def __init__(self, field: str, message: str):
        super().__init__(Problem(Kind.INVALID_PARAMETER, field, message))


class MissingParameter(ZuoraError):
    kind = Kind.MISSING_PARAMETER

    def __init__(self, field: str, message: str | None = None):
        message = message or f"'{field}' is required"
        super().__init__(Problem(Kind.MISSING_PARAMETER, field, message))


class InvalidRequest(ZuoraError):
    """Every problem a schema found in one request, in the order given."""

    def __init__(self, problems: Iterable[Problem]):
        super().__init__(*problems)


class NotFound(ZuoraError):
    kind = Kind.NOT_FOUND

    def __init__(self, resource_id: str, field: str = "id"):
        super().__init__(
            Problem(Kind.NOT_FOUND, field, f"Resource {resource_id} could not be found")
        )


class NoSuchTenant(ZuoraError):
    """A control-plane ``?tenant=`` no tenant has: naming one never makes it."""

    kind = Kind.NOT_FOUND

    def __init__(self):
        super().__init__(
            Problem(
                Kind.NOT_FOUND,
                "tenant",
                "No tenant has this key: a tenant is made by its first Zuora request, "
                "or by PUT /__mock/tenants/<token>",
            )
        )


class InvalidState(ZuoraError):
    kind = Kind.INVALID_STATE

    def __init__(self, state: str, action: str, reason: str = ""):
        message = f"Cannot {action} a debit memo in state '{state}'"
        if reason:
            message += f": {reason}"
        super().__init__(Problem(Kind.INVALID_STATE, "state", message))


class AmountExceedsBalance(ZuoraError):
    kind = Kind.AMOUNT_EXCEEDS_BALANCE

    def __init__(self, amount, balance):
        super().__init__(
            Problem(
                Kind.AMOUNT_EXCEEDS_BALANCE,
                "amount",
                f"'amount' {amount} exceeds the remaining balance {balance}",
            )
        )


class CurrencyMismatch(ZuoraError):
    kind = Kind.CURRENCY_MISMATCH

    def __init__(self, field: str, given: str, expected: str):
        super().__init__(
            Problem(Kind.CURRENCY_MISMATCH, field, f"'{field}' is {given} but must be {expected}")
        )


class RuleBroken(ZuoraError):
    """A rule of Zuora's other than a state or a balance (e.g. applying more than a
    payment holds)."""

    kind = Kind.RULE_BROKEN

    def __init__(self, field: str, message: str):
        super().__init__(Problem(Kind.RULE_BROKEN, field, message))


class IdTaken(ZuoraError):
    """A new thing's id names one that exists already."""

    kind = Kind.ID_TAKEN

    def __init__(self, field: str, message: str):
        super().__init__(Problem(Kind.ID_TAKEN, field, message))


class IdempotencyKeyInUse(ZuoraError):
    kind = Kind.IDEMPOTENCY_KEY_IN_USE

    def __init__(self):
        super().__init__(
            Problem(
                Kind.IDEMPOTENCY_KEY_IN_USE,
                "Idempotency-Key",
                "A request with this Idempotency-Key is still being processed",
            )
        )


class IdempotencyKeyReused(ZuoraError):
    kind = Kind.IDEMPOTENCY_KEY_REUSED

    def __init__(self):
        super().__init__(
            Problem(
                Kind.IDEMPOTENCY_KEY_REUSED,
                "Idempotency-Key",
                "This Idempotency-Key was used with another method, path or body",
            )
        )


class MemoLimitReached(ZuoraError):
    """(sandbox rule) The tenant's store holds ``--max-memos`` debit memos already."""

    kind = Kind.MEMO_LIMIT_REACHED

    def __init__(self, cap: int):
        super().__init__(
            Problem(
                Kind.MEMO_LIMIT_REACHED,
                None,
                f"The sandbox keeps at most {cap} debit memos per tenant (--max-memos); "
                "delete some, reset, or raise --max-memos",
            )
        )


class NumbersExhausted(ZuoraError):
    """(sandbox rule) The tenant has given its highest debit memo or payment number."""

    kind = Kind.NUMBERS_EXHAUSTED

    def __init__(self, field: str, highest: str):
        super().__init__(
            Problem(
                Kind.NUMBERS_EXHAUSTED,
                field,
                f"The sandbox numbers up to {highest}, which is given already; "
                "reset, or load a snapshot whose last number is lower",
            )
        )


# -- protocol refusals -------------------------------------------------------------


class Unauthorized(ZuoraError):
    """No bearer token, or one the sandbox does not accept."""

    kind = Refusal.UNAUTHORIZED


class NoSuchRoute(ZuoraError):
    kind = Refusal.NO_SUCH_ROUTE

    def __init__(self):
        super().__init__(Problem(Refusal.NO_SUCH_ROUTE, "path", "No such route: check the path"))


class MethodNotAllowed(ZuoraError):
    kind = Refusal.METHOD_NOT_ALLOWED

    def __init__(self, allowed: Iterable[str]):
        super().__init__()
        self.allowed = tuple(sorted(allowed))


class PayloadTooLarge(ZuoraError):
    kind = Refusal.PAYLOAD_TOO_LARGE

    def __init__(self, message: str, field: str = "body"):
        super().__init__(Problem(Refusal.PAYLOAD_TOO_LARGE, field, message))


class UnsupportedMediaType(ZuoraError):
    kind = Refusal.UNSUPPORTED_MEDIA_TYPE

    def __init__(self, field: str, message: str):
        super().__init__(Problem(Refusal.UNSUPPORTED_MEDIA_TYPE, field, message))


class RateLimited(ZuoraError):
    kind = Refusal.RATE_LIMITED

    def __init__(self, retry_after: int, message: str = "Too many requests; retry later"):
        super().__init__(Problem(Refusal.RATE_LIMITED, None, message))
        self.retry_after = retry_after


class ConnectionLimitReached(ZuoraError):
    """(sandbox rule) A connection past ``--max-connections``: answered at once, then closed."""

    kind = Refusal.CONNECTION_LIMIT_REACHED
    retry_after = 1

    def __init__(self, cap: int):
        super().__init__(
            Problem(
                Refusal.CONNECTION_LIMIT_REACHED,
                None,
                f"The sandbox serves at most {cap} connections at once (--max-connections); "
                "retry shortly",
            )
        )


class TenantLimitReached(ZuoraError):
    kind = Refusal.TENANT_LIMIT_REACHED
    retry_after = 60

    def __init__(self, cap: int):
        super().__init__(
            Problem(
                Refusal.TENANT_LIMIT_REACHED,
                "Authorization",
                f"The sandbox serves at most {cap} tenants besides the default one; "
                "drop one (DELETE /__mock/tenants/<token>), reset, or raise --max-tenants",
            )
        )


class GatewayTimeout(ZuoraError):
    kind = Refusal.GATEWAY_TIMEOUT


class RequestTimeout(ZuoraError):
    """The client took longer than the read timeout to send its whole request."""

    kind = Refusal.REQUEST_TIMEOUT

    def __init__(self, read_timeout: float):
        super().__init__(
            Problem(
                Refusal.REQUEST_TIMEOUT,
                "request",
                f"The request did not arrive within {read_timeout:g} seconds",
            )
        )


class Internal(ZuoraError):
    """A bug in the sandbox: logged, and answered without detail."""

    kind = Refusal.INTERNAL


class HttpStatus(ZuoraError):
    """An HTTP status the sandbox has no kind for: one a fault rule's ``status``
    names, or one the HTTP library refused a request with."""

    kind = Refusal.HTTP_STATUS

    def __init__(self, status: int, *problems: Problem, retry_after: int | None = None):
        super().__init__(*problems)
        self.status = status
        self.retry_after = retry_after
