"""``SqlStore``: one tenant's records in a SQL database (see ``engine.py``).

Transactions, reads, and the lookups kept between requests: see
``connections.py``.

Records read are kept per process by id and version (a random number that
changes with every put): a record that has not changed is the same object
again, so what a face rendered of it is reused (``tenancy/rendered.py``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import partial

from sqlalchemy import (
    Connection,
    Engine,
    Executable,
    Table,
    bindparam,
    delete,
    func,
    select,
    update,
)

from mockserver.domain.errors import NumbersExhausted
from mockserver.domain.query import Page, PageQuery
from mockserver.domain.records import (
    LAST_NUMBER,
    Account,
    Catalog,
    Contact,
    DebitMemo,
    DebitMemoItem,
    Payment,
    PaymentMethod,
)
from mockserver.domain.tenant_settings import TenantSettings
from mockserver.store import Collection
from mockserver.store.indexes import after_key, page_after, take
from mockserver.store.memory import FrozenStore, IdFactory
from mockserver.store.sql import rows
from mockserver.store.sql.connections import Connections
from mockserver.store.sql.counters import Counters
from mockserver.store.sql.driver_reads import DriverReads
from mockserver.store.sql.kept import MISSING, Transaction
from mockserver.store.sql.puts import Puts, version
from mockserver.store.sql.queries import plan
from mockserver.store.sql.recent import RECENT_RECORDS, RecentRecords
from mockserver.store.sql.schema import Schema


class SqlStore:
    """A ``Store`` of one tenant (``tenant``) in tables that hold every tenant."""

    def __init__(self, engine: Engine, schema: Schema, tenant: str, writers, reads: DriverReads):
        self._db = Connections(engine, schema, tenant, writers, reads)
        self.schema = schema
        self.tenant = tenant
        self._recent = RecentRecords(RECENT_RECORDS)
        self._statements: dict[tuple, Executable | str] = {}  # built once: see ``_built``
        self._counters = Counters(self._db, reads.sql)
        self._puts = Puts(self._db, self._counters, self._recent, schema)
        self._meta: tuple[int, str, TenantSettings, Catalog] | None = None

    # -- connections and transactions -------------------------------------------

    def transaction(self) -> AbstractContextManager[Transaction]:
        return self._db.transaction()

    def sync(self) -> None:
        self._db.sync()

    def rewritten(self) -> None:
        """The transaction writes every table of the tenant (a fill): nothing kept holds."""
        self._db.held.wrote_all()

    def _reading(self) -> AbstractContextManager[Connection]:
        return self._db.reading()

    def _one(self, table: Table, column: str, value: str):
        """The record whose ``column`` is ``value``, read on the driver."""
        sql = self._built(
            ("one", table.name, column),
            lambda: self._db.reads.sql(
                f"SELECT id, version, record FROM {table.name} WHERE tenant = ? AND {column} = ?"
            ),
        )

        def look_up():
            found = self._db.first(sql, (self.tenant, value))
            return None if found is None else self._recent.get(table, *found)

        return self._db.kept((table.name, column, value), look_up)

    def _built(self, key: tuple, build: Callable[[], Executable | str]) -> Executable | str:
        """The statement of ``key``, built the first time: building one costs more than
        running it, and a statement built once is compiled once."""
        statement = self._statements.get(key)
        if statement is None:
            statement = self._statements[key] = build()
        return statement

    def _all(self, table: Table, statement) -> list:
        with self._reading() as connection:
            return [self._recent.get(table, *row) for row in connection.execute(statement)]

    def _select(self, table: Table, *where):
        """The rows' ids, versions and records: what ``RecentRecords`` reads them from."""
        return select(table.c.id, table.c.version, table.c.record).where(
            table.c.tenant == self.tenant, *where
        )

    # -- the tenant's settings, catalog and API user ------------------------------

    def _tenant_meta(self) -> tuple[int, str, TenantSettings, Catalog]:
        """What ``tenants`` holds of this tenant, read again when another fill changed it."""
        generation = self._db.generation
        if self._meta is not None and self._meta[0] == generation:
            return self._meta
        tenants = self.schema.tenants
        where = tenants.c.tenant == self.tenant
        with self._reading() as connection:
            if generation is None:
                generation = connection.execute(select(tenants.c.generation).where(where)).scalar()
            if self._meta is None or self._meta[0] != generation:
                found = connection.execute(
                    select(
                        tenants.c.generation,
                        tenants.c.api_user_id,
                        tenants.c.settings,
                        tenants.c.catalog,
                    ).where(where)
                ).one()
                settings, catalog = (
                    rows.load(TenantSettings, found[2]),
                    rows.load(Catalog, found[3]),
                )
                self._meta = (found[0], found[1], settings, catalog)
        return self._meta

    @property
    def api_user_id(self) -> str:
        return self._tenant_meta()[1]

    @property
    def settings(self) -> TenantSettings:
        return self._tenant_meta()[2]

    @settings.setter
    def settings(self, settings: TenantSettings) -> None:
        self.set_meta(settings=rows.dump(settings))

    @property
    def catalog(self) -> Catalog:
        return self._tenant_meta()[3]

    @catalog.setter
    def catalog(self, catalog: Catalog) -> None:
        self.set_meta(catalog=rows.dump(catalog))

    def set_meta(self, **values) -> None:
        """Change the tenant's row (its settings, catalog, API user): a new generation."""
        tenants = self.schema.tenants
        with self.transaction() as held:
            generation = held.connection.execute(
                update(tenants)
                .where(tenants.c.tenant == self.tenant)
                .values(generation=tenants.c.generation + 1, **values)
                .returning(tenants.c.generation)
            ).scalar_one()
            self._db.generation_changed(generation)

    # -- gets -------------------------------------------------------------------

    def account(self, account_id: str) -> Account | None:
        return self._one(self.schema.accounts, "id", account_id)

    def account_by_number(self, account_number: str) -> Account | None:
        accounts = self.schema.accounts
        return self._one(accounts, "account_number", account_number)

    def contact(self, contact_id: str) -> Contact | None:
        return self._one(self.schema.contacts, "id", contact_id)

    def payment_method(self, method_id: str) -> PaymentMethod | None:
        methods = self.schema.payment_methods
        return self._one(methods, "id", method_id)

    def memo(self, memo_id: str) -> DebitMemo | None:
        return self._one(self.schema.debit_memos, "id", memo_id)

    def memo_by_number(self, debit_memo_number: str) -> DebitMemo | None:
        memos = self.schema.debit_memos
        return self._one(memos, "debit_memo_number", debit_memo_number)

    def item(self, item_id: str) -> DebitMemoItem | None:
        items = self.schema.debit_memo_items
        return self._one(items, "id", item_id)

    # -- puts and deletes -------------------------------------------------------

    def put_account(self, account: Account) -> None:
        with self.transaction():
            row_of = partial(rows.account_row, self.tenant, account, version())
            self._puts.replace(self.schema.accounts, account, row_of)

    def put_contact(self, contact: Contact) -> None:
        with self.transaction():
            row_of = partial(rows.record_row, self.tenant, contact, version())
            self._puts.replace(self.schema.contacts, contact, row_of)

    def put_payment_method(self, method: PaymentMethod) -> None:
        with self.transaction():
            row_of = partial(rows.record_row, self.tenant, method, version())
            self._puts.replace(self.schema.payment_methods, method, row_of)

    def put_memo(self, memo: DebitMemo) -> None:
        """Add or replace a memo and its items (only those that changed, when the memo
        as it was is known)."""
        memos, items = self.schema.debit_memos, self.schema.debit_memo_items
        with self.transaction() as held:
            row_of = partial(rows.memo_row, self.tenant, memo, version())
            was = self._puts.replace(memos, memo, row_of)
            self._db.wrote(items.name)
            if was is MISSING:
                self._delete_items(held.connection, memo.id)
            self._puts.items(memo.items, () if was in (None, MISSING) else was.items)

    def _delete_items(self, connection: Connection, memo_id: str) -> None:
        items = self.schema.debit_memo_items
        statement = self._built(
            ("delete items",),
            lambda: delete(items).where(
                items.c.tenant == self.tenant, items.c.debit_memo_id == bindparam("memo_id")
            ),
        )
        connection.execute(statement, {"memo_id": memo_id})

    def delete_memo(self, memo_id: str) -> None:
        memos = self.schema.debit_memos
        with self.transaction() as held:
            connection = held.connection
            self._db.wrote(memos.name, self.schema.debit_memo_items.name)
            self._delete_items(connection, memo_id)
            connection.execute(
                delete(memos).where(memos.c.tenant == self.tenant, memos.c.id == memo_id)
            )

    # -- queries ----------------------------------------------------------------

    def _table(self, collection: Collection) -> Table:
        return getattr(self.schema, collection)

    def page(self, query: PageQuery) -> Page:
        table = self._table(query.collection)
        found = plan(table, self.tenant, query)
        today, filters = query.today, found.python_filters
        with self._reading() as connection:
            result = connection.execute(found.statement)
            records = (self._recent.get(table, *row) for row in result)
            if found.ordered:
                first = take(records, filters, query.size, today)
            else:
                kept = (r for r in records if all(f.matches(r, today) for f in filters))
                after = after_key(query.terms, query.after) if query.after else None
                first = page_after(kept, query.terms, after, query.size, today)
            result.close()
        if len(first) <= query.size:
            return Page(first, False)
        return Page(first[: query.size], True)

    def records(self, collection: Collection) -> list:
        """In the order first put (items: in no particular order)."""
        table = self._table(collection)
        return self._all(table, self._select(table).order_by(table.c.position))

    def count(self, collection: Collection) -> int:
        table = self._table(collection)
        statement = select(func.count()).select_from(table).where(table.c.tenant == self.tenant)
        with self._reading() as connection:
            return connection.execute(statement).scalar()

    def _sum(self, column, *where) -> int:
        table = column.table
        statement = select(func.coalesce(func.sum(column), 0)).where(
            table.c.tenant == self.tenant, *where
        )
        with self._reading() as connection:
            return int(connection.execute(statement).scalar())

    def remaining_debit_memo_balance(self, account_id: str) -> int:
        memos = self.schema.debit_memos.c
        return self._sum(
            memos.remaining_balance, memos.account_id == account_id, memos.state == "posted"
        )

    # -- ids and numbers --------------------------------------------------------

    def new_id(self) -> str:
        """The hash of the next number of the tenant's id sequence: unique across
        processes, and the same sequence again after each reset (as in memory)."""
        number = self._counters.next("id")
        made = hashlib.blake2b(number.to_bytes(8, "big"), digest_size=16).hexdigest()
        self._db.made(made)
        return made

    def next_memo_number(self) -> str:
        number = self._counters.next("memo", LAST_NUMBER)
        if number is None:
            raise NumbersExhausted("debit_memo_number", f"DM{LAST_NUMBER:08d}")
        return f"DM{number:08d}"

    def last_memo_number(self) -> int:
        return self._counters.last("memo")

    def skip_memo_numbers(self, through: int) -> None:
        self._counters.skip("memo", through)

    def next_payment_number(self) -> str:
        number = self._counters.next("payment", LAST_NUMBER)
        if number is None:
            raise NumbersExhausted("number", f"P-{LAST_NUMBER:08d}")
        return f"P-{number:08d}"

    def last_payment_number(self) -> int:
        return self._counters.last("payment")

    def skip_payment_numbers(self, through: int) -> None:
        self._counters.skip("payment", through)

    # -- copies -----------------------------------------------------------------

    def frozen(self) -> FrozenStore:
        """The tenant's records now, in memory (``FrozenStore.thaw`` makes a memory store)."""
        with self.transaction():
            return FrozenStore(
                ids=IdFactory(self.new_id()),
                api_user_id=self.api_user_id,
                settings=self.settings,
                accounts=tuple(self.records("accounts")),
                contacts=tuple(self.records("contacts")),
                payment_methods=tuple(self.records("payment_methods")),
                memos=tuple(self.records("debit_memos")),
                last_memo_number=self.last_memo_number(),
                payments=tuple(self.records("payments")),
                last_payment_number=self.last_payment_number(),
                catalog=self.catalog,
            )

    # -- payments -----------------------------------------------------------------

    def payment(self, payment_id: str) -> Payment | None:
        return self._one(self.schema.payments, "id", payment_id)

    def payment_by_number(self, number: str) -> Payment | None:
        return self._one(self.schema.payments, "number", number)

    def payments_of_memo(self, memo_id: str) -> list[Payment]:
        payments, links = self.schema.payments, self.schema.memo_payments
        statement = (
            self._select(payments)
            .join(
                links, (links.c.tenant == payments.c.tenant) & (links.c.payment_id == payments.c.id)
            )
            .where(links.c.debit_memo_id == memo_id)
            .order_by(links.c.linked)
        )
        return self._all(payments, statement)

    def payments_of_account(self, account_id: str) -> list[Payment]:
        payments = self.schema.payments
        statement = self._select(payments, payments.c.account_id == account_id).order_by(
            payments.c.number.desc()
        )
        return self._all(payments, statement)

    def unapplied_payment_amount(self, account_id: str) -> int:
        payments = self.schema.payments.c
        return self._sum(payments.unapplied_amount, payments.account_id == account_id)

    def put_payment(self, payment: Payment) -> None:
        """Add or replace a payment; a memo it newly applies to lists it after the others."""
        links = self.schema.memo_payments
        applied = dict.fromkeys(a.debit_memo_id for a in payment.applications)
        row_of = partial(rows.payment_row, self.tenant, payment, version())
        linked_to = self._built(
            ("links of payment",),
            lambda: select(links.c.debit_memo_id).where(
                links.c.tenant == self.tenant, links.c.payment_id == bindparam("payment_id")
            ),
        )
        with self.transaction() as held:
            new = self._puts.replace(self.schema.payments, payment, row_of) is None
            self._db.wrote(links.name)
            linked = (
                set()
                if new
                else set(held.connection.execute(linked_to, {"payment_id": payment.id}).scalars())
            )
            gone = linked - set(applied)
            if gone:
                mine = (links.c.tenant == self.tenant) & (links.c.payment_id == payment.id)
                held.connection.execute(delete(links).where(mine, links.c.debit_memo_id.in_(gone)))
            added = [
                {"tenant": self.tenant, "debit_memo_id": memo_id, "payment_id": payment.id}
                for memo_id in applied
                if memo_id not in linked
            ]
            for link in added:
                link["linked"] = self._counters.next("link")
            if added:
                self._db.writes.insert(held.cursor, links, *added)
