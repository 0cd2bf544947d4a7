"""The control plane's callouts: ``/__mock/callouts`` (the short way of
registering), their deliveries journal, the flush of manual callout time and
the delivery fault rules (``/__mock/callout-faults``). ``?tenant=`` picks a
tenant, and the admin token guards them as it does the rest of ``/__mock``."""

from __future__ import annotations

from flask import Response
from marshmallow import fields, validate

from mockserver.callouts.shortway import definition_from_spec, definition_to_wire
from mockserver.control.admin import (
    AdminBlueprint,
    TenantQuery,
    _require_admin_token,
    _rule_spec,
    _sandbox,
    _tenant,
)
from mockserver.domain.errors import IdTaken, InvalidParameter, NotFound
from mockserver.faces.http import json_response
from mockserver.faults import DuplicateRule, RuleError

blp = AdminBlueprint(
    "callouts", __name__, url_prefix="/__mock", description="Callouts: the short way, deliveries"
)
blp.before_request(_require_admin_token)

SPEC_DOC = {
    "required": True,
    "description": "A callout (SANDBOX.md's short way): a JSON object, or its key=value text",
    "content": {
        "application/json": {
            "schema": {"oneOf": [{"type": "object"}, {"type": "string"}]},
            "example": {
                "event": "DebitMemoPosted",
                "url": "http://127.0.0.1:9000/hook",
                "params": {"memoId": "DebitMemo.Id"},
            },
        },
        "text/plain": {"example": "event=DebitMemoPosted,url=http://127.0.0.1:9000/hook"},
    },
}


class DeliveriesQuery(TenantQuery):
    event = fields.String(validate=validate.Length(max=128))
    notification_id = fields.String(validate=validate.Length(max=64))
    object_id = fields.String(validate=validate.Length(max=64))
    status = fields.Integer(validate=validate.Range(100, 599))
    after = fields.Integer(validate=validate.Range(0, 2**63))
    limit = fields.Integer(validate=validate.Range(1, 100_000))


@blp.route("/callouts", methods=["GET"])
@blp.arguments(TenantQuery, location="query")
def list_callouts(args):
    callouts = _tenant(args.get("tenant")).callouts
    return json_response({"data": [definition_to_wire(d) for d in callouts.definitions.list()]})


@blp.route("/callouts", methods=["POST"])
@blp.arguments(TenantQuery, location="query")
@blp.doc(requestBody=SPEC_DOC)
def add_callout(args):
    callouts = _tenant(args.get("tenant")).callouts
    strict = _sandbox().callouts.strict
    try:
        definition = definition_from_spec(_rule_spec(), callouts.new_definition_id(), strict=strict)
    except RuleError as error:
        raise InvalidParameter(error.key, str(error)) from None
    callouts.definitions.add(definition)
    return json_response(definition_to_wire(definition), status=201)


@blp.route("/callouts", methods=["DELETE"])
@blp.arguments(TenantQuery, location="query")
def clear_callouts(args):
    definitions = _tenant(args.get("tenant")).callouts.definitions
    for definition in definitions.list():
        definitions.delete(definition.id)
    return Response(status=204)


@blp.route("/callouts/<definition_id>", methods=["DELETE"])
@blp.arguments(TenantQuery, location="query")
def remove_callout(args, definition_id):
    if not _tenant(args.get("tenant")).callouts.definitions.delete(definition_id):
        raise NotFound(definition_id)
    return Response(status=204)


@blp.route("/callouts/deliveries", methods=["GET"])
@blp.arguments(DeliveriesQuery, location="query")
def deliveries(args):
    callouts = _tenant(args.pop("tenant", None)).callouts
    rows = callouts.deliveries.rows(**args)
    return json_response({"data": [row.to_wire() for row in rows], "pending": len(callouts.outbox)})


@blp.route("/callouts/deliveries", methods=["DELETE"])
@blp.arguments(TenantQuery, location="query")
def clear_deliveries(args):
    _tenant(args.get("tenant")).callouts.deliveries.clear()
    return Response(status=204)


@blp.route("/callouts/flush", methods=["POST"])
@blp.arguments(TenantQuery, location="query")
def flush(args):
    """Deliver everything now, running the callout clock forward through the retries
    until the outbox is empty; answers the attempts made."""
    callouts = _tenant(args.get("tenant")).callouts
    rows = callouts.flush()
    return json_response({"data": [row.to_wire() for row in rows], "pending": len(callouts.outbox)})


@blp.route("/callout-faults", methods=["GET"])
@blp.arguments(TenantQuery, location="query")
def list_callout_faults(args):
    faults = _tenant(args.get("tenant")).callouts.faults
    return json_response({"data": [armed.to_wire() for armed in faults]})


@blp.route("/callout-faults", methods=["POST"])
@blp.arguments(TenantQuery, location="query")
@blp.doc(
    requestBody={
        "required": True,
        "description": "A delivery fault rule: an object of SANDBOX.md's keys, or key=value text",
        "content": {
            "application/json": {"example": {"event": "DebitMemoPosted", "action": "duplicate"}},
            "text/plain": {"example": "event=DebitMemoPosted,action=fail,times=1"},
        },
    }
)
def add_callout_fault(args):
    faults = _tenant(args.get("tenant")).callouts.faults
    try:
        armed = faults.add(_rule_spec())
    except DuplicateRule as error:
        raise IdTaken("id", str(error)) from None
    except RuleError as error:
        raise InvalidParameter(error.key, str(error)) from None
    return json_response(armed.to_wire(), status=201)


@blp.route("/callout-faults", methods=["DELETE"])
@blp.arguments(TenantQuery, location="query")
def clear_callout_faults(args):
    _tenant(args.get("tenant")).callouts.faults.clear()
    return Response(status=204)


@blp.route("/callout-faults/<rule_id>", methods=["DELETE"])
@blp.arguments(TenantQuery, location="query")
def remove_callout_fault(args, rule_id):
    if not _tenant(args.get("tenant")).callouts.faults.remove(rule_id):
        raise NotFound(rule_id)
    return Response(status=204)
