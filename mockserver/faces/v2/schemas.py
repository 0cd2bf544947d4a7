"""marshmallow schemas mirroring Zuora's: request bodies (validated; unknown
fields rejected) and response bodies (for the OpenAPI document; responses
themselves are rendered by ``wire.py``).
"""

from __future__ import annotations

from marshmallow import RAISE, fields, validate

from mockserver.domain.money import MINOR_UNITS
from mockserver.faces.fields import (
    CustomFields,
    IsoDate,
    IsoDateTime,
    Number,
    Schema,
    StrictBoolean,
    Text,
)


class Strict(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


def _currency(**kwargs):
    return Text(
        validate=[
            validate.Length(equal=3, error="'currency' length must be between 3 and 3"),
            validate.OneOf(sorted(MINOR_UNITS), error="Not a supported currency."),
        ],
        **kwargs,
    )


def _reference():
    """An id or number naming another object."""
    return Text(max_length=64)


# -- requests ----------------------------------------------------------------------


class TaxationItemCreateRequest(Strict):
    on_account_account = Text()
    amount_exempt = Number()
    invoice_item_id = _reference()
    jurisdiction = Text(max_length=32)
    location_code = Text(max_length=32)
    name = Text(max_length=128, required=True)
    amount = Number(required=True)
    tax_code = Text(required=True)
    tax_code_name = Text()
    tax_date = IsoDate(required=True)
    tax_rate = Number(required=True)
    tax_rate_name = Text()
    tax_rate_type = Text(validate=validate.OneOf(["percent", "amount"]))
    source_tax_item_id = _reference()
    tax_inclusive = StrictBoolean()


class BillingDocumentItemCreateRequest(Strict):
    amount = Number()
    description = Text()
    deferred_revenue_account = Text()
    on_account_account = Text()
    recognized_revenue_account = Text()
    revenue_recognition_rule_name = Text()
    quantity = Number()
    service_end = IsoDate()
    service_start = IsoDate(required=True)
    sku = Text()
    tax_inclusive = StrictBoolean()
    unit_of_measure = Text()
    taxation_items = fields.List(fields.Nested(TaxationItemCreateRequest))
    unit_amount = Number()
    booking_reference = Text()
    price_id = _reference()
    purchase_order_number = Text()
    tax_code = Text()
    document_item_date = IsoDateTime()
    name = Text()
    invoice_item_id = _reference()
    accounting_code = Text()
    custom_fields = CustomFields()


class DebitMemoCreateRequest(Strict):
    account_id = _reference()
    account_number = _reference()
    description = Text()
    due_date = IsoDate()
    document_date = IsoDate()
    reason_code = Text()
    invoice_id = _reference()
    transfer_to_accounting = StrictBoolean()
    custom_fields = CustomFields()
    exclude_from_auto_apply_rules = StrictBoolean()
    pay = StrictBoolean()
    currency = _currency()
    items = fields.List(fields.Nested(BillingDocumentItemCreateRequest))
    apply = StrictBoolean()
    post = StrictBoolean()


class DebitMemoPatchRequest(Strict):
    pay = StrictBoolean()
    description = Text()
    due_date = IsoDate()
    document_date = IsoDate()
    reason_code = Text()
    custom_fields = CustomFields()


class PayDebitMemoRequest(Strict):
    amount = Number()
    account_id = _reference()
    account_number = _reference()
    authorization_id = Text()
    description = Text()
    currency = _currency(required=True)
    bank_account_account = Text()
    payment_date = IsoDate()
    payment_method_id = _reference()
    gateway_id = _reference()
    gateway_order_id = Text()
    reference_id = Text()
    gateway_options = fields.Dict(keys=Text(), values=Text())
    statement_descriptor = Text()
    statement_descriptor_phone = Text()
    external = StrictBoolean()
    custom_fields = CustomFields()


# -- responses (documentation) -------------------------------------------------------


class ZuoraObject(Schema):
    id = fields.String()
    updated_by_id = fields.String()
    updated_time = fields.DateTime()
    created_by_id = fields.String()
    created_time = fields.DateTime()
    custom_fields = fields.Dict()


class TaxationItem(ZuoraObject):
    jurisdiction = fields.String()
    location_code = fields.String()
    name = fields.String()
    amount = fields.Float()
    tax_code = fields.String()
    tax_code_name = fields.String()
    tax_date = fields.Date()
    tax_rate = fields.Float()
    tax_rate_name = fields.String()
    amount_exempt = fields.Float()
    source_tax_item_id = fields.String()
    remaining_balance = fields.Float()
    amount_credited = fields.Float()
    amount_paid = fields.Float()
    amount_refunded = fields.Float()
    sales_tax_payable_account = fields.String()
    on_account_account = fields.String()
    tax_inclusive = fields.Boolean()
    tax_rate_type = fields.String(validate=validate.OneOf(["percent", "amount"]))


class TaxationItemList(Schema):
    next_page = fields.String(allow_none=True)
    data = fields.List(fields.Nested(TaxationItem))


class ItemFields(ZuoraObject):
    amount = fields.Float()
    subtotal = fields.Float()
    description = fields.String()
    deferred_revenue_account = fields.String()
    on_account_account = fields.String()
    recognized_revenue_account = fields.String()
    revenue_recognition_rule_name = fields.String()
    quantity = fields.Float()
    service_start = fields.String()
    service_end = fields.String()
    accounts_receivable_account = fields.String()
    discount_item = fields.Boolean()
    accounting_code = fields.String()
    sku = fields.String()
    tax_inclusive = fields.Boolean()
    remaining_balance = fields.Float()
    unit_of_measure = fields.String()
    unit_amount = fields.Float()
    name = fields.String()
    price_id = fields.String()
    purchase_order_number = fields.String()
    tax = fields.Float()
    tax_code = fields.String()
    invoice_item_id = fields.String()
    document_item_date = fields.DateTime()
    taxation_items = fields.Nested(TaxationItemList)


class BillingDocumentItem(ItemFields):
    billing_document_id = fields.String()
    booking_reference = fields.String()
    type = fields.String(validate=validate.OneOf(["credit_memo", "debit_memo", "invoice"]))


class BillingDocumentItemList(Schema):
    next_page = fields.String(allow_none=True)
    data = fields.List(fields.Nested(BillingDocumentItem))


class Address(Schema):
    line1 = fields.String()
    line2 = fields.String()
    city = fields.String()
    state = fields.String()
    country = fields.String()
    postal_code = fields.String()


class Contact(ZuoraObject):
    address = fields.Nested(Address)
    first_name = fields.String()
    last_name = fields.String()
    email = fields.String()
    work_email = fields.String()
    work_phone = fields.String()
    mobile_phone = fields.String()
    nickname = fields.String()
    tax_region = fields.String()
    account_id = fields.String()


class Account(ZuoraObject):
    account_number = fields.String()
    batch = fields.String()
    bill_cycle_day = fields.Integer()
    crm_id = fields.String()
    default_payment_method_id = fields.String()
    name = fields.String()
    description = fields.String()
    payment_terms = fields.String()
    sequence_set_id = fields.String()
    auto_pay = fields.Boolean()
    currency = fields.String()
    sales_rep = fields.String()
    enabled = fields.Boolean()
    remaining_debit_memo_balance = fields.Float()
    remaining_invoice_balance = fields.Float()
    remaining_credit_memo_balance = fields.Float()
    remaining_payment_balance = fields.Float()
    bill_to_id = fields.String()
    sold_to_id = fields.String()


class StateTransitions(Schema):
    posted_time = fields.DateTime()
    canceled_time = fields.DateTime()


class BillingDocumentSettings(Schema):
    template_id = fields.String(allow_none=True)
    sequence_set_id = fields.String(allow_none=True)


class DebitMemo(ZuoraObject):
    account_id = fields.String()
    account_number = fields.String()
    description = fields.String()
    due_date = fields.Date()
    document_date = fields.Date()
    reason_code = fields.String()
    invoice_id = fields.String()
    transfer_to_accounting = fields.Boolean()
    exclude_from_auto_apply_rules = fields.Boolean()
    pay = fields.Boolean()
    currency = fields.String()
    debit_memo_number = fields.String()
    amount_refunded = fields.Float()
    state_transitions = fields.Nested(StateTransitions)
    posted_by_id = fields.String()
    state = fields.String(
        validate=validate.OneOf(["draft", "posted", "open", "canceled", "failed"])
    )
    account = fields.Nested(Account)
    items = fields.Nested(BillingDocumentItemList)
    total = fields.Float()
    subtotal = fields.Float()
    tax = fields.Float()
    balance = fields.Float()
    remaining_balance = fields.Float()
    amount_paid = fields.Float()
    paid = fields.Boolean()
    past_due = fields.Boolean()
    bill_to_id = fields.String(allow_none=True)
    payment_terms = fields.String(allow_none=True)
    bill_to = fields.Nested(Contact)
    billing_document_settings = fields.Nested(BillingDocumentSettings)


class DebitMemoList(Schema):
    next_page = fields.String(allow_none=True)
    data = fields.List(fields.Nested(DebitMemo))


class DebitMemoItem(ItemFields):
    debit_memo_id = fields.String()
    debit_memo = fields.Nested(DebitMemo)


class DebitMemoItemList(Schema):
    next_page = fields.String(allow_none=True)
    data = fields.List(fields.Nested(DebitMemoItem))


class ErrorItem(Schema):
    code = fields.String()
    parameter = fields.String()
    message = fields.String()


class ErrorResponse(Schema):
    type = fields.String()
    errors = fields.List(fields.Nested(ErrorItem))
    retryable = fields.Boolean()


class Token(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
    scope = fields.String()
    jti = fields.String()
