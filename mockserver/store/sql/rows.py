"""Records to rows and back.

A record is kept whole in its row's ``record``: JSON made and read by msgspec
from the record's type (its fields' annotations), so a record read back equals
the one put, with the same types: Decimals as their text, dates and instants
in ISO form, tuples as arrays, read-only mappings read back read-only. The
query columns beside it are the values of the fields a page query filters
and sorts on.
"""

from __future__ import annotations

import typing
from types import MappingProxyType

import msgspec

from mockserver.domain.query import Field
from mockserver.domain.records import (
    Account,
    Catalog,
    Contact,
    DebitMemo,
    DebitMemoItem,
    Payment,
    PaymentMethod,
    Product,
)
from mockserver.domain.tenant_settings import TenantSettings
from mockserver.store.sql.schema import ITEM_COLUMNS, MEMO_COLUMNS

# the type of the records each table holds
RECORD_TYPES = {
    "accounts": Account,
    "contacts": Contact,
    "payment_methods": PaymentMethod,
    "debit_memos": DebitMemo,
    "debit_memo_items": DebitMemoItem,
    "payments": Payment,
}


def _plain(value):
    """What msgspec writes of a value it has no form of its own for."""
    if isinstance(value, MappingProxyType):
        return dict(value)
    if isinstance(value, Catalog):
        return value.products
    raise NotImplementedError(f"a {type(value).__name__} can't be stored")


def _typed(kind, value):
    """A value of ``kind`` (a type msgspec has no form of its own for) from its JSON."""
    if kind is MappingProxyType:
        return MappingProxyType(value)
    if typing.get_origin(kind) is MappingProxyType:
        return MappingProxyType(
            msgspec.convert(value, dict[typing.get_args(kind)], dec_hook=_typed)
        )
    if kind is Catalog:
        return Catalog(msgspec.convert(value, tuple[Product, ...], dec_hook=_typed))
    raise NotImplementedError(f"a {kind} can't be read")


_ENCODER = msgspec.json.Encoder(enc_hook=_plain)
_DECODERS = {
    kind: msgspec.json.Decoder(kind, dec_hook=_typed)
    for kind in (*RECORD_TYPES.values(), TenantSettings, Catalog)
}


def dump(value) -> bytes:
    """A record (or the settings, or the catalog) as the bytes of its column."""
    return _ENCODER.encode(value)


def load(kind: type, data: bytes):
    """The ``kind`` (a record's type, ``TenantSettings`` or ``Catalog``) ``dump`` stored."""
    return _DECODERS[kind].decode(data)


def _query_values(record, columns: dict[str, Field]) -> dict:
    return {name: field.get(record, None) for name, field in columns.items()}


def _row(tenant: str, record, version: int, columns, was) -> dict:
    """The record's row; with ``was`` (the record its row holds now), only the columns
    besides ``record`` that changed: SQLite rewrites the index entries of every column
    an ``UPDATE`` sets, changed or not."""
    values = columns(record)
    if was is not None:
        before = columns(was)
        values = {name: value for name, value in values.items() if value != before[name]}
    return {"tenant": tenant, "id": record.id, "version": version, "record": dump(record), **values}


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
