"""The tables of the SQL stores. Every table starts with ``tenant``: one
database holds every tenant of the sandbox, each seeing only its own rows.

A record lives whole in its row's ``record`` (see ``rows.py``); the columns
beside it are what lookups, sums and page queries filter and sort on. A memo
row has a column per indexable field of ``MEMO_FIELDS`` and an item row one
per field of ``ITEM_FIELDS`` (numbers excepted: SQLite has no exact decimal
type, so those are compared in Python; see ``queries.py``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    TypeDecorator,
    inspect,
)

from mockserver.domain.query import Field
from mockserver.domain.queryable import ITEM_FIELDS, MEMO_FIELDS
from mockserver.store.sql.engine import StoreUrlError


class UtcDateTime(TypeDecorator):
    """An instant, kept in UTC: SQLite's text form of it then sorts as time does."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        try:
            utc = value.astimezone(UTC)
        except OverflowError:  # past the calendar's ends in UTC: compares as its end
            utc = (datetime.max if value.year > 1 else datetime.min).replace(tzinfo=UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc


# Strings sort by code point, as Python sorts them: PostgreSQL's "C" collation
# compares UTF-8 bytes, which is the same order; SQLite's default does already.
TEXT = Text().with_variant(Text(collation="C"), "postgresql")
COLUMN_TYPES = {
    "string": TEXT,
    "money": BigInteger,  # hundredths, exactly
    "date": Date,
    "datetime": UtcDateTime,
    "boolean": Boolean,
}


def query_columns(fields: dict[str, Field]) -> dict[str, Field]:
    """The fields a table keeps a column of, by column name."""
    return {
        name: field
        for name, field in fields.items()
        if field.indexable and field.kind in COLUMN_TYPES and name != "id"
    }


# The tenant's sequences, each the last value given, in its row (``counters.py``): memo
# and payment numbers, the order payments were linked to memos, record ids (see
# ``SqlStore.new_id``) and the order records were first put.
COUNTERS = ("memo", "payment", "link", "id", "position")

MEMO_COLUMNS = query_columns(MEMO_FIELDS)
ITEM_COLUMNS = query_columns(ITEM_FIELDS)
# Page queries' usual sorts and lookups; every other sort is a scan of the tenant's rows.
MEMO_INDEXES = ("updated_time", "created_time", "document_date", "due_date", "total", "state")


def counter_column(name: str) -> str:
    """The column of the tenant's row that holds the counter ``name`` (of ``COUNTERS``)."""
    return f"last_{name}"


def _tenant_key(*names: str) -> PrimaryKeyConstraint:
    return PrimaryKeyConstraint("tenant", *names)


def _record_table(metadata: MetaData, name: str, *columns) -> Table:
    """A table of records: tenant, id, a version (changes with every put), the data,
    and the record's position: ``records()`` gives them in the order first put."""
    return Table(
        name,
        metadata,
        Column("tenant", TEXT, nullable=False),
        Column("id", TEXT, nullable=False),
        Column("version", BigInteger, nullable=False),
        Column("record", LargeBinary, nullable=False),  # see rows.py
        Column("position", BigInteger),
        *columns,
        _tenant_key("id"),
    )


def _query_columns(columns: dict[str, Field]) -> list[Column]:
    return [Column(name, COLUMN_TYPES[field.kind]) for name, field in columns.items()]


class Schema:
    """The tables, in one ``MetaData``; ``create(engine)`` makes the missing ones."""

    def __init__(self):
        self.metadata = metadata = MetaData()
        self.tenants = Table(
            "tenants",
            metadata,
            Column("tenant", TEXT, primary_key=True),
            Column("generation", BigInteger, nullable=False),  # changes with every fill
            Column("version", BigInteger, nullable=False),  # changes with every transaction
            Column("api_user_id", TEXT, nullable=False),
            Column("settings", LargeBinary, nullable=False),
            Column("catalog", LargeBinary, nullable=False),
            *(Column(counter_column(name), BigInteger, nullable=False) for name in COUNTERS),
            # what the last write transactions changed: see changes.py
            Column("changes", LargeBinary, nullable=False, default=b""),
        )
        self.accounts = _record_table(metadata, "accounts", Column("account_number", TEXT))
        self.contacts = _record_table(metadata, "contacts")
        self.payment_methods = _record_table(metadata, "payment_methods")
        self.debit_memos = _record_table(metadata, "debit_memos", *_query_columns(MEMO_COLUMNS))
        self.debit_memo_items = _record_table(
            metadata, "debit_memo_items", *_query_columns(ITEM_COLUMNS)
        )
        self.payments = _record_table(
            metadata,
            "payments",
            Column("number", TEXT, nullable=False),
            Column("account_id", TEXT, nullable=False),
            Column("unapplied_amount", BigInteger, nullable=False),
        )
        self.memo_payments = Table(
            "memo_payments",  # which payments apply to a memo, in the order first applied
            metadata,
            Column("tenant", TEXT, nullable=False),
            Column("debit_memo_id", TEXT, nullable=False),
            Column("payment_id", TEXT, nullable=False),
            Column("linked", BigInteger, nullable=False),
            _tenant_key("debit_memo_id", "payment_id"),
            sqlite_with_rowid=False,
        )
        self._indexes()

    def _indexes(self) -> None:
        memos, items = self.debit_memos, self.debit_memo_items
        Index("accounts_by_number", self.accounts.c.tenant, self.accounts.c.account_number)
        Index("memos_by_number", memos.c.tenant, memos.c.debit_memo_number, unique=True)
        Index("memos_by_account", memos.c.tenant, memos.c.account_id, memos.c.state)
        for name in MEMO_INDEXES:
            Index(f"memos_by_{name}", memos.c.tenant, memos.c[name], memos.c.id)
        Index("items_by_memo", items.c.tenant, items.c.debit_memo_id)
        Index("items_by_amount", items.c.tenant, items.c.amount, items.c.id)
        Index("payments_by_number", self.payments.c.tenant, self.payments.c.number, unique=True)
        Index("payments_by_account", self.payments.c.tenant, self.payments.c.account_id)

    def create(self, engine) -> None:
        """The missing tables made; a table another version of the sandbox made, with
        other columns, is refused (``StoreUrlError`` naming it)."""
        self.metadata.create_all(engine)
        refuse_other_columns(engine, self.metadata)

    def tables(self) -> list[Table]:
        return list(self.metadata.sorted_tables)


def refuse_other_columns(engine, metadata: MetaData) -> None:
    """``StoreUrlError`` if a table of ``metadata`` in the database lacks one of its columns."""
    found = inspect(engine)
    for table in metadata.sorted_tables:
        there = {column["name"] for column in found.get_columns(table.name)}
        missing = [column.name for column in table.columns if column.name not in there]
        if missing:
            raise StoreUrlError(
                f"--store {engine.url.render_as_string(hide_password=True)!r}: its table "
                f"{table.name} has no column {missing[0]} (another version of the sandbox "
                "made it): give a new file or database, or drop the sandbox's tables"
            )
