"""What a request asks to see: query parameters checked against the route's
list, read into selections and list requests, and records rendered to
response documents with ``fields[]`` and ``expand[]`` applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, tzinfo

from mockserver.domain import queryable
from mockserver.domain.errors import InvalidParameter
from mockserver.domain.query import (
    Field,
    Filter,
    Page,
    PageQuery,
    SortTerm,
    ending_with_id,
    row_key,
)
from mockserver.domain.records import Account, DebitMemo, DebitMemoItem
from mockserver.faces.v2 import query_fields as catalog
from mockserver.faces.v2 import query_syntax, wire
from mockserver.faces.v2.expansion import DEBIT_MEMO, LISTED_ITEM, below, parse_expand
from mockserver.faces.v2.wire import dumps
from mockserver.store import Store
from mockserver.tenancy.rendered import RenderedRecords

MEMO_FIELDS_ALIAS = "debit_memo.fields[]"  # Zuora's deprecated name of fields[] on memos
NESTED_FIELDS = (
    MEMO_FIELDS_ALIAS,
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
    return query_syntax.parse_fields(args.getlist(name), accepted, name)


def _memo_fields(args):
    """``fields[]`` and its deprecated alias ``debit_memo.fields[]``, together."""
    fields = _fields(args, "fields[]", catalog.MEMO_SELECTABLE)
    alias = _fields(args, MEMO_FIELDS_ALIAS, catalog.MEMO_SELECTABLE)
    if fields is None or alias is None:
        return fields if alias is None else alias
    return fields | alias


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
            fields=_memo_fields(args),
            item_fields=_fields(args, "debit_memo_items.fields[]", catalog.ITEM_SELECTABLE),
            tax_fields=_fields(args, "taxation_items.fields[]", catalog.TAXATION_SELECTABLE),
            account_fields=_fields(args, "account.fields[]", catalog.ACCOUNT_SELECTABLE),
            bill_to_fields=_fields(args, "bill_to.fields[]", catalog.CONTACT_SELECTABLE),
            expand=parse_expand(args.getlist("expand[]"), DEBIT_MEMO),
            item_filters=tuple(_item_filters(args.getlist("filter[]")) if single else ()),
        )
        if single:
            query_syntax.parse_page_size(args.get("page_size"))
        return PLAIN_MEMO if selection == PLAIN_MEMO else selection

    def render(self, memo: DebitMemo, store: Store, today: date, zone: tzinfo) -> dict:
        document = _project(wire.debit_memo(memo, today, zone), self.fields)
        if "items" in self.expand:
            items = [i for i in memo.items if all(f.matches(i, today) for f in self.item_filters)]
            item_fields = self.item_fields
            if item_fields is not None and "debit_memo_id" in item_fields:
                item_fields = item_fields | {"billing_document_id"}
            document["items"] = {
                "next_page": None,
                "data": [
                    _with_taxes(
                        _project(wire.billing_document_item(i, zone), item_fields),
                        i,
                        self.tax_fields,
                        zone,
                    )
                    for i in items
                ],
            }
        if "account" in self.expand:
            document["account"] = self._account(store.account(memo.account_id), store, zone)
        if "bill_to" in self.expand:
            self._put_contact(document, "bill_to", memo.bill_to_id, store, zone)
        return document

    def _account(self, account: Account, store: Store, zone: tzinfo) -> dict:
        """The memo's account, with what ``account.`` paths expand in it."""
        balance = store.remaining_debit_memo_balance(account.id)
        document = _project(wire.account(account, zone, balance), self.account_fields)
        if "account.bill_to" in self.expand:
            self._put_contact(document, "bill_to", account.bill_to_id, store, zone)
        if "account.sold_to" in self.expand:
            self._put_contact(document, "sold_to", account.sold_to_id, store, zone)
        if "account.default_payment_method" in self.expand:
            method = store.payment_method(account.default_payment_method_id)
            if method is not None:
                document["default_payment_method"] = wire.default_payment_method(method)
        return document

    def _put_contact(self, document: dict, name: str, contact_id: str, store, zone) -> None:
        """``bill_to.fields[]`` applies to every bill-to contact; a sold-to shows all."""
        contact = store.contact(contact_id)
        if contact is not None:
            fields = self.bill_to_fields if name == "bill_to" else None
            document[name] = _project(wire.contact(contact, zone), fields)

    def json(
        self, memo: DebitMemo, store: Store, rendered: RenderedRecords, today: date, zone: tzinfo
    ) -> bytes:
        """The memo as JSON; a plain one (no fields[] or expand[]) comes from ``rendered``."""
        if self is PLAIN_MEMO:
            return rendered.get(memo, _plain_json, (today, zone))
        return dumps(self.render(memo, store, today, zone))


PLAIN_MEMO = MemoSelection()


def _plain_json(memo: DebitMemo, day_and_zone: tuple[date, tzinfo]) -> bytes:
    return dumps(wire.debit_memo(memo, *day_and_zone))


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
            query_syntax.parse_filter(
                f"{head[len(NESTED_ITEM_FILTER) :]}.{rest}", queryable.ITEM_FIELDS
            )
        )
    return filters


def _project(document: dict, names: frozenset | None) -> dict:
    if names is None:
        return document
    return {key: value for key, value in document.items() if key in names}


def _with_taxes(document: dict, item: DebitMemoItem, tax_fields, zone: tzinfo) -> dict:
    document["taxation_items"] = {
        "next_page": None,
        "data": [_project(wire.taxation_item(t, zone), tax_fields) for t in item.taxation_items],
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
            expand=parse_expand(args.getlist("expand[]"), LISTED_ITEM),
        )

    def render(self, item: DebitMemoItem, store: Store, today: date, zone: tzinfo) -> dict:
        document = _project(wire.debit_memo_item(item, zone), self.fields)
        if "taxation_items" in self.expand:
            _with_taxes(document, item, self.tax_fields, zone)
        if "debit_memo" in self.expand:
            memo = store.memo(item.debit_memo_id)
            if memo is not None:
                inner = MemoSelection(
                    tax_fields=self.tax_fields, expand=below(self.expand, "debit_memo")
                )
                document["debit_memo"] = inner.render(memo, store, today, zone)
        return document


def page_query(args, collection: str, fields: dict[str, Field], today: date) -> PageQuery:
    """A list's ``filter[]``, ``sort[]``, ``cursor`` and ``page_size`` as a page query.

    Without ``sort[]`` a list is newest first (``updated_time.desc``); the id
    always ends the order, so pages neither repeat nor skip rows.
    """
    terms = query_syntax.parse_sort(args.getlist("sort[]"), fields)
    terms = ending_with_id(terms or [SortTerm(fields["updated_time"], True)], fields["id"])
    cursor = args.get("cursor") or None
    return PageQuery(
        collection=collection,
        filters=tuple(query_syntax.parse_filters(args.getlist("filter[]"), fields)),
        terms=terms,
        after=query_syntax.decode_cursor(cursor, terms) if cursor is not None else None,
        size=query_syntax.parse_page_size(args.get("page_size")),
        today=today,
    )


def next_page(query: PageQuery, page: Page) -> str | None:
    """The cursor of the page after ``page``; None on the last."""
    if not page.more:
        return None
    return query_syntax.encode_cursor(query.terms, row_key(query.terms, page.rows[-1], query.today))
