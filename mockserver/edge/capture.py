"""What the journal keeps of a request and its answer: headers (the
``Authorization`` value redacted) and bodies, each body cut at 64 KiB.

Kept cheap for the hot path: the request's headers are the server's parsed
pairs as they are (named the HTTP way only when read), the body is
read once into memory (waitress has it whole already) and handed on to the
app, and the answer's body is the one the app built, taken before gzip
(``keep_response_body``, a Flask ``after_request`` hook).
"""

from __future__ import annotations

import io

from flask import Response, request

from mockserver.edge.redaction import redact

BODY_LIMIT = 64 * 1024
RESPONSE_BODY_KEY = "mockserver.response_body"
SERVER_HEADERS_KEY = "mockserver.headers"  # waitress's parsed headers (``connections``)
MAX_READ = 1024 * 1024 + 1  # past the app's 1 MiB limit, the app refuses it unread


def request_headers(environ: dict) -> tuple[tuple[str, str], ...]:
    """The request's headers as ``(NAME, value)`` pairs, named as waitress and CGI
    name them (``ZUORA_TRACK_ID``; the journal names them the HTTP way when it is
    read): a copy of the dict waitress parsed them into (``SERVER_HEADERS_KEY``,
    about a tenth of the cost of picking them out of the environ, which is the
    way under another server)."""
    parsed = environ.get(SERVER_HEADERS_KEY)
    if parsed is not None:
        pairs = dict(parsed)
    else:
        pairs = {key[5:]: value for key, value in environ.items() if key.startswith("HTTP_")}
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if environ.get(key):
                pairs[key] = environ[key]
    authorization = pairs.get("AUTHORIZATION")
    if authorization is not None:
        pairs["AUTHORIZATION"] = redact(authorization)
    return tuple(pairs.items())


def take_request_body(environ: dict) -> tuple[bytes, int]:
    """The request's body (its first 64 KiB) and its length in bytes; the app
    reads the same bytes afterwards."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return b"", 0
    if length <= 0 or length > MAX_READ:
        return b"", max(length, 0)
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return cut(body), len(body)


def keep_response_body(response: Response) -> Response:
    """Note the app's answer body (before gzip) for the journal."""
    if response.direct_passthrough:
        return response
    body = response.response
    if type(body) is list and len(body) == 1 and type(body[0]) is bytes:
        request.environ[RESPONSE_BODY_KEY] = body[0]  # what ``set_data`` made: no copy
    elif not response.is_streamed:
        request.environ[RESPONSE_BODY_KEY] = response.get_data()
    return response


def cut(body: bytes) -> bytes:
    return body[:BODY_LIMIT] if len(body) > BODY_LIMIT else body


def response_body(environ: dict, sent, headers) -> bytes | None:
    """The answer's body: what went out when the gateway or a fault built it as
    a list, else the app's body before gzip; None while it streams."""
    if isinstance(sent, list) and not any(
        name.lower() == "content-encoding" for name, _ in headers or ()
    ):
        return b"".join(sent)
    return environ.get(RESPONSE_BODY_KEY)
