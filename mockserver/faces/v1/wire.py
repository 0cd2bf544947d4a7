"""Zuora v1's JSON shapes of the records: ``DebitMemoResponse``, ``DebitMemoItem``,
``PaymentResponse``, ``PaymentPart``, ``CollectDebitMemoResponse``, ``Product``,
``ProductRatePlan``, ``AccountDetailResponse`` and ``AccountSummaryResponse``.

Plain functions from a record to a dict with Zuora's camelCase names. Amounts
are JSON numbers, dates ``yyyy-mm-dd``, timestamps ``yyyy-mm-dd hh:mm:ss``
without an offset, as v1 writes them. An absent optional value is left out:
Zuora's v1 schemas type those fields as strings, not nullable ones.
"""

from __future__ import annotations

from datetime import datetime

from mockserver.domain.collect import Collection
from mockserver.domain.money import cents_to_json, to_json_number
from mockserver.domain.records import (
    Account,
    Audit,
    Contact,
    DebitMemo,
    DebitMemoItem,
    Payment,
    PaymentApplication,
    PaymentMethod,
    Product,
    ProductRatePlan,
    ProductRatePlanCharge,
    TaxationItem,
)

STATUSES = {"draft": "Draft", "posted": "Posted", "canceled": "Canceled"}
V2_STATES = {v1: v2 for v2, v1 in STATUSES.items()}


def timestamp(moment: datetime) -> str:
    """v1's ``2024-08-19 23:14:11``."""
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _audit(wire: dict, audit: Audit) -> dict:
    wire["createdById"] = audit.created_by_id
    wire["createdDate"] = timestamp(audit.created_time)
    wire["updatedById"] = audit.updated_by_id
    wire["updatedDate"] = timestamp(audit.updated_time)
    return wire


def _put(wire: dict, name: str, value) -> None:
    if value is not None:
        wire[name] = value


def debit_memo(memo: DebitMemo) -> dict:
    wire = {
        "id": memo.id,
        "number": memo.debit_memo_number,
        "accountId": memo.account_id,
        "accountNumber": memo.account_number,
        "currency": memo.currency,
        "amount": cents_to_json(memo.total),
        "balance": cents_to_json(memo.remaining_balance),
        "beAppliedAmount": cents_to_json(memo.amount_paid),
        "taxAmount": cents_to_json(memo.tax),
        "totalTaxExemptAmount": cents_to_json(
            sum(t.amount_exempt for i in memo.items for t in i.taxation_items)
        ),
        "autoPay": memo.pay,
        "debitMemoDate": memo.document_date.isoformat(),
        "dueDate": memo.due_date.isoformat(),
        "status": STATUSES[memo.state],
        "sourceType": "Standalone",
        "taxStatus": "Complete",
        "transferredToAccounting": "Yes" if memo.transfer_to_accounting else "No",
    }
    _put(wire, "comment", memo.description)
    _put(wire, "reasonCode", memo.reason_code)
    _put(wire, "referredInvoiceId", memo.invoice_id)
    _put(wire, "paymentTerm", memo.payment_terms)
    _put(wire, "billToContactId", memo.bill_to_id)
    _put(wire, "soldToContactId", memo.bill_to_id)
    _put(wire, "sequenceSetId", memo.sequence_set_id)
    if memo.posted_time is not None:
        wire["postedById"] = memo.posted_by_id
        wire["postedOn"] = timestamp(memo.posted_time)
    if memo.canceled_time is not None:
        wire["cancelledById"] = memo.audit.updated_by_id
        wire["cancelledOn"] = timestamp(memo.canceled_time)
    return _audit(wire, memo.audit)


def debit_memo_item(item: DebitMemoItem, memo: DebitMemo) -> dict:
    paid = item.subtotal_paid + sum(t.amount_paid for t in item.taxation_items)
    wire = {
        "id": item.id,
        "amount": cents_to_json(item.amount),
        "amountWithoutTax": cents_to_json(item.subtotal),
        "balance": cents_to_json(item.remaining_balance),
        "beAppliedAmount": cents_to_json(paid),
        "quantity": to_json_number(item.quantity),
        "unitPrice": to_json_number(item.unit_amount),
        "serviceStartDate": item.service_start.isoformat(),
        "processingType": "Charge",
        "taxMode": "TaxInclusive" if item.tax_inclusive else "TaxExclusive",
        "taxItems": [tax_item(t) for t in item.taxation_items],
    }
    _put(wire, "serviceEndDate", item.service_end and item.service_end.isoformat())
    _put(wire, "comment", item.description)
    _put(wire, "description", item.description)
    _put(wire, "sku", item.sku)
    _put(wire, "skuName", item.name)
    _put(wire, "unitOfMeasure", item.unit_of_measure)
    _put(wire, "soldToContactId", memo.bill_to_id)
    if item.price_id is not None:
        wire["sourceItemType"] = "ProductRatePlanCharge"
        wire["sourceItemId"] = item.price_id
    return _audit(wire, item.audit)


def tax_item(tax: TaxationItem) -> dict:
    wire = {
        "id": tax.id,
        "name": tax.name,
        "taxAmount": cents_to_json(tax.amount),
        "appliedAmount": cents_to_json(tax.amount_paid),
        "paymentAmount": cents_to_json(tax.amount_paid),
        "balance": cents_to_json(tax.remaining_balance),
        "creditAmount": 0,
        "refundAmount": 0,
        "exemptAmount": cents_to_json(tax.amount_exempt),
        "taxCode": tax.tax_code,
        "taxDate": tax.tax_date.isoformat(),
        "taxRate": to_json_number(tax.tax_rate),
    }
    _put(wire, "jurisdiction", tax.jurisdiction)
    _put(wire, "taxCodeDescription", tax.tax_code_name)
    _put(wire, "taxRateDescription", tax.tax_rate_name)
    _put(wire, "taxRateType", tax.tax_rate_type and tax.tax_rate_type.capitalize())
    return wire


def payment(record: Payment, account_number: str) -> dict:
    wire = {
        "id": record.id,
        "number": record.number,
        "accountId": record.account_id,
        "accountNumber": account_number,
        "amount": cents_to_json(record.amount),
        "appliedAmount": cents_to_json(record.applied_amount),
        "unappliedAmount": cents_to_json(record.unapplied_amount),
        "creditBalanceAmount": 0,
        "refundAmount": 0,
        "currency": record.currency,
        "effectiveDate": record.effective_date.isoformat(),
        "paymentMethodId": record.payment_method_id,
        "status": record.status,
        "type": record.type,
        "gatewayState": "Submitted" if record.type == "Electronic" else "NotSubmitted",
    }
    _put(wire, "comment", record.comment)
    _put(wire, "referenceId", record.reference_id)
    return _audit(wire, record.audit)


def payment_part(application: PaymentApplication) -> dict:
    wire = {
        "id": application.id,
        "debitMemoId": application.debit_memo_id,
        "amount": cents_to_json(application.amount),
    }
    return _audit(wire, application.audit)


def application_part(application: PaymentApplication) -> dict:
    wire = {
        "paymentId": application.payment_id,
        "appliedAmount": cents_to_json(application.amount),
    }
    return _audit(wire, application.audit)


def collection(done: Collection) -> dict:
    """``CollectDebitMemoResponse``: the memo, the payments applied, the one processed.

    (sandbox rule) There are no credit memos (``appliedCreditMemos`` is empty)
    and no gateways: the gateway's answer is ``Approved``, code ``approve``.
    """
    memo = done.memo
    wire = {
        "debitMemo": {"id": memo.id, "number": memo.debit_memo_number},
        "appliedCreditMemos": [],
        "appliedPayments": [
            {
                "id": applied.payment.id,
                "number": applied.payment.number,
                "appliedAmount": cents_to_json(applied.amount),
                "unappliedAmount": cents_to_json(applied.payment.unapplied_amount),
            }
            for applied in done.applied_payments
        ],
    }
    made = done.processed_payment
    if made is not None:
        wire["processedPayment"] = {
            "id": made.id,
            "number": made.number,
            "amount": cents_to_json(made.amount),
            "paymentMethodId": made.payment_method_id,
            "status": made.status,
            "gatewayResponse": "Approved",
            "gatewayResponseCode": "approve",
        }
    return wire


def product(record: Product, root: str) -> dict:
    wire = {
        "id": record.id,
        "sku": record.sku,
        "productNumber": record.number,
        "name": record.name,
        "category": record.category,
        "effectiveStartDate": record.effective_start_date.isoformat(),
        "effectiveEndDate": record.effective_end_date.isoformat(),
        "productRatePlans": f"{root}/v1/rateplan/{record.id}/productRatePlan",
        "productFeatures": [],
    }
    _put(wire, "description", record.description)
    return wire


def rate_plan(plan: ProductRatePlan) -> dict:
    wire = {
        "id": plan.id,
        "productRatePlanNumber": plan.number,
        "name": plan.name,
        "status": plan.status,
        "effectiveStartDate": plan.effective_start_date.isoformat(),
        "effectiveEndDate": plan.effective_end_date.isoformat(),
        "productRatePlanCharges": [rate_plan_charge(c) for c in plan.charges],
    }
    _put(wire, "description", plan.description)
    return wire


def rate_plan_charge(charge: ProductRatePlanCharge) -> dict:
    wire = {
        "id": charge.id,
        "productRatePlanChargeNumber": charge.number,
        "name": charge.name,
        "type": charge.type,
        "model": charge.model,
        "uom": charge.uom,
        "defaultQuantity": "1",
        "pricing": [{"currency": p.currency, "price": str(p.price)} for p in charge.prices],
        "pricingSummary": [f"{p.currency}{p.price}" for p in charge.prices],
    }
    _put(wire, "description", charge.description)
    return wire


def contact(record: Contact, account_number: str) -> dict:
    address = record.address
    wire = {
        "id": record.id,
        "accountId": record.account_id,
        "accountNumber": account_number,
        "firstName": record.first_name,
        "lastName": record.last_name,
        "address1": address.line1,
        "city": address.city,
        "country": address.country,
        "zipCode": address.postal_code,
        "workEmail": record.work_email,
        "workPhone": record.work_phone,
        "personalEmail": record.email,
    }
    _put(wire, "address2", address.line2)
    _put(wire, "state", address.state)
    _put(wire, "mobilePhone", record.mobile_phone)
    _put(wire, "nickname", record.nickname)
    _put(wire, "taxRegion", record.tax_region)
    return wire


def account_basic_info(account: Account) -> dict:
    wire = {
        "id": account.id,
        "accountNumber": account.account_number,
        "name": account.name,
        "status": "Active" if account.enabled else "Canceled",
        "batch": account.batch,
        "crmId": account.crm_id,
        "salesRep": account.sales_rep,
        "sequenceSetId": account.sequence_set_id,
        "defaultPaymentMethodId": account.default_payment_method_id,
    }
    _put(wire, "notes", account.description)
    return wire


def account_metrics(account: Account, memo_balance: int, unapplied: int) -> dict:
    """(sandbox rule) There are no invoices: the balance is the debit memos' balance."""
    return {
        "balance": cents_to_json(memo_balance),
        "currency": account.currency,
        "totalDebitMemoBalance": cents_to_json(memo_balance),
        "totalInvoiceBalance": 0,
        "unappliedPaymentAmount": cents_to_json(unapplied),
        "creditBalance": 0,
        "unappliedCreditMemoAmount": 0,
        "reservedPaymentAmount": 0,
        "contractedMrr": 0,
    }


def billing_and_payment(account: Account) -> dict:
    return {
        "autoPay": account.auto_pay,
        "billCycleDay": account.bill_cycle_day,
        "currency": account.currency,
        "defaultPaymentMethodId": account.default_payment_method_id,
        "paymentTerm": account.payment_terms,
    }


METHOD_TYPES = {"card": "CreditCard", "ach_debit": "ACH", "bank_transfer": "BankTransfer"}


def summary_basic_info(
    account: Account, memo_balance: int, method: PaymentMethod, last: list[Payment]
) -> dict:
    wire = {
        "id": account.id,
        "accountNumber": account.account_number,
        "name": account.name,
        "status": "Active" if account.enabled else "Canceled",
        "balance": cents_to_json(memo_balance),
        "currency": account.currency,
        "autoPay": account.auto_pay,
        "billCycleDay": account.bill_cycle_day,
        "batch": account.batch,
        "defaultPaymentMethod": {
            "id": method.id,
            "paymentMethodType": METHOD_TYPES.get(method.type, method.type),
        },
    }
    if last:
        wire["lastPaymentAmount"] = cents_to_json(last[0].amount)
        wire["lastPaymentDate"] = last[0].effective_date.isoformat()
    return wire


def summary_payment(record: Payment) -> dict:
    return {
        "id": record.id,
        "paymentNumber": record.number,
        "paymentType": record.type,
        "status": record.status,
        "effectiveDate": record.effective_date.isoformat(),
        "paidInvoices": [],
    }
