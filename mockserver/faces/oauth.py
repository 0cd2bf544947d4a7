"""``POST /oauth/token``: Zuora's OAuth client-credentials grant.

One token endpoint serves every Zuora API, so it is a face of its own rather
than a part of v2 or v1: ``create_app`` registers it with the error renderer
its clients get (today the Quickstart envelope). ``--latency`` leaves it
alone: it slows the API routes, not the sign-in.
"""

from __future__ import annotations

from flask import current_app, request
from flask_smorest import Blueprint

from mockserver.domain.errors import InvalidParameter, MissingParameter, UnsupportedMediaType
from mockserver.faces.face import ErrorRenderer, Face
from mockserver.faces.http import json_response
from mockserver.faces.v2 import schemas

CLIENT_ID_LENGTH = 36  # Zuora's client ids; checked in strict mode only (sandbox rule)

blp = Blueprint("oauth", __name__, url_prefix="/oauth", description="OAuth tokens")


def face(errors: ErrorRenderer) -> Face:
    return Face(
        "oauth", (blp.url_prefix,), (blp,), errors, takes_latency=False, authenticates=False
    )


@blp.route("/token", methods=["POST"], endpoint="createToken")
@blp.doc(
    operationId="createToken",
    summary="Create an OAuth token",
    requestBody={
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["client_id", "client_secret", "grant_type"],
                    "properties": {
                        "client_id": {"type": "string"},
                        "client_secret": {"type": "string"},
                        "grant_type": {"type": "string", "enum": ["client_credentials"]},
                    },
                }
            }
        },
    },
)
@blp.response(200, schemas.Token)
def create_token():
    if request.content_length and request.mimetype != "application/x-www-form-urlencoded":
        raise UnsupportedMediaType(
            "Content-Type", "Send the form as application/x-www-form-urlencoded"
        )
    form = request.form
    for name in ("client_id", "client_secret", "grant_type"):
        if not form.get(name):
            raise MissingParameter(name)
    if form["grant_type"] != "client_credentials":
        raise InvalidParameter("grant_type", "'grant_type' must be client_credentials")
    tokens = current_app.extensions["mockserver"].tokens
    if tokens.strict and len(form["client_id"]) != CLIENT_ID_LENGTH:
        raise InvalidParameter(
            "client_id", f"'client_id' must be {CLIENT_ID_LENGTH} characters, as Zuora's are"
        )
    token = tokens.issue()
    return json_response(token.to_wire())
