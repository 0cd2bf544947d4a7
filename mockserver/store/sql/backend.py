"""``SqlStores``: every tenant's store in one database, through one engine.

A tenant's rows are filled from the start-up data the first time any process
opens it; after that, they are where the last writer left them (a restart
finds them). A fill replaces all of a tenant's rows in one transaction.
"""

from __future__ import annotations

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from mockserver.domain.records import Catalog
from mockserver.domain.tenant_settings import TenantSettings
from mockserver.store.memory import FrozenStore
from mockserver.store.sql import rows
from mockserver.store.sql.driver_reads import DriverReads
from mockserver.store.sql.engine import POOL_SIZE, make_engine
from mockserver.store.sql.kept import first_version
from mockserver.store.sql.puts import version
from mockserver.store.sql.schema import COUNTERS, Schema, counter_column
from mockserver.store.sql.store import SqlStore
from mockserver.store.sql.writers import writers_of


class SqlStores:
    """The stores of a ``--store`` URL (``sqlite:///...`` or ``postgresql://...``)."""

    def __init__(self, url: str, pool_size: int = POOL_SIZE):
        self.engine = make_engine(url, pool_size)
        self.schema = Schema()
        self.schema.create(self.engine)
        self.writers = writers_of(self.engine)
        self.reads = DriverReads(self.engine, self.writers)

    def open(self, tenant: str, baseline: FrozenStore) -> SqlStore:
        """The tenant's store: as it was left, or filled with ``baseline`` if new."""
        store = SqlStore(self.engine, self.schema, tenant, self.writers, self.reads)
        self._add_tenant(tenant)
        tenants = self.schema.tenants
        with store.transaction() as held:
            generation = held.connection.execute(
                select(tenants.c.generation).where(tenants.c.tenant == tenant)
            ).scalar_one()
            if generation == 0:
                fill(store, baseline)
        return store

    def _add_tenant(self, tenant: str) -> None:
        """The tenant's row in ``tenants`` (generation 0: never filled), unless it has one."""
        row = {
            "tenant": tenant,
            "generation": 0,
            "version": first_version(),
            "api_user_id": "",
            "settings": rows.dump(TenantSettings()),
            "catalog": rows.dump(Catalog()),
            **{counter_column(name): 0 for name in COUNTERS},
        }
        with self.engine.connect() as connection:
            if connection.execute(
                select(self.schema.tenants.c.tenant).where(self.schema.tenants.c.tenant == tenant)
            ).first():
                return
            connection.rollback()
            try:
                with self.writers, connection.begin():
                    connection.execute(insert(self.schema.tenants), [row])
            except IntegrityError:
                pass  # another process added it first

    def fill(self, store: SqlStore, frozen: FrozenStore) -> SqlStore:
        fill(store, frozen)
        return store

    def drop(self, tenant: str) -> None:
        """Every row of the tenant, gone."""
        with self.writers, self.engine.begin() as connection:
            for table in reversed(self.schema.tables()):
                connection.execute(delete(table).where(table.c.tenant == tenant))


def fill(store: SqlStore, frozen: FrozenStore) -> None:
    """The tenant's rows replaced by ``frozen``'s records, ids' sequences and settings."""
    schema, tenant = store.schema, store.tenant
    with store.transaction() as held:
        connection = held.connection
        store.rewritten()
        for table in reversed(schema.tables()):
            if table is not schema.tenants:
                connection.execute(delete(table).where(table.c.tenant == tenant))

        def put(table, made):
            if made:
                connection.execute(insert(table), made)

        def put_records(table, row, records):
            made = [{**row(tenant, r, version()), "position": n} for n, r in enumerate(records)]
            put(table, made)

        put_records(schema.accounts, rows.account_row, frozen.accounts)
        put_records(schema.contacts, rows.record_row, frozen.contacts)
        put_records(schema.payment_methods, rows.record_row, frozen.payment_methods)
        put_records(schema.debit_memos, rows.memo_row, frozen.memos)
        put_records(schema.payments, rows.payment_row, frozen.payments)
        items = [rows.item_row(tenant, i, version()) for m in frozen.memos for i in m.items]
        put(schema.debit_memo_items, items)
        links = [
            {"tenant": tenant, "debit_memo_id": memo_id, "payment_id": payment.id}
            for payment in frozen.payments
            for memo_id in dict.fromkeys(a.debit_memo_id for a in payment.applications)
        ]
        put(schema.memo_payments, [{**link, "linked": n} for n, link in enumerate(links, 1)])
        counted = {"memo": frozen.last_memo_number, "payment": frozen.last_payment_number}
        counted["link"] = len(links)
        # ids after a fill: a sequence of its own for each start-up data, the same after each reset
        counted["id"] = int(frozen.ids.copy().new_id()[:15], 16)
        counted["position"] = max(map(len, (frozen.accounts, frozen.memos, frozen.payments)))
        held.counters.update(counted)
        store.set_meta(
            **{counter_column(name): counted[name] for name in COUNTERS},
            api_user_id=frozen.api_user_id,
            settings=rows.dump(frozen.settings),
            catalog=rows.dump(frozen.catalog),
        )
