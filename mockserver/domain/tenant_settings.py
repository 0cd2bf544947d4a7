"""What a tenant has set up in Zuora, that requests must refer to: its reason
codes, its custom field definitions, and the invoices and prices a debit
memo may point at.

Zuora refuses a reason code or a custom field the tenant doesn't have, and an
id that names no record. The sandbox's tenants are seeded with these settings
(the generation profile, or a snapshot's ``settings``) and check them the
same way; the checks raise ``InvalidParameter`` naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING

from mockserver.domain.errors import InvalidParameter

if TYPE_CHECKING:
    from mockserver.domain.records import Catalog

# Zuora's pre-populated reason codes for debit memos; the first is the default.
ZUORA_REASON_CODES = (
    "Correcting Invoice Error",
    "Ad hoc Debit",
    "Charge Dispute",
    "Credit memo reversal",
    "Write-off",
)
# The objects that carry custom fields, and the types a definition may have.
CUSTOM_FIELD_OBJECTS = ("debit_memo", "debit_memo_item", "payment")
CUSTOM_FIELD_TYPES = ("text", "number", "boolean", "date")
CUSTOM_FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,60}__c")
MAX_REASON_CODE = 255
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class Invoice:
    """An invoice a debit memo may be made from (only what a reference needs)."""

    id: str
    account_id: str
    invoice_number: str
    item_ids: tuple[str, ...]


@dataclass(frozen=True)
class TenantSettings:
    reason_codes: tuple[str, ...] = ZUORA_REASON_CODES
    # object -> custom field name -> type
    custom_fields: MappingProxyType[str, MappingProxyType[str, str]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    prices: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))
    invoices: MappingProxyType[str, Invoice] = field(default_factory=lambda: MappingProxyType({}))

    @cached_property
    def _reason_codes(self) -> dict[str, str]:
        return {code.casefold(): code for code in self.reason_codes}

    @cached_property
    def _invoice_of_item(self) -> dict[str, str]:
        return {item: inv.id for inv in self.invoices.values() for item in inv.item_ids}

    def with_catalog(self, catalog: Catalog) -> TenantSettings:
        """These settings with the catalog's product rate plan charges among the prices:
        v1's ``productRatePlanChargeId`` and v2's ``price_id`` name the same records."""
        charges = {charge.id: charge.name for charge in catalog.charges.values()}
        return replace(self, prices=MappingProxyType({**self.prices, **charges}))

    @property
    def default_reason_code(self) -> str:
        return self.reason_codes[0]

    def reason_code(self, value: str | None, where: str = "reason_code") -> str:
        """The tenant's spelling of ``value`` (matched in any case); its default for None."""
        if value is None:
            return self.default_reason_code
        code = self._reason_codes.get(value.casefold())
        if code is None:
            raise InvalidParameter(
                where,
                f"'{value}' is not a reason code of this tenant "
                f"(one of: {', '.join(self.reason_codes)})",
            )
        return code

    def check_custom_fields(self, kind: str, values: Mapping, where: str = "custom_fields"):
        """Every name defined for ``kind`` (``debit_memo``, ...) and every value of its type."""
        defined = self.custom_fields.get(kind, {})
        for name, value in values.items():
            parameter = f"{where}.{name}"
            if name not in defined:
                known = ", ".join(sorted(defined)) or "none"
                raise InvalidParameter(
                    parameter,
                    f"'{name}' is not a custom field of the {kind} object (defined: {known})",
                )
            if value is not None and not _is_of_type(value, defined[name]):
                raise InvalidParameter(
                    parameter, f"'{name}' is a {defined[name]} field: {value!r} is not one"
                )

    def check_memo(self, memo: Mapping, account_id: str, where: str = "") -> None:
        """A memo's custom fields and invoice, and its items' custom fields, price,
        invoice item (and their taxation items' invoice items) are the tenant's."""
        at = f"{where}." if where else ""
        self.check_custom_fields("debit_memo", memo.get("custom_fields", {}), f"{at}custom_fields")
        invoice_id = memo.get("invoice_id")
        if invoice_id is not None:
            self.check_invoice(invoice_id, account_id, f"{at}invoice_id")
        for n, item in enumerate(memo.get("items") or ()):
            self._check_item(item, invoice_id, f"{at}items[{n}]")

    def _check_item(self, item: Mapping, invoice_id: str | None, where: str) -> None:
        fields = item.get("custom_fields", {})
        self.check_custom_fields("debit_memo_item", fields, f"{where}.custom_fields")
        if item.get("price_id") is not None and item["price_id"] not in self.prices:
            raise InvalidParameter(
                f"{where}.price_id", f"Price {item['price_id']} could not be found"
            )
        references = [(item.get("invoice_item_id"), f"{where}.invoice_item_id")]
        references += [
            (tax.get("invoice_item_id"), f"{where}.taxation_items[{n}].invoice_item_id")
            for n, tax in enumerate(item.get("taxation_items") or ())
        ]
        for item_id, parameter in references:
            if item_id is not None:
                self.check_invoice_item(item_id, invoice_id, parameter)

    def check_invoice(self, invoice_id: str, account_id: str, where: str = "invoice_id"):
        invoice = self.invoices.get(invoice_id)
        if invoice is None:
            raise InvalidParameter(where, f"Invoice {invoice_id} could not be found")
        if invoice.account_id != account_id:
            raise InvalidParameter(where, f"Invoice {invoice_id} belongs to another account")

    def check_invoice_item(self, item_id: str, invoice_id: str | None, where: str):
        """A known invoice item, of the memo's invoice when it names one."""
        of = self._invoice_of_item.get(item_id)
        if of is None:
            raise InvalidParameter(where, f"Invoice item {item_id} could not be found")
        if invoice_id is not None and of != invoice_id:
            raise InvalidParameter(where, f"Invoice item {item_id} is not an item of {invoice_id}")


def reason_codes_from(values) -> tuple[str, ...]:
    """Reason codes as a profile or a snapshot lists them; ``ValueError`` says what is wrong."""
    if not isinstance(values, (list, tuple)) or not values:
        raise ValueError("reason_codes must be a non-empty list")
    codes = tuple(values)
    for code in codes:
        if not isinstance(code, str) or not code.strip() or len(code) > MAX_REASON_CODE:
            raise ValueError(
                f"a reason code is text of 1 to {MAX_REASON_CODE} characters: {code!r}"
            )
    if len({code.casefold() for code in codes}) != len(codes):
        raise ValueError("reason_codes must not repeat a code (in any case)")
    return codes


def custom_fields_from(definitions) -> Mapping[str, Mapping[str, str]]:
    """Custom field definitions (object -> name -> type), checked and frozen."""
    if not isinstance(definitions, Mapping):
        raise ValueError("custom_fields must map objects to their fields")
    frozen = {}
    for kind, named in definitions.items():
        if kind not in CUSTOM_FIELD_OBJECTS:
            raise ValueError(
                f"custom_fields: {kind!r} is not one of {', '.join(CUSTOM_FIELD_OBJECTS)}"
            )
        if not isinstance(named, Mapping):
            raise ValueError(f"custom_fields.{kind} must map field names to types")
        for name, type_name in named.items():
            if not isinstance(name, str) or not CUSTOM_FIELD_NAME.fullmatch(name):
                raise ValueError(f"custom_fields.{kind}: {name!r} is not a name ending in '__c'")
            if type_name not in CUSTOM_FIELD_TYPES:
                raise ValueError(
                    f"custom_fields.{kind}.{name}: the type must be one of "
                    f"{', '.join(CUSTOM_FIELD_TYPES)}"
                )
        frozen[kind] = MappingProxyType(dict(named))
    return MappingProxyType(frozen)


def _is_of_type(value, kind: str) -> bool:
    if kind == "text":
        return isinstance(value, str)
    if kind == "number":
        return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if not isinstance(value, str) or not DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True
