"""How the in-memory store answers a page query: sorted indexes it walks, and
the ordering it sorts by when no index fits.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

from mockserver.domain.query import Field, Filter, SortTerm

SortKey = tuple  # (has a value, the value, id): see ``index_key``
KeyFunction = Callable[[object], SortKey]


class SortedIndex:
    """Records kept in the ascending order of ``key``; a page costs O(log n + page).

    It holds the records themselves, not their keys: keys are computed during a
    search (O(log n) of them), so an index of 100,000 memos costs its list alone.
    Keys end with the record's id, so every key is unique.
    """

    __slots__ = ("_key", "_records")

    def __init__(self, key: KeyFunction, records=()):
        self._key = key
        self._records = sorted(records, key=key)

    def add(self, record) -> None:
        insort(self._records, record, key=self._key)

    def remove(self, record) -> None:
        records = self._records
        at = bisect_left(records, self._key(record), key=self._key)
        if at < len(records) and records[at] is record:
            del records[at]

    def descending(self, before: SortKey | None = None) -> Iterator:
        """Records from the largest key down, starting strictly below ``before``."""
        records = self._records
        at = len(records) if before is None else bisect_left(records, before, key=self._key)
        for position in range(at - 1, -1, -1):
            yield records[position]

    def ascending(self, after: SortKey | None = None) -> Iterator:
        """Records from the smallest key up, starting strictly above ``after``."""
        records = self._records
        at = 0 if after is None else bisect_right(records, after, key=self._key)
        for position in range(at, len(records)):
            yield records[position]

    def __len__(self) -> int:
        return len(self._records)


def index_key(field: Field) -> KeyFunction:
    """A record's key in an index sorted by ``field``, then by id."""
    get = field.get

    def key(record) -> tuple:
        return start_key(get(record, None), record.id)

    return key


def start_key(value, record_id: str) -> tuple:
    """The index key of an after-key's row."""
    return (False, 0, record_id) if value is None else (True, value, record_id)


def walkable(terms: tuple[SortTerm, ...]) -> bool:
    """Sorted by one indexable field, with ``id`` after it in the same direction."""
    lead, rest = terms[0], terms[1:]
    if not lead.field.indexable:
        return False
    if lead.field.name == "id":
        return not rest
    return len(rest) == 1 and rest[0].field.name == "id" and rest[0].descending == lead.descending


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


def ordering(terms: tuple[SortTerm, ...], today: date) -> Callable[[Any], tuple]:
    """A sort key for records in the order ``terms`` give."""

    def key(record):
        return tuple(_component(t.field.get(record, today), t.descending) for t in terms)

    return key


def after_key(terms: tuple[SortTerm, ...], values: tuple) -> tuple:
    """The ``ordering`` key of the row whose sort values are ``values``."""
    return tuple(_component(value, t.descending) for t, value in zip(terms, values, strict=True))


def page_after(
    records: Iterable, terms: tuple[SortTerm, ...], after: tuple | None, size: int, today: date
) -> list:
    """The ``size`` + 1 first records in the order of ``terms`` that come after ``after``."""
    key = ordering(terms, today)
    if after is not None:
        records = (r for r in records if after < key(r))
    return heapq.nsmallest(size + 1, records, key=key)


def take(records: Iterator, filters: tuple[Filter, ...], size: int, today: date) -> list:
    """The first ``size`` + 1 records that pass every filter, in the given order."""
    page = []
    for record in records:
        if all(f.matches(record, today) for f in filters):
            page.append(record)
            if len(page) > size:
                break
    return page
