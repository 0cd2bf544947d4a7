"""What the notification service's views share: their blueprint, routes named by
Zuora's operation ids at Zuora's paths (``/notifications/...``, ``/events/...``,
where the official SDKs call them) and, (sandbox rule) the same under ``/v1``;
answers as plain JSON with a real status; one page of a list.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from urllib.parse import urlencode

from flask import Response, current_app, request
from flask.sansio.blueprints import Blueprint as FlaskBlueprint
from flask_smorest import Blueprint

from mockserver.faces.http import json_response
from mockserver.faces.v1.protocol import check_request

ALIAS = "/v1"
DEFAULT_LIMIT = 10
DELETED = {204: {"description": "Deleted: no content"}}
ANSWERS = {
    200: {"description": "The definition or trigger"},
    400: {"description": "A bad request: code, message and every reason"},
    401: {"description": "No bearer token, or one the sandbox does not accept"},
    404: {"description": "No such definition or trigger"},
}


def blueprint(name: str, description: str) -> Blueprint:
    """A blueprint at the root: bearer token and ``Zuora-Version`` checked as on v1."""
    blp = Blueprint(name, __name__, url_prefix="", description=description)
    blp.before_request(check_request)
    return blp


def route(blp: Blueprint, rule: str, method: str, operation_id: str, summary: str):
    """A route named by Zuora's operation id at ``rule``, also served under ``/v1``."""

    def register(view):
        answers = ANSWERS
        if method == "DELETE":
            answers = {**DELETED, **{code: a for code, a in ANSWERS.items() if code != 200}}
        documented = blp.doc(
            operationId=operation_id, summary=summary, responses=answers,
            security=[{"bearerAuth": []}],
        )(view)  # fmt: skip
        view = blp.route(rule, methods=[method], endpoint=operation_id)(documented)
        FlaskBlueprint.add_url_rule(blp, ALIAS + rule, operation_id, view, methods=[method])
        return view

    return register


def strict_urls() -> bool:
    """Whether callout URLs must be ``https://`` (``--callouts strict``)."""
    return current_app.extensions["mockserver"].callouts.strict


def page(rows: Sequence, query: dict, render: Callable[[object], dict], path: str) -> Response:
    """``{"data": [...], "next": ...}`` for ``start`` / ``limit``; ``next`` is the
    next page's path and query (Zuora's ``/notification-definitions?start=1&limit=10``),
    or null on the last page."""
    start, limit = query.get("start", 0), query.get("limit", DEFAULT_LIMIT)
    chosen = rows[start : start + limit]
    following = None
    if start + limit < len(rows):
        args = {**request.args.to_dict(), "start": start + limit, "limit": limit}
        following = f"{path}?{urlencode(args)}"
    return json_response({"data": [render(row) for row in chosen], "next": following})


def no_content() -> Response:
    return Response(status=204)
