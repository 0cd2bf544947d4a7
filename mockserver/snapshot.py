"""The snapshot format: a whole store as JSON, for ``GET/PUT /__mock/state``,
``mockserver fixtures`` and ``--fixtures FILE``.

Records appear in Zuora's wire shapes, so a fixture file reads like API
responses. Loading validates everything and recomputes what is derived
(totals, balances); a derived value that disagrees is an error, not a
silent correction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from types import MappingProxyType

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from . import wire
from .errors import ApiError
from .money import CENT, MINOR_UNITS, ZERO, cents_to_json, check_amount, check_quantity, to_cents
from .records import (
    ITEM_EXTRA_FIELDS,
    ITEM_SLOT_FIELDS,
    TAX_EXTRA_FIELDS,
    TAX_SLOT_FIELDS,
    Account,
    Address,
    Audit,
    Contact,
    DebitMemo,
    DebitMemoItem,
    PaymentMethod,
    TaxationItem,
    new_debit_memo,
    optional_fields,
)
from .store import Store
from .validation import CustomFields, IsoDate, IsoDateTime, Number, StrictBoolean, Text

FORMAT = "zuora-mockserver-snapshot/1"


def _id(**kwargs):
    return Text(max_length=64, validate=validate.Regexp(r"^\S+$"), **kwargs)


# -- export ----------------------------------------------------------------------


def export(store: Store, today) -> dict:
    accounts = []
    for account in store.accounts.values():
        document = wire.account(account, store.remaining_debit_memo_balance(account.id))
        document["bill_to"] = wire.contact(store.contacts[account.bill_to_id])
        document["payment_methods"] = [
            wire.payment_method(m)
            for m in store.payment_methods.values()
            if m.account_id == account.id
        ]
        accounts.append(document)
    memos = []
    for memo in sorted(store.memos.values(), key=lambda m: m.debit_memo_number):
        document = wire.debit_memo(memo, today)
        document["items"] = [_item_document(item) for item in memo.items]
        memos.append(document)
    return {
        "format": FORMAT,
        "api_user_id": store.api_user_id,
        "last_debit_memo_number": store.last_memo_number,
        "accounts": accounts,
        "debit_memos": memos,
    }


def _item_document(item: DebitMemoItem) -> dict:
    document = wire.debit_memo_item(item)
    if item.booking_reference is not None:
        document["booking_reference"] = item.booking_reference
    document["taxation_items"] = [wire.taxation_item(t) for t in item.taxation_items]
    return document


# -- import ----------------------------------------------------------------------


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class _AuditFields(_Strict):
    id = _id(required=True)
    created_by_id = _id()
    created_time = IsoDateTime()
    updated_by_id = _id()
    updated_time = IsoDateTime()
    custom_fields = CustomFields()


class AddressSchema(_Strict):
    line1 = Text(required=True)
    line2 = Text()
    city = Text(required=True)
    state = Text()
    country = Text(required=True)
    postal_code = Text(required=True)


class ContactSchema(_AuditFields):
    account_id = _id()
    first_name = Text(required=True)
    last_name = Text(required=True)
    email = Text(required=True)
    work_email = Text(required=True)
    work_phone = Text(required=True)
    mobile_phone = Text()
    nickname = Text()
    tax_region = Text()
    address = fields.Nested(AddressSchema, required=True)


class PaymentMethodSchema(_Strict):
    id = _id(required=True)
    account_id = _id()
    type = Text(required=True, max_length=32)
    label = Text(required=True)


class AccountSchema(_AuditFields):
    account_number = Text(required=True, max_length=64)
    name = Text(required=True)
    currency = Text(required=True, validate=validate.OneOf(sorted(MINOR_UNITS)))
    payment_terms = Text(
        required=True, validate=validate.Regexp(r"^(Net \d{1,3}|Due Upon Receipt)$")
    )
    bill_cycle_day = fields.Integer(strict=True, validate=validate.Range(1, 31), load_default=1)
    bill_to = fields.Nested(ContactSchema, required=True)
    bill_to_id = _id()
    sold_to_id = _id()
    payment_methods = fields.List(
        fields.Nested(PaymentMethodSchema), required=True, validate=validate.Length(min=1)
    )
    default_payment_method_id = _id()
    sequence_set_id = _id()
    crm_id = Text(load_default="")
    sales_rep = Text(load_default="")
    auto_pay = StrictBoolean(load_default=False)
    description = Text()
    batch = Text(load_default="Batch1")
    enabled = StrictBoolean(load_default=True)
    # Derived and recomputed on load: accepted so an export loads back as it is.
    remaining_debit_memo_balance = Number()
    remaining_invoice_balance = Number()
    remaining_credit_memo_balance = Number()
    remaining_payment_balance = Number()


class TaxationItemSchema(_AuditFields):
    name = Text(required=True, max_length=128)
    amount = Number(required=True)
    amount_paid = Number(load_default=ZERO)
    tax_code = Text(required=True)
    tax_date = IsoDate(required=True)
    tax_rate = Number(required=True)
    tax_code_name = Text()
    tax_rate_name = Text()
    tax_rate_type = Text(validate=validate.OneOf(["percent", "amount"]))
    tax_inclusive = StrictBoolean(load_default=False)
    jurisdiction = Text(max_length=32)
    location_code = Text(max_length=32)
    amount_exempt = Number(load_default=ZERO)
    source_tax_item_id = _id()
    sales_tax_payable_account = Text()
    on_account_account = Text()
    remaining_balance = Number()
    amount_credited = Number()
    amount_refunded = Number()


class ItemSchema(_AuditFields):
    debit_memo_id = _id()
    amount = Number(required=True)
    unit_amount = Number()
    quantity = Number()
    subtotal = Number()
    tax = Number()
    remaining_balance = Number()
    service_start = IsoDate(required=True)
    service_end = IsoDate()
    tax_inclusive = StrictBoolean(load_default=False)
    discount_item = StrictBoolean()
    taxation_items = fields.List(fields.Nested(TaxationItemSchema), load_default=list)
    document_item_date = IsoDateTime()
    name = Text()
    description = Text()
    sku = Text()
    unit_of_measure = Text()
    tax_code = Text()
    accounting_code = Text()
    deferred_revenue_account = Text()
    recognized_revenue_account = Text()
    accounts_receivable_account = Text()
    on_account_account = Text()
    revenue_recognition_rule_name = Text()
    booking_reference = Text()
    price_id = Text()
    purchase_order_number = Text()
    invoice_item_id = Text()


class StateTransitionsSchema(_Strict):
    posted_time = IsoDateTime()
    canceled_time = IsoDateTime()


class MemoSchema(_AuditFields):
    debit_memo_number = Text(required=True, validate=validate.Regexp(r"^DM\d{8}$"))
    account_id = _id(required=True)
    account_number = Text()
    currency = Text()
    state = Text(load_default="draft", validate=validate.OneOf(["draft", "open", "canceled"]))
    document_date = IsoDate(required=True)
    due_date = IsoDate(required=True)
    description = Text()
    reason_code = Text()
    invoice_id = Text()
    pay = StrictBoolean(load_default=True)
    transfer_to_accounting = StrictBoolean(load_default=False)
    exclude_from_auto_apply_rules = StrictBoolean(load_default=False)
    state_transitions = fields.Nested(StateTransitionsSchema, load_default=dict)
    posted_by_id = _id()
    bill_to_id = _id(allow_none=True)
    payment_terms = Text(allow_none=True)
    billing_document_settings = fields.Dict()
    items = fields.List(
        fields.Nested(ItemSchema), required=True, validate=validate.Length(min=1, max=99)
    )
    # Derived and recomputed on load; a value that disagrees is an error.
    total = Number()
    subtotal = Number()
    tax = Number()
    balance = Number()
    remaining_balance = Number()
    amount_paid = Number()
    amount_refunded = Number()
    paid = StrictBoolean()
    past_due = StrictBoolean()


class SnapshotSchema(_Strict):
    format = fields.String(required=True, validate=validate.Equal(FORMAT))
    api_user_id = _id()
    last_debit_memo_number = fields.Integer(strict=True, validate=validate.Range(min=0))
    accounts = fields.List(fields.Nested(AccountSchema), required=True)
    debit_memos = fields.List(fields.Nested(MemoSchema), load_default=list)


def load(document: dict, seed, now: datetime | None = None) -> Store:
    """A store from a snapshot document; ``ValidationError`` names what is wrong.

    Ids for records made afterwards come from the seed and the snapshot's
    content, so they neither repeat the snapshot's ids nor vary between runs.
    """
    try:
        return _load(document, seed, now)
    except ApiError as error:
        raise ValidationError({d.parameter or "body": [d.message] for d in error.details}) from None


def _load(document: dict, seed, now: datetime | None) -> Store:
    data = SnapshotSchema().load(document)
    fingerprint = hashlib.sha256(
        json.dumps(document, sort_keys=True, default=str).encode()
    ).hexdigest()[:16]
    store = Store(f"{seed}:{fingerprint}", data.get("api_user_id"))
    now = now or datetime.now(UTC).replace(microsecond=0)
    for n, raw in enumerate(data["accounts"]):
        _add_account(store, raw, now, f"accounts[{n}]")
    numbers = []
    for n, raw in enumerate(data["debit_memos"]):
        memo = _memo(store, raw, now, f"debit_memos[{n}]")
        if memo.id in store.memos or memo.debit_memo_number in store.memo_ids_by_number:
            raise ValidationError({f"debit_memos[{n}].id": ["Repeats another debit memo."]})
        store.put_memo(memo)
        numbers.append(int(memo.debit_memo_number[2:]))
    store.last_memo_number = max([data.get("last_debit_memo_number", 0), *numbers])
    return store


def _audit(raw: dict, now: datetime, user: str) -> Audit:
    created = raw.get("created_time", now)
    return Audit(
        raw.get("created_by_id", user),
        created,
        raw.get("updated_by_id", raw.get("created_by_id", user)),
        raw.get("updated_time", created),
    )


def _add_account(store: Store, raw: dict, now: datetime, where: str) -> None:
    audit = _audit(raw, now, store.api_user_id)
    contact_raw = raw["bill_to"]
    if raw.get("bill_to_id", contact_raw["id"]) != contact_raw["id"]:
        raise ValidationError({f"{where}.bill_to_id": ["Must be the id of 'bill_to'."]})
    methods = [
        PaymentMethod(m["id"], raw["id"], m["type"], m["label"]) for m in raw["payment_methods"]
    ]
    default_method = raw.get("default_payment_method_id", methods[0].id)
    if default_method not in {m.id for m in methods}:
        raise ValidationError(
            {f"{where}.default_payment_method_id": ["Must be one of 'payment_methods'."]}
        )
    if raw["id"] in store.accounts or raw["account_number"] in store.account_ids_by_number:
        raise ValidationError({f"{where}.id": ["Repeats another account."]})
    contact = Contact(
        id=contact_raw["id"],
        account_id=raw["id"],
        first_name=contact_raw["first_name"],
        last_name=contact_raw["last_name"],
        email=contact_raw["email"],
        work_email=contact_raw["work_email"],
        work_phone=contact_raw["work_phone"],
        mobile_phone=contact_raw.get("mobile_phone"),
        nickname=contact_raw.get("nickname"),
        tax_region=contact_raw.get("tax_region"),
        address=Address(**contact_raw["address"]),
        audit=_audit(contact_raw, now, store.api_user_id),
    )
    account = Account(
        id=raw["id"],
        account_number=raw["account_number"],
        name=raw["name"],
        currency=raw["currency"],
        payment_terms=raw["payment_terms"],
        bill_cycle_day=raw["bill_cycle_day"],
        bill_to_id=contact.id,
        sold_to_id=raw.get("sold_to_id", contact.id),
        default_payment_method_id=default_method,
        sequence_set_id=raw.get("sequence_set_id", store.api_user_id),
        crm_id=raw["crm_id"],
        sales_rep=raw["sales_rep"],
        auto_pay=raw["auto_pay"],
        description=raw.get("description"),
        batch=raw["batch"],
        enabled=raw["enabled"],
        audit=audit,
    )
    store.add_account(account, [contact], methods)


def _memo(store: Store, raw: dict, now: datetime, where: str) -> DebitMemo:
    account = store.accounts.get(raw["account_id"])
    if account is None:
        raise ValidationError({f"{where}.account_id": ["No such account in the snapshot."]})
    currency = raw.get("currency", account.currency)
    if currency != account.currency:
        raise ValidationError({f"{where}.currency": [f"Must be the account's {account.currency}."]})
    audit = _audit(raw, now, store.api_user_id)
    try:
        items = tuple(
            _item(raw["id"], item, currency, now, store, f"{where}.items[{n}]")
            for n, item in enumerate(raw["items"])
        )
    except ValueError as error:
        raise ValidationError({where: [str(error)]}) from None
    transitions = raw["state_transitions"]
    state = raw["state"]
    memo = new_debit_memo(
        account,
        raw["id"],
        raw["debit_memo_number"],
        raw["document_date"],
        raw["due_date"],
        audit,
        items,
        payment_terms=raw.get("payment_terms"),
        state=state,
        description=raw.get("description"),
        reason_code=raw.get("reason_code"),
        invoice_id=raw.get("invoice_id"),
        pay=raw["pay"],
        transfer_to_accounting=raw["transfer_to_accounting"],
        exclude_from_auto_apply_rules=raw["exclude_from_auto_apply_rules"],
        custom_fields=MappingProxyType(raw.get("custom_fields", {})),
        posted_by_id=raw.get("posted_by_id") if state == "open" else None,
        posted_time=transitions.get("posted_time") if state == "open" else None,
        canceled_time=transitions.get("canceled_time") if state == "canceled" else None,
    )
    paid = sum(i.subtotal_paid + sum(t.amount_paid for t in i.taxation_items) for i in items)
    memo = replace(memo, amount_paid=paid)
    if paid and memo.state != "open":
        raise ValidationError({f"{where}.amount_paid": ["Only an open memo can have payments."]})
    if memo.state == "open" and memo.posted_time is None:
        memo = replace(
            memo,
            posted_time=audit.updated_time,
            posted_by_id=memo.posted_by_id or audit.updated_by_id,
        )
    if memo.state == "canceled" and memo.canceled_time is None:
        memo = replace(memo, canceled_time=audit.updated_time)
    for name in ("total", "subtotal", "tax", "amount_paid", "balance", "remaining_balance"):
        if name in raw and raw[name] * CENT != getattr(memo, name):
            computed = cents_to_json(getattr(memo, name))
            raise ValidationError({f"{where}.{name}": [f"Disagrees with the items: {computed}."]})
    return memo


def _item(memo_id, raw, currency, now, store, where) -> DebitMemoItem:
    amount = check_amount(raw["amount"], currency, f"{where}.amount")
    quantity = check_quantity(raw.get("quantity", Decimal(1)), f"{where}.quantity")
    unit_amount = raw.get("unit_amount", amount / quantity)
    if unit_amount * quantity != amount:
        raise ValueError(f"{where}: amount must equal unit_amount * quantity")
    taxes = tuple(
        TaxationItem(
            id=tax["id"],
            name=tax["name"],
            amount=to_cents(
                check_amount(tax["amount"], currency, f"{where}.taxation_items[{n}].amount")
            ),
            amount_paid=to_cents(
                check_amount(
                    tax["amount_paid"], currency, f"{where}.taxation_items[{n}].amount_paid"
                )
            ),
            tax_code=tax["tax_code"],
            tax_date=tax["tax_date"],
            tax_rate=tax["tax_rate"],
            amount_exempt=to_cents(
                check_amount(
                    tax["amount_exempt"], currency, f"{where}.taxation_items[{n}].amount_exempt"
                )
            ),
            audit=_audit(tax, now, store.api_user_id),
            **optional_fields(tax, TAX_SLOT_FIELDS, TAX_EXTRA_FIELDS),
        )
        for n, tax in enumerate(raw["taxation_items"])
    )
    if any(t.amount_paid > t.amount for t in taxes):
        raise ValueError(f"{where}: a taxation item's amount_paid must be from 0 to its amount")
    item = DebitMemoItem(
        id=raw["id"],
        debit_memo_id=memo_id,
        amount=to_cents(amount),
        unit_amount=unit_amount,
        quantity=quantity,
        service_start=raw["service_start"],
        audit=_audit(raw, now, store.api_user_id),
        tax_inclusive=raw["tax_inclusive"],
        taxation_items=taxes,
        **optional_fields(raw, ITEM_SLOT_FIELDS, ITEM_EXTRA_FIELDS),
    )
    if item.subtotal < 0:
        raise ValueError(f"{where}: taxes of a tax-inclusive item exceed its amount")
    unpaid_tax = sum(t.remaining_balance for t in taxes)
    remaining = raw.get("remaining_balance")
    remaining = item.subtotal + unpaid_tax if remaining is None else remaining * CENT
    subtotal_paid = item.subtotal - (remaining - unpaid_tax)
    if subtotal_paid != int(subtotal_paid) or not 0 <= subtotal_paid <= item.subtotal:
        raise ValueError(f"{where}: remaining_balance is out of range")
    return replace(item, subtotal_paid=int(subtotal_paid))
