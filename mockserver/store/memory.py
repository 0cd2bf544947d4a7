"""The in-memory store of one tenant: records, indexes, ids and one lock.

Writers hold ``lock`` for the whole read-check-write of an operation, so no
update is lost and no balance goes negative under concurrent requests.
Readers need no lock: records are immutable and replaced whole.
"""

from __future__ import annotations

import random
import threading
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from mockserver.domain.records import Account, Contact, DebitMemo, DebitMemoItem, PaymentMethod

SortKey = tuple  # (has a value, the value, id): see ``query.index_key``
KeyFunction = Callable[[object], SortKey]


class SortedIndex:
    """Records kept in the ascending order of ``key``; a page costs O(log n + page).

    It holds the records themselves, not their keys: keys are computed during a
    search (O(log n) of them), so an index of 100,000 memos costs its list alone.
    Keys end with the record's id, so every key is unique.
    """

    __slots__ = ("_key", "_records")

    def __init__(self, key: KeyFunction, records=()):
        self._key = key
        self._records = sorted(records, key=key)

    def add(self, record) -> None:
        insort(self._records, record, key=self._key)

    def remove(self, record) -> None:
        records = self._records
        at = bisect_left(records, self._key(record), key=self._key)
        if at < len(records) and records[at] is record:
            del records[at]

    def descending(self, before: SortKey | None = None) -> Iterator:
        """Records from the largest key down, starting strictly below ``before``."""
        records = self._records
        at = len(records) if before is None else bisect_left(records, before, key=self._key)
        for position in range(at - 1, -1, -1):
            yield records[position]

    def ascending(self, after: SortKey | None = None) -> Iterator:
        """Records from the smallest key up, starting strictly above ``after``."""
        records = self._records
        at = 0 if after is None else bisect_right(records, after, key=self._key)
        for position in range(at, len(records)):
            yield records[position]

    def __len__(self) -> int:
        return len(self._records)


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


class Store:
    def __init__(self, seed: int | str, api_user_id: str | None = None):
        self.lock = threading.RLock()
        self.ids = IdFactory(seed)
        self.api_user_id = api_user_id or self.ids.new_id()
        self.accounts: dict[str, Account] = {}
        self.account_ids_by_number: dict[str, str] = {}
        self.contacts: dict[str, Contact] = {}
        self.payment_methods: dict[str, PaymentMethod] = {}
        self.memos: dict[str, DebitMemo] = {}
        self.memo_ids_by_number: dict[str, str] = {}
        # Built on first use and then kept in step: a store that never lists
        # items, or never sorts by a field, doesn't pay for its index.
        self._items: dict[str, DebitMemoItem] | None = None
        self._indexes: dict[tuple[str, str], SortedIndex] = {}
        self.open_balance_by_account: dict[str, int] = {}  # hundredths
        self.last_memo_number = 0

    # -- accounts -------------------------------------------------------------

    def add_account(
        self, account: Account, contacts: list[Contact], methods: list[PaymentMethod]
    ) -> None:
        self.accounts[account.id] = account
        self.account_ids_by_number[account.account_number] = account.id
        self.open_balance_by_account.setdefault(account.id, 0)
        for contact in contacts:
            self.contacts[contact.id] = contact
        for method in methods:
            self.payment_methods[method.id] = method

    def find_account(self, account_id: str | None, account_number: str | None) -> Account | None:
        if account_id is not None:
            return self.accounts.get(account_id)
        if account_number is not None:
            found = self.account_ids_by_number.get(account_number)
            return self.accounts.get(found) if found else None
        return None

    def remaining_debit_memo_balance(self, account_id: str) -> int:
        return self.open_balance_by_account.get(account_id, 0)

    # -- debit memos ----------------------------------------------------------

    def next_memo_number(self) -> str:
        self.last_memo_number += 1
        return f"DM{self.last_memo_number:08d}"

    def find_memo(self, id_or_number: str) -> DebitMemo | None:
        """A memo by its 32-character id or by its ``DM…`` number."""
        memo = self.memos.get(id_or_number)
        if memo is None:
            memo_id = self.memo_ids_by_number.get(id_or_number)
            memo = self.memos.get(memo_id) if memo_id else None
        return memo

    @property
    def items(self) -> dict[str, DebitMemoItem]:
        """Every item of every memo, by id. Hold ``lock``."""
        if self._items is None:
            self._items = {item.id: item for memo in self.memos.values() for item in memo.items}
        return self._items

    def walk(
        self, kind: str, name: str, key: KeyFunction, descending: bool, start: SortKey | None
    ) -> Iterator[DebitMemo | DebitMemoItem]:
        """Memos or items (``kind``) in the order of ``key``, from just past ``start``.

        ``key(record)`` must end with the record's id. The index for ``name`` is
        built on the first walk and kept up to date by every later change. Hold ``lock``.
        """
        index = self._indexes.get((kind, name))
        if index is None:
            records = self.memos if kind == "memo" else self.items
            index = self._indexes[(kind, name)] = SortedIndex(key, records.values())
        return index.descending(start) if descending else index.ascending(start)

    def put_memo(self, memo: DebitMemo) -> None:
        """Add or replace a memo, keeping every index in step. Hold ``lock``."""
        previous = self.memos.get(memo.id)
        if previous is not None:
            self._unindex(previous)
        self.memos[memo.id] = memo
        self.memo_ids_by_number[memo.debit_memo_number] = memo.id
        if self._items is not None:
            for item in memo.items:
                self._items[item.id] = item
        self._reindex(memo, SortedIndex.add)
        self._count_balance(memo, +1)

    def delete_memo(self, memo: DebitMemo) -> None:
        self._unindex(memo)
        del self.memos[memo.id]
        del self.memo_ids_by_number[memo.debit_memo_number]

    def _unindex(self, memo: DebitMemo) -> None:
        if self._items is not None:
            for item in memo.items:
                del self._items[item.id]
        self._reindex(memo, SortedIndex.remove)
        self._count_balance(memo, -1)

    def _reindex(self, memo: DebitMemo, change: Callable[[SortedIndex, object], None]) -> None:
        for (kind, _), index in self._indexes.items():
            for record in (memo,) if kind == "memo" else memo.items:
                change(index, record)

    def _count_balance(self, memo: DebitMemo, sign: int) -> None:
        if memo.state == "posted":
            balances = self.open_balance_by_account
            balances[memo.account_id] = (
                balances.get(memo.account_id, 0) + sign * memo.remaining_balance
            )

    # -- copies ---------------------------------------------------------------

    def frozen(self) -> FrozenStore:
        """The store's contents now, compactly, to go back to (``FrozenStore.thaw``)."""
        return FrozenStore(
            ids=self.ids.copy(),
            api_user_id=self.api_user_id,
            accounts=tuple(self.accounts.values()),
            contacts=tuple(self.contacts.values()),
            payment_methods=tuple(self.payment_methods.values()),
            memos=tuple(self.memos.values()),
            last_memo_number=self.last_memo_number,
        )


@dataclass(frozen=True)
class FrozenStore:
    """A store's records in tuples: a tenth of the memory of its dictionaries and
    indexes. Every tenant starts from one, and a reset goes back to it."""

    ids: IdFactory
    api_user_id: str
    accounts: tuple[Account, ...]
    contacts: tuple[Contact, ...]
    payment_methods: tuple[PaymentMethod, ...]
    memos: tuple[DebitMemo, ...]
    last_memo_number: int

    def thaw(self) -> Store:
        """A live store with these records, ids and sequences."""
        store = Store(0, self.api_user_id)
        store.ids = self.ids.copy()
        for account in self.accounts:
            store.add_account(account, (), ())
        store.contacts = {contact.id: contact for contact in self.contacts}
        store.payment_methods = {method.id: method for method in self.payment_methods}
        for memo in self.memos:
            store.put_memo(memo)
        store.last_memo_number = self.last_memo_number
        return store
