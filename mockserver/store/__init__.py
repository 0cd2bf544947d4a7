"""Where records live: the ``Store`` protocol the domain and the tests use.

A store keeps one tenant's records. Records are immutable: a change is a put
of a new record. ``transaction()`` makes a read-check-write atomic against
every other writer; single gets need no transaction. A new backend is one
module here that passes ``tests/unit/test_store_contract.py`` (add its
factory there). ``Stores`` is where a backend keeps every tenant's store:
``memory`` (this process), or one SQL database (``store/sql/``).
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Literal, Protocol

from mockserver.domain.query import Page, PageQuery
from mockserver.domain.records import (
    Account,
    Catalog,
    Contact,
    DebitMemo,
    DebitMemoItem,
    Payment,
    PaymentMethod,
)
from mockserver.domain.tenant_settings import TenantSettings

if TYPE_CHECKING:
    from mockserver.store.memory import FrozenStore

Collection = Literal[
    "accounts", "contacts", "payment_methods", "debit_memos", "debit_memo_items", "payments"
]
PAGED = ("debit_memos", "debit_memo_items")  # the collections ``page`` answers


class Store(Protocol):
    api_user_id: str  # the user the sandbox's API calls act as
    settings: TenantSettings  # reason codes, custom fields, invoices and prices
    catalog: Catalog  # the product catalog: read-only once the store is filled

    def transaction(self) -> AbstractContextManager[object]:
        """Hold for the whole of an operation's reads, checks and writes; reentrant."""
        ...

    def sync(self) -> None:
        """Catch up with what other processes wrote (at the start of each request)."""
        ...

    # -- typed gets: None when absent ------------------------------------------

    def account(self, account_id: str) -> Account | None: ...

    def account_by_number(self, account_number: str) -> Account | None: ...

    def contact(self, contact_id: str) -> Contact | None: ...

    def payment_method(self, method_id: str) -> PaymentMethod | None: ...

    def memo(self, memo_id: str) -> DebitMemo | None: ...

    def memo_by_number(self, debit_memo_number: str) -> DebitMemo | None: ...

    def item(self, item_id: str) -> DebitMemoItem | None:
        """A debit memo item (of any memo) by its id."""
        ...

    # -- puts (add or replace, by id) and deletes ------------------------------

    def put_account(self, account: Account) -> None: ...

    def put_contact(self, contact: Contact) -> None: ...

    def put_payment_method(self, method: PaymentMethod) -> None: ...

    def put_memo(self, memo: DebitMemo) -> None:
        """Add or replace a memo with its items (they are part of it)."""
        ...

    def delete_memo(self, memo_id: str) -> None: ...

    # -- payments ----------------------------------------------------------------

    def payment(self, payment_id: str) -> Payment | None: ...

    def payment_by_number(self, number: str) -> Payment | None: ...

    def put_payment(self, payment: Payment) -> None:
        """Add or replace a payment with its applications (they are part of it)."""
        ...

    def payments_of_memo(self, memo_id: str) -> list[Payment]:
        """The payments applied to a memo, the first applied first."""
        ...

    def payments_of_account(self, account_id: str) -> list[Payment]:
        """An account's payments, the latest number first."""
        ...

    def unapplied_payment_amount(self, account_id: str) -> int:
        """What the account's payments hold unapplied, in hundredths."""
        ...

    # -- queries ----------------------------------------------------------------

    def page(self, query: PageQuery) -> Page:
        """One page of a collection in ``PAGED``; see ``PageQuery``."""
        ...

    def records(self, collection: Collection) -> Iterable:
        """Every record of a collection, in no particular order (for snapshots)."""
        ...

    def count(self, collection: Collection) -> int: ...

    def remaining_debit_memo_balance(self, account_id: str) -> int:
        """What the account's posted debit memos still owe, in hundredths."""
        ...

    # -- ids and numbers: never repeated, also across threads ------------------

    def new_id(self) -> str:
        """A new 32-hex-digit record id."""
        ...

    def next_memo_number(self) -> str:
        """The next ``DM`` number, one above the last one given or skipped to;
        ``NumbersExhausted`` past ``records.LAST_NUMBER``."""
        ...

    def last_memo_number(self) -> int: ...

    def skip_memo_numbers(self, through: int) -> None:
        """Numbers up to ``through`` are taken (records loaded with their numbers)."""
        ...

    def next_payment_number(self) -> str:
        """The next ``P-`` number, one above the last one given or skipped to;
        ``NumbersExhausted`` past ``records.LAST_NUMBER``."""
        ...

    def last_payment_number(self) -> int: ...

    def skip_payment_numbers(self, through: int) -> None: ...


class Stores(Protocol):
    """Every tenant's store, in one backend."""

    def open(self, tenant: str, baseline: FrozenStore) -> Store:
        """The tenant's store: the one it has, or a new one holding ``baseline``."""
        ...

    def fill(self, store: Store, frozen: FrozenStore) -> Store:
        """A store of the same tenant holding ``frozen``'s records (and nothing else)."""
        ...

    def drop(self, tenant: str) -> None:
        """The tenant's records, gone."""
        ...


def open_stores(url: str) -> Stores:
    """The backend ``--store`` names: ``memory``, ``sqlite:///...`` or ``postgresql://...``."""
    if url == "memory":
        from mockserver.store.memory import MemoryStores

        return MemoryStores()
    from mockserver.store.sql.backend import SqlStores  # SQLAlchemy only where it is used

    return SqlStores(url)
