"""``create_app(config)``: the one place where the sandbox is wired together."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

# Before anything loads marshmallow or PyYAML (why: its docstring).
import mockserver.libraries  # noqa: F401  # isort: skip
from flask import Flask
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from mockserver import __version__
from mockserver.callouts.startup import CalloutSetup
from mockserver.config import Config, ConfigError, read_file
from mockserver.control import admin, pages
from mockserver.control import callouts as callout_routes
from mockserver.edge import capture
from mockserver.edge.access_log import AccessLog
from mockserver.edge.gateway import Gateway
from mockserver.faces import http, oauth
from mockserver.faces.face import Faces
from mockserver.faces.http import ZuoraApi
from mockserver.faces.notifications import face as notifications
from mockserver.faces.v1 import face as v1
from mockserver.faces.v2 import face as v2
from mockserver.faults import FaultEngine, FaultRules, Rule, RuleError, RuleParser
from mockserver.fixtures import people, seeding
from mockserver.store import open_stores
from mockserver.store.memory import MemoryStore
from mockserver.tenancy.auth import TokenRegistry
from mockserver.tenancy.tenants import Tenant, Tenants, in_process


@dataclass
class Sandbox:
    """What the app holds besides Flask: its configuration, faces, tenants and tokens."""

    config: Config
    faces: Faces
    tenants: Tenants
    tokens: TokenRegistry
    callouts: CalloutSetup


def zuora_faces() -> Faces:
    """The APIs the sandbox speaks. ``/oauth/token`` serves every API's clients and
    answers in the Quickstart envelope, as does the control plane (the fallback).
    The notification service comes before v1: it owns ``/v1/notifications`` too."""
    quickstart = v2.face()
    return Faces(
        oauth.face(quickstart.errors), quickstart, notifications.face(), v1.face(),
        fallback=quickstart.errors,
    )  # fmt: skip


def baseline_store(config: Config) -> MemoryStore:
    """The start-up data: generated from the seed, or a fixture file, or both."""
    try:
        profile = seeding.Profile.from_mapping(dict(config.generation))
    except (TypeError, ValueError) as error:
        raise ConfigError(f"generation profile: {error}") from None
    cache = people.cache_directory(config.cache_dir)
    if config.fixtures is None:
        return seeding.generate(config.seed, profile, zone=config.zone, cache=cache)
    from mockserver.fixtures import snapshot  # only with a fixtures file: ~10 ms of imports

    document = read_file(config.fixtures)
    try:
        if config.fixtures_mode == "merge":
            generated = seeding.generate(config.seed, profile, zone=config.zone, cache=cache)
            return snapshot.merge(generated, document, config.seed, datetime.now(UTC).date())
        return snapshot.load(document, config.seed)
    except ValidationError as error:
        problems = "; ".join(problem.message for problem in http.validation_error(error).problems)
        if config.fixtures_mode == "merge":
            problems += (
                f" (merge mode adds the file to the data generated from seed {config.seed}; "
                "a file from `mockserver fixtures` holds that data already: "
                "use --fixtures-mode replace)"
            )
        raise ConfigError(f"{config.fixtures}: {problems}") from None


def startup_rules(config: Config, parser: RuleParser, faces: Faces) -> list[tuple[Rule, str]]:
    """The rules of the config file and the ``--fault`` / ``--latency`` flags, with their
    source; ``--latency`` slows every path of the faces that take it."""
    rules = []
    try:
        for number, spec in enumerate(config.faults, start=1):
            rules.append((parser.parse(spec, default_id=f"startup-{number}"), "startup"))
    except RuleError as error:
        raise ConfigError(f"fault rule {spec!r}: {error}") from None
    if config.latency is not None:
        rules.extend((rule, "latency") for rule in latency_rules(config.latency, parser, faces))
    ids = [rule.id for rule, _ in rules]
    for rule_id in ids:
        if ids.count(rule_id) > 1:
            raise ConfigError(f"two fault rules have the id '{rule_id}'")
    return rules


def latency_rules(latency: str, parser: RuleParser, faces: Faces) -> list[Rule]:
    """``--latency``: one rule per path a face owns (``latency`` on its own for one path)."""
    paths = [path for face in faces for path in face.latency_paths]
    rules = []
    for number, path in enumerate(paths):
        rule_id = f"latency-{path.strip('/*')}" if number else "latency"
        try:
            rules.append(parser.parse({"id": rule_id, "path": path, "latency_ms": latency}))
        except RuleError as error:
            raise ConfigError(f"latency {latency!r}: {error}") from None
    return rules


def create_app(
    config: Config | None = None,
    baseline: MemoryStore | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> Flask:
    """The sandbox, from its configuration (and start-up data, when given).
    ``monotonic`` (seconds) times the rate-limit windows and ``for_s`` schedules."""
    config = config or Config()
    start_up = (baseline or baseline_store(config)).frozen()
    faces = zuora_faces()
    app = http.SandboxFlask("mockserver")
    app.config.update(
        API_TITLE="Zuora Quickstart API sandbox: debit memos",
        API_VERSION=__version__,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL=pages.SWAGGER_UI_ASSETS,
    )
    http.init_app(app)
    app.after_request(capture.keep_response_body)  # runs before gzip: the journal's copy
    app.url_map.strict_slashes = False
    api = ZuoraApi(app, spec_kwargs={"servers": [{"url": "/"}]})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for face in faces:
        for blueprint in face.blueprints:
            api.register_blueprint(blueprint)
    api.register_blueprint(admin.blp)
    api.register_blueprint(callout_routes.blp)
    app.register_blueprint(pages.blp)

    operation_of = _operation_resolver(app, faces)
    parser = RuleParser(_operations(app, faces))
    rules = startup_rules(config, parser, faces)
    callouts = CalloutSetup.from_config(config)
    if config.store == "memory":
        stores = open_stores(config.store)
        tenants = Tenants(
            lambda key: Tenant(
                key,
                start_up,
                config,
                in_process(config, FaultRules(config.seed, parser, rules, monotonic), monotonic),
                stores,
                callouts.tenant(key),
            ),
            per_token=config.tenants == "per-token",
            cap=config.max_tenants,
        )
    else:
        # SQLAlchemy only where it is used (as in store.open_stores): 0.3 s of start-up.
        from mockserver.tenancy.shared_tenancy import shared_tenants

        # A clock a test gave wins; else the wall clock, which every replica shares.
        clock = time.time if monotonic is time.monotonic else monotonic
        tenants = shared_tenants(config, start_up, parser, rules, callouts.tenant, clock)
    tokens = TokenRegistry(config.auth == "strict", config.tokens, config.token_ttl)
    app.extensions["mockserver"] = Sandbox(
        config=config, faces=faces, tenants=tenants, tokens=tokens, callouts=callouts
    )
    app.seal()
    engine = FaultEngine(
        app.wsgi_app,
        gateway_timeout_s=config.gateway_timeout,
        header_enabled=config.fault_header,
        max_hold_s=config.max_hold,
    )
    app.wsgi_app = Gateway(
        app.wsgi_app,
        tenants,
        faces,
        operation_of,
        faults=engine,
        tokens=tokens,
        access_log=AccessLog() if config.log_requests else None,
    )
    return app


def _operations(app: Flask, faces: Faces) -> set[str]:
    """Every operationId the faces serve (what fault rules may name)."""
    return {
        endpoint.partition(".")[2]
        for endpoint in app.view_functions
        if faces.serves_endpoint(endpoint)
    }


def _operation_resolver(app: Flask, faces: Faces):
    """``(method, path) -> operationId`` from the faces' routes, cached."""
    adapter = app.url_map.bind("localhost")

    @lru_cache(maxsize=4096)
    def operation_of(method: str, path: str) -> str | None:
        try:
            endpoint, _ = adapter.match(path, method=method)
        except HTTPException:
            return None
        return endpoint.partition(".")[2] if faces.serves_endpoint(endpoint) else None

    return operation_of
