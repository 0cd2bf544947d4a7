"""Zuora's JSON shapes of the records (schemas ``debitMemo``, ``billingDocumentItem``,
``debitMemoItem``, ``taxationItem``, ``account``, ``contact``).

Plain functions from a record to a dict, in the property order of Zuora's
schemas. An absent optional value is left out rather than sent as null
(Zuora's schemas don't allow null there). Amounts become JSON numbers.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from decimal import Decimal

import orjson

from mockserver.domain.money import cents_to_json, to_json_number
from mockserver.domain.records import (
    Account,
    Audit,
    Contact,
    DebitMemo,
    DebitMemoItem,
    PaymentMethod,
    TaxationItem,
)

OPTIONAL_ITEM_TEXT = (
    "description", "deferred_revenue_account", "on_account_account",
    "recognized_revenue_account", "revenue_recognition_rule_name", "accounts_receivable_account",
    "accounting_code", "sku", "unit_of_measure", "name", "price_id", "purchase_order_number",
    "tax_code", "invoice_item_id",
)  # fmt: skip
OPTIONAL_TAX_TEXT = (
    "jurisdiction", "location_code", "tax_code_name", "tax_rate_name", "source_tax_item_id",
    "sales_tax_payable_account", "on_account_account", "tax_rate_type",
)  # fmt: skip


def instant(moment: datetime, zone: tzinfo) -> str:
    """A timestamp with the tenant's offset, as Zuora writes it (``2023-01-31T09:22:57-08:00``)."""
    return moment.astimezone(zone).isoformat()


def _head(record_id: str, audit: Audit, zone: tzinfo) -> dict:
    """The fields every Zuora object starts with."""
    return {
        "id": record_id,
        "updated_by_id": audit.updated_by_id,
        "updated_time": instant(audit.updated_time, zone),
        "created_by_id": audit.created_by_id,
        "created_time": instant(audit.created_time, zone),
    }


def _put_optional(wire: dict, record, names) -> None:
    for name in names:
        value = getattr(record, name)
        if value is not None:
            wire[name] = value


def debit_memo(memo: DebitMemo, today: date, zone: tzinfo) -> dict:
    wire = _head(memo.id, memo.audit, zone)
    wire["custom_fields"] = dict(memo.custom_fields)
    wire["account_id"] = memo.account_id
    wire["account_number"] = memo.account_number
    if memo.description is not None:
        wire["description"] = memo.description
    wire["due_date"] = memo.due_date.isoformat()
    wire["document_date"] = memo.document_date.isoformat()
    if memo.reason_code is not None:
        wire["reason_code"] = memo.reason_code
    if memo.invoice_id is not None:
        wire["invoice_id"] = memo.invoice_id
    wire["transfer_to_accounting"] = memo.transfer_to_accounting
    wire["exclude_from_auto_apply_rules"] = memo.exclude_from_auto_apply_rules
    wire["pay"] = memo.pay
    wire["currency"] = memo.currency
    wire["debit_memo_number"] = memo.debit_memo_number
    wire["amount_refunded"] = cents_to_json(memo.amount_refunded)
    transitions = {}
    if memo.posted_time is not None:
        transitions["posted_time"] = instant(memo.posted_time, zone)
    if memo.canceled_time is not None:
        transitions["canceled_time"] = instant(memo.canceled_time, zone)
    wire["state_transitions"] = transitions
    if memo.posted_by_id is not None:
        wire["posted_by_id"] = memo.posted_by_id
    wire["state"] = memo.state
    remaining = cents_to_json(memo.remaining_balance)
    wire["total"] = cents_to_json(memo.total)
    wire["subtotal"] = cents_to_json(memo.subtotal)
    wire["tax"] = cents_to_json(memo.tax)
    wire["balance"] = remaining
    wire["remaining_balance"] = remaining
    wire["amount_paid"] = cents_to_json(memo.amount_paid)
    wire["paid"] = memo.paid
    wire["past_due"] = memo.past_due(today)
    wire["bill_to_id"] = memo.bill_to_id
    wire["payment_terms"] = memo.payment_terms
    wire["billing_document_settings"] = {"sequence_set_id": memo.sequence_set_id}
    return wire


def _item_common(item: DebitMemoItem, zone: tzinfo) -> dict:
    wire = _head(item.id, item.audit, zone)
    wire["custom_fields"] = dict(item.custom_fields)
    wire["amount"] = cents_to_json(item.amount)
    wire["subtotal"] = cents_to_json(item.subtotal)
    wire["quantity"] = to_json_number(item.quantity)
    wire["service_start"] = item.service_start.isoformat()
    if item.service_end is not None:
        wire["service_end"] = item.service_end.isoformat()
    wire["discount_item"] = False
    wire["tax_inclusive"] = item.tax_inclusive
    wire["remaining_balance"] = cents_to_json(item.remaining_balance)
    wire["unit_amount"] = to_json_number(item.unit_amount)
    wire["tax"] = cents_to_json(item.tax)
    _put_optional(wire, item, OPTIONAL_ITEM_TEXT)
    if item.document_item_date is not None:
        wire["document_item_date"] = instant(item.document_item_date, zone)
    return wire


def billing_document_item(item: DebitMemoItem, zone: tzinfo) -> dict:
    """An item as it appears inside a memo (``expand[]=items``)."""
    wire = _item_common(item, zone)
    wire["billing_document_id"] = item.debit_memo_id
    if item.booking_reference is not None:
        wire["booking_reference"] = item.booking_reference
    wire["type"] = "debit_memo"
    return wire


def debit_memo_item(item: DebitMemoItem, zone: tzinfo) -> dict:
    """An item as ``GET /debit_memo_items`` lists it."""
    wire = _item_common(item, zone)
    wire["debit_memo_id"] = item.debit_memo_id
    return wire


def taxation_item(tax: TaxationItem, zone: tzinfo) -> dict:
    wire = _head(tax.id, tax.audit, zone)
    wire["custom_fields"] = dict(tax.custom_fields)
    wire["name"] = tax.name
    wire["amount"] = cents_to_json(tax.amount)
    wire["tax_code"] = tax.tax_code
    wire["tax_date"] = tax.tax_date.isoformat()
    wire["tax_rate"] = to_json_number(tax.tax_rate)
    wire["amount_exempt"] = cents_to_json(tax.amount_exempt)
    wire["remaining_balance"] = cents_to_json(tax.remaining_balance)
    wire["amount_credited"] = 0
    wire["amount_paid"] = cents_to_json(tax.amount_paid)
    wire["amount_refunded"] = 0
    wire["tax_inclusive"] = tax.tax_inclusive
    _put_optional(wire, tax, OPTIONAL_TAX_TEXT)
    return wire


def account(record: Account, zone: tzinfo, remaining_debit_memo_balance: int = 0) -> dict:
    wire = _head(record.id, record.audit, zone)
    wire["custom_fields"] = {}
    wire["account_number"] = record.account_number
    wire["batch"] = record.batch
    wire["bill_cycle_day"] = record.bill_cycle_day
    wire["crm_id"] = record.crm_id
    wire["default_payment_method_id"] = record.default_payment_method_id
    wire["name"] = record.name
    if record.description is not None:
        wire["description"] = record.description
    wire["payment_terms"] = record.payment_terms
    wire["sequence_set_id"] = record.sequence_set_id
    wire["auto_pay"] = record.auto_pay
    wire["currency"] = record.currency
    wire["sales_rep"] = record.sales_rep
    wire["enabled"] = record.enabled
    wire["remaining_debit_memo_balance"] = cents_to_json(remaining_debit_memo_balance)
    wire["remaining_invoice_balance"] = 0
    wire["remaining_credit_memo_balance"] = 0
    wire["remaining_payment_balance"] = 0
    wire["bill_to_id"] = record.bill_to_id
    wire["sold_to_id"] = record.sold_to_id
    return wire


def contact(record: Contact, zone: tzinfo) -> dict:
    wire = _head(record.id, record.audit, zone)
    wire["custom_fields"] = {}
    address = record.address
    wire_address = {"line1": address.line1}
    if address.line2 is not None:
        wire_address["line2"] = address.line2
    wire_address["city"] = address.city
    if address.state is not None:
        wire_address["state"] = address.state
    wire_address["country"] = address.country
    wire_address["postal_code"] = address.postal_code
    wire["address"] = wire_address
    wire["first_name"] = record.first_name
    wire["last_name"] = record.last_name
    wire["email"] = record.email
    wire["work_email"] = record.work_email
    wire["work_phone"] = record.work_phone
    _put_optional(wire, record, ("mobile_phone", "nickname", "tax_region"))
    wire["account_id"] = record.account_id
    return wire


def payment_method(record: PaymentMethod) -> dict:
    return {
        "id": record.id,
        "account_id": record.account_id,
        "type": record.type,
        "label": record.label,
    }


def default_payment_method(record: PaymentMethod) -> dict:
    """A payment method as ``expand[]=account.default_payment_method`` shows it: the
    fields of Zuora's ``paymentMethod`` the sandbox keeps (its label is not one)."""
    return {
        "id": record.id,
        "custom_fields": {},
        "account_id": record.account_id,
        "type": record.type,
        "state": "active",
    }


def json_default(value):
    """For the JSON encoders: a Decimal is a number, written exactly."""
    if isinstance(value, Decimal):
        number = to_json_number(value)
        return orjson.Fragment(str(number)) if isinstance(number, Decimal) else number
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(document, *, indent: bool = False) -> bytes:
    """Compact UTF-8 JSON (or indented by two spaces); numbers exact, as ``money`` makes them."""
    return orjson.dumps(document, default=json_default, option=orjson.OPT_INDENT_2 if indent else 0)
