"""The in-memory store of one tenant: records, indexes, ids and one lock.

Writers hold the lock (``transaction()``) for the whole read-check-write of an
operation, so no update is lost and no balance goes negative under concurrent
requests; each put, delete and number also takes it. Readers of one record
need no lock: records are immutable and replaced whole.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

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
from mockserver.store.indexes import (
    SortedIndex,
    after_key,
    index_key,
    page_after,
    start_key,
    take,
    walkable,
)


class IdFactory:
    """32-hex-digit ids in Zuora's style, drawn from the seed."""

    def __init__(self, seed: int | str):
        self._random = random.Random(f"ids:{seed}")

    def new_id(self) -> str:
        return f"{self._random.getrandbits(128):032x}"

    def copy(self) -> IdFactory:
        clone = IdFactory.__new__(IdFactory)
        clone._random = random.Random()
        clone._random.setstate(self._random.getstate())
        return clone


class MemoryStore:
    """A ``Store`` in dictionaries, with sorted indexes for page queries."""

    def __init__(self, seed: int | str, api_user_id: str | None = None):
        self._lock = threading.RLock()
        self._ids = IdFactory(seed)
        self.api_user_id = api_user_id or self._ids.new_id()
        self.settings = TenantSettings()  # reason codes, custom fields, invoices, prices
        self._accounts: dict[str, Account] = {}
        self._account_ids_by_number: dict[str, str] = {}
        self._contacts: dict[str, Contact] = {}
        self._payment_methods: dict[str, PaymentMethod] = {}
        self._memos: dict[str, DebitMemo] = {}
        self._memo_ids_by_number: dict[str, str] = {}
        # Built on first use and then kept in step: a store that never lists
        # items, or never sorts by a field, doesn't pay for its index.
        self._items: dict[str, DebitMemoItem] | None = None
        self._indexes: dict[tuple[str, str], SortedIndex] = {}
        self._open_balance_by_account: dict[str, int] = {}  # hundredths
        self._last_memo_number = 0
        self._payments: dict[str, Payment] = {}
        self._payment_ids_by_number: dict[str, str] = {}
        self._payment_ids_by_memo: dict[str, tuple[str, ...]] = {}  # in the order applied
        self._unapplied_by_account: dict[str, int] = {}  # hundredths
        self._last_payment_number = 0
        self.catalog = Catalog()

    def transaction(self) -> threading.RLock:
        return self._lock

    def sync(self) -> None:
        """Nothing to catch up with: no other process writes this store."""

    # -- gets -------------------------------------------------------------------

    def account(self, account_id: str) -> Account | None:
        return self._accounts.get(account_id)

    def account_by_number(self, account_number: str) -> Account | None:
        found = self._account_ids_by_number.get(account_number)
        return self._accounts.get(found) if found else None

    def contact(self, contact_id: str) -> Contact | None:
        return self._contacts.get(contact_id)

    def payment_method(self, method_id: str) -> PaymentMethod | None:
        return self._payment_methods.get(method_id)

    def memo(self, memo_id: str) -> DebitMemo | None:
        return self._memos.get(memo_id)

    def memo_by_number(self, debit_memo_number: str) -> DebitMemo | None:
        memo_id = self._memo_ids_by_number.get(debit_memo_number)
        return self._memos.get(memo_id) if memo_id else None

    def item(self, item_id: str) -> DebitMemoItem | None:
        with self._lock:
            return self._item_table().get(item_id)

    # -- puts and deletes -------------------------------------------------------

    def put_account(self, account: Account) -> None:
        with self._lock:
            previous = self._accounts.get(account.id)
            if previous is not None:
                del self._account_ids_by_number[previous.account_number]
            self._accounts[account.id] = account
            self._account_ids_by_number[account.account_number] = account.id
            self._open_balance_by_account.setdefault(account.id, 0)

    def put_contact(self, contact: Contact) -> None:
        with self._lock:
            self._contacts[contact.id] = contact

    def put_payment_method(self, method: PaymentMethod) -> None:
        with self._lock:
            self._payment_methods[method.id] = method

    def put_memo(self, memo: DebitMemo) -> None:
        """Add or replace a memo, keeping every index in step."""
        with self._lock:
            previous = self._memos.get(memo.id)
            if previous is not None:
                self._unindex(previous)
            self._memos[memo.id] = memo
            self._memo_ids_by_number[memo.debit_memo_number] = memo.id
            if self._items is not None:
                for item in memo.items:
                    self._items[item.id] = item
            self._reindex(memo, SortedIndex.add)
            self._count_balance(memo, +1)

    def delete_memo(self, memo_id: str) -> None:
        with self._lock:
            memo = self._memos.pop(memo_id)
            del self._memo_ids_by_number[memo.debit_memo_number]
            self._unindex(memo)

    def _unindex(self, memo: DebitMemo) -> None:
        if self._items is not None:
            for item in memo.items:
                del self._items[item.id]
        self._reindex(memo, SortedIndex.remove)
        self._count_balance(memo, -1)

    def _reindex(self, memo: DebitMemo, change: Callable[[SortedIndex, object], None]) -> None:
        for (collection, _), index in self._indexes.items():
            for record in (memo,) if collection == "debit_memos" else memo.items:
                change(index, record)

    def _count_balance(self, memo: DebitMemo, sign: int) -> None:
        if memo.state == "posted":
            balances = self._open_balance_by_account
            balances[memo.account_id] = (
                balances.get(memo.account_id, 0) + sign * memo.remaining_balance
            )

    # -- queries ----------------------------------------------------------------

    def page(self, query: PageQuery) -> Page:
        with self._lock:
            found = self._first_rows(query)
        if len(found) <= query.size:
            return Page(found, False)
        return Page(found[: query.size], True)

    def _first_rows(self, query: PageQuery) -> list:
        """The first ``size`` + 1 rows of the query.

        Sorted by one field, it walks that field's index: O(log n + rows looked
        at). Other orders sort what the filters keep; an ``EQ`` on an id or
        number looks only at the records it names.
        """
        terms, today = query.terms, query.today
        named = self._named_records(query)
        if named is None and walkable(terms):
            lead = terms[0]
            start = start_key(query.after[0], query.after[-1]) if query.after else None
            index = self._index(query.collection, lead)
            records = index.descending(start) if lead.descending else index.ascending(start)
            return take(records, query.filters, query.size, today)
        if named is None:
            named = self._table(query.collection).values()
        after = after_key(terms, query.after) if query.after else None
        candidates = (r for r in named if all(f.matches(r, today) for f in query.filters))
        return page_after(candidates, terms, after, query.size, today)

    def _index(self, collection: str, lead) -> SortedIndex:
        """The index of ``collection`` by the lead term's field, built on first use."""
        index = self._indexes.get((collection, lead.field.name))
        if index is None:
            records = self._table(collection).values()
            index = self._indexes[(collection, lead.field.name)] = SortedIndex(
                index_key(lead.field), records
            )
        return index

    def _named_records(self, query: PageQuery) -> list | None:
        """The few records an ``EQ`` filter on an id or number names, if there is one."""
        memos = query.collection == "debit_memos"
        for f in query.filters:
            if f.op != "EQ" or f.value is None:
                continue
            name = f.field.name
            if memos and name in ("id", "debit_memo_number"):
                memo = self.memo(f.value) or self.memo_by_number(f.value)
                return [memo] if memo is not None and getattr(memo, name) == f.value else []
            if not memos and name == "id":
                item = self._item_table().get(f.value)
                return [item] if item is not None else []
            if not memos and name == "debit_memo_id":
                memo = self._memos.get(f.value)
                return list(memo.items) if memo is not None else []
        return None

    def _table(self, collection: Collection) -> dict:
        if collection == "debit_memo_items":
            return self._item_table()
        return {
            "accounts": self._accounts,
            "contacts": self._contacts,
            "payment_methods": self._payment_methods,
            "debit_memos": self._memos,
            "payments": self._payments,
        }[collection]

    def _item_table(self) -> dict[str, DebitMemoItem]:
        """Every item of every memo, by id. Hold the lock."""
        if self._items is None:
            self._items = {item.id: item for memo in self._memos.values() for item in memo.items}
        return self._items

    def records(self, collection: Collection) -> Iterable:
        with self._lock:
            return list(self._table(collection).values())

    def count(self, collection: Collection) -> int:
        if collection == "debit_memo_items":
            with self._lock:
                return sum(len(memo.items) for memo in self._memos.values())
        return len(self._table(collection))

    def remaining_debit_memo_balance(self, account_id: str) -> int:
        return self._open_balance_by_account.get(account_id, 0)

    # -- ids and numbers --------------------------------------------------------

    def new_id(self) -> str:
        with self._lock:
            return self._ids.new_id()

    def next_memo_number(self) -> str:
        with self._lock:
            if self._last_memo_number >= LAST_NUMBER:
                raise NumbersExhausted("debit_memo_number", f"DM{LAST_NUMBER:08d}")
            self._last_memo_number += 1
            return f"DM{self._last_memo_number:08d}"

    def last_memo_number(self) -> int:
        return self._last_memo_number

    def skip_memo_numbers(self, through: int) -> None:
        with self._lock:
            self._last_memo_number = max(self._last_memo_number, through)

    # -- payments -----------------------------------------------------------------

    def payment(self, payment_id: str) -> Payment | None:
        return self._payments.get(payment_id)

    def payment_by_number(self, number: str) -> Payment | None:
        payment_id = self._payment_ids_by_number.get(number)
        return self._payments.get(payment_id) if payment_id else None

    def payments_of_memo(self, memo_id: str) -> list[Payment]:
        with self._lock:
            return [self._payments[p] for p in self._payment_ids_by_memo.get(memo_id, ())]

    def payments_of_account(self, account_id: str) -> list[Payment]:
        with self._lock:
            found = [p for p in self._payments.values() if p.account_id == account_id]
        return sorted(found, key=lambda p: p.number, reverse=True)

    def unapplied_payment_amount(self, account_id: str) -> int:
        return self._unapplied_by_account.get(account_id, 0)

    def put_payment(self, payment: Payment) -> None:
        """Add or replace a payment, keeping the per-memo and per-account sums in step."""
        with self._lock:
            previous = self._payments.get(payment.id)
            unapplied = self._unapplied_by_account
            if previous is not None:
                unapplied[previous.account_id] -= previous.unapplied_amount
                self._unlink(previous, {a.debit_memo_id for a in payment.applications})
            self._payments[payment.id] = payment
            self._payment_ids_by_number[payment.number] = payment.id
            unapplied[payment.account_id] = (
                unapplied.get(payment.account_id, 0) + payment.unapplied_amount
            )
            for application in payment.applications:
                ids = self._payment_ids_by_memo.get(application.debit_memo_id, ())
                if payment.id not in ids:
                    self._payment_ids_by_memo[application.debit_memo_id] = (*ids, payment.id)

    def _unlink(self, payment: Payment, still: set[str]) -> None:
        """Forget the payment on the memos it no longer applies to."""
        for application in payment.applications:
            memo_id = application.debit_memo_id
            if memo_id not in still:
                ids = self._payment_ids_by_memo[memo_id]
                self._payment_ids_by_memo[memo_id] = tuple(p for p in ids if p != payment.id)

    def next_payment_number(self) -> str:
        with self._lock:
            if self._last_payment_number >= LAST_NUMBER:
                raise NumbersExhausted("number", f"P-{LAST_NUMBER:08d}")
            self._last_payment_number += 1
            return f"P-{self._last_payment_number:08d}"

    def last_payment_number(self) -> int:
        return self._last_payment_number

    def skip_payment_numbers(self, through: int) -> None:
        with self._lock:
            self._last_payment_number = max(self._last_payment_number, through)

    # -- copies -----------------------------------------------------------------

    def frozen(self) -> FrozenStore:
        """The store's contents now, compactly, to go back to (``FrozenStore.thaw``)."""
        with self._lock:
            return FrozenStore(
                ids=self._ids.copy(),
                api_user_id=self.api_user_id,
                settings=self.settings,
                accounts=tuple(self._accounts.values()),
                contacts=tuple(self._contacts.values()),
                payment_methods=tuple(self._payment_methods.values()),
                memos=tuple(self._memos.values()),
                last_memo_number=self._last_memo_number,
                payments=tuple(self._payments.values()),
                last_payment_number=self._last_payment_number,
                catalog=self.catalog,
            )


@dataclass(frozen=True)
class FrozenStore:
    """A store's records in tuples: a tenth of the memory of its dictionaries and
    indexes. Every tenant starts from one, and a reset goes back to it."""

    ids: IdFactory
    api_user_id: str
    settings: TenantSettings
    accounts: tuple[Account, ...]
    contacts: tuple[Contact, ...]
    payment_methods: tuple[PaymentMethod, ...]
    memos: tuple[DebitMemo, ...]
    last_memo_number: int
    payments: tuple[Payment, ...]
    last_payment_number: int
    catalog: Catalog

    def thaw(self) -> MemoryStore:
        """A live store with these records, ids and sequences."""
        store = MemoryStore(0, self.api_user_id)
        store._ids = self.ids.copy()
        store.settings = self.settings
        with store.transaction():
            for account in self.accounts:
                store.put_account(account)
            store._contacts = {contact.id: contact for contact in self.contacts}
            store._payment_methods = {method.id: method for method in self.payment_methods}
            for memo in self.memos:
                store.put_memo(memo)
            store.skip_memo_numbers(self.last_memo_number)
            for payment in self.payments:
                store.put_payment(payment)
            store.skip_payment_numbers(self.last_payment_number)
        store.catalog = self.catalog
        return store


class MemoryStores:
    """Every tenant's store in this process's memory: a new tenant thaws the baseline."""

    def open(self, tenant: str, baseline: FrozenStore) -> MemoryStore:
        return baseline.thaw()

    def fill(self, store: MemoryStore, frozen: FrozenStore) -> MemoryStore:
        return frozen.thaw()

    def drop(self, tenant: str) -> None:
        """Nothing to do: a dropped tenant's store goes with the tenant."""
