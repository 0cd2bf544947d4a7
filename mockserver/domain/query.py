"""The query language every face speaks, once parsed: filters, sort terms,
after-keys and pages. Face-neutral: each face reads its own syntax into these
objects (v2's ``filter[]``/``sort[]``/``cursor`` in ``faces/v2/query_syntax.py``),
and a store answers a ``PageQuery`` (see ``store.Store.page``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from mockserver.domain.errors import InvalidParameter
from mockserver.domain.money import in_cents, number_problem

OPERATORS = ("EQ", "NE", "LT", "GT", "LE", "GE", "SW", "IN")
ORDERED_OPERATORS = frozenset({"LT", "GT", "LE", "GE"})
DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class Field:
    """A field that filters and sort terms may name, with its type.

    ``indexable`` fields don't depend on the day, so a store can keep them sorted.
    A ``many`` field has several values per record (a memo's item ids): a filter
    holds if one of them matches, ``NE`` if none equals.
    """

    name: str
    kind: str  # string | number | money (in hundredths) | date | datetime | boolean
    get: Callable[[Any, date | None], Any]
    indexable: bool = True
    many: bool = False
    attribute: str | None = None  # the record's attribute ``get`` reads, if that is all it does


@dataclass(frozen=True, slots=True)
class Filter:
    field: Field
    op: str  # one of OPERATORS
    value: Any  # typed by the field; a tuple for IN

    def matches(self, record, today: date) -> bool:
        actual = self.field.get(record, today)
        if self.field.many:
            return self._matches_one_of(actual)
        return self._holds(actual)

    def _matches_one_of(self, values) -> bool:
        if self.op == "NE":
            return all(value != self.value for value in values)
        return any(self._holds(value) for value in values)

    def _holds(self, actual) -> bool:
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


@dataclass(frozen=True, slots=True)
class PageQuery:
    """One page of a collection: the rows that pass every filter, in the order of
    ``terms``, after the row whose sort values are ``after``.

    ``terms`` end with the record's id, so every row has its own key and a page
    boundary never splits or repeats rows (keyset paging). ``after`` holds one
    value per term (None: from the start). ``today`` is the day day-dependent
    fields (``past_due``) are read on.
    """

    collection: str
    filters: tuple[Filter, ...]
    terms: tuple[SortTerm, ...]
    after: tuple | None
    size: int
    today: date


@dataclass(frozen=True, slots=True)
class Page:
    rows: list
    more: bool  # whether rows follow the last one


def ending_with_id(terms: list[SortTerm], id_field: Field) -> tuple[SortTerm, ...]:
    """``terms`` with the id appended (in the last term's direction) unless they sort by it."""
    if any(t.field.name == "id" for t in terms):
        return tuple(terms)
    return (*terms, SortTerm(id_field, terms[-1].descending))


def row_key(terms: tuple[SortTerm, ...], record, today: date) -> tuple:
    """A row's sort values: what a face puts in its cursor, and a later ``after``."""
    return tuple(term.field.get(record, today) for term in terms)


def typed_value(field: Field, raw: str, parameter: str):
    """Query text read as the field's type; ``null`` is None."""
    if raw == "null":
        return None
    if field.kind in ("number", "money"):
        return _typed_number(field, raw, parameter)
    try:
        if field.kind == "boolean":
            return {"true": True, "false": False}[raw]
        if field.kind == "date":
            if not DATE_PATTERN.fullmatch(raw):
                raise ValueError
            return date.fromisoformat(raw)
        if field.kind == "datetime":
            return parse_datetime(raw)
    except (ValueError, KeyError):
        raise InvalidParameter(
            parameter, f"'{_cut(raw)}' is not a valid {field.kind} for '{field.name}'"
        ) from None
    return raw


def _typed_number(field: Field, raw: str, parameter: str) -> Decimal:
    """A number within the sandbox's range; money in hundredths, exactly."""
    try:
        number = Decimal(raw)
    except InvalidOperation:
        number = None
    problem = "it is not a number" if number is None else number_problem(number)
    if problem is not None:
        raise InvalidParameter(
            parameter, f"'{_cut(raw)}' is not a valid number for '{field.name}': {problem}"
        )
    return in_cents(number) if field.kind == "money" else number


def _cut(raw: str) -> str:
    """Query text for a message, cut short."""
    return raw if len(raw) <= 40 else raw[:37] + "..."


def parse_datetime(raw: str) -> datetime:
    if DATE_PATTERN.fullmatch(raw):
        return datetime.fromisoformat(raw).replace(tzinfo=UTC)
    if len(raw) < 19 or raw[10] not in "Tt ":
        raise ValueError(raw)
    moment = datetime.fromisoformat(raw.replace("z", "Z"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
