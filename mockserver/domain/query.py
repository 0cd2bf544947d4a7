"""Zuora's list query language: ``fields[]``, ``expand[]``, ``filter[]``,
``sort[]``, ``page_size`` and ``cursor``, parsed into plain objects and applied
to records.

Each parser takes the raw query values and a catalogue of the fields it may
name (see ``catalog.py``), and raises ``InvalidParameter`` naming the query
parameter on anything it can't read.
"""

from __future__ import annotations

import base64
import binascii
import heapq
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from mockserver.domain.errors import InvalidParameter
from mockserver.domain.money import CENT, cents_to_json, to_json_number

DEFAULT_PAGE_SIZE = 30
MAX_PAGE_SIZE = 99
OPERATORS = ("EQ", "NE", "LT", "GT", "LE", "GE", "SW", "IN")
ORDERED_OPERATORS = frozenset({"LT", "GT", "LE", "GE"})
KIND_NAMES = {"money": "number"}
DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
SORT_PATTERN = re.compile(r"(?P<field>[A-Za-z_]+)\.(?P<order>asc|desc)")
FILTER_PATTERN = re.compile(r"(?P<field>[A-Za-z_\[\]]+)\.(?P<op>[A-Z]+):(?P<value>.*)", re.S)


@dataclass(frozen=True, slots=True)
class Field:
    """A field that ``filter[]`` and ``sort[]`` may name, with its type.

    ``indexable`` fields don't depend on the day, so the store can keep them sorted.
    """

    name: str
    kind: str  # string | number | money (in hundredths) | date | datetime | boolean
    get: Callable[[Any, date | None], Any]
    indexable: bool = True


@dataclass(frozen=True, slots=True)
class Filter:
    field: Field
    op: str
    value: Any  # typed by the field; a tuple for IN

    def matches(self, record, today: date) -> bool:
        actual = self.field.get(record, today)
        op, expected = self.op, self.value
        if op == "EQ":
            return actual == expected
        if op == "NE":
            return actual != expected
        if op == "IN":
            return actual in expected
        if actual is None:
            return False
        if op == "SW":
            return actual.startswith(expected)
        if op == "LT":
            return actual < expected
        if op == "GT":
            return actual > expected
        if op == "LE":
            return actual <= expected
        return actual >= expected


@dataclass(frozen=True, slots=True)
class SortTerm:
    field: Field
    descending: bool


# -- parsing -------------------------------------------------------------------


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


def parse_expand(values: list[str], accepted: frozenset[str]) -> frozenset[str]:
    names = split_values(values)
    for name in names:
        if name not in accepted:
            allowed = ", ".join(sorted(accepted))
            raise InvalidParameter(
                "expand[]", f"'{name}' cannot be expanded here (allowed: {allowed})"
            )
    return frozenset(names)


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


def typed_value(field: Field, raw: str, parameter: str):
    """A filter or cursor value read as the field's type; ``null`` is None."""
    if raw == "null":
        return None
    try:
        if field.kind in ("number", "money"):
            number = Decimal(raw)
            if not number.is_finite():
                raise ValueError
            return number * CENT if field.kind == "money" else number
        if field.kind == "boolean":
            return {"true": True, "false": False}[raw]
        if field.kind == "date":
            if not DATE_PATTERN.fullmatch(raw):
                raise ValueError
            return date.fromisoformat(raw)
        if field.kind == "datetime":
            return parse_datetime(raw)
    except (ValueError, KeyError, InvalidOperation):
        raise InvalidParameter(
            parameter,
            f"'{raw}' is not a valid {KIND_NAMES.get(field.kind, field.kind)} for '{field.name}'",
        ) from None
    return raw


def parse_datetime(raw: str) -> datetime:
    if DATE_PATTERN.fullmatch(raw):
        return datetime.fromisoformat(raw).replace(tzinfo=UTC)
    if len(raw) < 19 or raw[10] not in "Tt ":
        raise ValueError(raw)
    moment = datetime.fromisoformat(raw.replace("z", "Z"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def parse_sort(values: list[str], fields: dict[str, Field]) -> list[SortTerm]:
    terms = []
    for text in split_values(values):
        match = SORT_PATTERN.fullmatch(text)
        if match is None or match["field"] not in fields:
            raise InvalidParameter(
                "sort[]",
                f"'{text}' is not of the form <field>.asc or <field>.desc "
                "with a field that can be sorted",
            )
        terms.append(SortTerm(fields[match["field"]], match["order"] == "desc"))
    return terms


# -- ordering and pages --------------------------------------------------------


class _Descending:
    """Reverses the order of the value it wraps."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __lt__(self, other):
        return other.value < self.value

    def __eq__(self, other):
        return self.value == other.value


def _component(value, descending: bool):
    # None sorts before any value ascending, after every value descending.
    key = (False, "") if value is None else (True, value)
    return _Descending(key) if descending else key


def ordering(terms: list[SortTerm], today: date) -> Callable[[Any], tuple]:
    """A sort key for records in the order ``terms`` give."""

    def key(record):
        return tuple(_component(t.field.get(record, today), t.descending) for t in terms)

    return key


def cursor_key(terms: list[SortTerm], values: list, today: date) -> tuple:
    return tuple(_component(value, t.descending) for t, value in zip(terms, values, strict=True))


def encode_cursor(terms: list[SortTerm], record, today: date) -> str:
    """Base64 of the sort keys of the last row, in the shape of Zuora's cursors."""
    rows = []
    for term in terms:
        value = term.field.get(record, today)
        rows.append(
            {
                "orderBy": {
                    "field": term.field.name,
                    "order": "DESC" if term.descending else "ASC",
                },
                "value": _json_value(value, term.field.kind),
            }
        )
    return base64.b64encode(json.dumps(rows, separators=(",", ":")).encode()).decode()


def decode_cursor(token: str, terms: list[SortTerm]) -> list:
    """The typed sort values a cursor holds; it must match the request's order."""
    try:
        rows = json.loads(base64.b64decode(token.encode("ascii"), validate=True))
        fields = [(row["orderBy"]["field"], row["orderBy"]["order"]) for row in rows]
        raw_values = [row["value"] for row in rows]
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeError):
        raise InvalidParameter("cursor", "'cursor' is not a cursor this API issued") from None
    expected = [(t.field.name, "DESC" if t.descending else "ASC") for t in terms]
    if fields != expected:
        raise InvalidParameter("cursor", "'cursor' belongs to a list with another sort order")
    values = []
    for term, raw in zip(terms, raw_values, strict=True):
        if raw is not None and not isinstance(raw, (str, int, float, bool)):
            raise InvalidParameter("cursor", "'cursor' is not a cursor this API issued")
        text = raw if isinstance(raw, str) or raw is None else json.dumps(raw)
        values.append(typed_value(term.field, "null" if text is None else text, "cursor"))
    return values


def _json_value(value, kind: str):
    if kind == "money" and value is not None:
        return cents_to_json(value)
    if isinstance(value, Decimal):
        return to_json_number(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def index_key(field: Field) -> Callable[[Any], tuple]:
    """A record's key in a store index sorted by ``field``, then by id."""
    get = field.get

    def key(record) -> tuple:
        return start_key(get(record, None), record.id)

    return key


def start_key(value, record_id: str) -> tuple:
    """The index key of a cursor's row."""
    return (False, 0, record_id) if value is None else (True, value, record_id)


def page_after(
    records: Iterable, terms: list[SortTerm], after: tuple | None, size: int, today: date
) -> list:
    """The ``size`` + 1 first records in the order of ``terms`` that come after ``after``."""
    key = ordering(terms, today)
    if after is not None:
        records = (r for r in records if after < key(r))
    return heapq.nsmallest(size + 1, records, key=key)


def take(records: Iterator, filters: list[Filter], size: int, today: date) -> list:
    """The first ``size`` + 1 records that pass every filter, in the given order."""
    page = []
    for record in records:
        if all(f.matches(record, today) for f in filters):
            page.append(record)
            if len(page) > size:
                break
    return page
