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


def _row(tenant: str, record, version: int, columns, was) -> dict:
    """The record's row; with ``was`` (the record its row holds now), only the columns
    besides ``data`` that changed: SQLite rewrites the index entries of every column
    an ``UPDATE`` sets, changed or not."""
    values = columns(record)
    if was is not None:
        before = columns(was)
        values = {name: value for name, value in values.items() if value != before[name]}
    return {"tenant": tenant, "id": record.id, "version": version, "data": dump(record), **values}


def record_row(tenant: str, record, version: int, was=None) -> dict:
    """The row of a record with no columns besides those every record table has."""
    return _row(tenant, record, version, lambda _: {}, was)


def memo_row(tenant: str, memo: DebitMemo, version: int, was: DebitMemo | None = None) -> dict:
    return _row(tenant, memo, version, lambda m: _query_values(m, MEMO_COLUMNS), was)


def item_row(
    tenant: str, item: DebitMemoItem, version: int, was: DebitMemoItem | None = None
) -> dict:
    return _row(tenant, item, version, lambda i: _query_values(i, ITEM_COLUMNS), was)


def account_row(tenant: str, account: Account, version: int, was: Account | None = None) -> dict:
    return _row(tenant, account, version, lambda a: {"account_number": a.account_number}, was)


def payment_row(tenant: str, payment: Payment, version: int, was: Payment | None = None) -> dict:
    return _row(tenant, payment, version, _payment_columns, was)


def _payment_columns(payment: Payment) -> dict:
    return {
        "number": payment.number,
        "account_id": payment.account_id,
        "unapplied_amount": payment.unapplied_amount,
    }
