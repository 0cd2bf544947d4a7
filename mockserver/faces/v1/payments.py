"""Zuora v1's payment routes, under ``/v1/payments``: create (applied to debit
memos at once), get by id or number, list, apply, unapply and parts.
"""

from __future__ import annotations

from flask import request

from mockserver.domain.errors import InvalidParameter
from mockserver.faces.http import idempotent, tenant
from mockserver.faces.v1 import schemas, wire
from mockserver.faces.v1.protocol import blueprint, body, document, listing, ok
from mockserver.faces.v1.query import ListQuery, fields

blp = blueprint("v1_payments", "Payments, as Zuora's v1 REST API serves them.")

PAYMENT = "/payments/<paymentKey>"
PAYMENT_FIELDS = fields(
    ("accountId", "string", lambda p: p.account_id),
    ("amount", "money", lambda p: p.amount),
    ("appliedAmount", "money", lambda p: p.applied_amount),
    ("createdById", "string", lambda p: p.audit.created_by_id),
    ("createdDate", "timestamp", lambda p: p.audit.created_time),
    ("creditBalanceAmount", "money", lambda p: 0),
    ("currency", "string", lambda p: p.currency),
    ("effectiveDate", "date", lambda p: p.effective_date),
    ("number", "string", lambda p: p.number),
    ("refundAmount", "money", lambda p: 0),
    ("status", "string", lambda p: p.status),
    ("type", "string", lambda p: p.type),
    ("unappliedAmount", "money", lambda p: p.unapplied_amount),
    ("updatedById", "string", lambda p: p.audit.updated_by_id),
    ("updatedDate", "timestamp", lambda p: p.audit.updated_time),
)


def _doc(operation_id: str, summary: str):
    return document(blp, operation_id, summary)


def _render(payment) -> dict:
    account = tenant().store.account(payment.account_id)
    return wire.payment(payment, account.account_number)


def _applications(schema) -> dict:
    data = schemas.load(schema, body())
    if data.pop("invoices", None):
        raise InvalidParameter("invoices", "The sandbox has no invoices: leave 'invoices' out")
    for entry in data.get("debit_memos", ()):
        if entry.pop("items", None):
            raise InvalidParameter(
                "debit_memos", "(sandbox rule) Applications to single items are not supported"
            )
    return data


@blp.route("/payments", methods=["POST"], endpoint="POST_CreatePayment")
@_doc("POST_CreatePayment", "Create a payment")
@idempotent
def create_payment():
    data = _applications(schemas.CreatePaymentSchema)
    return ok(_render(tenant().payments.create(data)))


@blp.route("/payments", methods=["GET"], endpoint="GET_RetrieveAllPayments")
@_doc("GET_RetrieveAllPayments", "List payments")
def list_payments():
    query = ListQuery.parse(request.args, PAYMENT_FIELDS, "+number")
    rows, more = query.page_of(tenant().store.records("payments"))
    return listing("payments", query, rows, more, _render)


@blp.route(PAYMENT, methods=["GET"], endpoint="GET_Payment")
@_doc("GET_Payment", "Retrieve a payment")
def get_payment(paymentKey):
    return ok(_render(tenant().payments.get(paymentKey)))


@blp.route(f"{PAYMENT}/apply", methods=["PUT"], endpoint="PUT_ApplyPayment")
@_doc("PUT_ApplyPayment", "Apply a payment")
def apply_payment(paymentKey):
    data = _applications(schemas.ApplyPaymentSchema)
    return ok(_render(tenant().payments.apply(paymentKey, data)))


@blp.route(f"{PAYMENT}/unapply", methods=["PUT"], endpoint="PUT_UnapplyPayment")
@_doc("PUT_UnapplyPayment", "Unapply a payment")
def unapply_payment(paymentKey):
    data = _applications(schemas.ApplyPaymentSchema)
    return ok(_render(tenant().payments.unapply(paymentKey, data)))


@blp.route(f"{PAYMENT}/parts", methods=["GET"], endpoint="GET_PaymentParts")
@_doc("GET_PaymentParts", "List the parts of a payment")
def list_payment_parts(paymentKey):
    query = ListQuery.parse(request.args, {}, None)
    payment = tenant().payments.get(paymentKey)
    rows, more = query.page_of(payment.applications)
    return listing("parts", query, rows, more, wire.payment_part)
