"""Payments as records, without HTTP: what applying and unapplying does to memos."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from mockserver.domain.clock import Clock
from mockserver.domain.debit_memos import DebitMemos
from mockserver.domain.errors import InvalidState, Kind, ZuoraError
from mockserver.domain.payments import Payments, apply_payment, release_payment
from mockserver.fixtures import seeding

ANCHOR = date(2026, 1, 15)


@pytest.fixture
def store():
    return seeding.generate(3, today=ANCHOR)


@pytest.fixture
def memos(store):
    return DebitMemos(store, Clock())


@pytest.fixture
def payments(store):
    return Payments(store, Clock())


def _posted_memo(memos, amount="100"):
    memo = memos.create(
        {
            "account_number": "A00000001",
            "items": [{"amount": Decimal(amount), "service_start": ANCHOR}],
        }
    )
    return memos.post(memo.id)


def _payment(memo, amount, applied=None, **extra):
    return {
        "amount": Decimal(amount),
        "currency": memo.currency,
        "type": "External",
        "account_id": memo.account_id,
        "debit_memos": [{"debit_memo_id": memo.id, "amount": Decimal(applied or amount)}],
        **extra,
    }


def test_a_payment_applied_to_a_memo_lowers_its_balance(store, memos, payments):
    memo = _posted_memo(memos)
    payment = payments.create(_payment(memo, "60", "25"))
    after = store.memo(memo.id)
    assert (after.remaining_balance, after.amount_paid) == (7500, 2500)
    assert (payment.amount, payment.applied_amount, payment.unapplied_amount) == (6000, 2500, 3500)
    assert payment.number == f"P-{store.last_payment_number():08d}"
    assert store.payments_of_memo(memo.id) == [payment]
    assert store.unapplied_payment_amount(memo.account_id) >= 3500


def test_applying_more_than_the_balance_changes_nothing(store, memos, payments):
    memo = _posted_memo(memos)
    count = store.count("payments")
    with pytest.raises(ZuoraError) as refused:
        payments.create(_payment(memo, "150"))
    assert refused.value.kind == Kind.AMOUNT_EXCEEDS_BALANCE
    assert refused.value.problems[0].field == "debit_memos[0].amount"
    assert store.memo(memo.id) == memo
    assert store.count("payments") == count


def test_applications_beyond_the_payment_amount_are_refused(store, memos, payments):
    memo = _posted_memo(memos)
    with pytest.raises(ZuoraError) as refused:
        payments.create(_payment(memo, "10", "20"))
    assert refused.value.problems[0].kind == Kind.RULE_BROKEN
    assert store.memo(memo.id) == memo


def test_a_draft_takes_no_payment(memos, payments):
    draft = memos.create(
        {"account_number": "A00000001", "items": [{"amount": Decimal(5), "service_start": ANCHOR}]}
    )
    with pytest.raises(InvalidState):
        payments.create(_payment(draft, "5"))


def test_unapply_gives_the_memo_its_balance_back(store, memos, payments):
    memo = _posted_memo(memos)
    payment = payments.create(_payment(memo, "100", "40"))
    back = payments.unapply(
        payment.id, {"debit_memos": [{"debit_memo_id": memo.id, "amount": Decimal(40)}]}
    )
    assert store.memo(memo.id).remaining_balance == 10000
    assert [i.remaining_balance for i in store.memo(memo.id).items] == [
        i.remaining_balance for i in memo.items
    ]
    assert (back.applied_amount, back.unapplied_amount, back.applications) == (0, 10000, ())
    assert store.payments_of_memo(memo.id) == []
    again = payments.apply(
        payment.id,
        {"debit_memos": [{"debit_memo_number": memo.debit_memo_number, "amount": Decimal(100)}]},
    )
    assert again.unapplied_amount == 0
    assert store.memo(memo.id).remaining_balance == 0


def test_unapplying_more_than_applied_is_refused(store, memos, payments):
    memo = _posted_memo(memos)
    payment = payments.create(_payment(memo, "100", "40"))
    with pytest.raises(ZuoraError) as refused:
        payments.unapply(
            payment.id, {"debit_memos": [{"debit_memo_id": memo.id, "amount": Decimal(41)}]}
        )
    assert refused.value.problems[0].kind == Kind.RULE_BROKEN
    assert store.memo(memo.id).remaining_balance == 6000


def test_unpost_is_refused_while_a_payment_is_applied(memos, payments):
    memo = _posted_memo(memos)
    payments.create(_payment(memo, "1"))
    with pytest.raises(InvalidState):
        memos.unpost(memo.id)


def test_a_v2_pay_is_a_payment_too(store, memos):
    memo = _posted_memo(memos)
    paid = memos.pay(memo.id, {"currency": memo.currency, "amount": Decimal(30)})
    [payment] = store.payments_of_memo(memo.id)
    assert (payment.amount, payment.applied_amount, payment.type) == (3000, 3000, "Electronic")
    assert payment.applications[0].debit_memo_id == memo.id
    assert paid.amount_paid == 3000


def test_release_undoes_apply_on_every_seeded_memo(store):
    for memo in store.records("debit_memos"):
        if memo.remaining_balance <= 0:
            continue
        paid = apply_payment(memo.items, memo.remaining_balance, "u", memo.audit.updated_time)
        back = release_payment(paid, memo.remaining_balance, "u", memo.audit.updated_time)
        assert [i.remaining_balance for i in back] == [i.remaining_balance for i in memo.items]
        assert [[t.amount_paid for t in i.taxation_items] for i in back] == [
            [t.amount_paid for t in i.taxation_items] for i in memo.items
        ]


def test_seeded_paid_memos_have_their_payments(store):
    for memo in store.records("debit_memos"):
        applied = sum(
            a.amount
            for p in store.payments_of_memo(memo.id)
            for a in p.applications
            if a.debit_memo_id == memo.id
        )
        assert applied == memo.amount_paid, memo.debit_memo_number
    assert all(p.unapplied_amount == 0 for p in store.records("payments"))


def test_the_catalog_follows_the_seed():
    first, again, other = (seeding.generate(s, today=ANCHOR).catalog for s in (3, 3, 4))
    assert [p.id for p in first.products] == [p.id for p in again.products]
    assert {p.id for p in first.products}.isdisjoint(p.id for p in other.products)
    charge = first.products[0].rate_plans[0].charges[0]
    assert first.charges[charge.id] is charge
    assert {p.currency for p in charge.prices} == {"USD", "EUR", "GBP", "JPY"}
    product = first.products[0]
    assert first.product(product.sku) is first.product(product.number) is product
