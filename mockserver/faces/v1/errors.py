"""How Zuora's v1 REST API answers an error: one table from kind to status and
category, and one renderer for v1's envelope.

A business error (a bad, missing or unknown field, a bad query parameter, a
rule broken, not found, malformed JSON) is HTTP 200 with
``{"success": false, "processId", "requestId", "reasons": [{"code", "message"}]}``,
as Zuora documents it ("HTTP 200 doesn't mean your call succeeded"). ``code``
is 8 digits: a 6-digit resource code, then a 2-digit category. 401 is
``{"message": "Authentication error"}``; limits, faults and server errors keep
their status, with the same envelope.

(sandbox rule) Each request field has one fixed resource code (``FIELD_CODES``);
everything else, and requests without a body, use 500000. No such route is a
real 404 and another method a real 405 (category 45), so HTTP tools see them.
"""

from __future__ import annotations

import re
import secrets

from mockserver.domain.errors import ErrorKind, HttpStatus, Kind, Problem, Refusal, ZuoraError
from mockserver.faces.face import ErrorAnswer, fact_headers
from mockserver.faces.v2.wire import dumps

JSON_TYPE = "application/json"
REQUEST_CODE = 500000
BUSINESS = 200  # the status of every business error

# The 2-digit categories Zuora appends to a resource code.
INVALID, UNKNOWN_FIELD, MISSING, INVALID_QUERY = 20, 21, 22, 27
RULE, NOT_FOUND, METHOD, LOCKING, INTERNAL, LIMIT, MALFORMED = 30, 40, 45, 50, 60, 70, 90

ANSWERS: dict[ErrorKind, tuple[int | None, int]] = {  # kind -> (status, category)
    Kind.INVALID_PARAMETER: (BUSINESS, INVALID),
    Kind.UNKNOWN_FIELD: (BUSINESS, UNKNOWN_FIELD),
    Kind.INVALID_QUERY_PARAMETER: (BUSINESS, INVALID_QUERY),
    Kind.MISSING_PARAMETER: (BUSINESS, MISSING),
    Kind.NOT_FOUND: (BUSINESS, NOT_FOUND),
    Kind.INVALID_STATE: (BUSINESS, RULE),
    Kind.AMOUNT_EXCEEDS_BALANCE: (BUSINESS, RULE),
    Kind.CURRENCY_MISMATCH: (BUSINESS, RULE),
    Kind.RULE_BROKEN: (BUSINESS, RULE),
    Kind.ID_TAKEN: (BUSINESS, RULE),
    Kind.MEMO_LIMIT_REACHED: (BUSINESS, LIMIT),
    Kind.NUMBERS_EXHAUSTED: (BUSINESS, LIMIT),
    Kind.IDEMPOTENCY_KEY_IN_USE: (409, LOCKING),
    Kind.IDEMPOTENCY_KEY_REUSED: (422, RULE),
    Refusal.UNAUTHORIZED: (401, INVALID),
    Refusal.NO_SUCH_ROUTE: (404, NOT_FOUND),
    Refusal.METHOD_NOT_ALLOWED: (405, METHOD),
    Refusal.PAYLOAD_TOO_LARGE: (413, LIMIT),
    Refusal.UNSUPPORTED_MEDIA_TYPE: (BUSINESS, INVALID),
    Refusal.RATE_LIMITED: (429, LIMIT),
    Refusal.TENANT_LIMIT_REACHED: (429, LIMIT),
    Refusal.GATEWAY_TIMEOUT: (504, INTERNAL),
    Refusal.REQUEST_TIMEOUT: (408, LIMIT),
    Refusal.CONNECTION_LIMIT_REACHED: (503, LIMIT),
    Refusal.INTERNAL: (500, INTERNAL),
    Refusal.HTTP_STATUS: (None, INTERNAL),
}

MESSAGES = {  # for errors that name no problem of their own
    Refusal.METHOD_NOT_ALLOWED: "This route does not take that method",
    Refusal.GATEWAY_TIMEOUT: "The request timed out",
    Refusal.REQUEST_TIMEOUT: "The request did not arrive in time",
    Refusal.INTERNAL: "An internal error occurred",
    Refusal.HTTP_STATUS: "The request could not be served",
}

# (sandbox rule) One resource code per request field, by its v1 name, list
# positions dropped (``charges[0].amount`` is ``charges.amount``).
FIELD_CODES = {
    name: REQUEST_CODE + number
    for number, name in enumerate(
        [
            "accountId", "accountNumber", "charges", "charges.productRatePlanChargeId",
            "charges.amount", "charges.quantity", "charges.serviceStartDate",
            "charges.serviceEndDate", "charges.description", "currency", "dueDate",
            "effectiveDate", "reasonCode", "comment", "autoPost", "autoPay",
            "transferredToAccounting", "items", "items.id", "amount", "type",
            "paymentMethodId", "paymentMethodType", "debitMemos", "debitMemos.debitMemoId",
            "debitMemos.amount", "invoices", "page", "pageSize", "sort", "Zuora-Version",
            "Idempotency-Key", "Zuora-Track-Id", "Content-Type", "Content-Encoding",
            "charges.chargeId", "charges.memoItemAmount", "referenceId", "applyCredit",
            "applicationOrder", "collect", "payment", "payment.paymentMethodId",
            "payment.gatewayId", "payment.cryptogram", "payment.balanceRefresh",
        ],
        start=1,
    )
}  # fmt: skip

# The domain's field names -> the v1 field they come from.
V1_NAMES = {
    "document_date": "effectiveDate",
    "items": "charges",
    "description": "comment",
    "price_id": "productRatePlanChargeId",
    "service_start": "serviceStartDate",
    "service_end": "serviceEndDate",
    "debit_memo_id": "debitMemoId",
    "debit_memo_number": "debitMemoId",
    "pay": "autoPay",
}
_SNAKE = re.compile(r"_([a-z])")
_POSITION = re.compile(r"\[\d+\]")


def v1_field(field: str | None) -> str | None:
    """``items[0].service_start`` -> ``charges[0].serviceStartDate``."""
    if not field:
        return field
    parts = []
    for part in field.split("."):
        name, bracket, rest = part.partition("[")
        name = V1_NAMES.get(name) or _SNAKE.sub(lambda m: m[1].upper(), name)
        parts.append(name + bracket + rest)
    return ".".join(parts)


def reason_code(problem: Problem) -> int:
    """Zuora's 8 digits for a problem: the field's resource code, then the category."""
    category = ANSWERS[problem.kind][1]
    if problem.field == "body" and problem.kind == Kind.INVALID_PARAMETER:
        category = MALFORMED
    field = v1_field(problem.field) or ""
    return FIELD_CODES.get(_POSITION.sub("", field), REQUEST_CODE) * 100 + category


def status_of(error: ZuoraError) -> int:
    status = ANSWERS[error.kind][0]
    if status is None:
        return error.status if isinstance(error, HttpStatus) else 500
    return status


def envelope(error: ZuoraError, request_id: str | None) -> dict:
    reasons = [{"code": reason_code(p), "message": p.message} for p in error.problems]
    if not reasons:
        message = MESSAGES.get(error.kind, "The request could not be served")
        reasons = [{"code": REQUEST_CODE * 100 + ANSWERS[error.kind][1], "message": message}]
    return {
        "success": False,
        "processId": secrets.token_hex(8).upper(),
        "requestId": request_id or secrets.token_hex(16),
        "reasons": reasons,
    }


class RestErrors:
    """The v1 face's ``ErrorRenderer``."""

    def render(self, error: ZuoraError, request_id: str | None = None) -> ErrorAnswer:
        if error.kind == Refusal.UNAUTHORIZED:
            return ErrorAnswer(
                401,
                [("Content-Type", JSON_TYPE), ("WWW-Authenticate", 'Bearer realm="Zuora"')],
                dumps({"message": "Authentication error"}),
            )
        return ErrorAnswer(
            status_of(error),
            [("Content-Type", JSON_TYPE), *fact_headers(error)],
            dumps(envelope(error, request_id)),
        )
