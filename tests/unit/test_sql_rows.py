"""A record stored in a SQL store's row reads back as it was put: equal, and of
the same types all the way down (a Decimal stays a Decimal, a tuple a tuple, a
read-only mapping read-only), for every record of the start-up data, the
tenant's settings and its catalog."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from types import MappingProxyType

import pytest

from mockserver.domain.records import Catalog
from mockserver.domain.tenant_settings import Invoice, TenantSettings, custom_fields_from
from mockserver.fixtures.seeding import generate
from mockserver.store.sql import rows
from mockserver.store.sql.schema import ITEM_COLUMNS, MEMO_COLUMNS


def _same(put, read, where: str = "record") -> None:
    """``read`` is ``put``: equal, with the same type at every level."""
    assert type(read) is type(put), f"{where}: {type(put).__name__} read as {type(read).__name__}"
    if dataclasses.is_dataclass(put):
        for field in dataclasses.fields(put):
            _same(getattr(put, field.name), getattr(read, field.name), f"{where}.{field.name}")
    elif isinstance(put, (tuple, list)):
        assert len(read) == len(put), where
        for n, (a, b) in enumerate(zip(put, read, strict=True)):
            _same(a, b, f"{where}[{n}]")
    elif isinstance(put, (dict, MappingProxyType)):
        assert list(read) == list(put), where
        for key in put:
            _same(put[key], read[key], f"{where}.{key}")
    else:
        assert read == put, where


@pytest.fixture(scope="module")
def seeded():
    return generate(7)


@pytest.mark.parametrize("collection", sorted(rows.RECORD_TYPES))
def test_every_record_of_the_start_up_data_reads_back_as_put(seeded, collection):
    if collection == "debit_memo_items":
        records = [item for memo in seeded.records("debit_memos") for item in memo.items]
    else:
        records = list(seeded.records(collection))
    assert records
    kind = rows.RECORD_TYPES[collection]
    for record in records:
        assert type(record) is kind
        _same(record, rows.load(kind, rows.dump(record)))


def test_custom_fields_extras_and_taxation_items_read_back_as_put(seeded):
    memo = next(m for m in seeded.records("debit_memos") if m.items[0].taxation_items)
    item = memo.items[0]
    extras = MappingProxyType({"accounting_code": "4000", "custom_fields": {"size__c": ["L", 2]}})
    tax = dataclasses.replace(
        item.taxation_items[0], extras=MappingProxyType({"location_code": "CA"})
    )
    item = dataclasses.replace(item, extras=extras, taxation_items=(tax,), quantity=Decimal("1.50"))
    memo = dataclasses.replace(
        memo, items=(item, *memo.items[1:]), custom_fields=MappingProxyType({"po__c": "PO-1"})
    )
    _same(memo, rows.load(type(memo), rows.dump(memo)))


def test_the_settings_and_the_catalog_read_back_as_put(seeded):
    settings = TenantSettings(
        reason_codes=("Correcting invoice error", "Charge Dispute"),
        custom_fields=custom_fields_from({"debit_memo": {"po__c": "text"}}),
        prices=MappingProxyType({"8a8": "Monthly fee"}),
        invoices=MappingProxyType({"i1": Invoice("i1", "a1", "INV00000001", ("item1", "item2"))}),
    )
    _same(settings, rows.load(TenantSettings, rows.dump(settings)))
    catalog = seeded.catalog
    assert catalog.products
    read = rows.load(Catalog, rows.dump(catalog))
    _same(catalog.products, read.products)
    assert read.charges == catalog.charges


def test_a_rows_query_columns_hold_what_the_query_fields_read(seeded):
    """The columns are read by attribute (one ``attrgetter``): each holds what its
    field's ``get`` gives, so a page query filters rows as it filters records."""
    memos = [m for m in seeded.records("debit_memos") if m.items]
    assert memos
    for memo in memos[:20]:
        row = rows.memo_row("t", memo, 1)
        assert {name: row[name] for name in MEMO_COLUMNS} == {
            name: field.get(memo, None) for name, field in MEMO_COLUMNS.items()
        }
        for item in memo.items:
            row = rows.item_row("t", item, 1)
            assert {name: row[name] for name in ITEM_COLUMNS} == {
                name: field.get(item, None) for name, field in ITEM_COLUMNS.items()
            }
