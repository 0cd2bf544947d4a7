"""Registering Zuora's way: notification definitions and custom event triggers from
the bodies of Zuora's notification service (``faces/notifications``), checked as
Zuora checks them, made into the records the callout engine sends from.

A body arrives loaded (snake_case names, types checked); what is refused here
raises the domain's errors naming Zuora's field. A definition's own fields that
the engine doesn't use (its description, profile, email settings, the callout's
name...) ride in ``NotificationDefinition.extra`` for the face to answer with.

Rules (Zuora's unless marked):
- exactly one of ``eventCategory`` (2820 Debit Memo Posted or 2120 Payment
  Processed: the standard events the sandbox sends) and ``eventTypeName``;
- ``calloutActive: true`` needs a ``callout``; ``requiredAuth: true`` a
  ``calloutAuth`` with ``username`` and ``password``; ``emailActive: true`` an
  ``emailTemplateId``; a callout's ``eventTypeName``, when given, is the
  definition's;
- ``calloutBaseurl`` is an absolute ``https://`` URL; (sandbox rule) ``http://``
  is accepted too unless ``--callouts strict``;
- ``calloutParams`` merge fields name fields of the event's object;
- (sandbox rule) a definition needs a callout (no emails are sent); filter rules
  and callout templates are refused rather than ignored; at most
  ``MAX_DEFINITIONS`` per tenant.
- A definition sends when it, its ``calloutActive`` and its callout are all active.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from types import MappingProxyType
from urllib.parse import urlsplit

from mockserver.callouts.definitions import (
    DEFAULT_ATTEMPTS,
    EVENT_NAMES,
    STANDARD_BASE_OBJECTS,
    Callout,
    CalloutAuth,
    NotificationDefinition,
)
from mockserver.callouts.fields import BASE_OBJECTS
from mockserver.callouts.render import MergeFieldError, check_params
from mockserver.callouts.triggers import EventTrigger, EventTriggers, EventType, TriggerConflict
from mockserver.domain.errors import InvalidParameter, MissingParameter, RuleBroken

MAX_DEFINITIONS = 1000
MIN_URL = 10  # Zuora's shortest calloutBaseurl
DEFAULT_PROFILE = "Default Profile"
REFUSED = {
    "filter_rule": "filterRule",
    "filter_rule_params": "filterRuleParams",
    "callout_template_ids": "calloutTemplateIds",
}


@dataclass(frozen=True)
class Caller:
    """Who registers, and when: the tenant's API user and clock, and the URL rule."""

    user_id: str
    now: Callable[[], datetime]
    new_id: Callable[[], str]
    strict: bool = False


def zuora_time(moment: datetime) -> str:
    """A timestamp as Zuora's samples write them: ``2024-11-11T03:00:03.000 UTC``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000 UTC")


# -- URLs ---------------------------------------------------------------------------


def check_url(url: str, strict: bool) -> str:
    """``url``, or an error naming ``callout.calloutBaseurl``."""
    field = "callout.calloutBaseurl"
    schemes = ("https",) if strict else ("https", "http")
    shown = " or ".join(f"{scheme}://" for scheme in schemes)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (reading it checks it)
    except ValueError:
        raise InvalidParameter(field, f"'{field}' is not a URL") from None
    if parts.scheme.lower() not in schemes or not parts.hostname:
        rule = "" if strict else " (sandbox rule: http:// too, unless --callouts strict)"
        raise InvalidParameter(field, f"'{field}' must be an absolute URL starting {shown}{rule}")
    if len(url) < MIN_URL or any(c.isspace() for c in url):
        raise InvalidParameter(field, f"'{field}' is not a URL of at least {MIN_URL} characters")
    return url


# -- notification definitions ---------------------------------------------------------


def _refuse_unsupported(data: dict) -> None:
    for key, name in REFUSED.items():
        if data.get(key):
            raise InvalidParameter(name, f"(sandbox rule) '{name}' is not supported: leave it out")


def _event(data: dict) -> tuple[int | None, str | None]:
    category, name = data.get("event_category"), data.get("event_type_name")
    if category is not None and name is not None:
        raise InvalidParameter(
            "eventCategory", "Specify either 'eventCategory' or 'eventTypeName', not both"
        )
    if category is None and name is None:
        raise MissingParameter("eventCategory", "'eventCategory' or 'eventTypeName' is required")
    if category is not None:
        known = ", ".join(f"{code} ({event})" for code, event in EVENT_NAMES.items())
        if category != int(category) or int(category) not in EVENT_NAMES:
            raise InvalidParameter(
                "eventCategory",
                f"'eventCategory' {category} is not a standard event the sandbox sends: {known}",
            )
        return int(category), None
    return None, name


def _base_object(definition: NotificationDefinition, triggers: EventTriggers) -> str | None:
    """The object the definition's event is about; None for a custom event not yet defined."""
    if definition.event_category is not None:
        return STANDARD_BASE_OBJECTS[definition.event_name]
    trigger = triggers.named(definition.event_name)
    return trigger.base_object if trigger else None


def _callout_record(callout: dict, caller: Caller) -> tuple[Callout, dict]:
    check_url(callout["url"], caller.strict)
    auth = None
    if callout["required_auth"]:
        given = callout.get("auth") or {}
        for key in ("username", "password"):
            if not given.get(key):
                name = f"callout.calloutAuth.{key}"
                raise MissingParameter(name, f"'{name}' is required when 'requiredAuth' is true")
        auth = CalloutAuth(given["username"], given["password"], given.get("preemptive", False))
    record = Callout(
        url=callout["url"],
        method=callout["method"],
        params=MappingProxyType(dict(callout.get("params") or {})),
        auth=auth,
        attempts=DEFAULT_ATTEMPTS if callout.get("retry", True) else 1,
    )
    extra = {
        "id": caller.new_id(),
        "name": callout["name"],
        "description": callout.get("description"),
        "active": callout.get("active", True),
        "required_auth": callout["required_auth"],
        "retry": callout.get("retry", True),
        "domain": (callout.get("auth") or {}).get("domain"),
    }
    return record, extra


def _check_callout(
    definition: NotificationDefinition, callout_name: str | None, triggers: EventTriggers
) -> None:
    if callout_name is not None and callout_name != definition.event_name:
        raise InvalidParameter(
            "callout.eventTypeName",
            f"'callout.eventTypeName' must be the definition's event, {definition.event_name}",
        )
    try:
        check_params(definition.callout.params, _base_object(definition, triggers))
    except MergeFieldError as error:
        raise InvalidParameter(f"callout.calloutParams.{error.param}", str(error)) from None


def _sends(extra: dict) -> bool:
    return extra["active"] and extra["callout_active"] and extra["callout"]["active"]


def _settings(data: dict, base: dict) -> dict:
    """The definition's own fields: ``data``'s where given, else ``base``'s."""
    keys = (
        "description", "active", "callout_active", "email_active", "email_template_id",
        "communication_profile_id", "communication_profile_ids", "associated_account",
    )  # fmt: skip
    settings = {**base, **{key: data[key] for key in keys if key in data}}
    if settings.get("email_active") and not settings.get("email_template_id"):
        raise MissingParameter(
            "emailTemplateId", "'emailTemplateId' is required when 'emailActive' is true"
        )
    return settings


def new_definition(data: dict, triggers: EventTriggers, caller: Caller) -> NotificationDefinition:
    """A definition from a create body (``CreateDefinitionSchema``)."""
    _refuse_unsupported(data)
    category, name = _event(data)
    if data.get("callout") is None:
        raise MissingParameter(
            "callout",
            "(sandbox rule) 'callout' is required: the sandbox sends callouts, not emails",
        )
    callout, callout_extra = _callout_record(data["callout"], caller)
    now = zuora_time(caller.now())
    defaults = {
        "description": None, "active": True, "callout_active": False, "email_active": False,
        "email_template_id": None, "communication_profile_id": None,
        "communication_profile_ids": None, "associated_account": None,
    }  # fmt: skip
    extra = {
        **_settings(data, defaults),
        "event_type_namespace": None if category else data.get("event_type_namespace"),
        "callout": callout_extra,
        "created_by": caller.user_id,
        "created_on": now,
        "updated_by": caller.user_id,
        "updated_on": now,
    }
    definition = NotificationDefinition(
        id=caller.new_id(),
        name=data["name"],
        callout=callout,
        event_category=category,
        event_type_name=name,
        active=_sends(extra),
        description=extra["description"] or "",
        extra=MappingProxyType(extra),
    )
    _check_callout(definition, data["callout"].get("event_type_name"), triggers)
    return definition


def updated_definition(
    definition: NotificationDefinition, data: dict, triggers: EventTriggers, caller: Caller
) -> NotificationDefinition:
    """``definition`` with an update body's fields (``UpdateDefinitionSchema``) applied."""
    _refuse_unsupported(data)
    extra = dict(definition.extra) or short_way_extra(definition)
    callout = definition.callout
    if data.get("callout") is not None:
        callout, extra["callout"] = _callout_record(data["callout"], caller)
    extra.update(
        _settings(data, extra), updated_by=caller.user_id, updated_on=zuora_time(caller.now())
    )
    changed = replace(
        definition,
        name=data.get("name", definition.name),
        callout=callout,
        active=_sends(extra),
        description=extra["description"] or "",
        extra=MappingProxyType(extra),
    )
    callout_name = (data.get("callout") or {}).get("event_type_name")
    _check_callout(changed, callout_name, triggers)
    return changed


def short_way_extra(definition: NotificationDefinition) -> dict:
    """What Zuora's fields are for a definition made the short way."""
    return {
        "description": definition.description or None, "active": definition.active,
        "callout_active": True, "email_active": False, "email_template_id": None,
        "communication_profile_id": None, "communication_profile_ids": None,
        "associated_account": None, "event_type_namespace": None,
        "callout": {
            "id": definition.id, "name": definition.name, "description": None, "active": True,
            "required_auth": definition.callout.auth is not None,
            "retry": definition.callout.attempts > 1, "domain": None,
        },
        "created_by": None, "created_on": None, "updated_by": None, "updated_on": None,
    }  # fmt: skip


# -- custom event triggers --------------------------------------------------------------


def _condition(text: str, base_object: str):
    """The parsed condition; the parser loads with the first trigger (~8 ms of start-up)."""
    from mockserver.domain.conditions import ConditionError, parse

    try:
        return parse(text, base_object, frozenset(BASE_OBJECTS[base_object]))
    except ConditionError as error:
        raise InvalidParameter(
            "condition", f"'condition' is not valid at character {error.position}: {error.reason}"
        ) from None


def _check_base_object(base_object: str) -> None:
    if base_object not in BASE_OBJECTS:
        known = " or ".join(BASE_OBJECTS)
        raise InvalidParameter(
            "baseObject",
            f"(sandbox rule) 'baseObject' {base_object} is not an object the sandbox changes:"
            f" use {known}",
        )


def new_trigger(data: dict, triggers: EventTriggers) -> EventTrigger:
    """A trigger from a create body (``CreateTriggerSchema``), added to ``triggers``."""
    _check_base_object(data["base_object"])
    event_type = data["event_type"]
    trigger = EventTrigger(
        id=triggers.new_id(),
        condition=_condition(data["condition"], data["base_object"]),
        event_type=EventType(
            event_type["name"], event_type["display_name"], event_type.get("description")
        ),
        active=data["active"],
        description=data.get("description"),
    )
    return _kept(triggers.add, trigger)


def updated_trigger(trigger: EventTrigger, data: dict, triggers: EventTriggers) -> EventTrigger:
    """``trigger`` with an update body's fields (``UpdateTriggerSchema``), kept in ``triggers``."""
    condition = trigger.condition
    if "condition" in data:
        condition = _condition(data["condition"], trigger.base_object)
    event_type = trigger.event_type
    if "event_type" in data:
        given = data["event_type"]
        event_type = replace(
            event_type,
            display_name=given.get("display_name", event_type.display_name),
            description=given.get("description", event_type.description),
        )
    changed = replace(
        trigger,
        condition=condition,
        event_type=event_type,
        active=data.get("active", trigger.active),
        description=data.get("description", trigger.description),
    )
    return _kept(triggers.update, changed)


def _kept(keep, trigger: EventTrigger) -> EventTrigger:
    try:
        return keep(trigger)
    except TriggerConflict as error:
        raise RuleBroken(error.field, str(error)) from None
