"""v2's list query syntax: ``fields[]``, ``expand[]``, ``filter[]``, ``sort[]``,
``page_size`` and ``cursor``, read into the domain's query objects.

Each parser takes the raw query values and a catalogue of the fields it may
name, and raises ``InvalidParameter`` naming the query parameter on anything
it can't read.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from mockserver.domain.errors import InvalidParameter
from mockserver.domain.money import cents_to_json, to_json_number
from mockserver.domain.query import (
    OPERATORS,
    ORDERED_OPERATORS,
    Field,
    Filter,
    SortTerm,
    typed_value,
)
from mockserver.faces.v2.wire import dumps

DEFAULT_PAGE_SIZE = 30
MAX_PAGE_SIZE = 99
# Directions in either case: Zuora's guide writes ``account_number.ASC``, its OpenAPI ``.asc``.
SORT_PATTERN = re.compile(r"(?P<field>[A-Za-z_]+)\.(?P<order>(?i:asc|desc))")
FILTER_PATTERN = re.compile(r"(?P<field>[A-Za-z_\[\]]+)\.(?P<op>[A-Z]+):(?P<value>.*)", re.S)


def split_values(values: Iterable[str]) -> list[str]:
    """``fields[]=a,b&fields[]=c`` -> ``[a, b, c]``."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def parse_fields(values: list[str], accepted: frozenset[str], parameter: str):
    """The field names asked for, or ``None`` for all of them."""
    if not values:
        return None
    names = split_values(values)
    for name in names:
        if name not in accepted:
            raise InvalidParameter(parameter, f"'{name}' is not a field '{parameter}' accepts")
    return frozenset(names) if names else None


def parse_page_size(value: str | None) -> int:
    if value is None:
        return DEFAULT_PAGE_SIZE
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_PAGE_SIZE:
        raise InvalidParameter(
            "page_size", f"'page_size' must be an integer from 1 to {MAX_PAGE_SIZE}"
        )
    return int(value)


def parse_filters(
    values: list[str], fields: dict[str, Field], parameter="filter[]"
) -> list[Filter]:
    """Filters from ``filter[]`` values; empty values are ignored, like empty ``fields[]``."""
    return [parse_filter(value, fields, parameter) for value in values if value]


def parse_filter(text: str, fields: dict[str, Field], parameter: str = "filter[]") -> Filter:
    match = FILTER_PATTERN.fullmatch(text)
    if match is None:
        raise InvalidParameter(parameter, f"'{text}' is not of the form <field>.<OPERATOR>:<value>")
    name, op, raw = match["field"], match["op"], match["value"]
    field = fields.get(name)
    if field is None:
        raise InvalidParameter(parameter, f"'{name}' is not a field that can be filtered")
    if op not in OPERATORS:
        raise InvalidParameter(
            parameter, f"'{op}' is not an operator; use one of {', '.join(OPERATORS)}"
        )
    if op == "SW" and field.kind != "string":
        raise InvalidParameter(parameter, f"SW applies to text fields, not to '{name}'")
    if op in ORDERED_OPERATORS and field.kind == "boolean":
        raise InvalidParameter(parameter, f"{op} does not apply to the boolean '{name}'")
    if op == "IN":
        if not (raw.startswith("[") and raw.endswith("]")):
            raise InvalidParameter(parameter, f"IN takes a list: '{name}.IN:[a,b]'")
        parts = [part.strip() for part in raw[1:-1].split(",")] if raw[1:-1].strip() else []
        value: Any = tuple(typed_value(field, part, parameter) for part in parts)
    else:
        value = typed_value(field, raw, parameter)
        if value is None and op not in ("EQ", "NE"):
            raise InvalidParameter(parameter, "null can only be compared with EQ or NE")
    return Filter(field, op, value)


def parse_sort(values: list[str], fields: dict[str, Field]) -> list[SortTerm]:
    terms = []
    for text in split_values(values):
        match = SORT_PATTERN.fullmatch(text)
        if match is None or match["field"] not in fields:
            raise InvalidParameter(
                "sort[]",
                f"'{text}' is not of the form <field>.ASC or <field>.DESC "
                "with a field that can be sorted",
            )
        if any(term.field.name == match["field"] for term in terms):
            raise InvalidParameter("sort[]", f"'{match['field']}' is sorted on twice")
        terms.append(SortTerm(fields[match["field"]], match["order"].lower() == "desc"))
    return terms


def encode_cursor(terms: tuple[SortTerm, ...], key: tuple) -> str:
    """Base64 of the sort values of the last row, in the shape of Zuora's cursors."""
    rows = [
        {
            "orderBy": {"field": term.field.name, "order": "DESC" if term.descending else "ASC"},
            "value": _json_value(value, term.field.kind),
        }
        for term, value in zip(terms, key, strict=True)
    ]
    return base64.b64encode(dumps(rows)).decode()


def decode_cursor(token: str, terms: tuple[SortTerm, ...]) -> tuple:
    """The typed sort values a cursor holds; it must match the request's order."""
    try:
        rows = json.loads(
            base64.b64decode(token.encode("ascii"), validate=True), parse_float=Decimal
        )
        fields = [(row["orderBy"]["field"], row["orderBy"]["order"]) for row in rows]
        raw_values = [row["value"] for row in rows]
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeError):
        raise InvalidParameter("cursor", "'cursor' is not a cursor this API issued") from None
    expected = [(t.field.name, "DESC" if t.descending else "ASC") for t in terms]
    if fields != expected:
        raise InvalidParameter("cursor", "'cursor' belongs to a list with another sort order")
    values = []
    for term, raw in zip(terms, raw_values, strict=True):
        if raw is not None and not isinstance(raw, (str, int, Decimal, bool)):
            raise InvalidParameter("cursor", "'cursor' is not a cursor this API issued")
        text = raw if isinstance(raw, str) or raw is None else _cursor_text(raw)
        values.append(typed_value(term.field, "null" if text is None else text, "cursor"))
    return tuple(values)


def _cursor_text(raw: bool | int | Decimal) -> str:
    """A cursor's JSON value as query text: ``true``, ``12``, ``98999999999990.99``."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)


def _json_value(value, kind: str):
    if kind == "money" and value is not None:
        return cents_to_json(value)
    if isinstance(value, Decimal):
        return to_json_number(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
