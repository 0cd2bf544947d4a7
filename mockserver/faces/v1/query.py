"""v1's list query syntax: ``page``, ``pageSize``, ``field=value`` filters and
``sort``, and the absolute ``nextPage`` URL.

- ``pageSize`` defaults to 20; more than 40 is read as 40, as Zuora does.
- A filter is an exact match on a listed field; ``null`` matches a null field.
  (sandbox rule) On a timestamp field a ``yyyy-mm-dd`` value matches that day.
- ``sort=-field`` is ascending, ``+field`` (or a space, ``%2B`` decoded) or
  no sign descending; at most two fields, comma-separated.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from mockserver.domain.errors import Kind, Problem, ZuoraError
from mockserver.domain.money import CENT
from mockserver.domain.query import Field, Filter, PageQuery, SortTerm, ending_with_id
from mockserver.store import Store
from mockserver.store.indexes import page_after

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 40
MAX_PAGE = 10**6
MAX_SORT_FIELDS = 2
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}")


class InvalidQueryParameter(ZuoraError):
    kind = Kind.INVALID_QUERY_PARAMETER

    def __init__(self, parameter: str, message: str):
        super().__init__(Problem(Kind.INVALID_QUERY_PARAMETER, parameter, message))


def fields(*specs: tuple[str, str, Callable[[Any], Any]]) -> dict[str, Field]:
    """The fields of a v1 list that ``field=value`` and ``sort`` may name, from
    ``(name, kind, getter)``; kinds: string, money (hundredths), date, timestamp.

    Their store names start with ``v1:``, so their indexes are v1's own.
    """
    return {name: Field(f"v1:{name}", kind, _ignoring_today(get)) for name, kind, get in specs}


def _ignoring_today(get):
    return lambda record, _today: get(record)


ID = Field("id", "string", lambda record, _today: record.id)


@dataclass(frozen=True)
class ListQuery:
    page: int
    page_size: int
    filters: tuple[Filter, ...]
    terms: tuple[SortTerm, ...]

    @classmethod
    def parse(cls, args, known: dict[str, Field], default_sort: str | None) -> ListQuery:
        for name in args:
            if name not in known and name not in ("page", "pageSize", "sort"):
                raise InvalidQueryParameter(name, f"'{name}' is not a query parameter of this list")
        page = _integer(args, "page", 1, MAX_PAGE)
        size = min(_integer(args, "pageSize", DEFAULT_PAGE_SIZE, None), MAX_PAGE_SIZE)
        filters = tuple(
            condition
            for name, field in known.items()
            if name in args
            for condition in _conditions(name, field, args.getlist(name)[-1])
        )
        sort_text = args.get("sort", default_sort or "")
        return cls(page, size, filters, _sort(sort_text, known))

    def store_page(self, store: Store, collection: str, today: date) -> tuple[list, bool]:
        """This page of a collection the store pages (``debit_memos``), and whether more follow."""
        terms = ending_with_id(list(self.terms or (SortTerm(ID, False),)), ID)
        wanted = self.page * self.page_size
        found = store.page(PageQuery(collection, self.filters, terms, None, wanted, today))
        return found.rows[wanted - self.page_size :], found.more

    def page_of(self, records: Iterable) -> tuple[list, bool]:
        """This page of ``records`` (kept in their order unless sorted), and whether more follow."""
        chosen = [r for r in records if all(f.matches(r, None) for f in self.filters)]
        wanted = self.page * self.page_size
        if self.terms:
            chosen = page_after(chosen, ending_with_id(list(self.terms), ID), None, wanted, None)
        start = wanted - self.page_size
        return chosen[start:wanted], len(chosen) > wanted


def next_page_url(base_url: str, args, page: int) -> str:
    """The same query with the next ``page``, as an absolute URL."""
    pairs = [(k, v) for k, values in args.lists() for v in values if k != "page"]
    return f"{base_url}?{urlencode([*pairs, ('page', str(page + 1))])}"


def _integer(args, name: str, default: int, highest: int | None) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1 or len(raw) > 9:
        raise InvalidQueryParameter(name, f"'{name}' must be a whole number of 1 or more")
    if highest is not None and int(raw) > highest:
        raise InvalidQueryParameter(name, f"'{name}' must be at most {highest}")
    return int(raw)


def _conditions(name: str, field: Field, raw: str) -> tuple[Filter, ...]:
    """``name=raw`` as filters: one ``EQ``, or a whole day for a timestamp's date."""
    if raw == "null":
        return (Filter(field, "EQ", None),)
    bad = InvalidQueryParameter(name, f"'{raw}' is not a valid {field.kind} for '{name}'")
    try:
        if field.kind == "money":
            number = Decimal(raw)
            if not number.is_finite() or abs(number) >= 10**13:
                raise bad
            return (Filter(field, "EQ", number * CENT),)
        if field.kind == "date":
            if not DATE.fullmatch(raw):
                raise bad
            return (Filter(field, "EQ", date.fromisoformat(raw)),)
        if field.kind == "timestamp":
            return _timestamp_conditions(field, raw, bad)
    except (ValueError, InvalidOperation):
        raise bad from None
    return (Filter(field, "EQ", raw),)


def _timestamp_conditions(field: Field, raw: str, bad: Exception) -> tuple[Filter, ...]:
    if DATE.fullmatch(raw):
        start = datetime.combine(date.fromisoformat(raw), time(), tzinfo=UTC)
        return (Filter(field, "GE", start), Filter(field, "LT", start + timedelta(days=1)))
    if not TIMESTAMP.fullmatch(raw):
        raise bad
    return (Filter(field, "EQ", datetime.fromisoformat(raw).replace(tzinfo=UTC)),)


def _sort(text: str, known: dict[str, Field]) -> tuple:
    terms = []
    for part in (p for p in text.split(",") if p.strip()):
        stripped = part.strip()
        ascending = stripped.startswith("-") and not part.startswith(" ")
        name = stripped.lstrip("+-").strip()
        if name not in known:
            raise InvalidQueryParameter("sort", f"'{name}' is not a field this list sorts by")
        terms.append(SortTerm(known[name], not ascending))
    if len(terms) > MAX_SORT_FIELDS:
        raise InvalidQueryParameter("sort", f"'sort' takes at most {MAX_SORT_FIELDS} fields")
    return tuple(terms)
