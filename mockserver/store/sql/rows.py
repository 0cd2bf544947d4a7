"""Records to rows and back.

A record is kept whole in its row's ``data``: JSON (orjson) with every value
typed exactly, Decimals as their text, dates and instants in ISO form with
their zone, so a record read back equals the one put. The query columns
beside it are the values of the fields a page query filters and sorts on.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType
from zoneinfo import ZoneInfo

import orjson

from mockserver.domain.query import Field
from mockserver.domain.records import (
    Account,
    Address,
    Audit,
    Catalog,
    ChargePrice,
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
from mockserver.domain.tenant_settings import Invoice, TenantSettings
from mockserver.store.sql.schema import ITEM_COLUMNS, MEMO_COLUMNS

RECORD_TYPES = {
    kind.__name__: kind
    for kind in (
        Account, Address, Audit, ChargePrice, Contact, DebitMemo, DebitMemoItem, Invoice,
        Payment, PaymentApplication, PaymentMethod, Product, ProductRatePlan,
        ProductRatePlanCharge, TaxationItem, TenantSettings,
    )
}  # fmt: skip
TAG = "~"  # the key of a typed value's kind in the JSON


def _encoded(value):
    """``value`` as JSON-ready data; see ``_decoded``."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, Decimal):
        return {TAG: "D", "v": str(value)}
    if isinstance(value, datetime):
        zone = value.tzinfo.key if isinstance(value.tzinfo, ZoneInfo) else None
        return {TAG: "t", "v": value.isoformat(), "z": zone}
    if isinstance(value, date):
        return {TAG: "d", "v": value.isoformat()}
    if isinstance(value, (tuple, list)):
        return {TAG: "(", "v": [_encoded(v) for v in value]}
    if isinstance(value, Catalog):
        return {TAG: "Catalog", "v": _encoded(value.products)}
    if isinstance(value, Mapping):
        return {
            TAG: "m" if isinstance(value, MappingProxyType) else "{",
            "v": [[_encoded(k), _encoded(v)] for k, v in value.items()],
        }
    if type(value).__name__ in RECORD_TYPES:
        fields = {f.name: _encoded(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {TAG: type(value).__name__, **fields}
    raise TypeError(f"a {type(value).__name__} can't be stored")


def _decoded(data):
    if not isinstance(data, dict):
        return data
    kind = data[TAG]
    if kind == "D":
        return Decimal(data["v"])
    if kind == "t":
        moment = datetime.fromisoformat(data["v"])
        return moment.astimezone(ZoneInfo(data["z"])) if data["z"] else moment
    if kind == "d":
        return date.fromisoformat(data["v"])
    if kind == "(":
        return tuple(_decoded(v) for v in data["v"])
    if kind == "Catalog":
        return Catalog(_decoded(data["v"]))
    if kind in ("m", "{"):
        pairs = {_decoded(k): _decoded(v) for k, v in data["v"]}
        return MappingProxyType(pairs) if kind == "m" else pairs
    return RECORD_TYPES[kind](**{k: _decoded(v) for k, v in data.items() if k != TAG})


def dump(value) -> bytes:
    """A record (or the settings, or the catalog) as the bytes of a ``data`` column."""
    return orjson.dumps(_encoded(value))


def load(data: bytes):
    """What ``dump`` stored."""
    return _decoded(orjson.loads(data))


def _query_values(record, columns: dict[str, Field]) -> dict:
    return {name: field.get(record, None) for name, field in columns.items()}


def record_row(tenant: str, record, version: int) -> dict:
    """The columns every record table has."""
    return {"tenant": tenant, "id": record.id, "version": version, "data": dump(record)}


def memo_row(tenant: str, memo: DebitMemo, version: int) -> dict:
    return {**record_row(tenant, memo, version), **_query_values(memo, MEMO_COLUMNS)}


def item_row(tenant: str, item: DebitMemoItem, version: int) -> dict:
    return {**record_row(tenant, item, version), **_query_values(item, ITEM_COLUMNS)}


def account_row(tenant: str, account: Account, version: int) -> dict:
    return {**record_row(tenant, account, version), "account_number": account.account_number}


def payment_row(tenant: str, payment: Payment, version: int) -> dict:
    return {
        **record_row(tenant, payment, version),
        "number": payment.number,
        "account_id": payment.account_id,
        "unapplied_amount": payment.unapplied_amount,
    }
