"""Zuora's notification definition routes: create, list, get, update and delete, at
``/notifications/notification-definitions``.

Definitions are the tenant's, in the same registry as those made the short way
(``/__mock/callouts`` lists both, and these routes answer for both); those made
here are removed by ``/__mock/reset``.
"""

from __future__ import annotations

from flask import request

from mockserver.callouts import registering
from mockserver.domain.errors import NotFound, RuleBroken
from mockserver.faces.http import idempotent, json_response, request_json, tenant
from mockserver.faces.notifications import schemas, wire
from mockserver.faces.notifications.protocol import (
    blueprint,
    no_content,
    page,
    route,
    strict_urls,
)

blp = blueprint("notification_definitions", "Notification definitions, Zuora's way.")

DEFINITIONS = "/notifications/notification-definitions"
DEFINITION = f"{DEFINITIONS}/<id>"


def _caller() -> registering.Caller:
    current = tenant()
    return registering.Caller(
        user_id=current.store.api_user_id,
        now=current.clock.now,
        new_id=current.callouts.new_definition_id,
        strict=strict_urls(),
    )


def _definition(definition_id: str):
    definition = tenant().callouts.definitions.get(definition_id)
    if definition is None:
        raise NotFound(definition_id)
    return definition


@route(blp, DEFINITIONS, "POST", "POST_Create_Notification_Definition",
       "Create a notification definition")  # fmt: skip
@idempotent
def create_definition():
    data = schemas.load(schemas.CreateDefinitionSchema, request_json())
    callouts = tenant().callouts
    if len(callouts.definitions) >= registering.MAX_DEFINITIONS:
        raise RuleBroken(
            "name",
            f"(sandbox rule) a tenant has at most {registering.MAX_DEFINITIONS} definitions",
        )
    definition = registering.new_definition(data, callouts.triggers, _caller())
    return json_response(wire.definition(callouts.definitions.add(definition)))


@route(blp, DEFINITIONS, "GET", "GET_Query_Notification_Definitions",
       "Query notification definitions")  # fmt: skip
def list_definitions():
    query = schemas.load(schemas.DefinitionQuerySchema, request.args.to_dict())
    rows = [d for d in tenant().callouts.definitions.list() if _chosen(d, query)]
    return page(rows, query, wire.definition, DEFINITIONS)


def _chosen(definition, query: dict) -> bool:
    name = query.get("event_type_name")
    if name is not None and definition.event_name != name:
        return False
    shown = wire.definition(definition)
    template = query.get("email_template_id")
    profile = query.get("profile_id")
    return (template is None or shown["emailTemplateId"] == template) and (
        profile is None or profile in shown["communicationProfileIds"]
    )


@route(blp, DEFINITION, "GET", "GET_Get_Notification_Definition",
       "Get a notification definition")  # fmt: skip
def get_definition(id):
    return json_response(wire.definition(_definition(id)))


@route(blp, DEFINITION, "PUT", "PUT_Update_Notification_Definition",
       "Update a notification definition")  # fmt: skip
def update_definition(id):
    data = schemas.load(schemas.UpdateDefinitionSchema, request_json())
    callouts = tenant().callouts
    changed = registering.updated_definition(_definition(id), data, callouts.triggers, _caller())
    return json_response(wire.definition(callouts.definitions.update(changed)))


@route(blp, DEFINITION, "DELETE", "DELETE_Delete_Notification_Definition",
       "Delete a notification definition")  # fmt: skip
def delete_definition(id):
    if not tenant().callouts.definitions.delete(id):
        raise NotFound(id)
    return no_content()
