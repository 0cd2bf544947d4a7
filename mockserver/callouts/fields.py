"""A memo's and a payment's fields under Zuora's data-source names (``Id``, ``Status``...).

What a change carries (``Change.old`` / ``Change.new``), what custom event
conditions read and what callout merge fields (``DebitMemo.Id``) name. Money
is a ``Decimal`` with two places, dates ``yyyy-mm-dd``, timestamps v1's
``yyyy-mm-dd hh:mm:ss``; an absent value is ``None``. ``Number`` and
``DebitMemoNumber`` both name a memo's number (Zuora's merge fields say
``DebitMemo.Number``, its data sources ``DebitMemoNumber``); likewise
``Number`` and ``PaymentNumber`` a payment's. ``Fields`` reads a field only
when it is asked for: a condition or a callout's parameters name a few of
some thirty, on every committed change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime

from mockserver.domain.money import from_cents
from mockserver.domain.records import DebitMemo, Payment

STATUSES = {"draft": "Draft", "posted": "Posted", "canceled": "Canceled"}


def _timestamp(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


AUDIT: dict[str, Callable] = {
    "CreatedById": lambda r: r.audit.created_by_id,
    "CreatedDate": lambda r: _timestamp(r.audit.created_time),
    "UpdatedById": lambda r: r.audit.updated_by_id,
    "UpdatedDate": lambda r: _timestamp(r.audit.updated_time),
}

DEBIT_MEMO: dict[str, Callable[[DebitMemo], object]] = {
    "Id": lambda m: m.id,
    "Number": lambda m: m.debit_memo_number,
    "DebitMemoNumber": lambda m: m.debit_memo_number,
    "AccountId": lambda m: m.account_id,
    "AccountNumber": lambda m: m.account_number,
    "Currency": lambda m: m.currency,
    "Amount": lambda m: from_cents(m.total),
    "AmountWithoutTax": lambda m: from_cents(m.subtotal),
    "TaxAmount": lambda m: from_cents(m.tax),
    "Balance": lambda m: from_cents(m.remaining_balance),
    "BeAppliedAmount": lambda m: from_cents(m.amount_paid),
    "RefundAmount": lambda m: from_cents(m.amount_refunded),
    "Status": lambda m: STATUSES[m.state],
    "DebitMemoDate": lambda m: m.document_date.isoformat(),
    "DueDate": lambda m: m.due_date.isoformat(),
    "AutoPay": lambda m: m.pay,
    "Comments": lambda m: m.description,
    "ReasonCode": lambda m: m.reason_code,
    "ReferredInvoiceId": lambda m: m.invoice_id,
    "TransferredToAccounting": lambda m: "Yes" if m.transfer_to_accounting else "No",
    "PostedById": lambda m: m.posted_by_id,
    "PostedOn": lambda m: _timestamp(m.posted_time),
    "CancelledOn": lambda m: _timestamp(m.canceled_time),
    **AUDIT,
}

PAYMENT: dict[str, Callable[[Payment], object]] = {
    "Id": lambda p: p.id,
    "Number": lambda p: p.number,
    "PaymentNumber": lambda p: p.number,
    "AccountId": lambda p: p.account_id,
    "Currency": lambda p: p.currency,
    "Amount": lambda p: from_cents(p.amount),
    "AppliedAmount": lambda p: from_cents(p.applied_amount),
    "UnappliedAmount": lambda p: from_cents(p.unapplied_amount),
    "Status": lambda p: p.status,
    "Type": lambda p: p.type,
    "EffectiveDate": lambda p: p.effective_date.isoformat(),
    "PaymentMethodId": lambda p: p.payment_method_id,
    "Comment": lambda p: p.comment,
    "ReferenceId": lambda p: p.reference_id,
    **AUDIT,
}

BASE_OBJECTS = {"DebitMemo": DEBIT_MEMO, "Payment": PAYMENT}


class Fields(Mapping):
    """A record's fields by name (a read-only mapping), each read from the record
    when asked for; records are immutable, so every read gives the same value."""

    __slots__ = ("_readers", "_record")

    def __init__(self, base_object: str, record: DebitMemo | Payment):
        self._readers = BASE_OBJECTS[base_object]
        self._record = record

    def __getitem__(self, name: str) -> object:
        return self._readers[name](self._record)

    def __iter__(self) -> Iterator[str]:
        return iter(self._readers)

    def __len__(self) -> int:
        return len(self._readers)

    def __repr__(self) -> str:
        return repr(dict(self))
