"""``create_app(config)``: the one place where the sandbox is wired together."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from flask import Flask
from flask_smorest import Api
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from mockserver import __version__
from mockserver.config import Config, ConfigError, read_file
from mockserver.control import admin, pages
from mockserver.domain.errors import ApiError, ErrorDetail
from mockserver.edge.access_log import AccessLog
from mockserver.edge.gateway import Gateway
from mockserver.faces import oauth
from mockserver.faces.http import MAX_BODY, compress, error_response
from mockserver.faces.v2 import debit_memos
from mockserver.faults import FaultEngine, FaultRules, Rule, RuleError, RuleParser
from mockserver.fixtures import seeding, snapshot
from mockserver.store.memory import Store
from mockserver.tenancy.auth import TokenRegistry
from mockserver.tenancy.tenants import Tenant, Tenants

log = logging.getLogger("mockserver")

ZUORA_BLUEPRINTS = ("debit_memos", "oauth")


@dataclass
class Sandbox:
    """What the app holds besides Flask: its configuration, tenants and tokens."""

    config: Config
    tenants: Tenants
    tokens: TokenRegistry


def baseline_store(config: Config) -> Store:
    """The start-up data: generated from the seed, or a fixture file, or both."""
    try:
        profile = seeding.Profile.from_mapping(dict(config.generation))
    except (TypeError, ValueError) as error:
        raise ConfigError(f"generation profile: {error}") from None
    if config.fixtures is None:
        return seeding.generate(config.seed, profile)
    document = read_file(config.fixtures)
    try:
        if config.fixtures_mode == "merge":
            generated = seeding.generate(config.seed, profile)
            merged = snapshot.export(generated, datetime.now(UTC).date())
            merged["accounts"] += document.get("accounts", [])
            merged["debit_memos"] += document.get("debit_memos", [])
            return snapshot.load(merged, config.seed)
        return snapshot.load(document, config.seed)
    except ValidationError as error:
        raise ConfigError(f"{config.fixtures}: {error.messages}") from None


class ZuoraApi(Api):
    """flask-smorest's Api, with every HTTP error in Zuora's envelope."""

    DEFAULT_ERROR_RESPONSE_NAME = None

    def handle_http_exception(self, error: HTTPException):
        if isinstance(error, RequestRedirect):
            return error.get_response()
        status = error.code or 500
        headers = {}
        details: tuple[ErrorDetail, ...] = ()
        if isinstance(error, NotFound):
            details = (ErrorDetail("resource_not_found", "No such route: check the path", "path"),)
        elif isinstance(error, MethodNotAllowed):
            headers["Allow"] = ", ".join(sorted(error.valid_methods or ()))
        elif status == 413:
            details = (ErrorDetail("invalid_parameter", "The body is over 1 MiB", "body"),)
        elif status < 500:
            details = (ErrorDetail("invalid_parameter", error.description or error.name, "body"),)
        return error_response(ApiError(*details, status=status, headers=headers))


def startup_rules(config: Config, parser: RuleParser) -> list[tuple[Rule, str]]:
    """The rules of the config file and the ``--fault`` / ``--latency`` flags, with their source."""
    rules = []
    try:
        for number, spec in enumerate(config.faults, start=1):
            rules.append((parser.parse(spec, default_id=f"startup-{number}"), "startup"))
    except RuleError as error:
        raise ConfigError(f"fault rule {spec!r}: {error}") from None
    if config.latency is not None:
        spec = {"id": "latency", "path": "/v2/**", "latency_ms": config.latency}
        try:
            rules.append((parser.parse(spec), "latency"))
        except RuleError as error:
            raise ConfigError(f"latency {config.latency!r}: {error}") from None
    ids = [rule.id for rule, _ in rules]
    for rule_id in ids:
        if ids.count(rule_id) > 1:
            raise ConfigError(f"two fault rules have the id '{rule_id}'")
    return rules


def create_app(
    config: Config | None = None, baseline: Store | None = None, fault_engine: bool = True
) -> Flask:
    """The sandbox; ``fault_engine=False`` leaves the engine out (for the overhead benchmark)."""
    config = config or Config()
    start_up = (baseline or baseline_store(config)).frozen()
    app = Flask("mockserver")
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_BODY,
        API_TITLE="Zuora Quickstart API sandbox: debit memos",
        API_VERSION=__version__,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL=pages.SWAGGER_UI_ASSETS,
    )
    app.url_map.strict_slashes = False
    api = ZuoraApi(app, spec_kwargs={"servers": [{"url": "/"}]})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for blueprint in (debit_memos.blp, oauth.blp, admin.blp):
        api.register_blueprint(blueprint)
    app.register_blueprint(pages.blp)

    operation_of = _operation_resolver(app)
    parser = RuleParser(_operations(app))
    rules = startup_rules(config, parser)
    tenants = Tenants(
        lambda key: Tenant(key, start_up, config, FaultRules(config.seed, parser, rules)),
        per_token=config.tenants == "per-token",
        cap=config.max_tenants,
    )
    app.extensions["mockserver"] = Sandbox(
        config=config,
        tenants=tenants,
        tokens=TokenRegistry(config.auth == "strict", config.tokens, config.token_ttl),
    )

    app.register_error_handler(ApiError, error_response)
    app.register_error_handler(Exception, _unexpected)
    app.after_request(compress)
    engine = None
    if fault_engine:
        engine = FaultEngine(
            app.wsgi_app,
            gateway_timeout_s=config.gateway_timeout,
            header_enabled=config.fault_header,
        )
    app.wsgi_app = Gateway(
        app.wsgi_app,
        tenants,
        operation_of,
        faults=engine,
        access_log=AccessLog() if config.log_requests else None,
    )
    return app


def _unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return error
    log.exception("unexpected error while serving a request")
    return error_response(ApiError(status=500))


def _operations(app: Flask) -> set[str]:
    """Every operationId the app serves (what fault rules may name)."""
    return {
        endpoint.partition(".")[2]
        for endpoint in app.view_functions
        if endpoint.partition(".")[0] in ZUORA_BLUEPRINTS
    }


def _operation_resolver(app: Flask):
    """``(method, path) -> operationId`` from the app's routes, cached."""
    adapter = app.url_map.bind("localhost")

    @lru_cache(maxsize=4096)
    def operation_of(method: str, path: str) -> str | None:
        try:
            endpoint, _ = adapter.match(path, method=method)
        except HTTPException:
            return None
        blueprint, _, name = endpoint.partition(".")
        return name if blueprint in ZUORA_BLUEPRINTS else None

    return operation_of
