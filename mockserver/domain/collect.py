"""Collect a posted debit memo (v1 ``POST /v1/debit-memos/{key}/collect``).

Zuora's steps, in its order: apply unapplied credit memos, then unapplied
payments (``apply_credit``, in ``application_order``), each kind Oldest First,
Largest First; then, with ``collect``, process a payment of what is left
through the payment method given or the account's default one.

(sandbox rule) The sandbox has no credit memos: ``CreditMemo`` applies
nothing. "Oldest" is the earlier effective date; among payments of one day
the larger unapplied amount goes first, then the one made first. The
gateway approves every payment (a fault rule can refuse the request). Every
check comes before the first change, under the store's lock: a collect
happens whole or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from mockserver.domain.debit_memos import DebitMemos
from mockserver.domain.errors import InvalidParameter, InvalidState, RuleBroken
from mockserver.domain.money import from_cents
from mockserver.domain.payments import Payments
from mockserver.domain.records import DebitMemo, Payment

CREDIT_MEMO, UNAPPLIED_PAYMENT = "CreditMemo", "UnappliedPayment"
DEFAULT_ORDER = (CREDIT_MEMO, UNAPPLIED_PAYMENT)
MAX_ITEMS = 10  # a memo with more items is refused (Zuora's restriction 1)
MAX_PAYMENTS = 25  # unapplied payments one collect may use (Zuora's restriction 4)


@dataclass(frozen=True, slots=True)
class AppliedPayment:
    """An unapplied payment used by a collect: the payment after it, and what it applied."""

    payment: Payment
    amount: int  # hundredths


@dataclass(frozen=True, slots=True)
class Collection:
    """What a collect did: the memo after it, the payments it applied, the one it made."""

    memo: DebitMemo
    applied_payments: tuple[AppliedPayment, ...]
    processed_payment: Payment | None


def collect(memos: DebitMemos, payments: Payments, ref: str, request: dict) -> Collection:
    """Collect the posted memo ``ref`` as ``request`` (the loaded body) asks."""
    store = payments.store
    with store.transaction():
        memo = memos.get(ref)
        if memo.state != "posted":
            raise InvalidState(memo.state, "collect")
        if len(memo.items) > MAX_ITEMS:
            raise RuleBroken(
                "debitMemoKey", f"A debit memo with more than {MAX_ITEMS} items cannot be collected"
            )
        order = application_order(request)
        plan = _unapplied_to_use(payments, memo) if UNAPPLIED_PAYMENT in order else []
        method_id = None
        if request.get("collect"):
            account = store.account(memo.account_id)
            chosen = request.get("payment", {}).get("payment_method_id")
            method_id = payments.method_for(account, chosen, "payment.payment_method_id")
        applied = tuple(_apply(payments, memo, payment, amount) for payment, amount in plan)
        memo = store.memo(memo.id)
        processed = None
        if method_id is not None and memo.remaining_balance > 0:
            processed = _process(payments, memo, method_id)
            memo = store.memo(memo.id)
        return Collection(memo, applied, processed)


def application_order(request: dict) -> tuple[str, ...]:
    """The kinds of credit to apply, in order: none unless ``apply_credit``."""
    order = request.get("application_order")
    if not request.get("apply_credit"):
        if order is not None:
            raise InvalidParameter(
                "application_order", "'applicationOrder' is valid only with 'applyCredit': true"
            )
        return ()
    if order is None:
        return DEFAULT_ORDER
    if not order or len(set(order)) != len(order):
        raise InvalidParameter(
            "application_order",
            "'applicationOrder' must name CreditMemo, UnappliedPayment or both, each once",
        )
    return tuple(order)


def _unapplied_to_use(payments: Payments, memo: DebitMemo) -> list[tuple[Payment, int]]:
    """The account's unapplied payments that pay the memo, Oldest First, Largest First,
    each with the hundredths it applies."""
    of_account = payments.store.payments_of_account(memo.account_id)
    unapplied = [p for p in of_account if p.unapplied_amount > 0]
    unapplied.sort(key=lambda p: (p.effective_date, -p.unapplied_amount, p.audit.created_time))
    plan, left = [], memo.remaining_balance
    for payment in unapplied:
        if left <= 0:
            break
        amount = min(left, payment.unapplied_amount)
        plan.append((payment, amount))
        left -= amount
    if len(plan) > MAX_PAYMENTS:
        raise RuleBroken(
            "application_order",
            f"Collecting {memo.debit_memo_number} would use more than {MAX_PAYMENTS} "
            "unapplied payments",
        )
    return plan


def _apply(payments: Payments, memo: DebitMemo, payment: Payment, amount: int) -> AppliedPayment:
    application = {"debit_memos": [{"debit_memo_id": memo.id, "amount": from_cents(amount)}]}
    return AppliedPayment(payments.apply(payment.id, application), amount)


def _process(payments: Payments, memo: DebitMemo, method_id: str) -> Payment:
    """An electronic payment of the memo's balance, applied to it whole."""
    amount = from_cents(memo.remaining_balance)
    return payments.create(
        {
            "account_id": memo.account_id,
            "amount": amount,
            "currency": memo.currency,
            "type": "Electronic",
            "payment_method_id": method_id,
            "effective_date": payments.clock.today(),
            "debit_memos": [{"debit_memo_id": memo.id, "amount": amount}],
        }
    )
