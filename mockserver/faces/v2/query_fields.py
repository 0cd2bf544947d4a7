"""What a v2 query may show, per object: the fields ``fields[]`` accepts (Zuora's
lists of "accepted values") and what ``expand[]`` accepts. The fields ``filter[]``
and ``sort[]`` name are the domain's (``domain/queryable.py``).
"""

from __future__ import annotations

# Zuora's "accepted values" of each fields[] parameter.
MEMO_SELECTABLE = frozenset(
    [
        "custom_fields",
        "created_by_id",
        "updated_by_id",
        "created_time",
        "id",
        "updated_time",
        "balance",
        # Zuora deprecates balance in favour of these two, so they are accepted too.
        "remaining_balance",
        "amount_paid",
        "due_date",
        "debit_memo_number",
        "state_transitions",
        "description",
        "account_id",
        "total",
        "subtotal",
        "tax",
        "document_date",
        "posted_by_id",
        "state",
        "reason_code",
        "paid",
        "past_due",
        "billing_document_settings",
        "payment_terms",
        "bill_to_id",
        "invoice_id",
        "currency",
    ]
)
ITEM_SELECTABLE = frozenset(
    [
        "custom_fields",
        "created_by_id",
        "updated_by_id",
        "created_time",
        "id",
        "updated_time",
        "amount",
        "applied_to_item_id",
        "price_id",
        "discount_item",
        "deferred_revenue_account",
        "description",
        "document_item_date",
        "invoice_item_id",
        "sku",
        "name",
        "quantity",
        "recognized_revenue_account",
        "remaining_balance",
        "service_end",
        "service_start",
        "accounts_receivable_account",
        "subscription_id",
        "subscription_item_id",
        "subtotal",
        "tax",
        "tax_code",
        "tax_inclusive",
        "unit_amount",
        "unit_of_measure",
        "debit_memo_id",
    ]
)
TAXATION_SELECTABLE = frozenset(
    [
        "custom_fields",
        "created_by_id",
        "updated_by_id",
        "created_time",
        "id",
        "updated_time",
        "amount",
        "amount_exempt",
        "tax_date",
        "jurisdiction",
        "location_code",
        "name",
        "sales_tax_payable_account",
        "tax_code",
        "tax_code_name",
        "tax_rate",
        "tax_rate_name",
        "tax_inclusive",
        "tax_rate_type",
        "amount_credited",
        "amount_paid",
        "remaining_balance",
    ]
)
ACCOUNT_SELECTABLE = frozenset(
    [
        "custom_fields",
        "created_by_id",
        "updated_by_id",
        "created_time",
        "id",
        "updated_time",
        "auto_pay",
        "account_number",
        "bill_to_id",
        "sold_to_id",
        "billing_document_settings",
        "communication_profile_id",
        "crm_id",
        "sales_rep",
        "parent_account_id",
        "payment_gateway",
        "payment_terms",
        "remaining_credit_memo_balance",
        "remaining_debit_memo_balance",
        "remaining_invoice_balance",
        "remaining_payment_balance",
        "sequence_set_id",
        "tax_certificate",
        "batch",
        "tax_identifier",
        "bill_cycle_day",
        "description",
        "name",
        "currency",
        "default_payment_method_id",
        "enabled",
    ]
)
CONTACT_SELECTABLE = frozenset(
    [
        "custom_fields",
        "created_by_id",
        "updated_by_id",
        "created_time",
        "id",
        "updated_time",
        "account_id",
        "address",
        "home_phone",
        "first_name",
        "last_name",
        "email",
        "work_email",
        "nickname",
        "other_phone",
        "work_phone",
        "mobile_phone",
        "tax_region",
        "other_phone_type",
        "fax",
    ]
)

MEMO_EXPANDABLE = frozenset({"items", "account", "bill_to"})
ITEM_EXPANDABLE = frozenset({"debit_memo", "taxation_items"})
