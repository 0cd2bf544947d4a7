"""Small, hand-made records for the unit tests: an account with its bill-to
contact and payment method, and debit memos of it in any state."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from mockserver.domain.builders import debit_memo
from mockserver.domain.records import (
    Account,
    Address,
    Audit,
    Contact,
    DebitMemo,
    DebitMemoItem,
    PaymentMethod,
)

CREATED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
USER = "0" * 32


def audit(at: datetime = CREATED) -> Audit:
    return Audit(USER, at, USER, at)


def add_account(store, number: int = 1, currency: str = "USD") -> Account:
    """An account (``A0000000<number>``, Net 30) with one contact and one card, put in ``store``."""
    account_id, contact_id, method_id = store.new_id(), store.new_id(), store.new_id()
    contact = Contact(
        id=contact_id,
        account_id=account_id,
        first_name="Ada",
        last_name="Lovelace",
        email="ada@example.com",
        work_email="billing@example.com",
        work_phone="+1 555 0100",
        address=Address("1 Main St", "Springfield", "United States", "12345", "IL"),
        audit=audit(),
    )
    account = Account(
        id=account_id,
        account_number=f"A{number:08d}",
        name=f"Customer {number}",
        currency=currency,
        payment_terms="Net 30",
        bill_cycle_day=1,
        bill_to_id=contact_id,
        sold_to_id=contact_id,
        default_payment_method_id=method_id,
        sequence_set_id=USER,
        crm_id="",
        sales_rep="",
        auto_pay=False,
        audit=audit(),
    )
    store.put_account(account)
    store.put_contact(contact)
    store.put_payment_method(PaymentMethod(method_id, account_id, "card", "Visa ending 4242"))
    return account


def make_memo(
    store,
    account: Account,
    amounts=(1000,),
    state: str = "draft",
    updated: datetime = CREATED,
    document_date: date = date(2026, 1, 5),
    **details,
) -> DebitMemo:
    """A memo with one item per amount (hundredths), numbered and identified by ``store``."""
    memo_id = store.new_id()
    items = tuple(
        DebitMemoItem(
            id=store.new_id(),
            debit_memo_id=memo_id,
            amount=amount,
            unit_amount=Decimal(amount) / 100,
            quantity=Decimal(1),
            service_start=document_date,
            audit=audit(updated),
            name=f"Charge {n}",
        )
        for n, amount in enumerate(amounts)
    )
    raw = {"document_date": document_date, "state": state, **details}
    return debit_memo(raw, account, memo_id, store.next_memo_number(), audit(updated), items)


def put_memo(store, account: Account, **kwargs) -> DebitMemo:
    memo = make_memo(store, account, **kwargs)
    store.put_memo(memo)
    return memo
