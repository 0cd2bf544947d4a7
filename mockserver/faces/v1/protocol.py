"""What every v1 view shares: its blueprint, the
``Zuora-Version`` header, and the ``success: true`` answer.

``Zuora-Version`` (CONTRACT-V1.md 2): a date (the SDK sends ``2025-08-12``) or
a number from 257.0 reads today's field names; a number below 257.0 reads the
older ones (``chargeId``, ``memoItemAmount``, ``comment``). (sandbox rule) No
header reads today's names; a value that is neither a date nor a number is
an invalid value (category 20).
"""

from __future__ import annotations

import re

from flask import Response, g, request
from flask_smorest import Blueprint

from mockserver.domain.errors import InvalidParameter
from mockserver.faces.http import request_json
from mockserver.faces.v1.query import ListQuery, next_page_url
from mockserver.faces.v2.wire import dumps

JSON_TYPE = "application/json"
MODERN_FROM = 257.0
VERSION_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
VERSION_NUMBER = re.compile(r"\d{1,4}(\.\d{1,2})?")


def blueprint(name: str, description: str) -> Blueprint:
    """A v1 blueprint whose views see a valid ``Zuora-Version`` (the gateway has
    checked the bearer token: the face ``authenticates``)."""
    blp = Blueprint(name, __name__, url_prefix="/v1", description=description)
    blp.before_request(check_request)
    return blp


ANSWERS = {
    200: {"description": "The object with success true, or a business error: success false"},
    401: {"description": "No bearer token, or one the sandbox does not accept"},
    429: {"description": "A rate or concurrency limit"},
}


def document(blp: Blueprint, operation_id: str, summary: str):
    """A v1 operation in ``/openapi.json``, named by Zuora's operation id."""
    return blp.doc(
        operationId=operation_id, summary=summary, responses=ANSWERS,
        security=[{"bearerAuth": []}],
    )  # fmt: skip


def check_request() -> None:
    modern_names()


def modern_names() -> bool:
    """Whether the request's ``Zuora-Version`` reads today's field names."""
    if "v1_modern" not in g:
        g.v1_modern = _modern(request.headers.get("Zuora-Version"))
    return g.v1_modern


def _modern(version: str | None) -> bool:
    if version is None or VERSION_DATE.fullmatch(version.strip()):
        return True
    if VERSION_NUMBER.fullmatch(version.strip()):
        return float(version) >= MODERN_FROM
    raise InvalidParameter(
        "Zuora-Version", "'Zuora-Version' must be a date like 2025-08-12 or a number like 257.0"
    )


def body() -> dict:
    """The request's JSON object (``Content-Encoding: gzip`` read as on v2)."""
    return request_json()


def ok(document: dict | None = None) -> Response:
    """Zuora v1's success: the object's fields beside ``"success": true``."""
    return answer(success_json(document or {}))


def success_json(document: dict) -> bytes:
    """``document``, with ``"success": true`` after its fields, as JSON."""
    document["success"] = True
    return dumps(document)


def answer(body: bytes) -> Response:
    """A success already rendered as JSON."""
    return Response(body, mimetype=JSON_TYPE)


def listing(name: str, query: ListQuery, rows: list, more: bool, render) -> Response:
    """One page of a v1 list under ``name``, with ``nextPage`` when more rows follow."""
    document = {name: [render(row) for row in rows]}
    if more:
        document["nextPage"] = next_page_url(request.base_url, request.args, query.page)
    return ok(document)
