"""The sandbox's short way of registering a callout: ``--callout SPEC``,
``callouts:`` in the config file, ``POST /__mock/callouts`` and the plugin's
``zuora_mock.callout(...)``. Each spec makes a real notification definition.

Keys: ``event`` (``DebitMemoPosted``, ``PaymentProcessed``, or a custom
event's name), ``url``, ``method`` (default POST), ``params`` (name -> merge
field, ``{"memoId": "DebitMemo.Id"}``), ``headers``, ``auth``
(``user:password``, or ``{username, password, preemptive}``), and the
sandbox's own ``name``, ``attempts`` (1 to 5, default 3) and ``active``. The
text form is the fault rules' ``key=value,key=value``, with dotted keys for
the mappings: ``param.memoId=DebitMemo.Id``, ``header.X-Team=billing``,
``auth.preemptive=true``. A bad spec raises ``RuleError`` naming the key.

(sandbox rule) ``http://`` URLs on any host are accepted, unless
``strict`` (``--callouts strict``), which wants ``https://`` as Zuora does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from urllib.parse import urlsplit

from mockserver.callouts.definitions import (
    DEFAULT_ATTEMPTS,
    MAX_ATTEMPTS,
    STANDARD_BASE_OBJECTS,
    STANDARD_EVENTS,
    Callout,
    CalloutAuth,
    NotificationDefinition,
)
from mockserver.callouts.render import MergeFieldError, check_params
from mockserver.faults import RuleError, parse_text
from mockserver.faults.values import choice, text, whole

KEYS = ("event", "url", "method", "params", "headers", "auth", "name", "attempts", "active")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
EVENT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,127}\Z")
HEADER_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}\Z")
RESERVED_HEADERS = frozenset(
    {"zuora-notification-id", "zuora-request-id", "content-length", "host", "authorization"}
)
MAX_URL = 2048
MAX_ENTRIES = 50  # params or headers (sandbox rule)
MAX_TEXT = 1024


def definition_from_spec(
    spec: str | Mapping, definition_id: str, origin: str = "runtime", strict: bool = False
) -> NotificationDefinition:
    values = _values(parse_text(spec) if isinstance(spec, str) else _mapping(spec))
    event = values["event"]
    url = _url(values["url"], strict)
    params = values.get("params", {})
    try:
        check_params(params, STANDARD_BASE_OBJECTS.get(event))
    except MergeFieldError as error:
        raise RuleError(f"params.{error.param}", str(error)) from None
    callout = Callout(
        url=url,
        method=values.get("method", "POST"),
        params=MappingProxyType(params),
        headers=MappingProxyType(values.get("headers", {})),
        auth=values.get("auth"),
        attempts=values.get("attempts", DEFAULT_ATTEMPTS),
    )
    standard = STANDARD_EVENTS.get(event)
    return NotificationDefinition(
        id=definition_id,
        name=values.get("name") or f"{event} to {url}",
        callout=callout,
        event_category=standard,
        event_type_name=None if standard else event,
        active=values.get("active", True),
        origin=origin,
    )


def _mapping(spec) -> dict:
    if not isinstance(spec, Mapping):
        raise RuleError("callout", "a callout is a mapping or key=value,key=value text")
    return {str(key): value for key, value in spec.items() if value is not None}


def _values(raw: dict) -> dict:
    """Each key's value parsed; dotted keys folded into their mapping."""
    folded: dict = {}
    for key, value in raw.items():
        head, dot, rest = key.partition(".")
        head = {"param": "params", "header": "headers"}.get(head, head) if dot else head
        if head not in KEYS:
            raise RuleError(key, f"'{key}' is not a callout key; known: {', '.join(KEYS)}")
        if dot:
            if head not in ("params", "headers", "auth") or not rest:
                raise RuleError(key, f"'{key}': only params, headers and auth take .name keys")
            folded.setdefault(head, {})[rest] = value
        elif head in folded:
            raise RuleError(key, f"'{key}' is given twice")
        else:
            folded[head] = value
    for required in ("event", "url"):
        if required not in folded:
            raise RuleError(required, f"'{required}' is required")
    return {key: PARSERS[key](key, value) for key, value in folded.items()}


def _event(key: str, value) -> str:
    name = text(key, value)
    if not EVENT_NAME.match(name):
        raise RuleError(key, f"'{key}' must be an event name such as DebitMemoPosted")
    return name


def _url(url: str, strict: bool) -> str:
    if strict and not url.startswith("https://"):
        raise RuleError(
            "url", "'url' must start with https:// (the sandbox runs --callouts strict)"
        )
    return url


def _check_url(key: str, value) -> str:
    url = text(key, value)
    parts = urlsplit(url)
    if len(url) > MAX_URL or parts.scheme not in ("http", "https") or not parts.hostname:
        raise RuleError(key, f"'{key}' must be an http:// or https:// URL with a host")
    try:
        parts.port  # noqa: B018 (parsing the port is the check)
    except ValueError:
        raise RuleError(key, f"'{key}' has a port that is not a number from 0 to 65535") from None
    return url


def _texts(name_pattern: re.Pattern | None):
    def parse(key: str, value) -> dict:
        if not isinstance(value, Mapping):
            raise RuleError(key, f"'{key}' must be a mapping of names to texts")
        if len(value) > MAX_ENTRIES:
            raise RuleError(key, f"'{key}' may have at most {MAX_ENTRIES} entries")
        parsed = {}
        for name, entry in value.items():
            name = str(name)
            if not name or (name_pattern and not name_pattern.match(name)):
                raise RuleError(f"{key}.{name}", f"'{key}.{name}' is not a valid name")
            if key == "headers" and name.lower() in RESERVED_HEADERS:
                raise RuleError(f"{key}.{name}", f"'{name}' is a header the sandbox sets")
            if not isinstance(entry, (str, int, float)) or len(str(entry)) > MAX_TEXT:
                raise RuleError(f"{key}.{name}", f"'{key}.{name}' must be a text")
            parsed[name] = str(entry)
        return parsed

    return parse


def _auth(key: str, value) -> CalloutAuth:
    if isinstance(value, str):
        username, colon, password = value.partition(":")
        if not colon or not username:
            raise RuleError(key, f"'{key}' must be user:password")
        return CalloutAuth(username, password, preemptive=False)
    if not isinstance(value, Mapping) or not {"username", "password"} <= value.keys():
        raise RuleError(key, f"'{key}' needs a username and a password")
    unknown = set(value) - {"username", "password", "preemptive"}
    if unknown:
        raise RuleError(
            f"{key}.{sorted(unknown)[0]}", f"'{key}' takes username, password, preemptive"
        )
    return CalloutAuth(
        text(f"{key}.username", value["username"]),
        str(value["password"]),
        _flag(f"{key}.preemptive", value.get("preemptive", False)),
    )


def _flag(key: str, value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise RuleError(key, f"'{key}' must be true or false")


def _attempts(key: str, value) -> int:
    attempts = whole(key, value, 1)
    if attempts > MAX_ATTEMPTS:
        raise RuleError(key, f"'{key}' must be at most {MAX_ATTEMPTS} (Zuora's most)")
    return attempts


PARSERS = {
    "event": _event,
    "url": _check_url,
    "method": lambda key, value: choice(METHODS)(key, text(key, value).upper()),
    "params": _texts(None),
    "headers": _texts(HEADER_NAME),
    "auth": _auth,
    "name": lambda key, value: text(key, value)[:255],
    "attempts": _attempts,
    "active": _flag,
}


def definition_to_wire(definition: NotificationDefinition) -> dict:
    """A definition as ``/__mock/callouts`` shows it (the password hidden)."""
    callout = definition.callout
    auth = callout.auth
    return {
        "id": definition.id,
        "name": definition.name,
        "event": definition.event_name,
        "event_category": definition.event_category,
        "event_type_name": definition.event_type_name,
        "active": definition.active,
        "url": callout.url,
        "method": callout.method,
        "params": dict(callout.params),
        "headers": dict(callout.headers),
        "auth": None
        if auth is None
        else {"username": auth.username, "password": "***", "preemptive": auth.preemptive},
        "attempts": callout.attempts,
        "origin": definition.origin,
    }
