"""The in-memory store of one tenant: records, indexes, ids and one lock.

Writers hold ``lock`` for the whole read-check-write of an operation, so no
update is lost and no balance goes negative under concurrent requests.
Readers need no lock: records are immutable and replaced whole.
"""

from __future__ import annotations

import random
import threading
from bisect import bisect_left, insort
from collections.abc import Iterator

from .records import Account, Contact, DebitMemo, DebitMemoItem, PaymentMethod

SortKey = tuple[int, str]


class SortedIndex:
    """Keys kept in ascending order; walking a page costs O(log n + page)."""

    __slots__ = ("_keys",)

    def __init__(self, keys: list[SortKey] | None = None):
        self._keys = sorted(keys) if keys else []

    def add(self, key: SortKey) -> None:
        insort(self._keys, key)

    def remove(self, key: SortKey) -> None:
        keys = self._keys
        at = bisect_left(keys, key)
        if at < len(keys) and keys[at] == key:
            del keys[at]

    def descending(self, before: SortKey | None = None) -> Iterator[SortKey]:
        """Keys from the largest down, starting strictly below ``before``."""
        keys = self._keys
        at = len(keys) if before is None else bisect_left(keys, before)
        for position in range(at - 1, -1, -1):
            yield keys[position]

    def ascending(self, after: SortKey | None = None) -> Iterator[SortKey]:
        keys = self._keys
        at = 0 if after is None else bisect_left(keys, after)
        if after is not None and at < len(keys) and keys[at] == after:
            at += 1
        for position in range(at, len(keys)):
            yield keys[position]

    def copy(self) -> SortedIndex:
        clone = SortedIndex()
        clone._keys = list(self._keys)
        return clone

    def __len__(self) -> int:
        return len(self._keys)


def order_key(record: DebitMemo | DebitMemoItem) -> SortKey:
    """The default order of lists: ``updated_time``, then ``id``."""
    return (int(record.audit.updated_time.timestamp()), record.id)


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
        self.items: dict[str, DebitMemoItem] = {}
        self.memo_order = SortedIndex()
        self.item_order = SortedIndex()
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

    def memos_descending(self, before: SortKey | None = None) -> Iterator[DebitMemo]:
        """Memos in the default order (newest change first). Hold ``lock``."""
        memos = self.memos
        return (memos[key[1]] for key in self.memo_order.descending(before))

    def items_descending(self, before: SortKey | None = None) -> Iterator[DebitMemoItem]:
        items = self.items
        return (items[key[1]] for key in self.item_order.descending(before))

    def put_memo(self, memo: DebitMemo) -> None:
        """Add or replace a memo, keeping every index in step. Hold ``lock``."""
        previous = self.memos.get(memo.id)
        if previous is not None:
            self._unindex(previous)
        self.memos[memo.id] = memo
        self.memo_ids_by_number[memo.debit_memo_number] = memo.id
        self.memo_order.add(order_key(memo))
        for item in memo.items:
            self.items[item.id] = item
            self.item_order.add(order_key(item))
        self._count_balance(memo, +1)

    def delete_memo(self, memo: DebitMemo) -> None:
        self._unindex(memo)
        del self.memos[memo.id]
        del self.memo_ids_by_number[memo.debit_memo_number]

    def _unindex(self, memo: DebitMemo) -> None:
        self.memo_order.remove(order_key(memo))
        for item in memo.items:
            self.items.pop(item.id, None)
            self.item_order.remove(order_key(item))
        self._count_balance(memo, -1)

    def _count_balance(self, memo: DebitMemo, sign: int) -> None:
        if memo.state == "open":
            balances = self.open_balance_by_account
            balances[memo.account_id] = (
                balances.get(memo.account_id, 0) + sign * memo.remaining_balance
            )

    # -- copies ---------------------------------------------------------------

    def copy(self) -> Store:
        """An independent store with the same contents, ids and sequences."""
        clone = Store.__new__(Store)
        clone.lock = threading.RLock()
        clone.ids = self.ids.copy()
        clone.api_user_id = self.api_user_id
        for name in (
            "accounts",
            "account_ids_by_number",
            "contacts",
            "payment_methods",
            "memos",
            "memo_ids_by_number",
            "items",
            "open_balance_by_account",
        ):
            setattr(clone, name, dict(getattr(self, name)))
        clone.memo_order = self.memo_order.copy()
        clone.item_order = self.item_order.copy()
        clone.last_memo_number = self.last_memo_number
        return clone
