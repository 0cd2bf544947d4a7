"""The control plane, ``/__mock/...``: health, reset, state, clock, config,
fault rules and the request journal. Not under ``/v2``: no Zuora auth, faults or rate limits;
an admin token when one is configured. ``?tenant=`` picks a tenant that exists
(naming one never makes it: a typo, or a client cycling keys, would fill the
tenant cap); ``PUT /__mock/tenants/<token>`` makes one on purpose.
"""

from __future__ import annotations

import hmac

from flask import Response, current_app, request
from flask_smorest import Blueprint
from marshmallow import ValidationError, fields, validate

from mockserver import __version__
from mockserver.control.overview import overview
from mockserver.domain.errors import (
    IdTaken,
    InvalidParameter,
    NoSuchTenant,
    NotFound,
    Unauthorized,
)
from mockserver.faces import json_body
from mockserver.faces.fields import IsoDateTime, Schema
from mockserver.faces.http import (
    ZuoraArgumentsParser,
    json_response,
    request_json,
    request_token,
    validation_error,
)
from mockserver.faults import MAX_GLOB_LENGTH, DuplicateRule, RuleError
from mockserver.heap import release_free_memory
from mockserver.tenancy.tenants import DEFAULT_TENANT, Tenant


class AdminBlueprint(Blueprint):
    ARGUMENTS_PARSER = ZuoraArgumentsParser()


blp = AdminBlueprint(
    "admin", __name__, url_prefix="/__mock", description="The sandbox's control plane"
)


class ClockRequest(Schema):
    class Meta:
        unknown = "raise"

    now = IsoDateTime(required=True)


class JournalQuery(Schema):
    class Meta:
        unknown = "raise"

    tenant = fields.String()
    method = fields.String(validate=validate.Length(max=16))
    path = fields.String(validate=validate.Length(max=MAX_GLOB_LENGTH))
    operation = fields.String()
    status = fields.Integer(validate=validate.Range(100, 599))
    fault = fields.String()
    request_id = fields.String(validate=validate.Length(max=64))
    after = fields.Integer(validate=validate.Range(0, 2**63))
    body = fields.String(validate=validate.Length(min=1, max=1024))
    header = fields.String(validate=validate.Length(min=1, max=1024))
    limit = fields.Integer(validate=validate.Range(1, 100_000))


class TenantQuery(Schema):
    class Meta:
        unknown = "raise"

    tenant = fields.String()


class OverviewQuery(TenantQuery):
    after = fields.Integer(load_default=0, validate=validate.Range(0, 2**63))


def _sandbox():
    return current_app.extensions["mockserver"]


@blp.before_request
def _require_admin_token():
    """All but the health check need the admin token, when one is set.

    The health check stays open, so a container's HEALTHCHECK or a CI service
    probe works without knowing the token; it tells nothing about the data.
    """
    expected = _sandbox().config.admin_token
    if request.endpoint == "admin.health":
        return
    if expected and not hmac.compare_digest((request_token() or "").encode(), expected.encode()):
        raise Unauthorized()


def _tenant(key: str | None) -> Tenant:
    """The tenant ``?tenant=`` names (the default one without it); never a new one."""
    tenants = _sandbox().tenants
    if key is None or key == DEFAULT_TENANT:
        return tenants.get(DEFAULT_TENANT)
    _require_tenants(tenants, "tenant")
    tenant = tenants.find(key)
    if tenant is None:
        raise NoSuchTenant()
    return tenant


def _require_tenants(tenants, field: str) -> None:
    if not tenants.per_token:
        raise InvalidParameter(field, "Tenants are off: start the sandbox with --tenants per-token")


@blp.route("/health", methods=["GET"])
@blp.response(200, description="The sandbox is ready")
def health():
    sandbox = _sandbox()
    default = sandbox.tenants.get(DEFAULT_TENANT)
    return json_response(
        {
            "status": "ok",
            "version": __version__,
            "seed": sandbox.config.seed,
            "tenants": len(sandbox.tenants.all()),
            "debit_memos": default.store.count("debit_memos"),
        }
    )


@blp.route("/tenants/<path:key>", methods=["PUT"])
@blp.response(201, description="The tenant is made")
@blp.alt_response(200, description="The tenant was there already")
def make_tenant(key):
    """Make the tenant of a token before its first Zuora request (to arm faults or
    load a snapshot for it): 201 when it is new, 200 when it was there already."""
    tenants = _sandbox().tenants
    if key != DEFAULT_TENANT:
        _require_tenants(tenants, "key")
    _, created = tenants.make(key)
    return json_response({"tenant": key, "created": created}, status=201 if created else 200)


@blp.route("/tenants/<path:key>", methods=["DELETE"])
@blp.response(204, description="The tenant is forgotten")
def drop_tenant(key):
    """Forget a per-token tenant, so a finished CI run frees its place under the cap."""
    if not _sandbox().tenants.drop(key):
        raise NotFound(key, field="tenant")
    release_free_memory()
    return Response(status=204)


@blp.route("/reset", methods=["POST"])
@blp.arguments(TenantQuery, location="query")
def reset(args):
    if "tenant" in args:
        _tenant(args["tenant"]).reset()
    else:
        _sandbox().tenants.reset()
    release_free_memory()
    return json_response({"status": "reset", "tenant": args.get("tenant")})


@blp.route("/state", methods=["GET"])
@blp.arguments(TenantQuery, location="query")
def export_state(args):
    from mockserver.fixtures import snapshot  # with the first use: ~10 ms of start-up

    tenant = _tenant(args.get("tenant"))
    with tenant.store.transaction():
        document = snapshot.export(tenant.store, tenant.clock.today(), tenant.clock.zone)
    response = json_response(document)
    del document
    response.call_on_close(release_free_memory)  # the text, once it is sent
    return response


@blp.route("/state", methods=["PUT"])
@blp.arguments(TenantQuery, location="query")
def replace_state(args):
    from mockserver.fixtures import snapshot

    tenant = _tenant(args.get("tenant"))
    try:
        store = snapshot.load(request_json(), _sandbox().config.seed, tenant.clock.now())
    except ValidationError as error:
        raise validation_error(error) from None
    tenant.load(store.frozen())
    return json_response(
        {
            "status": "loaded",
            "accounts": store.count("accounts"),
            "debit_memos": store.count("debit_memos"),
        }
    )


@blp.route("/clock", methods=["PUT"])
@blp.arguments(TenantQuery, location="query")
@blp.arguments(ClockRequest)
def set_clock(args, body):
    tenant = _tenant(args.get("tenant"))
    tenant.clock.set(body["now"])
    return _clock(tenant.clock, frozen=True)


@blp.route("/clock", methods=["DELETE"])
@blp.arguments(TenantQuery, location="query")
def reset_clock(args):
    tenant = _tenant(args.get("tenant"))
    tenant.clock.reset()
    return _clock(tenant.clock, frozen=False)


def _clock(clock, frozen: bool):
    """The sandbox's "now", with the tenants' offset."""
    return json_response({"now": clock.now().astimezone(clock.zone).isoformat(), "frozen": frozen})


@blp.route("/config", methods=["GET"])
@blp.response(200, description="The effective configuration")
def config():
    return json_response(_sandbox().config.to_wire())


@blp.route("/requests", methods=["GET"])
@blp.arguments(JournalQuery, location="query")
def journal(args):
    tenant = _tenant(args.pop("tenant", None))
    entries = tenant.journal.entries(**args)
    return json_response({"data": [entry.to_wire() for entry in entries]})


@blp.route("/overview", methods=["GET"])
@blp.arguments(OverviewQuery, location="query")
def ui_overview(args):
    """What /__mock/ui shows: memos by state, the clock, fault rules, the requests
    journaled after ``after`` (a ``seq``), and the tenants."""
    tenant = _tenant(args.get("tenant"))
    return json_response(overview(tenant, _sandbox().tenants, args["after"]))


@blp.route("/requests", methods=["DELETE"])
@blp.arguments(TenantQuery, location="query")
def clear_journal(args):
    _tenant(args.get("tenant")).journal.clear()
    return Response(status=204)


@blp.route("/faults", methods=["GET"])
@blp.arguments(TenantQuery, location="query")
def list_faults(args):
    tenant = _tenant(args.get("tenant"))
    return json_response({"data": [armed.to_wire() for armed in tenant.faults]})


@blp.route("/faults", methods=["POST"])
@blp.arguments(TenantQuery, location="query")
@blp.doc(
    requestBody={
        "required": True,
        "description": "A fault rule: an object of SANDBOX.md's keys, or its key=value text",
        "content": {
            "application/json": {
                "schema": {"oneOf": [{"type": "object"}, {"type": "string"}]},
                "example": {"operation": "createDebitMemo", "status": 503, "times": 2},
            },
            "text/plain": {"example": "operation=createDebitMemo,status=503,times=2"},
        },
    }
)
def add_fault(args):
    tenant = _tenant(args.get("tenant"))
    try:
        armed = tenant.faults.add(_rule_spec())
    except DuplicateRule as error:
        raise IdTaken("id", str(error)) from None
    except RuleError as error:
        raise InvalidParameter(error.key, str(error)) from None
    return json_response(armed.to_wire(), status=201)


@blp.route("/faults", methods=["DELETE"])
@blp.arguments(TenantQuery, location="query")
def clear_faults(args):
    _tenant(args.get("tenant")).faults.clear()
    return Response(status=204)


@blp.route("/faults/<rule_id>", methods=["DELETE"])
@blp.arguments(TenantQuery, location="query")
def remove_fault(args, rule_id):
    if not _tenant(args.get("tenant")).faults.remove(rule_id):
        raise NotFound(rule_id)
    return Response(status=204)


def _rule_spec() -> dict | str:
    """The posted rule: a JSON object or string, or ``key=value`` text."""
    body = request.get_data(as_text=False)
    if request.mimetype == "text/plain":
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidParameter("body", "The body is not valid UTF-8") from None
    spec = json_body.loads(body)
    if not isinstance(spec, (dict, str)):
        raise InvalidParameter("body", "A fault rule is a JSON object or a key=value string")
    return spec
