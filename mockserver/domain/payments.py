"""Payments: made, applied to debit memos and unapplied, by either face.

A payment is a record of its own; what it applies to a memo is one
``PaymentApplication`` (Zuora v1's "part"). Applying lowers the memo's
balance and raises its ``amount_paid``; unapplying gives both back. A v2
``pay`` is a payment too: one application of the whole amount (see
``pay_memo``). Every operation checks everything, then changes the store,
under the store's lock: it happens whole or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from mockserver.domain import builders
from mockserver.domain.accounts import named_account
from mockserver.domain.clock import Clock
from mockserver.domain.errors import (
    CurrencyMismatch,
    InvalidParameter,
    InvalidState,
    Kind,
    MissingParameter,
    NotFound,
    Problem,
    RuleBroken,
    ZuoraError,
)
from mockserver.domain.money import check_amount, from_cents, to_cents
from mockserver.domain.records import (
    Account,
    Audit,
    DebitMemo,
    DebitMemoItem,
    Payment,
    PaymentApplication,
)
from mockserver.store import Store

PAYMENT_TYPES = ("External", "Electronic")
MAX_APPLICATIONS = 99  # per request (sandbox rule)


@dataclass(frozen=True, slots=True)
class _Application:
    """One checked entry of ``debit_memos``: the memo and the amount in hundredths."""

    memo: DebitMemo
    amount: int


class Payments:
    """The operations on one tenant's payments."""

    def __init__(self, store: Store, clock: Clock):
        self.store = store
        self.clock = clock

    def get(self, ref: str) -> Payment:
        payment = self.store.payment(ref) or self.store.payment_by_number(ref)
        if payment is None:
            raise NotFound(ref, "paymentKey")
        return payment

    def create(self, data: dict) -> Payment:
        """A processed payment, applied at once to the ``debit_memos`` it names."""
        store = self.store
        with store.transaction():
            entries = _entries(data)
            account = self._account_for(data, entries)
            currency = data["currency"]
            if currency != account.currency:
                raise CurrencyMismatch("currency", currency, account.currency)
            amount = to_cents(check_amount(data["amount"], currency, "amount", positive=True))
            method_id = self.method_for(account, data.get("payment_method_id"))
            if data["type"] == "Electronic" and data.get("effective_date") is None:
                raise MissingParameter("effective_date", "'effectiveDate' is required")
            applications = self._checked(entries, account, "apply")
            _check_total(applications, amount)
            now = self.clock.now()
            audit = Audit(store.api_user_id, now, store.api_user_id, now)
            raw = {**data, "payment_method_id": method_id}
            payment = builders.payment(
                raw, account, store.new_id(), store.next_payment_number(), audit
            )
            return self._apply(payment, applications, now)

    def apply(self, ref: str, data: dict) -> Payment:
        """Apply more of the payment's unapplied amount to posted memos."""
        with self.store.transaction():
            payment = self.get(ref)
            account = self.store.account(payment.account_id)
            applications = self._checked(_entries(data, required=True), account, "apply")
            _check_total(applications, payment.unapplied_amount)
            return self._apply(payment, applications, self.clock.now())

    def unapply(self, ref: str, data: dict) -> Payment:
        """Take back what the payment applied to memos; it becomes unapplied again."""
        store = self.store
        with store.transaction():
            payment = self.get(ref)
            account = store.account(payment.account_id)
            entries = _entries(data, required=True)
            releases = self._checked(entries, account, "unapply", posted_only=False)
            applied = {a.debit_memo_id: a.amount for a in payment.applications}
            for n, release in enumerate(releases):
                memo, has = release.memo, applied.get(release.memo.id, 0)
                if release.amount > has:
                    raise RuleBroken(
                        f"debit_memos[{n}].amount",
                        f"Payment {payment.number} has {from_cents(has)} applied to debit memo "
                        f"{memo.debit_memo_number}, less than {from_cents(release.amount)}",
                    )
                applied[memo.id] = has - release.amount
            now = self.clock.now()
            user = store.api_user_id
            for release in releases:
                memo = store.memo(release.memo.id)
                items = release_payment(memo.items, release.amount, user, now)
                _save_memo(store, memo, items, memo.amount_paid - release.amount, now)
            kept = tuple(
                a if applied[a.debit_memo_id] == a.amount
                else replace(a, amount=applied[a.debit_memo_id], audit=a.audit.touched(user, now))
                for a in payment.applications
                if applied[a.debit_memo_id] > 0
            )  # fmt: skip
            payment = replace(payment, applications=kept, audit=payment.audit.touched(user, now))
            store.put_payment(payment)
            return payment

    # -- checks ----------------------------------------------------------------

    def _account_for(self, data: dict, entries: list[dict]) -> Account:
        """The account named, or else the account of the first memo to apply to."""
        account_id, account_number = data.get("account_id"), data.get("account_number")
        if account_id is None and account_number is None and entries:
            return self.store.account(self._memo(entries[0], 0).account_id)
        return named_account(self.store, account_id, account_number)

    def method_for(
        self, account: Account, method_id: str | None, field: str = "payment_method_id"
    ) -> str:
        """The id of the account's payment method ``method_id``, else of its default one."""
        method_id = method_id or account.default_payment_method_id
        method = self.store.payment_method(method_id)
        if method is None or method.account_id != account.id:
            raise InvalidParameter(field, f"Payment method {method_id} could not be found")
        return method_id

    def _memo(self, entry: dict, n: int) -> DebitMemo:
        ref = entry.get("debit_memo_id") or entry.get("debit_memo_number")
        if ref is None:
            raise MissingParameter(
                f"debit_memos[{n}].debit_memo_id",
                f"'debitMemos[{n}]' needs a 'debitMemoId' or a 'debitMemoNumber'",
            )
        memo = self.store.memo(ref) or self.store.memo_by_number(ref)
        if memo is None:
            raise NotFound(ref, f"debit_memos[{n}].debit_memo_id")
        return memo

    def _checked(
        self, entries: list[dict], account: Account, action: str, posted_only: bool = True
    ) -> list[_Application]:
        """The entries' memos and amounts, each checked against its memo."""
        applications, seen = [], set()
        for n, entry in enumerate(entries):
            memo = self._memo(entry, n)
            if memo.id in seen:
                raise InvalidParameter(
                    f"debit_memos[{n}]", f"Debit memo {memo.debit_memo_number} is named twice"
                )
            seen.add(memo.id)
            if memo.account_id != account.id:
                raise InvalidParameter(
                    f"debit_memos[{n}].debit_memo_id",
                    f"Debit memo {memo.debit_memo_number} belongs to another account",
                )
            if posted_only and memo.state != "posted":
                raise InvalidState(memo.state, f"{action} a payment to")
            where = f"debit_memos[{n}].amount"
            amount = to_cents(check_amount(entry["amount"], memo.currency, where, positive=True))
            if action == "apply" and amount > memo.remaining_balance:
                raise ZuoraError(
                    Problem(
                        Kind.AMOUNT_EXCEEDS_BALANCE,
                        where,
                        f"'{where}' {from_cents(amount)} exceeds the balance "
                        f"{from_cents(memo.remaining_balance)} of {memo.debit_memo_number}",
                    ),
                    kind=Kind.AMOUNT_EXCEEDS_BALANCE,
                )
            applications.append(_Application(memo, amount))
        return applications

    def _apply(self, payment: Payment, applications: list[_Application], now: datetime) -> Payment:
        store = self.store
        user = store.api_user_id
        parts = {a.debit_memo_id: a for a in payment.applications}
        for application in applications:
            memo = store.memo(application.memo.id)
            items = apply_payment(memo.items, application.amount, user, now)
            _save_memo(store, memo, items, memo.amount_paid + application.amount, now)
            part = parts.get(memo.id)
            if part is None:
                parts[memo.id] = PaymentApplication(
                    store.new_id(), payment.id, memo.id, application.amount,
                    Audit(user, now, user, now),
                )  # fmt: skip
            else:
                total = part.amount + application.amount
                parts[memo.id] = replace(part, amount=total, audit=part.audit.touched(user, now))
        audit = (
            payment.audit.touched(user, now)
            if store.payment(payment.id) is not None
            else payment.audit
        )
        payment = replace(payment, applications=tuple(parts.values()), audit=audit)
        store.put_payment(payment)
        return payment


def pay_memo(
    store: Store, memo: DebitMemo, amount: int, method_id: str, now: datetime
) -> DebitMemo:
    """A v2 ``pay``: an electronic payment of ``amount``, applied whole to ``memo``.

    The caller has checked the memo's state, the payer and the amount. Hold ``lock``.
    """
    user = store.api_user_id
    record_memo_payment(store, memo, amount, method_id, Audit(user, now, user, now))
    items = apply_payment(memo.items, amount, user, now)
    return _save_memo(store, memo, items, memo.amount_paid + amount, now)


def record_memo_payment(
    store: Store, memo: DebitMemo, amount: int, method_id: str, audit: Audit
) -> Payment:
    """An electronic payment of ``amount`` made at ``audit``'s time, applied whole to
    ``memo`` (whose own amounts the caller changes, if they change)."""
    payment_id = store.new_id()
    number = store.next_payment_number()
    part = PaymentApplication(store.new_id(), payment_id, memo.id, amount, audit)
    raw = {"amount": from_cents(amount), "payment_method_id": method_id}
    payment = builders.payment(
        raw, store.account(memo.account_id), payment_id, number, audit, (part,)
    )
    store.put_payment(payment)
    return payment


def _save_memo(
    store: Store, memo: DebitMemo, items: tuple[DebitMemoItem, ...], amount_paid: int, now
) -> DebitMemo:
    memo = replace(
        memo,
        items=items,
        amount_paid=amount_paid,
        audit=memo.audit.touched(store.api_user_id, now),
    )
    store.put_memo(memo)
    return memo


def _entries(data: dict, required: bool = False) -> list[dict]:
    entries = data.get("debit_memos")
    if entries is None:
        if required:
            raise MissingParameter("debit_memos", "'debitMemos' is required")
        return []
    if required and not entries:
        raise InvalidParameter("debit_memos", "'debitMemos' must name at least one debit memo")
    if len(entries) > MAX_APPLICATIONS:
        raise InvalidParameter(
            "debit_memos", f"'debitMemos' must name at most {MAX_APPLICATIONS} debit memos"
        )
    return entries


def _check_total(applications: list[_Application], available: int) -> None:
    total = sum(a.amount for a in applications)
    if total > available:
        raise RuleBroken(
            "debit_memos",
            f"The amounts to apply ({from_cents(total)}) exceed the payment's "
            f"unapplied amount ({from_cents(available)})",
        )


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


def release_payment(
    items: tuple[DebitMemoItem, ...], amount: int, user_id: str, now
) -> tuple[DebitMemoItem, ...]:
    """Take ``amount`` of what was paid back off the items: the reverse of ``apply_payment``,
    last item first, each item's taxes before its subtotal."""
    released = []
    left = amount
    for item in reversed(items):
        if left <= 0:
            released.append(item)
            continue
        taxes = []
        for tax in reversed(item.taxation_items):
            back = min(left, tax.amount_paid)
            left -= back
            taxes.append(replace(tax, amount_paid=tax.amount_paid - back) if back else tax)
        from_subtotal = min(left, item.subtotal_paid)
        left -= from_subtotal
        released.append(
            replace(
                item,
                subtotal_paid=item.subtotal_paid - from_subtotal,
                taxation_items=tuple(reversed(taxes)),
                audit=item.audit.touched(user_id, now),
            )
        )
    return tuple(reversed(released))
