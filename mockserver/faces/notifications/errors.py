"""How Zuora's notification service answers an error (notification definitions and
custom event triggers): a real HTTP status, unlike v1's ``success: false``.

A bad request is a 400 ``CommonErrorResponse`` (``code``, ``message``), with the
``reasons`` list of every problem beside it; no such definition or trigger is a
404 ``ErrorResponse`` (``reasons``: ``code``, ``message``). Codes are v1's 8
digits (``faces/v1/errors.py``); 401 is v1's ``{"message": "Authentication
error"}``; limits, faults and server errors keep the status v1 gives them.
(sandbox rule) A body of another media type is a 415, as the SDK's table says.
"""

from __future__ import annotations

from mockserver.domain.errors import Kind, Refusal, ZuoraError
from mockserver.faces.face import ErrorAnswer, fact_headers
from mockserver.faces.v1.errors import (
    ANSWERS,
    BUSINESS,
    MESSAGES,
    REQUEST_CODE,
    RestErrors,
    reason_code,
)
from mockserver.faces.v1.errors import status_of as v1_status
from mockserver.faces.v2.wire import dumps

JSON_TYPE = "application/json"
STATUSES = {Kind.NOT_FOUND: 404, Refusal.UNSUPPORTED_MEDIA_TYPE: 415}
MESSAGE = "The request could not be served"


def status_of(error: ZuoraError) -> int:
    status = STATUSES.get(error.kind)
    if status is not None:
        return status
    status = v1_status(error)
    return 400 if status == BUSINESS else status


def body_of(error: ZuoraError, status: int) -> dict:
    reasons = [{"code": str(reason_code(p)), "message": p.message} for p in error.problems]
    if not reasons:
        code = REQUEST_CODE * 100 + ANSWERS[error.kind][1]
        reasons = [{"code": str(code), "message": MESSAGES.get(error.kind, MESSAGE)}]
    if status != 400:
        return {"reasons": reasons}
    message = "; ".join(reason["message"] for reason in reasons)
    return {"code": int(reasons[0]["code"]), "message": message, "reasons": reasons}


class NotificationErrors:
    """The notification service's ``ErrorRenderer``."""

    def __init__(self):
        self._v1 = RestErrors()

    def render(self, error: ZuoraError, request_id: str | None = None) -> ErrorAnswer:
        if error.kind == Refusal.UNAUTHORIZED:
            return self._v1.render(error, request_id)
        status = status_of(error)
        return ErrorAnswer(
            status,
            [("Content-Type", JSON_TYPE), *fact_headers(error)],
            dumps(body_of(error, status)),
        )
