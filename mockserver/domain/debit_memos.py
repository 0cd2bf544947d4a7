"""The debit memo life cycle: create, patch, post, unpost, cancel, delete, pay.

Each operation reads, checks and writes in one store transaction, so it
either happens whole or not at all. Input arrives already typed (Decimals,
dates) from a face's schemas; new records are built in ``builders``; the rules
that need the store or the memo's state live here.
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from mockserver.domain.accounts import named_account
from mockserver.domain.builders import (
    check_dates,
    check_item_count,
    debit_memo,
    debit_memo_items,
    memo_dates,
)
from mockserver.domain.clock import Clock
from mockserver.domain.errors import (
    AmountExceedsBalance,
    CurrencyMismatch,
    InvalidParameter,
    InvalidState,
    MemoLimitReached,
    NotFound,
)
from mockserver.domain.money import check_amount, from_cents, to_cents
from mockserver.domain.payments import pay_memo
from mockserver.domain.query import Page, PageQuery
from mockserver.domain.records import Account, Audit, DebitMemo
from mockserver.store import Store

ITEM_TEXT_FIELDS = frozenset(
    {"description", "name", "unit_of_measure", "service_start", "service_end"}
)
FIXED_ITEM_FIELDS = frozenset({"amount", "quantity", "delete", "price_id", "tax_items"})

PATCHABLE = (
    "pay", "description", "due_date", "document_date", "reason_code", "custom_fields",
    "transfer_to_accounting",
)  # fmt: skip


class DebitMemos:
    """The operations on one tenant's debit memos."""

    def __init__(self, store: Store, clock: Clock, max_memos: int | None = None):
        self.store = store
        self.clock = clock
        self.max_memos = max_memos  # (sandbox rule) the most memos the store may hold

    def get(self, ref: str) -> DebitMemo:
        """A memo by its 32-character id or by its ``DM…`` number."""
        memo = self.store.memo(ref)
        if memo is None:
            memo = self.store.memo_by_number(ref)
            if memo is None:
                raise NotFound(ref)
        return memo

    def list(self, query: PageQuery) -> Page:
        """A page of debit memos or of their items (``query.collection``)."""
        return self.store.page(query)

    # -- create ---------------------------------------------------------------

    def create(self, data: dict) -> DebitMemo:
        store = self.store
        with store.transaction():
            if self.max_memos is not None and store.count("debit_memos") >= self.max_memos:
                raise MemoLimitReached(self.max_memos)
            account = self._account_for(data)
            now = self.clock.now()
            audit = Audit(store.api_user_id, now, store.api_user_id, now)
            raw = {
                "document_date": self.clock.day_of(now),
                **data,
                "state": "posted" if data.get("post") else "draft",
            }
            memo_dates(raw, account, audit)  # refused before an id is drawn
            store.settings.check_memo(data, account.id)
            raw["reason_code"] = store.settings.reason_code(data.get("reason_code"))
            check_item_count(data.get("items"))
            raws = [
                _priced(store, item, account.currency, f"items[{n}]")
                for n, item in enumerate(data["items"])
            ]
            memo_id = store.new_id()
            items = debit_memo_items(raws, memo_id, account.currency, audit, store.new_id)
            memo = debit_memo(raw, account, memo_id, store.next_memo_number(), audit, items)
            store.put_memo(memo)
            return memo

    def _account_for(self, data: dict) -> Account:
        return named_account(self.store, data.get("account_id"), data.get("account_number"))

    # -- state transitions ----------------------------------------------------

    def patch(self, ref: str, changes: dict, memo: DebitMemo | None = None) -> DebitMemo:
        with self.store.transaction():
            memo = memo or self.get(ref)
            if memo.state == "canceled":
                raise InvalidState(memo.state, "update")
            updates = {name: changes[name] for name in PATCHABLE if name in changes}
            settings = self.store.settings
            if "reason_code" in updates:
                updates["reason_code"] = settings.reason_code(updates["reason_code"])
            if "custom_fields" in updates:
                settings.check_custom_fields("debit_memo", updates["custom_fields"])
                updates["custom_fields"] = MappingProxyType(
                    {**memo.custom_fields, **updates["custom_fields"]}
                )
            check_dates(
                updates.get("document_date", memo.document_date),
                updates.get("due_date", memo.due_date),
            )
            return self._save(replace(memo, **updates))

    def update_items(self, ref: str, changes: dict, items: list[dict]) -> DebitMemo:
        """A patch that also changes items' texts and service dates (a draft's only).

        (sandbox rule) Amounts, quantities, charges and taxes of an item don't change,
        and items are neither added nor deleted: make a new memo instead.
        """
        with self.store.transaction():
            memo = self.get(ref)
            if memo.state != "draft":
                raise InvalidState(memo.state, "update the items of")
            by_id = {item.id: item for item in memo.items}
            for n, change in enumerate(items):
                item = by_id.get(change["id"])
                if item is None:
                    raise NotFound(change["id"], f"items[{n}].id")
                fixed = sorted(set(change) & FIXED_ITEM_FIELDS)
                if fixed:
                    raise InvalidState(memo.state, f"change '{fixed[0]}' of an item of")
                updates = {k: v for k, v in change.items() if k in ITEM_TEXT_FIELDS}
                start = updates.get("service_start", item.service_start)
                end = updates.get("service_end", item.service_end)
                if end is not None and end < start:
                    raise InvalidParameter(
                        f"items[{n}].service_end", "'service_end' must not be before service_start"
                    )
                by_id[item.id] = replace(item, **updates)
            memo = replace(memo, items=tuple(by_id[item.id] for item in memo.items))
            return self.patch(memo.id, changes, memo)

    def post(self, ref: str) -> DebitMemo:
        with self.store.transaction():
            memo = self.get(ref)
            if memo.state != "draft":
                raise InvalidState(memo.state, "post")
            now = self.clock.now()
            return self._save(
                replace(memo, state="posted", posted_by_id=self.store.api_user_id, posted_time=now)
            )

    def unpost(self, ref: str) -> DebitMemo:
        with self.store.transaction():
            memo = self.get(ref)
            if memo.state != "posted":
                raise InvalidState(memo.state, "unpost")
            if memo.amount_paid or memo.amount_refunded:
                raise InvalidState(memo.state, "unpost", "it has payments or refunds applied to it")
            return self._save(replace(memo, state="draft", posted_by_id=None, posted_time=None))

    def cancel(self, ref: str) -> DebitMemo:
        with self.store.transaction():
            memo = self.get(ref)
            if memo.state != "draft":
                raise InvalidState(memo.state, "cancel")
            return self._save(replace(memo, state="canceled", canceled_time=self.clock.now()))

    def delete(self, ref: str) -> None:
        with self.store.transaction():
            memo = self.get(ref)
            if memo.state != "canceled":
                raise InvalidState(
                    memo.state, "delete", "only a canceled debit memo can be deleted"
                )
            self.store.delete_memo(memo.id)

    def pay(self, ref: str, payment: dict) -> DebitMemo:
        store = self.store
        with store.transaction():
            memo = self.get(ref)
            if memo.state != "posted" or memo.remaining_balance <= 0:
                reason = "" if memo.state != "posted" else "it is fully paid"
                raise InvalidState(memo.state, "pay", reason)
            if payment["currency"] != memo.currency:
                raise CurrencyMismatch("currency", payment["currency"], memo.currency)
            method_id = self._check_payer(memo, payment)
            store.settings.check_custom_fields("payment", payment.get("custom_fields", {}))
            remaining = memo.remaining_balance
            if "amount" in payment:
                amount = to_cents(
                    check_amount(payment["amount"], memo.currency, "amount", positive=True)
                )
            else:
                amount = remaining
            if amount > remaining:
                raise AmountExceedsBalance(from_cents(amount), from_cents(remaining))
            return pay_memo(store, memo, amount, method_id, self.clock.now())

    def _check_payer(self, memo: DebitMemo, payment: dict) -> str:
        """The id of the payment method that pays, once the payer is the memo's account."""
        account = self.store.account(memo.account_id)
        for name, expected in (
            ("account_id", account.id),
            ("account_number", account.account_number),
        ):
            if name in payment and payment[name] != expected:
                raise InvalidParameter(name, f"'{name}' is not the debit memo's account")
        method_id = payment.get("payment_method_id", account.default_payment_method_id)
        method = self.store.payment_method(method_id)
        if method is None or method.account_id != account.id:
            raise InvalidParameter(
                "payment_method_id", f"Payment method {method_id} could not be found"
            )
        return method_id

    def _save(self, memo: DebitMemo) -> DebitMemo:
        store = self.store
        memo = replace(memo, audit=memo.audit.touched(store.api_user_id, self.clock.now()))
        store.put_memo(memo)
        return memo


def _priced(store: Store, raw: dict, currency: str, where: str) -> dict:
    """An item of a catalog charge (``price_id``): the charge's name and unit of measure,
    and its price in ``currency`` as the unit amount unless the item names an amount."""
    charge = store.catalog.charges.get(raw.get("price_id"))
    if charge is None:
        return raw
    priced = {"name": charge.name, "unit_of_measure": charge.uom, **raw}
    if raw.get("amount") is None and raw.get("unit_amount") is None:
        price = charge.price_in(currency)
        if price is None:
            raise InvalidParameter(
                f"{where}.amount",
                f"'{where}.amount' is required: the charge has no {currency} price",
            )
        priced["unit_amount"] = price
    return priced
