"""Callout parameters rendered to text, as Zuora does: merge fields replaced by values.

A merge field names a field of the event's object, in any of three forms:
``<DataSource.DebitMemo.Id>``, ``{{DataSource.DebitMemo.Id}}`` (both may sit
inside a longer text) and the short way's bare ``DebitMemo.Id`` (the whole
value). Names match case-insensitively (Zuora writes ``Account.ID`` too). An
empty field renders as ``""``, money with two places (``"10.50"``), booleans as
``"true"``/``"false"``. Anything that is not a merge field is sent as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

from mockserver.callouts.fields import BASE_OBJECTS

TEMPLATE = re.compile(r"<DataSource\.(\w+)\.(\w+)>|\{\{\s*DataSource\.(\w+)\.(\w+)\s*\}\}")
BARE = re.compile(r"(\w+)\.(\w+)")
MONEY = Decimal("0.01")
_OBJECTS = {name.lower(): name for name in BASE_OBJECTS}
_FIELDS = {
    name: {field.lower(): field for field in fields} for name, fields in BASE_OBJECTS.items()
}


class MergeFieldError(ValueError):
    """A parameter names a field the event's object doesn't have; ``param`` says which."""

    def __init__(self, param: str, message: str):
        super().__init__(message)
        self.param = param


def merge_fields(value: str) -> list[tuple[str, str]]:
    """The ``(object, field)`` pairs a parameter's value names, as written."""
    found = [(match[1] or match[3], match[2] or match[4]) for match in TEMPLATE.finditer(value)]
    bare = BARE.fullmatch(value.strip())
    if not found and bare and bare[1].lower() in _OBJECTS:
        found.append((bare[1], bare[2]))
    return found


def check_params(params: Mapping[str, str], base_object: str | None) -> None:
    """Refuse a merge field of another object than ``base_object`` (any object the
    sandbox knows when it's ``None``: a custom event not yet defined) or of a field
    that object lacks."""
    for param, value in params.items():
        for object_name, field in merge_fields(value):
            canonical = _OBJECTS.get(object_name.lower())
            if canonical is None or (base_object is not None and canonical != base_object):
                about = base_object or " or ".join(BASE_OBJECTS)
                raise MergeFieldError(
                    param, f"'{param}': the event is about a {about}, not a {object_name}"
                )
            if field.lower() not in _FIELDS[canonical]:
                raise MergeFieldError(param, f"'{param}': a {canonical} has no field {field}")


def text_of(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return str(value.quantize(MONEY))
    return str(value)


def render(params: Mapping[str, str], base_object: str, record: Mapping[str, object]) -> dict:
    """The callout's JSON body: each parameter's value with its merge fields filled in."""
    fields = _FIELDS.get(base_object, {})

    def value_of(object_name: str, field: str) -> str:
        if object_name.lower() != base_object.lower():
            return ""
        return text_of(record.get(fields.get(field.lower(), field)))

    def fill(match: re.Match) -> str:
        return value_of(match[1] or match[3], match[2] or match[4])

    body = {}
    for param, value in params.items():
        bare = BARE.fullmatch(value.strip())
        if bare and not TEMPLATE.search(value) and bare[1].lower() in _OBJECTS:
            body[param] = value_of(bare[1], bare[2])
        else:
            body[param] = TEMPLATE.sub(fill, value)
    return body
