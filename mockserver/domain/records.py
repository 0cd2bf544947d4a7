"""The objects the sandbox keeps: accounts, contacts, payment methods and
debit memos with their items and taxation items.

Records are immutable. A change makes a new record and the store swaps it in
under its lock, so a reader always sees one consistent version of a memo
without taking a lock. Attribute names are Zuora's field names. Money is in
integer hundredths of the currency unit (see ``money.to_cents``); quantities,
unit amounts and tax rates are Decimals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType

EMPTY = MappingProxyType({})
LAST_NUMBER = 99_999_999  # the highest DM and P- number: both have eight digits


@dataclass(frozen=True, slots=True)
class Audit:
    """Who made a record and when it last changed."""

    created_by_id: str
    created_time: datetime
    updated_by_id: str
    updated_time: datetime

    def touched(self, by: str, when: datetime) -> Audit:
        return Audit(self.created_by_id, self.created_time, by, when)


@dataclass(frozen=True, slots=True)
class Address:
    line1: str
    city: str
    country: str
    postal_code: str
    state: str | None = None
    line2: str | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    id: str
    account_id: str
    first_name: str
    last_name: str
    email: str
    work_email: str
    work_phone: str
    address: Address
    audit: Audit
    mobile_phone: str | None = None
    nickname: str | None = None
    tax_region: str | None = None


@dataclass(frozen=True, slots=True)
class PaymentMethod:
    id: str
    account_id: str
    type: str
    label: str


@dataclass(frozen=True, slots=True)
class Account:
    id: str
    account_number: str
    name: str
    currency: str
    payment_terms: str
    bill_cycle_day: int
    bill_to_id: str
    sold_to_id: str
    default_payment_method_id: str
    sequence_set_id: str
    crm_id: str
    sales_rep: str
    auto_pay: bool
    audit: Audit
    description: str | None = None
    batch: str = "Batch1"
    enabled: bool = True

    @property
    def payment_term_days(self) -> int:
        """``Net 30`` -> 30; ``Due Upon Receipt`` -> 0."""
        last = self.payment_terms.rsplit(" ", 1)[-1]
        return int(last) if last.isdigit() else 0


@dataclass(frozen=True, slots=True)
class TaxationItem:
    id: str
    name: str
    amount: int  # money: hundredths of the currency unit (see money.to_cents)
    tax_code: str
    tax_date: date
    tax_rate: Decimal
    audit: Audit
    tax_code_name: str | None = None
    tax_rate_name: str | None = None
    tax_rate_type: str | None = None
    tax_inclusive: bool = False
    jurisdiction: str | None = None
    amount_exempt: int = 0
    amount_paid: int = 0
    extras: MappingProxyType = field(default_factory=lambda: EMPTY)  # TAX_EXTRA_FIELDS

    @property
    def remaining_balance(self) -> int:
        return self.amount - self.amount_paid

    def __getattr__(self, name: str):
        return _extra(self, name, TAX_EXTRA_FIELDS)


@dataclass(frozen=True, slots=True)
class DebitMemoItem:
    id: str
    debit_memo_id: str
    amount: int
    unit_amount: Decimal
    quantity: Decimal
    service_start: date
    audit: Audit
    tax_inclusive: bool = False
    taxation_items: tuple[TaxationItem, ...] = ()
    subtotal_paid: int = 0
    name: str | None = None
    description: str | None = None
    sku: str | None = None
    service_end: date | None = None
    unit_of_measure: str | None = None
    tax_code: str | None = None
    extras: MappingProxyType = field(default_factory=lambda: EMPTY)  # ITEM_EXTRA_FIELDS

    def __getattr__(self, name: str):
        return _extra(self, name, ITEM_EXTRA_FIELDS)

    @property
    def tax(self) -> int:
        return sum(t.amount for t in self.taxation_items)

    @property
    def subtotal(self) -> int:
        return self.amount - self.tax if self.tax_inclusive else self.amount

    @property
    def remaining_balance(self) -> int:
        """What is still owed on the item: its subtotal and its taxes."""
        unpaid_tax = sum(t.remaining_balance for t in self.taxation_items)
        return self.subtotal - self.subtotal_paid + unpaid_tax


# Optional attributes that requests and snapshots set by name. The common ones
# are slots; the rarely set ones live in the record's ``extras`` mapping, which
# keeps a 100,000-memo store small, and read as attributes all the same.
ITEM_SLOT_FIELDS = ("name", "description", "sku", "service_end", "unit_of_measure", "tax_code")
ITEM_EXTRA_FIELDS = frozenset(
    {
        "accounting_code", "deferred_revenue_account", "recognized_revenue_account",
        "accounts_receivable_account", "on_account_account", "revenue_recognition_rule_name",
        "booking_reference", "price_id", "purchase_order_number", "invoice_item_id",
        "document_item_date", "custom_fields",
    }
)  # fmt: skip
TAX_SLOT_FIELDS = (
    "tax_code_name",
    "tax_rate_name",
    "tax_rate_type",
    "tax_inclusive",
    "jurisdiction",
)
TAX_EXTRA_FIELDS = frozenset(
    {
        "location_code", "source_tax_item_id", "sales_tax_payable_account",
        "on_account_account", "custom_fields",
    }
)  # fmt: skip


def _extra(record, name: str, names: frozenset):
    if name in names:
        default = EMPTY if name == "custom_fields" else None
        return record.extras.get(name, default)
    raise AttributeError(f"{type(record).__name__!r} object has no attribute {name!r}")


def optional_fields(values: dict, slots: tuple[str, ...], extras: frozenset) -> dict:
    """Constructor arguments for the optional fields ``values`` holds."""
    arguments = {}
    extra = {}
    for name, value in values.items():
        if name in slots:
            arguments[name] = value
        elif value and name in extras:
            extra[name] = value
    if extra:
        arguments["extras"] = MappingProxyType(extra)
    return arguments


@dataclass(frozen=True, slots=True)
class DebitMemo:
    id: str
    debit_memo_number: str
    account_id: str
    account_number: str
    currency: str
    document_date: date
    due_date: date
    payment_terms: str
    audit: Audit
    items: tuple[DebitMemoItem, ...]
    state: str = "draft"
    bill_to_id: str | None = None
    sequence_set_id: str | None = None
    description: str | None = None
    reason_code: str | None = None
    invoice_id: str | None = None
    pay: bool = True
    transfer_to_accounting: bool = False
    exclude_from_auto_apply_rules: bool = False
    custom_fields: MappingProxyType = field(default_factory=lambda: EMPTY)
    posted_by_id: str | None = None
    posted_time: datetime | None = None
    canceled_time: datetime | None = None
    amount_refunded: int = 0
    # Derived totals, kept on the record so listing and sorting stay cheap.
    subtotal: int = 0
    tax: int = 0
    total: int = 0
    amount_paid: int = 0

    @property
    def remaining_balance(self) -> int:
        return self.total - self.amount_paid - self.amount_refunded

    @property
    def balance(self) -> int:
        return self.remaining_balance

    @property
    def paid(self) -> bool:
        return self.state == "posted" and self.total > 0 and self.remaining_balance == 0

    def past_due(self, today: date) -> bool:
        return self.state == "posted" and self.remaining_balance > 0 and self.due_date < today

    @property
    def updated_time(self) -> datetime:
        return self.audit.updated_time


@dataclass(frozen=True, slots=True)
class PaymentApplication:
    """What one payment applies to one debit memo (Zuora v1's payment "part")."""

    id: str
    payment_id: str
    debit_memo_id: str
    amount: int  # hundredths
    audit: Audit


@dataclass(frozen=True, slots=True)
class Payment:
    """A payment of an account: made through v1, or by a v2 ``pay`` (one application)."""

    id: str
    number: str
    account_id: str
    currency: str
    amount: int  # hundredths
    type: str  # External | Electronic
    payment_method_id: str
    effective_date: date
    audit: Audit
    applications: tuple[PaymentApplication, ...] = ()
    status: str = "Processed"
    payment_method_type: str | None = None
    comment: str | None = None
    reference_id: str | None = None

    @property
    def applied_amount(self) -> int:
        return sum(a.amount for a in self.applications)

    @property
    def unapplied_amount(self) -> int:
        return self.amount - self.applied_amount


@dataclass(frozen=True, slots=True)
class ChargePrice:
    currency: str
    price: Decimal


@dataclass(frozen=True, slots=True)
class ProductRatePlanCharge:
    id: str
    number: str  # productRatePlanChargeNumber, PRPC-...
    name: str
    model: str  # FlatFee | PerUnit
    type: str  # OneTime | Usage | Recurring
    uom: str
    prices: tuple[ChargePrice, ...]
    description: str | None = None

    def price_in(self, currency: str) -> Decimal | None:
        return next((p.price for p in self.prices if p.currency == currency), None)


@dataclass(frozen=True, slots=True)
class ProductRatePlan:
    id: str
    number: str  # productRatePlanNumber, PRP-...
    name: str
    charges: tuple[ProductRatePlanCharge, ...]
    effective_start_date: date
    effective_end_date: date
    description: str | None = None
    status: str = "Active"


@dataclass(frozen=True, slots=True)
class Product:
    """A catalog product with its rate plans and their charges (read-only in the sandbox)."""

    id: str
    sku: str
    number: str  # productNumber, PC-...
    name: str
    category: str
    effective_start_date: date
    effective_end_date: date
    rate_plans: tuple[ProductRatePlan, ...]
    description: str | None = None


class Catalog:
    """The product catalog: products by id, SKU or number, and charges by id.
    Built once (seeded or loaded) and then only read."""

    def __init__(self, products=()):
        self.products: tuple[Product, ...] = tuple(products)
        self._by_key: dict[str, Product] = {}
        self.charges: dict[str, ProductRatePlanCharge] = {}
        for product in self.products:
            for key in (product.id, product.sku, product.number):
                self._by_key.setdefault(key, product)
            for plan in product.rate_plans:
                for charge in plan.charges:
                    self.charges[charge.id] = charge

    def product(self, key: str) -> Product | None:
        """A product by its id, SKU or product number."""
        return self._by_key.get(key)
