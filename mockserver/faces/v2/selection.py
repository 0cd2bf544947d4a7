"""What a request asks to see: query parameters checked against the route's
list, read into selections and list requests, and records rendered to
response documents with ``fields[]`` and ``expand[]`` applied.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

from mockserver.domain import query
from mockserver.domain.errors import InvalidParameter
from mockserver.domain.query import Filter, SortTerm
from mockserver.domain.records import DebitMemo, DebitMemoItem
from mockserver.faces.v2 import query_fields as catalog
from mockserver.faces.v2 import wire
from mockserver.faces.v2.wire import dumps
from mockserver.store.memory import Store

NESTED_FIELDS = (
    "debit_memo_items.fields[]",
    "taxation_items.fields[]",
    "account.fields[]",
    "bill_to.fields[]",
)
MEMO_PARAMS = frozenset({"fields[]", "expand[]", "filter[]", "page_size", *NESTED_FIELDS})
MEMO_LIST_PARAMS = MEMO_PARAMS | {"cursor", "sort[]"}
ITEM_LIST_PARAMS = frozenset(
    {"fields[]", "taxation_items.fields[]", "expand[]", "filter[]", "sort[]", "page_size", "cursor"}
)
NESTED_ITEM_FILTER = "items["


def check_params(args, allowed: frozenset[str]) -> None:
    """Unknown query parameters, and repeated single-valued ones, are a 400."""
    for name in args:
        if name not in allowed:
            raise InvalidParameter(name, f"'{name}' is not a query parameter of this operation")
        if not name.endswith("[]") and len(args.getlist(name)) > 1:
            raise InvalidParameter(name, f"'{name}' may be given only once")


def _fields(args, name: str, accepted: frozenset[str]):
    return query.parse_fields(args.getlist(name), accepted, name)


@dataclass(frozen=True, slots=True)
class MemoSelection:
    """Which fields of a memo and of its expanded objects to show."""

    fields: frozenset | None = None
    item_fields: frozenset | None = None
    tax_fields: frozenset | None = None
    account_fields: frozenset | None = None
    bill_to_fields: frozenset | None = None
    expand: frozenset = frozenset()
    item_filters: tuple[Filter, ...] = ()

    @classmethod
    def parse(cls, args, single: bool) -> MemoSelection:
        if not args:
            return PLAIN_MEMO
        check_params(args, MEMO_PARAMS if single else MEMO_LIST_PARAMS)
        selection = cls(
            fields=_fields(args, "fields[]", catalog.MEMO_SELECTABLE),
            item_fields=_fields(args, "debit_memo_items.fields[]", catalog.ITEM_SELECTABLE),
            tax_fields=_fields(args, "taxation_items.fields[]", catalog.TAXATION_SELECTABLE),
            account_fields=_fields(args, "account.fields[]", catalog.ACCOUNT_SELECTABLE),
            bill_to_fields=_fields(args, "bill_to.fields[]", catalog.CONTACT_SELECTABLE),
            expand=query.parse_expand(args.getlist("expand[]"), catalog.MEMO_EXPANDABLE),
            item_filters=tuple(_item_filters(args.getlist("filter[]")) if single else ()),
        )
        if single:
            query.parse_page_size(args.get("page_size"))
        return PLAIN_MEMO if selection == PLAIN_MEMO else selection

    def render(self, memo: DebitMemo, store: Store, today: date) -> dict:
        document = _project(wire.debit_memo(memo, today), self.fields)
        if "items" in self.expand:
            items = [i for i in memo.items if all(f.matches(i, today) for f in self.item_filters)]
            item_fields = self.item_fields
            if item_fields is not None and "debit_memo_id" in item_fields:
                item_fields = item_fields | {"billing_document_id"}
            document["items"] = {
                "next_page": None,
                "data": [
                    _with_taxes(
                        _project(wire.billing_document_item(i), item_fields), i, self.tax_fields
                    )
                    for i in items
                ],
            }
        if "account" in self.expand:
            account = store.accounts[memo.account_id]
            balance = store.remaining_debit_memo_balance(account.id)
            document["account"] = _project(wire.account(account, balance), self.account_fields)
        if "bill_to" in self.expand and memo.bill_to_id in store.contacts:
            contact = store.contacts[memo.bill_to_id]
            document["bill_to"] = _project(wire.contact(contact), self.bill_to_fields)
        return document

    def json(self, memo: DebitMemo, store: Store, today: date) -> bytes:
        """The memo as JSON; a plain one (no fields[] or expand[]) comes from the cache."""
        if self is PLAIN_MEMO:
            return RENDERED_MEMOS.json(memo, today)
        return dumps(self.render(memo, store, today))


PLAIN_MEMO = MemoSelection()


class RenderedMemos:
    """The JSON of recently served memos, newest kept, oldest dropped.

    A memo record never changes (a change makes a new record), so its JSON only
    changes with the day (``past_due``). Entries are keyed by the record itself:
    a new version of a memo is a miss, never a stale hit.
    """

    def __init__(self, size: int = 4096):
        self._size = size
        self._entries: OrderedDict[int, tuple[DebitMemo, date, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def json(self, memo: DebitMemo, today: date) -> bytes:
        entry = self._entries.get(id(memo))
        if entry is not None and entry[0] is memo and entry[1] == today:
            return entry[2]
        body = dumps(wire.debit_memo(memo, today))
        with self._lock:
            self._entries[id(memo)] = (memo, today, body)
            if len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return body


RENDERED_MEMOS = RenderedMemos()


def list_json(next_page: str | None, parts: list[bytes]) -> bytes:
    """A list response from already rendered rows."""
    return b"".join([b'{"next_page":', dumps(next_page), b',"data":[', b",".join(parts), b"]}"])


def _item_filters(values: list[str]) -> list[Filter]:
    """``filter[]`` on a single memo applies to its items: ``items[amount].GT:10``."""
    filters = []
    for value in filter(None, values):
        head, dot, rest = value.partition("].")
        if not value.startswith(NESTED_ITEM_FILTER) or not dot:
            raise InvalidParameter(
                "filter[]",
                "On one debit memo, filter[] applies to its items: items[<field>].<OP>:<value>",
            )
        filters.append(
            query.parse_filter(f"{head[len(NESTED_ITEM_FILTER) :]}.{rest}", catalog.ITEM_FIELDS)
        )
    return filters


def _project(document: dict, names: frozenset | None) -> dict:
    if names is None:
        return document
    return {key: value for key, value in document.items() if key in names}


def _with_taxes(document: dict, item: DebitMemoItem, tax_fields) -> dict:
    document["taxation_items"] = {
        "next_page": None,
        "data": [_project(wire.taxation_item(t), tax_fields) for t in item.taxation_items],
    }
    return document


@dataclass(frozen=True, slots=True)
class ItemSelection:
    fields: frozenset | None
    tax_fields: frozenset | None
    expand: frozenset

    @classmethod
    def parse(cls, args) -> ItemSelection:
        check_params(args, ITEM_LIST_PARAMS)
        return cls(
            fields=_fields(args, "fields[]", catalog.ITEM_SELECTABLE),
            tax_fields=_fields(args, "taxation_items.fields[]", catalog.TAXATION_SELECTABLE),
            expand=query.parse_expand(args.getlist("expand[]"), catalog.ITEM_EXPANDABLE),
        )

    def render(self, item: DebitMemoItem, store: Store, today: date) -> dict:
        document = _project(wire.debit_memo_item(item), self.fields)
        if "taxation_items" in self.expand:
            _with_taxes(document, item, self.tax_fields)
        if "debit_memo" in self.expand:
            memo = store.memos.get(item.debit_memo_id)
            if memo is not None:
                document["debit_memo"] = wire.debit_memo(memo, today)
        return document


@dataclass(frozen=True, slots=True)
class ListRequest:
    """``filter[]``, ``sort[]``, ``cursor`` and ``page_size`` of a list."""

    filters: list[Filter]
    terms: list[SortTerm]
    after: list | None
    page_size: int

    @classmethod
    def parse(cls, args, fields: dict[str, query.Field]) -> ListRequest:
        terms = query.parse_sort(args.getlist("sort[]"), fields)
        if not terms:
            terms = [SortTerm(fields["updated_time"], True)]
        if not any(t.field.name == "id" for t in terms):
            terms.append(SortTerm(fields["id"], terms[-1].descending))
        cursor = args.get("cursor") or None
        return cls(
            filters=query.parse_filters(args.getlist("filter[]"), fields),
            terms=terms,
            after=query.decode_cursor(cursor, terms) if cursor is not None else None,
            page_size=query.parse_page_size(args.get("page_size")),
        )

    def page(self, store: Store, kind: str, today: date) -> tuple[list, str | None]:
        """One page of memos or items (``kind``) and the cursor of the next (None on the last).

        A list sorted by one field walks the store's index for that field, so a
        page costs O(log n + rows looked at); other orders sort what the filters keep.
        Hold the store's lock.
        """
        size = self.page_size
        named = self._named_records(store, kind)
        lead = self.terms[0]
        if named is None and self._walkable:
            start = query.start_key(self.after[0], self.after[-1]) if self.after else None
            records = store.walk(
                kind, lead.field.name, query.index_key(lead.field), lead.descending, start
            )
            found = query.take(records, self.filters, size, today)
        else:
            if named is None:
                named = store.memos.values() if kind == "memo" else store.items.values()
            after = query.cursor_key(self.terms, self.after, today) if self.after else None
            candidates = (r for r in named if all(f.matches(r, today) for f in self.filters))
            found = query.page_after(candidates, self.terms, after, size, today)
        if len(found) <= size:
            return found, None
        page = found[:size]
        return page, query.encode_cursor(self.terms, page[-1], today)

    @property
    def _walkable(self) -> bool:
        """Sorted by one indexable field, with ``id`` after it in the same direction."""
        lead, rest = self.terms[0], self.terms[1:]
        if not lead.field.indexable:
            return False
        if lead.field.name == "id":
            return not rest
        return (
            len(rest) == 1 and rest[0].field.name == "id" and rest[0].descending == lead.descending
        )

    def _named_records(self, store: Store, kind: str) -> list | None:
        """The few records an ``EQ`` filter on an id or number names, if there is one."""
        for f in self.filters:
            if f.op != "EQ" or f.value is None:
                continue
            name = f.field.name
            if kind == "memo" and name in ("id", "debit_memo_number"):
                memo = store.find_memo(f.value)
                return [memo] if memo is not None and getattr(memo, name) == f.value else []
            if kind == "item" and name == "id":
                item = store.items.get(f.value)
                return [item] if item is not None else []
            if kind == "item" and name == "debit_memo_id":
                memo = store.memos.get(f.value)
                return list(memo.items) if memo is not None else []
        return None
