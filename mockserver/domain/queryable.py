"""What a query may name, per collection: the fields of debit memos and of
their items that filters and sort terms use, with their types. Names are the
records' attributes (Zuora's snake_case field names); a face with other names
maps them onto these.
"""

from __future__ import annotations

from datetime import date

from mockserver.domain.query import Field
from mockserver.domain.tenant_settings import TenantSettings

CUSTOM_FIELD_KINDS = {"text": "string", "number": "number", "boolean": "boolean", "date": "date"}
# the fields of a record's ``audit``, by kind
AUDIT_FIELDS = {
    "created_time": "datetime",
    "updated_time": "datetime",
    "created_by_id": "string",
    "updated_by_id": "string",
}


def _fields(kinds: dict[str, list[str]], special: dict[str, Field] | None = None):
    table = {}
    for kind, names in kinds.items():
        for name in names:
            table[name] = Field(
                name, kind, lambda record, today, name=name: getattr(record, name), attribute=name
            )
    for name, kind in AUDIT_FIELDS.items():
        table[name] = Field(
            name,
            kind,
            lambda record, today, name=name: getattr(record.audit, name),
            attribute=f"audit.{name}",
        )
    table.update(special or {})
    return table


MEMO_FIELDS = _fields(
    {
        "string": [
            "id", "debit_memo_number", "account_id", "account_number", "bill_to_id", "currency",
            "state", "description", "reason_code", "invoice_id", "payment_terms", "posted_by_id",
        ],
        "money": [
            "total", "subtotal", "tax", "balance", "remaining_balance", "amount_paid",
            "amount_refunded",
        ],
        "date": ["due_date", "document_date"],
        "boolean": ["paid", "pay", "transfer_to_accounting", "exclude_from_auto_apply_rules"],
    },
    {
        "past_due": Field(
            "past_due", "boolean", lambda memo, today: memo.past_due(today), indexable=False
        ),
        # The ids of a memo's items, as Zuora's guide names them among a list's filters.
        "[items][id]": Field(
            "[items][id]", "string", lambda memo, today: [i.id for i in memo.items],
            indexable=False, many=True,
        ),
    },
)  # fmt: skip

ITEM_FIELDS = _fields(
    {
        "string": [
            "id", "debit_memo_id", "name", "description", "sku", "tax_code", "unit_of_measure",
            "accounting_code", "invoice_item_id", "price_id", "purchase_order_number",
        ],
        "money": ["amount", "subtotal", "tax", "remaining_balance"],
        "number": ["unit_amount", "quantity"],
        "date": ["service_start", "service_end"],
        "boolean": ["tax_inclusive"],
    }
)  # fmt: skip


def with_custom_fields(fields: dict[str, Field], settings: TenantSettings, kind: str) -> dict:
    """``fields`` and the tenant's custom fields of ``kind`` (``debit_memo``, ...),
    typed by their definitions: ``filter[]=Region__c.EQ:West``."""
    defined = settings.custom_fields.get(kind, {})
    if not defined:
        return fields
    return {
        **fields,
        **{name: _custom_field(name, type_name) for name, type_name in defined.items()},
    }


def _custom_field(name: str, type_name: str) -> Field:
    def get(record, today):
        value = record.custom_fields.get(name)
        if type_name == "date" and value is not None:
            return date.fromisoformat(value)
        return value

    return Field(name, CUSTOM_FIELD_KINDS[type_name], get)
