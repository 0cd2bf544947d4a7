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
from operator import attrgetter
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


class QueryColumns:
    """The query columns of a table's rows: their names, and ``of(record)``, the
    record's values of them in that order (one ``attrgetter`` call)."""

    def __init__(self, attributes: dict[str, str]):  # the record's attribute of each column
        self.names = tuple(attributes)
        get = attrgetter(*attributes.values())
        self.of = get if len(attributes) > 1 else lambda record: (get(record),)


def _attributes(columns: dict[str, Field]) -> dict[str, str]:
    return {name: field.attribute for name, field in columns.items()}


MEMO = QueryColumns(_attributes(MEMO_COLUMNS))
ITEM = QueryColumns(_attributes(ITEM_COLUMNS))
ACCOUNT = QueryColumns({"account_number": "account_number"})
PAYMENT = QueryColumns(
    {"number": "number", "account_id": "account_id", "unapplied_amount": "unapplied_amount"}
)


def _row(tenant: str, record, version: int, columns: QueryColumns | None, was) -> dict:
    """The record's row; with ``was`` (the record its row holds now), only the columns
    besides ``record`` that changed: SQLite rewrites the index entries of every column
    an ``UPDATE`` sets, changed or not."""
    row = {"tenant": tenant, "id": record.id, "version": version, "record": dump(record)}
    if columns is None:
        return row
    values = columns.of(record)
    if was is None:
        row.update(zip(columns.names, values, strict=True))
    else:
        before = columns.of(was)
        row.update(
            (name, value)
            for name, value, old in zip(columns.names, values, before, strict=True)
            if value != old
        )
    return row


def record_row(tenant: str, record, version: int, was=None) -> dict:
    """The row of a record with no columns besides those every record table has."""
    return _row(tenant, record, version, None, was)


def memo_row(tenant: str, memo: DebitMemo, version: int, was: DebitMemo | None = None) -> dict:
    return _row(tenant, memo, version, MEMO, was)


def item_row(
    tenant: str, item: DebitMemoItem, version: int, was: DebitMemoItem | None = None
) -> dict:
    return _row(tenant, item, version, ITEM, was)


def account_row(tenant: str, account: Account, version: int, was: Account | None = None) -> dict:
    return _row(tenant, account, version, ACCOUNT, was)


def payment_row(tenant: str, payment: Payment, version: int, was: Payment | None = None) -> dict:
    return _row(tenant, payment, version, PAYMENT, was)
