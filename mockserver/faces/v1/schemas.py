"""The v1 request bodies, as marshmallow schemas with Zuora's camelCase names.

A schema loads a body into the domain's names (``accountId`` -> ``account_id``).
Fields Zuora's schemas have but the sandbox has no use for (NetSuite fields,
gateway options, custom rates, finance information) are accepted and not kept
(sandbox rule); any other field is an unknown field (category 21).
"""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate

from mockserver.faces.fields import IsoDate, Number, Schema, StrictBoolean, Text
from mockserver.faces.http import validation_error

MAX_LIST = 99  # entries of any list in a body (sandbox rule)


IGNORED = "ignored:"  # the attribute prefix of fields accepted and not kept


def _ignored(*names: str) -> dict:
    return {f"{IGNORED}{name}": fields.Raw(data_key=name) for name in names}


def _list(schema, **kwargs):
    return fields.List(fields.Nested(schema), validate=validate.Length(max=MAX_LIST), **kwargs)


NETSUITE = ("IntegrationId__NS", "IntegrationStatus__NS", "SyncDate__NS")


# ``DebitMemoItemFromChargeDetail``: today's names and, for older versions, the old ones.
ChargeSchema = Schema.from_dict(
    {
        "productRatePlanChargeId": Text(max_length=64),
        "chargeId": Text(max_length=64),
        "amount": Number(),
        "memoItemAmount": Number(),
        "description": Text(max_length=500),
        "comment": Text(max_length=500),
        "quantity": Number(),
        "service_start": IsoDate(data_key="serviceStartDate"),
        "service_end": IsoDate(data_key="serviceEndDate"),
        **_ignored("financeInformation", "excludeItemBillingFromRevenueAccounting"),
    },
    name="ChargeSchema",
)


CreateDebitMemoSchema = Schema.from_dict(
    {
        "account_id": Text(data_key="accountId", max_length=64),
        "account_number": Text(data_key="accountNumber", max_length=70),
        "pay": StrictBoolean(data_key="autoPay"),
        "post": StrictBoolean(data_key="autoPost"),
        "charges": _list(ChargeSchema, required=True),
        "description": Text(data_key="comment", max_length=255),
        "due_date": IsoDate(data_key="dueDate"),
        "document_date": IsoDate(data_key="effectiveDate"),
        "reason_code": Text(data_key="reasonCode", max_length=255),
        "currency": Text(max_length=3),
        **_ignored("customRates", "number", *NETSUITE),
    },
    name="CreateDebitMemoSchema",
)()

UpdateItemSchema = Schema.from_dict(
    {
        "id": Text(required=True, max_length=64),
        "description": Text(data_key="comment", max_length=500),
        "name": Text(data_key="skuName", max_length=255),
        "unit_of_measure": Text(data_key="unitOfMeasure", max_length=64),
        "service_start": IsoDate(data_key="serviceStartDate"),
        "service_end": IsoDate(data_key="serviceEndDate"),
        "amount": Number(),
        "quantity": Number(),
        "delete": StrictBoolean(),
        "price_id": Text(data_key="productRatePlanChargeId", max_length=64),
        "tax_items": fields.List(fields.Dict(), data_key="taxItems"),
        **_ignored("financeInformation", "excludeItemBillingFromRevenueAccounting"),
    },
    name="UpdateItemSchema",
)

UpdateDebitMemoSchema = Schema.from_dict(
    {
        "pay": StrictBoolean(data_key="autoPay"),
        "description": Text(data_key="comment", max_length=255),
        "due_date": IsoDate(data_key="dueDate"),
        "document_date": IsoDate(data_key="effectiveDate"),
        "reason_code": Text(data_key="reasonCode", max_length=255),
        "transfer_to_accounting": Text(
            data_key="transferredToAccounting", validate=validate.OneOf(["Yes", "No"])
        ),
        "items": _list(UpdateItemSchema),
        **_ignored(*NETSUITE),
    },
    name="UpdateDebitMemoSchema",
)()

ApplicationSchema = Schema.from_dict(
    {
        "amount": Number(required=True),
        "debit_memo_id": Text(data_key="debitMemoId", max_length=64),
        "debit_memo_number": Text(data_key="debitMemoNumber", max_length=64),
        "items": fields.List(fields.Dict()),
    },
    name="ApplicationSchema",
)

InvoiceApplicationSchema = Schema.from_dict(
    {
        "amount": Number(required=True),
        "invoiceId": Text(max_length=64),
        "invoiceNumber": Text(max_length=64),
        "items": fields.List(fields.Dict()),
    },
    name="InvoiceApplicationSchema",
)

CreatePaymentSchema = Schema.from_dict(
    {
        "amount": Number(required=True),
        "currency": Text(required=True, max_length=3),
        "type": Text(required=True, validate=validate.OneOf(["External", "Electronic"])),
        "account_id": Text(data_key="accountId", max_length=64),
        "account_number": Text(data_key="accountNumber", max_length=70),
        "payment_method_id": Text(data_key="paymentMethodId", max_length=64),
        "payment_method_type": Text(data_key="paymentMethodType", max_length=64),
        "effective_date": IsoDate(data_key="effectiveDate"),
        "comment": Text(max_length=255),
        "reference_id": Text(data_key="referenceId", max_length=100),
        "debit_memos": _list(ApplicationSchema, data_key="debitMemos"),
        "invoices": _list(InvoiceApplicationSchema),
        **_ignored(
            "number", "authTransactionId", "cryptogram", "customRates", "financeInformation",
            "gatewayId", "paymentGatewayNumber", "gatewayOptions", "gatewayOrderId",
            "mitTransactionSource", "paymentOption", "paymentScheduleKey", "prepayment",
            "balanceRefresh", "softDescriptor", "softDescriptorPhone", "standalone",
        ),
    },
    name="CreatePaymentSchema",
)()  # fmt: skip

ApplyPaymentSchema = Schema.from_dict(
    {
        "debit_memos": _list(ApplicationSchema, data_key="debitMemos"),
        "effective_date": IsoDate(data_key="effectiveDate"),
        "invoices": _list(InvoiceApplicationSchema),
    },
    name="ApplyPaymentSchema",
)()

CollectPaymentSchema = Schema.from_dict(
    {
        "payment_method_id": Text(data_key="paymentMethodId", max_length=64),
        "gateway_id": Text(data_key="gatewayId", max_length=64),
        "cryptogram": Text(max_length=50),
        "balance_refresh": StrictBoolean(data_key="balanceRefresh"),
    },
    name="CollectPaymentSchema",
)

# ``CollectDebitMemoRequest``; (sandbox rule) ``gatewayId``, ``cryptogram`` and
# ``balanceRefresh`` are checked, not kept: the sandbox has one gateway.
CollectSchema = Schema.from_dict(
    {
        "application_order": fields.List(
            Text(validate=validate.OneOf(["CreditMemo", "UnappliedPayment"])),
            data_key="applicationOrder",
            validate=validate.Length(max=2),
        ),
        "apply_credit": StrictBoolean(data_key="applyCredit"),
        "collect": StrictBoolean(),
        "payment": fields.Nested(CollectPaymentSchema),
    },
    name="CollectSchema",
)()


def load(schema: Schema, body: dict) -> dict:
    """``body`` in the domain's names; problems become one error naming each field.
    The request bodies' schemas are instances, built once: building one copies each
    of its fields, which costs more than most loads."""
    try:
        return _without_ignored(schema.load(body))
    except ValidationError as error:
        raise validation_error(error) from None


def _without_ignored(data):
    if isinstance(data, list):
        return [_without_ignored(entry) for entry in data]
    if isinstance(data, dict):
        return {k: _without_ignored(v) for k, v in data.items() if not k.startswith(IGNORED)}
    return data
