"""The notification service's JSON shapes: ``GetPublicNotificationDefinitionResponse``
(with its ``callout``) and ``EventTrigger``, from the callout engine's records.

A definition made the short way (``--callout``, ``/__mock/callouts``) answers
with Zuora's fields too, from its record. (sandbox rule) A callout's password
is never sent back: it reads ``********``.
"""

from __future__ import annotations

from mockserver.callouts.definitions import NotificationDefinition
from mockserver.callouts.registering import DEFAULT_PROFILE, short_way_extra
from mockserver.callouts.triggers import NAMESPACE, EventTrigger

MASK = "********"


def _auth(definition: NotificationDefinition, domain: str | None) -> dict | None:
    auth = definition.callout.auth
    if auth is None:
        return None
    return {
        "username": auth.username,
        "password": MASK,
        "domain": domain,
        "preemptive": auth.preemptive,
    }


def _callout(definition: NotificationDefinition, extra: dict) -> dict:
    callout = definition.callout
    own = extra["callout"]
    return {
        "id": own["id"],
        "name": own["name"],
        "description": own["description"],
        "active": own["active"],
        "eventTypeName": definition.event_name,
        "calloutBaseurl": callout.url,
        "httpMethod": callout.method,
        "calloutParams": dict(callout.params),
        "calloutRetry": own["retry"],
        "requiredAuth": own["required_auth"],
        "calloutAuth": _auth(definition, own["domain"]),
        "createdBy": extra["created_by"],
        "updatedOn": extra["updated_on"],
    }


def definition(record: NotificationDefinition) -> dict:
    extra = dict(record.extra) or short_way_extra(record)
    profile = extra["communication_profile_id"] or DEFAULT_PROFILE
    wire = {
        "id": record.id,
        "name": record.name,
        "description": extra["description"],
        "eventTypeName": record.event_name,
        "eventTypeNamespace": extra["event_type_namespace"],
        "communicationProfileId": profile,
        "communicationProfileIds": extra["communication_profile_ids"] or [profile],
        "active": extra["active"],
        "emailActive": extra["email_active"],
        "emailTemplateId": extra["email_template_id"],
        "calloutActive": extra["callout_active"],
        "callout": _callout(record, extra),
        "calloutTemplateIds": [],
        "filterRule": None,
        "filterRuleParams": {},
        "associatedAccount": extra["associated_account"],
        "createdBy": extra["created_by"],
        "createdOn": extra["created_on"],
        "updatedBy": extra["updated_by"],
        "updatedOn": extra["updated_on"],
    }
    if record.event_category is not None:
        wire["eventCategory"] = record.event_category
    return wire


def trigger(record: EventTrigger) -> dict:
    return {
        "id": record.id,
        "baseObject": record.base_object,
        "condition": record.condition.text,
        "description": record.description,
        "eventType": {
            "name": record.event_type.name,
            "displayName": record.event_type.display_name,
            "description": record.event_type.description,
            "namespace": NAMESPACE,
        },
        "active": record.active,
    }
