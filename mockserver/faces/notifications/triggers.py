"""Zuora's custom event trigger routes: create, list, get, update and delete, at
``/events/event-triggers``.

A trigger's condition is parsed when it is created or updated (a condition
outside the supported subset is a 400 naming ``condition`` and the character);
from then on every committed change of its base object is evaluated against it,
and a match is the custom event ``eventType.name``, sent to the definitions of
that ``eventTypeName``. Removed by ``/__mock/reset``.
"""

from __future__ import annotations

from flask import request

from mockserver.callouts import registering
from mockserver.domain.errors import NotFound
from mockserver.faces.http import idempotent, json_response, request_json, tenant
from mockserver.faces.notifications import schemas, wire
from mockserver.faces.notifications.protocol import blueprint, no_content, page, route

blp = blueprint("event_triggers", "Custom event triggers, Zuora's way.")

TRIGGERS = "/events/event-triggers"
TRIGGER = f"{TRIGGERS}/<id>"


def _trigger(trigger_id: str):
    trigger = tenant().callouts.triggers.get(trigger_id)
    if trigger is None:
        raise NotFound(trigger_id)
    return trigger


@route(blp, TRIGGERS, "POST", "POST_EventTrigger", "Create an event trigger")
@idempotent
def create_trigger():
    data = schemas.load(schemas.CreateTriggerSchema, request_json())
    return json_response(wire.trigger(registering.new_trigger(data, tenant().callouts.triggers)))


@route(blp, TRIGGERS, "GET", "GET_EventTriggers", "List event triggers")
def list_triggers():
    query = schemas.load(schemas.TriggerQuerySchema, request.args.to_dict())
    rows = [t for t in tenant().callouts.triggers.list() if _chosen(t, query)]
    return page(rows, query, wire.trigger, TRIGGERS)


def _chosen(trigger, query: dict) -> bool:
    wanted = {
        "base_object": trigger.base_object,
        "event_type_name": trigger.event_type.name,
        "active": trigger.active,
    }
    return all(query[key] == value for key, value in wanted.items() if key in query)


@route(blp, TRIGGER, "GET", "GET_EventTrigger", "Get an event trigger")
def get_trigger(id):
    return json_response(wire.trigger(_trigger(id)))


@route(blp, TRIGGER, "PUT", "PUT_EventTrigger", "Update an event trigger")
def update_trigger(id):
    data = schemas.load(schemas.UpdateTriggerSchema, request_json())
    triggers = tenant().callouts.triggers
    return json_response(wire.trigger(registering.updated_trigger(_trigger(id), data, triggers)))


@route(blp, TRIGGER, "DELETE", "DELETE_EventTrigger", "Delete an event trigger")
def delete_trigger(id):
    if not tenant().callouts.triggers.delete(id):
        raise NotFound(id)
    return no_content()
