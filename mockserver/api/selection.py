"""What a request asks to see: query parameters checked against the route's
list, read into selections and list requests, and records rendered to
response documents with ``fields[]`` and ``expand[]`` applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .. import catalog, query, wire
from ..errors import InvalidParameter
from ..query import Filter, SortTerm
from ..records import DebitMemo, DebitMemoItem
from ..store import Store

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
DEFAULT_ORDER = (("updated_time", True), ("id", True))
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
        return selection

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


PLAIN_MEMO = MemoSelection()


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
    default_order: bool
    after: list | None
    page_size: int

    @classmethod
    def parse(cls, args, fields: dict[str, query.Field]) -> ListRequest:
        terms = query.parse_sort(args.getlist("sort[]"), fields)
        if not terms:
            terms.append(query.SortTerm(fields["updated_time"], True))
        if not any(t.field.name == "id" for t in terms):
            terms.append(query.SortTerm(fields["id"], True))
        default_order = tuple((t.field.name, t.descending) for t in terms) == DEFAULT_ORDER
        cursor = args.get("cursor") or None
        return cls(
            filters=query.parse_filters(args.getlist("filter[]"), fields),
            terms=terms,
            default_order=default_order,
            after=query.decode_cursor(cursor, terms) if cursor is not None else None,
            page_size=query.parse_page_size(args.get("page_size")),
        )

    def page(self, ordered, everything, today: date) -> tuple[list, str | None]:
        """One page and the cursor of the next (None on the last page).

        ``ordered(before)`` walks records in the default order from below a key;
        ``everything()`` gives all records for any other order.
        """
        size = self.page_size
        if self.default_order:
            before = None
            if self.after is not None:
                updated, record_id = self.after
                before = (int(updated.timestamp()), record_id) if updated else None
            found = query.take(ordered(before), self.filters, size, today)
        else:
            after = query.cursor_key(self.terms, self.after, today) if self.after else None
            candidates = (r for r in everything() if all(f.matches(r, today) for f in self.filters))
            found = query.page_after(candidates, self.terms, after, size, today)
        if len(found) <= size:
            return found, None
        page = found[:size]
        return page, query.encode_cursor(self.terms, page[-1], today)
