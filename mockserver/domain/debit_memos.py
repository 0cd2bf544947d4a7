"""The debit memo life cycle: create, patch, post, unpost, cancel, delete, pay.

Each operation reads, checks and writes in one store transaction, so it
either happens whole or not at all. Input arrives already typed (Decimals,
dates) from a face's schemas; new records are built in ``builders``; the rules
that need the store or the memo's state live here.
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

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
    MissingParameter,
    NotFound,
)
from mockserver.domain.money import check_amount, from_cents, to_cents
from mockserver.domain.query import Page, PageQuery
from mockserver.domain.records import Account, Audit, DebitMemo, DebitMemoItem
from mockserver.store import Store

PATCHABLE = ("pay", "description", "due_date", "document_date", "reason_code", "custom_fields")


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
            memo_id = store.new_id()
            items = debit_memo_items(
                data.get("items"), memo_id, account.currency, audit, store.new_id
            )
            memo = debit_memo(raw, account, memo_id, store.next_memo_number(), audit, items)
            store.put_memo(memo)
            return memo

    def _account_for(self, data: dict) -> Account:
        account_id, account_number = data.get("account_id"), data.get("account_number")
        if account_id is None and account_number is None:
            raise MissingParameter("account_id", "'account_id' or 'account_number' is required")
        store = self.store
        account = (
            store.account(account_id)
            if account_id is not None
            else store.account_by_number(account_number)
        )
        parameter = "account_id" if account_id is not None else "account_number"
        if account is None:
            value = account_id if account_id is not None else account_number
            raise InvalidParameter(parameter, f"Account {value} could not be found")
        if account_number is not None and account.account_number != account_number:
            raise InvalidParameter(
                "account_number", "'account_number' does not belong to 'account_id'"
            )
        return account

    # -- state transitions ----------------------------------------------------

    def patch(self, ref: str, changes: dict) -> DebitMemo:
        with self.store.transaction():
            memo = self.get(ref)
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
            self._check_payer(memo, payment)
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
            now = self.clock.now()
            items = apply_payment(memo.items, amount, store.api_user_id, now)
            return self._save(replace(memo, items=items, amount_paid=memo.amount_paid + amount))

    def _check_payer(self, memo: DebitMemo, payment: dict) -> None:
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

    def _save(self, memo: DebitMemo) -> DebitMemo:
        store = self.store
        memo = replace(memo, audit=memo.audit.touched(store.api_user_id, self.clock.now()))
        store.put_memo(memo)
        return memo


def apply_payment(
    items: tuple[DebitMemoItem, ...], amount: int, user_id: str, now
) -> tuple[DebitMemoItem, ...]:
    """Spread a payment over the items in order: each item's subtotal, then its taxes."""
    audits = {}  # records that shared an audit before share the new one

    def touched(audit: Audit) -> Audit:
        if id(audit) not in audits:
            audits[id(audit)] = audit.touched(user_id, now)
        return audits[id(audit)]

    paid_items = []
    left = amount
    for item in items:
        if left <= 0 or item.remaining_balance <= 0:
            paid_items.append(item)
            continue
        to_subtotal = min(left, item.subtotal - item.subtotal_paid)
        left -= to_subtotal
        taxes = []
        for tax in item.taxation_items:
            to_tax = min(left, tax.remaining_balance)
            left -= to_tax
            taxes.append(
                replace(tax, amount_paid=tax.amount_paid + to_tax, audit=touched(tax.audit))
                if to_tax
                else tax
            )
        paid_items.append(
            replace(
                item,
                subtotal_paid=item.subtotal_paid + to_subtotal,
                taxation_items=tuple(taxes),
                audit=touched(item.audit),
            )
        )
    return tuple(paid_items)
