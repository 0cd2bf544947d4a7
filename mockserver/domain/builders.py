"""The one place a debit memo, its items, their taxation items and a payment are
built and checked, whether they come from a create request, a snapshot or the seed.

Input is a dict of Zuora's field names with typed values (Decimal money,
dates), as a face's schema or a snapshot's loads them; ``where`` is the path
of that dict in its document (``items[0]``, ``debit_memos[3].items[0]``), so
every refusal names the field it is about. What a record derives (totals,
balances, amount paid) is computed here, never taken from the input.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType

from mockserver.domain.errors import CurrencyMismatch, InvalidParameter, MissingParameter
from mockserver.domain.money import CENT, check_amount, check_quantity, from_cents, to_cents
from mockserver.domain.records import (
    EMPTY,
    ITEM_EXTRA_FIELDS,
    ITEM_SLOT_FIELDS,
    TAX_EXTRA_FIELDS,
    TAX_SLOT_FIELDS,
    Account,
    Audit,
    DebitMemo,
    DebitMemoItem,
    Payment,
    PaymentApplication,
    TaxationItem,
    optional_fields,
)

MAX_ITEMS = 99  # per memo (sandbox rule): nested item lists always fit one page
MEMO_DETAILS = (
    "description", "reason_code", "invoice_id", "pay", "transfer_to_accounting",
    "exclude_from_auto_apply_rules",
)  # fmt: skip
PAYMENT_DETAILS = ("payment_method_type", "comment", "reference_id")
AUDIT_FIELDS = frozenset({"created_by_id", "created_time", "updated_by_id", "updated_time"})


def at(where: str, name: str) -> str:
    """The path of ``name`` inside the object at ``where``."""
    return f"{where}.{name}" if where else name


def debit_memo(
    raw: dict,
    account: Account,
    memo_id: str,
    number: str,
    audit: Audit,
    items: tuple[DebitMemoItem, ...],
    where: str = "",
) -> DebitMemo:
    """A memo of ``account`` (in its currency, to its bill-to) with totals summed from ``items``.

    A posted or canceled memo without the time of that change made it at its
    last update. Created and updated times and users are the memo's own where
    ``raw`` has them, else ``audit``'s.
    """
    audit = audit_of(raw, audit)
    dates = memo_dates(raw, account, audit, where)
    state = raw.get("state", "draft")
    subtotal = sum(i.subtotal for i in items)
    tax = sum(i.tax for i in items)
    paid = sum(i.subtotal_paid + sum(t.amount_paid for t in i.taxation_items) for i in items)
    if paid and state != "posted":
        raise InvalidParameter(at(where, "amount_paid"), "Only a posted memo can have payments.")
    return DebitMemo(
        id=memo_id,
        debit_memo_number=number,
        account_id=account.id,
        account_number=account.account_number,
        bill_to_id=account.bill_to_id,
        sequence_set_id=account.sequence_set_id,
        currency=account.currency,
        **dates,
        payment_terms=raw.get("payment_terms") or account.payment_terms,
        audit=audit,
        items=items,
        subtotal=subtotal,
        tax=tax,
        total=subtotal + tax,
        amount_paid=paid,
        state=state,
        custom_fields=_custom_fields(raw),
        **_transitions(raw, state, audit),
        **{name: raw[name] for name in MEMO_DETAILS if name in raw},
    )


def memo_dates(raw: dict, account: Account, audit: Audit, where: str = "") -> dict:
    """A memo's currency checked and its dates: ``document_date`` the day it was made
    and ``due_date`` after the account's payment terms, unless ``raw`` says otherwise."""
    currency = raw.get("currency", account.currency)
    if currency != account.currency:
        raise CurrencyMismatch(at(where, "currency"), currency, account.currency)
    document_date = raw.get("document_date", audit.created_time.date())
    due_date = raw.get("due_date") or _due_date(document_date, account, where)
    check_dates(document_date, due_date, where)
    return {"document_date": document_date, "due_date": due_date}


def _due_date(document_date: date, account: Account, where: str) -> date:
    """The document date plus the account's payment terms, if the calendar goes that far."""
    try:
        return document_date + timedelta(days=account.payment_term_days)
    except OverflowError:
        field = at(where, "document_date")
        raise InvalidParameter(
            field,
            f"'{field}' plus the account's terms ({account.payment_terms}) is past 9999-12-31: "
            "send a due_date",
        ) from None


def check_dates(document_date: date, due_date: date, where: str = "") -> None:
    if due_date < document_date:
        field = at(where, "due_date")
        raise InvalidParameter(field, f"'{field}' must not be before 'document_date'")


def audit_of(raw: dict, default: Audit) -> Audit:
    """The record's own created and updated fields, where ``raw`` has them, over ``default``.

    Without any, ``default`` itself: records made together share one audit.
    """
    if raw.keys().isdisjoint(AUDIT_FIELDS):
        return default
    created = raw.get("created_time", default.created_time)
    created_by = raw.get("created_by_id", default.created_by_id)
    return Audit(
        created_by, created, raw.get("updated_by_id", created_by), raw.get("updated_time", created)
    )


def _custom_fields(raw: dict) -> MappingProxyType:
    custom = raw.get("custom_fields")
    if isinstance(custom, MappingProxyType):
        return custom  # shared by the records that have the same
    return MappingProxyType(dict(custom)) if custom else EMPTY


def _transitions(raw: dict, state: str, audit: Audit) -> dict:
    if state == "posted":
        return {
            "posted_by_id": raw.get("posted_by_id") or audit.updated_by_id,
            "posted_time": raw.get("posted_time") or audit.updated_time,
        }
    if state == "canceled":
        return {"canceled_time": raw.get("canceled_time") or audit.updated_time}
    return {}


def debit_memo_items(
    raws: list[dict] | None,
    memo_id: str,
    currency: str,
    audit: Audit,
    new_id: Callable[[], str],
    where: str = "",
) -> tuple[DebitMemoItem, ...]:
    """A memo's items; each item's and taxation item's id is its ``id`` or a new one."""
    check_item_count(raws, where)
    field = at(where, "items")
    return tuple(
        debit_memo_item(raw, memo_id, currency, audit, new_id, f"{field}[{n}]")
        for n, raw in enumerate(raws)
    )


def check_item_count(raws: list[dict] | None, where: str = "") -> None:
    """From 1 to ``MAX_ITEMS`` items."""
    field = at(where, "items")
    if raws is None:
        raise MissingParameter(field, f"'{field}' is required: a debit memo needs at least one")
    if not raws:
        raise InvalidParameter(field, f"'{field}' must hold at least one item")
    if len(raws) > MAX_ITEMS:
        raise InvalidParameter(field, f"'{field}' must hold at most {MAX_ITEMS} items")


def debit_memo_item(
    raw: dict,
    memo_id: str,
    currency: str,
    audit: Audit,
    new_id: Callable[[], str],
    where: str,
) -> DebitMemoItem:
    """An item: ``amount = unit_amount * quantity``, whichever two are given give the third.

    Its taxes come first, then its own id (ids are drawn in that order). A
    ``remaining_balance`` (snapshots) says how much of the subtotal was paid.
    """
    amount, unit_amount, quantity = _item_amounts(raw, currency, where)
    service_end = raw.get("service_end")
    if service_end is not None and service_end < raw["service_start"]:
        field = at(where, "service_end")
        raise InvalidParameter(field, f"'{field}' must not be before service_start")
    taxes = tuple(
        taxation_item(tax, currency, audit, new_id, f"{where}.taxation_items[{n}]")
        for n, tax in enumerate(raw.get("taxation_items", ()))
    )
    return DebitMemoItem(
        id=raw.get("id") or new_id(),
        debit_memo_id=memo_id,
        amount=amount,
        unit_amount=unit_amount,
        quantity=quantity,
        service_start=raw["service_start"],
        audit=audit_of(raw, audit),
        tax_inclusive=raw.get("tax_inclusive", False),
        taxation_items=taxes,
        subtotal_paid=_subtotal_paid(raw, amount, taxes, where),
        **optional_fields(raw, ITEM_SLOT_FIELDS, ITEM_EXTRA_FIELDS),
    )


def _subtotal_paid(raw: dict, amount: int, taxes: tuple[TaxationItem, ...], where: str) -> int:
    tax = sum(t.amount for t in taxes)
    subtotal = amount - tax if raw.get("tax_inclusive", False) else amount
    if subtotal < 0:
        raise InvalidParameter(
            f"{where}.taxation_items",
            f"the taxes of a tax-inclusive item must not exceed its amount in '{where}'",
        )
    remaining = raw.get("remaining_balance")
    if remaining is None:
        return 0
    unpaid_tax = sum(t.remaining_balance for t in taxes)
    paid = subtotal - (remaining * CENT - unpaid_tax)
    if paid != int(paid) or not 0 <= paid <= subtotal:
        field = f"{where}.remaining_balance"
        raise InvalidParameter(field, f"'{field}' is out of range")
    return int(paid)


def _item_amounts(raw: dict, currency: str, where: str) -> tuple[int, Decimal, Decimal]:
    """The amount in hundredths, the unit amount and the quantity."""
    amount, unit_amount = raw.get("amount"), raw.get("unit_amount")
    quantity = raw.get("quantity")
    if quantity is not None:
        check_quantity(quantity, f"{where}.quantity")
    if unit_amount is not None:
        check_quantity(unit_amount, f"{where}.unit_amount", positive=False)
        product = unit_amount * (quantity if quantity is not None else 1)
        if amount is not None and amount != product:
            raise InvalidParameter(
                f"{where}.amount", f"'{where}.amount' must equal unit_amount * quantity"
            )
        amount = product
        field = f"{where}.unit_amount"
    elif amount is not None:
        field = f"{where}.amount"
        if quantity is None:
            quantity, unit_amount = Decimal(1), amount
        else:
            unit_amount = amount / quantity
            if unit_amount * quantity != amount or unit_amount.as_tuple().exponent < -6:
                raise InvalidParameter(
                    f"{where}.unit_amount",
                    f"'{where}.unit_amount' is required: amount / quantity is not exact",
                )
    else:
        raise MissingParameter(f"{where}.amount", f"'{where}.amount' or unit_amount is required")
    check_amount(amount, currency, field)
    return to_cents(amount), unit_amount, quantity if quantity is not None else Decimal(1)


def taxation_item(
    raw: dict, currency: str, audit: Audit, new_id: Callable[[], str], where: str
) -> TaxationItem:
    """A taxation item; ``amount_paid`` (snapshots) is from 0 to its amount."""
    amount = to_cents(check_amount(raw["amount"], currency, f"{where}.amount"))
    paid = exempt = 0
    if "amount_paid" in raw:
        paid = to_cents(check_amount(raw["amount_paid"], currency, f"{where}.amount_paid"))
        if paid > amount:
            field = f"{where}.amount_paid"
            raise InvalidParameter(field, f"'{field}' must be from 0 to its amount")
    if "amount_exempt" in raw:
        exempt = to_cents(check_amount(raw["amount_exempt"], currency, f"{where}.amount_exempt"))
    return TaxationItem(
        id=raw.get("id") or new_id(),
        name=raw["name"],
        amount=amount,
        amount_paid=paid,
        tax_code=raw["tax_code"],
        tax_date=raw["tax_date"],
        tax_rate=check_quantity(raw["tax_rate"], f"{where}.tax_rate", positive=False),
        audit=audit_of(raw, audit),
        amount_exempt=exempt,
        **optional_fields(raw, TAX_SLOT_FIELDS, TAX_EXTRA_FIELDS),
    )


def payment(
    raw: dict,
    account: Account,
    payment_id: str,
    number: str,
    audit: Audit,
    applications: tuple[PaymentApplication, ...] = (),
    where: str = "",
) -> Payment:
    """A payment of ``account`` in its currency (``Electronic`` unless ``raw`` says),
    effective the day it was made unless ``raw`` says; it applies at most its amount."""
    currency = raw.get("currency", account.currency)
    if currency != account.currency:
        raise CurrencyMismatch(at(where, "currency"), currency, account.currency)
    made = Payment(
        id=payment_id,
        number=number,
        account_id=account.id,
        currency=currency,
        amount=to_cents(check_amount(raw["amount"], currency, at(where, "amount"))),
        type=raw.get("type", "Electronic"),
        payment_method_id=raw["payment_method_id"],
        effective_date=raw.get("effective_date") or audit.created_time.date(),
        audit=audit,
        applications=applications,
        **{name: raw[name] for name in PAYMENT_DETAILS if raw.get(name) is not None},
    )
    if made.unapplied_amount < 0:
        field = at(where, "amount")
        raise InvalidParameter(
            field, f"'{field}' is less than the {from_cents(made.applied_amount)} it applies"
        )
    return made
