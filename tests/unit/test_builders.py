"""The builders check what a snapshot or request gives and name the field they refuse."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sample_records import add_account

from mockserver.domain.builders import audit_of, debit_memo, debit_memo_item
from mockserver.domain.errors import CurrencyMismatch, InvalidParameter
from mockserver.domain.records import Audit
from mockserver.store.memory import MemoryStore

NOW = datetime(2026, 3, 2, tzinfo=UTC)
AUDIT = Audit("u", NOW, "u", NOW)
WHERE = "debit_memos[0].items[0]"


def item(**fields):
    raw = {"id": "i1", "amount": Decimal(10), "service_start": date(2026, 3, 1), **fields}
    return debit_memo_item(raw, "m1", "USD", AUDIT, lambda: "new", WHERE)


def tax(**fields) -> dict:
    return {
        "id": "t1",
        "name": "VAT",
        "amount": Decimal(2),
        "tax_code": "VAT",
        "tax_date": date(2026, 3, 1),
        "tax_rate": Decimal("0.2"),
        **fields,
    }


def refused_field(build) -> str:
    with pytest.raises(InvalidParameter) as raised:
        build()
    return raised.value.problems[0].field


def test_a_remaining_balance_gives_what_was_paid_of_the_subtotal():
    paid = item(remaining_balance=Decimal("2.50"), taxation_items=[tax(amount_paid=Decimal(2))])
    assert (paid.subtotal_paid, paid.remaining_balance) == (750, 250)


def test_refusals_name_the_field():
    assert (
        refused_field(lambda: item(remaining_balance=Decimal(11))) == f"{WHERE}.remaining_balance"
    )
    bad_tax = [tax(amount_paid=Decimal(3))]
    assert refused_field(lambda: item(taxation_items=bad_tax)) == (
        f"{WHERE}.taxation_items[0].amount_paid"
    )
    assert refused_field(lambda: item(quantity=Decimal(3))) == f"{WHERE}.unit_amount"
    inclusive = [tax(amount=Decimal(11))]
    assert refused_field(lambda: item(tax_inclusive=True, taxation_items=inclusive)) == (
        f"{WHERE}.taxation_items"
    )


def test_a_memo_is_refused_for_payments_unless_posted_and_for_another_currency():
    store = MemoryStore("builders")
    account = add_account(store)
    paid = (item(remaining_balance=Decimal(0)),)
    where = "debit_memos[0]"
    draft = {"document_date": date(2026, 3, 1)}
    assert refused_field(lambda: debit_memo(draft, account, "m1", "DM1", AUDIT, paid, where)) == (
        f"{where}.amount_paid"
    )
    posted = debit_memo({**draft, "state": "posted"}, account, "m1", "DM1", AUDIT, paid, where)
    assert (posted.amount_paid, posted.posted_time, posted.due_date) == (
        1000,
        NOW,
        date(2026, 3, 31),
    )
    with pytest.raises(CurrencyMismatch):
        debit_memo({**draft, "currency": "EUR"}, account, "m1", "DM1", AUDIT, paid, where)


def test_records_without_audit_fields_share_the_default_audit():
    assert audit_of({"amount": 1}, AUDIT) is AUDIT
    own = audit_of({"created_time": datetime(2025, 1, 1, tzinfo=UTC)}, AUDIT)
    assert own.updated_time == own.created_time == datetime(2025, 1, 1, tzinfo=UTC)
