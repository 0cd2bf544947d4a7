"""The notification service's request bodies and list queries, with Zuora's names
(the SDK's ``PostPublicNotificationDefinitionRequest``, ``PutPublicNotificationDefinitionRequest``,
``PostEventTriggerRequest``, ``PutEventTriggerRequest``).

A schema loads a body into plain snake_case names; any field Zuora's schema lacks
is an unknown field (400). What Zuora checks beyond types (one of
``eventCategory`` or ``eventTypeName``, a callout when ``calloutActive``...) is
in ``definitions.py`` and ``triggers.py``.
"""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate

from mockserver.faces.fields import Number, Schema, StrictBoolean, Text
from mockserver.faces.http import validation_error

MAX_PARAMS = 99  # callout parameters of one definition (sandbox rule)
MAX_PROFILES = 99
METHODS = ("GET", "PUT", "POST", "DELETE")
NAMESPACES = ("user.notification", "com.zuora.notification")
ACCOUNTS = ("Account.Id", "ParentAccount.Id", "SubscriptionOwnerAccount.Id")
NAME_PATTERN = r"^[A-Za-z][\w-]*$"  # an event type's name
OBJECT_PATTERN = r"^[A-Z][\w-]*$"  # a standard base object's name

CalloutAuthSchema = Schema.from_dict(
    {
        "username": Text(max_length=255),
        "password": Text(max_length=255),
        "domain": Text(max_length=255),
        "preemptive": StrictBoolean(),
    },
    name="CalloutAuthSchema",
)

_CALLOUT = {
    "name": Text(required=True, max_length=255),
    "description": Text(max_length=255),
    "active": StrictBoolean(),
    "url": Text(data_key="calloutBaseurl", required=True, max_length=2048),
    "method": Text(data_key="httpMethod", required=True, validate=validate.OneOf(METHODS)),
    "required_auth": StrictBoolean(data_key="requiredAuth", required=True),
    "auth": fields.Nested(CalloutAuthSchema, data_key="calloutAuth"),
    "params": fields.Dict(
        keys=Text(max_length=255),
        values=Text(max_length=1000),
        data_key="calloutParams",
        validate=validate.Length(max=MAX_PARAMS),
    ),
    "retry": StrictBoolean(data_key="calloutRetry"),
    "event_type_name": Text(data_key="eventTypeName", max_length=200),
}
CalloutSchema = Schema.from_dict(_CALLOUT, name="CalloutSchema")

_DEFINITION = {
    "name": Text(max_length=255),
    "description": Text(max_length=255),
    "active": StrictBoolean(),
    "callout_active": StrictBoolean(data_key="calloutActive"),
    "callout": fields.Nested(CalloutSchema),
    "email_active": StrictBoolean(data_key="emailActive"),
    "email_template_id": Text(data_key="emailTemplateId", max_length=64),
    "communication_profile_id": Text(data_key="communicationProfileId", max_length=64),
    "communication_profile_ids": fields.List(
        Text(max_length=64),
        data_key="communicationProfileIds",
        validate=validate.Length(max=MAX_PROFILES),
    ),
    "associated_account": Text(data_key="associatedAccount", validate=validate.OneOf(ACCOUNTS)),
    "filter_rule": fields.Raw(data_key="filterRule", allow_none=True),
    "filter_rule_params": fields.Raw(data_key="filterRuleParams", allow_none=True),
    "callout_template_ids": fields.Raw(data_key="calloutTemplateIds", allow_none=True),
}

CreateDefinitionSchema = Schema.from_dict(
    {
        **_DEFINITION,
        "name": Text(required=True, max_length=255),
        "event_category": Number(data_key="eventCategory"),
        "event_type_name": Text(
            data_key="eventTypeName", max_length=200, validate=validate.Regexp(NAME_PATTERN)
        ),
        "event_type_namespace": Text(
            data_key="eventTypeNamespace", validate=validate.OneOf(NAMESPACES)
        ),
    },
    name="CreateDefinitionSchema",
)
UpdateDefinitionSchema = Schema.from_dict(_DEFINITION, name="UpdateDefinitionSchema")

_EVENT_TYPE = {
    "display_name": Text(data_key="displayName", max_length=500, validate=validate.Length(min=1)),
    "description": Text(max_length=1000),
}
EventTypeSchema = Schema.from_dict(
    {
        **_EVENT_TYPE,
        "name": Text(required=True, max_length=200, validate=validate.Regexp(NAME_PATTERN)),
        "display_name": Text(
            data_key="displayName", required=True, max_length=500, validate=validate.Length(min=1)
        ),
    },
    name="EventTypeSchema",
)
UpdateEventTypeSchema = Schema.from_dict(_EVENT_TYPE, name="UpdateEventTypeSchema")

# ``condition`` is text of any length here: its own parser refuses one too long with a position.
CreateTriggerSchema = Schema.from_dict(
    {
        "active": StrictBoolean(required=True),
        "base_object": Text(
            data_key="baseObject", required=True, max_length=100,
            validate=validate.Regexp(OBJECT_PATTERN),
        ),
        "condition": Text(required=True, max_length=1024 * 1024),
        "description": Text(max_length=1000),
        "event_type": fields.Nested(EventTypeSchema, data_key="eventType", required=True),
    },
    name="CreateTriggerSchema",
)  # fmt: skip
UpdateTriggerSchema = Schema.from_dict(
    {
        "active": StrictBoolean(),
        "condition": Text(max_length=1024 * 1024),
        "description": Text(max_length=1000),
        "event_type": fields.Nested(UpdateEventTypeSchema, data_key="eventType"),
    },
    name="UpdateTriggerSchema",
)

_PAGE = {
    "start": fields.Integer(validate=validate.Range(min=0, max=10**9)),
    "limit": fields.Integer(validate=validate.Range(min=1, max=100)),
}
DefinitionQuerySchema = Schema.from_dict(
    {
        **_PAGE,
        "profile_id": Text(data_key="profileId", max_length=64),
        "event_type_name": Text(data_key="eventTypeName", max_length=200),
        "email_template_id": Text(data_key="emailTemplateId", max_length=64),
    },
    name="DefinitionQuerySchema",
)
TriggerQuerySchema = Schema.from_dict(
    {
        **_PAGE,
        "base_object": Text(data_key="baseObject", max_length=100),
        "event_type_name": Text(data_key="eventTypeName", max_length=200),
        "active": fields.Boolean(truthy={"true"}, falsy={"false"}),
    },
    name="TriggerQuerySchema",
)


def load(schema: type[Schema], document: dict) -> dict:
    """``document`` in snake_case names; problems become one error naming each field."""
    try:
        return schema().load(document)
    except ValidationError as error:
        raise validation_error(error) from None
