"""Zuora's HTTP protocol on Flask: bearer auth, JSON bodies (gzipped or not),
errors answered by the face that owns the path, gzip on the way out, and the
idempotency of POST/PATCH.

Everything a view needs from the request comes through here, so the views
themselves only parse, call the domain and render.
"""

from __future__ import annotations

import gzip
import inspect
import logging
import threading
import zlib
from functools import wraps

from flask import Flask, Response, current_app, g, request
from flask.sessions import NullSession, SecureCookieSessionInterface
from flask_smorest import Api
from marshmallow import ValidationError
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import MethodNotAllowed as RouteMethodNotAllowed
from werkzeug.exceptions import NotFound as RouteNotFound
from werkzeug.routing import RequestRedirect, Rule

from mockserver.domain.errors import (
    HttpStatus,
    Internal,
    InvalidParameter,
    InvalidRequest,
    Kind,
    MethodNotAllowed,
    NoSuchRoute,
    PayloadTooLarge,
    Problem,
    UnsupportedMediaType,
    ZuoraError,
)
from mockserver.faces import json_body
from mockserver.faces.text import check_text
from mockserver.faces.v2.wire import dumps
from mockserver.tenancy.auth import bearer_token
from mockserver.tenancy.idempotency import Outcome, check_key, fingerprint
from mockserver.tenancy.tenants import Tenant

log = logging.getLogger("mockserver")

MAX_BODY = 1024 * 1024
GZIP_THRESHOLD = 1000
JSON_TYPE = "application/json"


# -- responses -------------------------------------------------------------------


def json_response(document, status: int = 200, headers=None) -> Response:
    return Response(dumps(document), status=status, mimetype=JSON_TYPE, headers=headers)


# -- the Flask app ------------------------------------------------------------------


class LazyBuilderRule(Rule):
    """A route whose URL builder (``url_for``) is compiled by its first use.

    Werkzeug compiles two builders per route as the route is added, generating
    and compiling Python code: a third of ``create_app`` for ~100 routes, while
    the sandbox builds a URL for few of them (the docs pages)."""

    def _compile_builder(self, append_unknown: bool = True):
        compiled = []

        def build(rule: Rule, **values):
            if not compiled:
                builder = Rule._compile_builder(rule, append_unknown)
                compiled.append(builder.__get__(rule, None))
            return compiled[0](**values)

        return build


class NoSessions(SecureCookieSessionInterface):
    """No cookie sessions (nothing in the sandbox keeps one): every request gets
    the same null session, where Flask would make a new one for each."""

    def __init__(self) -> None:
        self._null = self.null_session_class()

    def open_session(self, app, request) -> NullSession:
        return self._null


class SandboxFlask(Flask):
    """Flask that knows which of its views and request hooks are plain functions.

    Flask asks ``inspect.iscoroutinefunction`` before every call of a view or a
    hook, and flask-smorest before every call of a function its decorators wrap
    (eight times for one GET: 4% of its cost); for what is registered at
    start-up the answer never changes, so ``seal`` asks once. Its routes build
    their URLs lazily (``LazyBuilderRule``); it keeps no sessions (``NoSessions``).
    """

    url_rule_class = LazyBuilderRule
    session_interface = NoSessions()
    plain_functions: frozenset = frozenset()

    def seal(self) -> None:
        """Note the views and request hooks registered so far that are not coroutines."""
        hooks = (self.before_request_funcs, self.after_request_funcs, self.teardown_request_funcs)
        registered = [*_wrapped_chains(self.view_functions.values())]
        registered += [func for hook in hooks for funcs in hook.values() for func in funcs]
        self.plain_functions = frozenset(
            func for func in registered if not inspect.iscoroutinefunction(func)
        )

    def ensure_sync(self, func):
        try:
            if func in self.plain_functions:
                return func
        except TypeError:  # an unhashable callable
            pass
        return super().ensure_sync(func)


def _wrapped_chains(views):
    """Each view and every function it wraps (``functools.wraps``): flask-smorest's
    decorators ask ``ensure_sync`` about the function they wrap on every call."""
    for view in views:
        while view is not None:
            yield view
            view = getattr(view, "__wrapped__", None)


# -- errors: one handler, the owning face's renderer -------------------------------


def error_response(error: ZuoraError) -> Response:
    """``error`` as the face that owns the request's path answers it."""
    renderer = current_app.extensions["mockserver"].faces.errors_for(request.path)
    status, headers, body = renderer.render(error, request.environ.get("mockserver.request_id"))
    return Response(body, status=status, headers=headers)


def refusal_of(error: HTTPException) -> ZuoraError:
    """What a werkzeug refusal (routing, body size, form parsing) is in the sandbox's terms."""
    if isinstance(error, RouteNotFound):
        return NoSuchRoute()
    if isinstance(error, RouteMethodNotAllowed):
        return MethodNotAllowed(error.valid_methods or ())
    status = error.code or 500
    if status == 413:
        return PayloadTooLarge("The body is over 1 MiB")
    if status < 500:
        problem = Problem(Kind.INVALID_PARAMETER, "body", error.description or error.name)
        return HttpStatus(status, problem)
    return HttpStatus(status)


class ZuoraApi(Api):
    """flask-smorest's Api, with every HTTP error answered by the owning face, and
    its routes documented in the OpenAPI document when it is first read
    (``/openapi.json``, ``/docs``) rather than at start-up: documenting them was a
    fifth of a cold start."""

    DEFAULT_ERROR_RESPONSE_NAME = None

    def __init__(self, *args, **kwargs):
        self._undocumented: list[tuple] = []  # (blueprint, name, parameters), in order
        self._documenting = threading.RLock()  # documenting reads the spec too
        self._in_progress = False
        super().__init__(*args, **kwargs)

    @property
    def spec(self):
        if self._undocumented:
            with self._documenting:
                if self._undocumented and not self._in_progress:
                    self._document()
        return self._spec

    @spec.setter
    def spec(self, value) -> None:
        self._spec = value

    def register_blueprint(self, blp, *, parameters=None, **options):
        """As flask-smorest registers one (routes, then their documentation), but
        the documentation only noted, for ``spec`` to write."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, name, parameters))

    def _document(self) -> None:
        self._in_progress = True
        try:
            for blp, name, parameters in self._undocumented:
                blp.register_views_in_doc(
                    self, self._app, self._spec, name=name, parameters=parameters
                )
                self._spec.tag({"name": name, "description": blp.description})
            self._undocumented = []
        finally:
            self._in_progress = False

    def handle_http_exception(self, error: HTTPException):
        if isinstance(error, RequestRedirect):
            return error.get_response()
        return error_response(refusal_of(error))


def _unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return error
    log.exception("unexpected error while serving a request")
    return error_response(Internal())


def init_app(app: Flask) -> None:
    """Errors in the owning face's shape, and gzip on the way out."""
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.register_error_handler(ZuoraError, error_response)
    app.register_error_handler(Exception, _unexpected)
    app.before_request(check_text_parameters)
    app.after_request(compress)
    app.after_request(no_content_type_without_content)


def no_content_type_without_content(response: Response) -> Response:
    """A 204 or 304 has no body, so it says no Content-Type (Flask would say text/html)."""
    if response.status_code in (204, 304):
        response.headers.pop("Content-Type", None)
    return response


def check_text_parameters() -> None:
    """Before any view of any face or the control plane: query parameters are
    text (``text.py``); a bad one is a 400 naming it. A query of printable ASCII
    without ``%`` decodes to parts of itself, so it is text as it stands."""
    query = request.environ.get("QUERY_STRING", "")
    if query.isascii() and query.isprintable() and "%" not in query:
        return
    for name, value in request.args.items(multi=True):
        check_text(name, "query")
        check_text(value, name)


def compress(response: Response) -> Response:
    """Gzip a JSON body over 1000 bytes when the client accepts gzip.

    The cheap checks come first: most requests do not ask for gzip, most responses are small.
    """
    if (
        "gzip" not in request.environ.get("HTTP_ACCEPT_ENCODING", "")
        or (response.content_length or 0) <= GZIP_THRESHOLD
        or response.direct_passthrough
        or "Content-Encoding" in response.headers
        or request.accept_encodings["gzip"] <= 0
    ):
        return response
    response.set_data(gzip.compress(response.get_data(), compresslevel=5, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response


# -- the current tenant and its caller -------------------------------------------


def tenant() -> Tenant:
    return request.environ["mockserver.tenant"]


def request_token() -> str | None:
    return bearer_token(request.headers.get("Authorization", ""))


def check_request() -> None:
    """Before any ``/v2`` view: an ``async`` header that is ``true`` or ``false``
    (the gateway has checked the token; ``faces.asynchronous`` acts on ``async``)."""
    value = request.environ.get("HTTP_ASYNC")
    if value is not None and value.strip().lower() not in ("true", "false"):
        raise InvalidParameter("async", "'async' must be true or false")


# -- request bodies --------------------------------------------------------------


def request_json() -> dict:
    """The request's JSON object, numbers as Decimals; decoded once per request."""
    if "body_json" not in g:
        g.body_json = _decode_json(request_bytes())
    return g.body_json


def request_bytes() -> bytes:
    """The request body, gunzipped when it says ``Content-Encoding: gzip``."""
    if "body_bytes" not in g:
        g.body_bytes = _decompressed(request.get_data(cache=True))
    return g.body_bytes


def _decompressed(raw: bytes) -> bytes:
    encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        return raw
    if encoding != "gzip":
        raise UnsupportedMediaType(
            "Content-Encoding", f"Content-Encoding '{encoding}' is not supported; use gzip"
        )
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        body = inflater.decompress(raw, MAX_BODY + 1)
        complete = inflater.eof
    except zlib.error:
        raise InvalidParameter("body", "The body is not valid gzip") from None
    if len(body) > MAX_BODY:
        raise PayloadTooLarge("The body is over 1 MiB once decompressed")
    if not complete:
        raise InvalidParameter("body", "The body is not valid gzip: it ends too early")
    return body


def _decode_json(body: bytes) -> dict:
    if not body.strip():
        raise InvalidParameter("body", "A JSON object body is required")
    mimetype = request.mimetype
    if mimetype != JSON_TYPE and not mimetype.endswith("+json"):
        raise UnsupportedMediaType(
            "Content-Type",
            f"Content-Type '{mimetype or 'none'}' is not supported; send application/json",
        )
    document = json_body.loads(body)
    if not isinstance(document, dict):
        raise InvalidParameter("body", "The body must be a JSON object")
    return document


class ZuoraArgumentsParser(FlaskParser):
    """webargs parser that reads bodies as above and reports every problem it finds."""

    DEFAULT_VALIDATION_STATUS = 400

    def _raw_load_json(self, req):
        return request_json()

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        raise validation_error(error)


def validation_error(error: ValidationError) -> InvalidRequest:
    """One problem per bad field, named by a path like ``items[0].amount``."""
    messages = error.messages
    if isinstance(messages, dict) and set(messages) <= {"json", "query"}:
        messages = {k: v for location in messages.values() for k, v in location.items()}
    problems = [_problem(path, message) for path, message in _flatten(messages, "")]
    return InvalidRequest(sorted(problems, key=lambda p: p.field or ""))


def _flatten(messages, prefix: str):
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key == "_schema":
                path = prefix or "body"
            elif isinstance(key, int):
                path = f"{prefix}[{key}]"
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            yield from _flatten(value, path)
    elif isinstance(messages, list):
        for message in messages:
            if isinstance(message, (dict, list)):
                yield from _flatten(message, prefix)
            else:
                yield prefix, str(message)
    else:
        yield prefix, str(messages)


def _problem(path: str, message: str) -> Problem:
    if message == "Missing data for required field.":
        return Problem(Kind.MISSING_PARAMETER, path, f"'{path}' is required")
    if message == "Unknown field.":
        return Problem(Kind.UNKNOWN_FIELD, path, f"'{path}' is not a field of this request")
    return Problem(Kind.INVALID_PARAMETER, path, f"'{path}': {message}")


# -- idempotency ------------------------------------------------------------------


def idempotent(view):
    """Replay the first outcome of a POST/PATCH that carries an ``Idempotency-Key``."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if not key:
            return view(*args, **kwargs)
        check_key(key)
        cache = tenant().idempotency
        request_print = fingerprint(
            request.method, request.path, request.query_string, request_bytes()
        )
        replay = cache.begin(key, request_print)
        if replay is not None:
            response = Response(replay.body, status=replay.status, content_type=replay.content_type)
            response.headers["Idempotent-Replayed"] = "true"
            return response
        try:
            response = _as_response(view, args, kwargs)
        except Exception:
            cache.abandon(key)
            raise
        if response.status_code >= 500:
            cache.abandon(key)
        else:
            cache.finish(
                key, Outcome(response.status_code, response.get_data(), response.content_type)
            )
        return response

    return wrapper


def _as_response(view, args, kwargs) -> Response:
    try:
        return current_app.make_response(view(*args, **kwargs))
    except ZuoraError as error:
        return error_response(error)
