"""The change feed: every committed change of a tenant's debit memos and payments.

``ObservedStore`` wraps a tenant's store for the domain (both faces' creates,
posts, pays, payments...): it notes each put and delete of a memo or payment
and, once the outermost transaction has committed, hands the changes to the
tenant's ``ChangeFeed``, one ``Change`` per record (first old value, last new
one), in the order the records were first touched. Subscribers are called in
the writing thread, so every subscriber sees the changes of one tenant in
commit order; they must be quick, must not block (they enqueue) and must not
write to the store. A subscriber that raises is logged and skipped: the
change is committed whatever its listeners do.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

from mockserver.callouts.fields import Fields
from mockserver.domain.records import DebitMemo, Payment
from mockserver.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    """One committed change of a memo or payment of ``tenant``.

    ``base_object`` is ``DebitMemo`` or ``Payment``; ``change_type`` ``INSERT``,
    ``UPDATE`` or ``DELETE``; ``old`` and ``new`` the record's fields (see
    ``fields``) before and after, ``None`` for an INSERT's old and a DELETE's new.
    """

    tenant: str
    base_object: str
    old_record: DebitMemo | Payment | None = field(repr=False)
    new_record: DebitMemo | Payment | None = field(repr=False)

    @property
    def change_type(self) -> str:
        if self.old_record is None:
            return "INSERT"
        return "DELETE" if self.new_record is None else "UPDATE"

    @cached_property
    def old(self) -> Fields | None:
        return None if self.old_record is None else Fields(self.base_object, self.old_record)

    @cached_property
    def new(self) -> Fields | None:
        return None if self.new_record is None else Fields(self.base_object, self.new_record)

    @property
    def object_id(self) -> str:
        return (self.new_record or self.old_record).id


Subscriber = Callable[[Change], None]


class ChangeFeed:
    """One tenant's committed changes, to whoever subscribed."""

    def __init__(self, tenant: str):
        self.tenant = tenant
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()
        self._turns = threading.Condition()
        self._taken = 0  # tickets given (``ticket``)
        self._served = 0  # tickets whose publishing is over, in order

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Hear every change from now on; returns the call that stops it."""
        with self._lock:
            self._subscribers = [*self._subscribers, subscriber]

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers = [s for s in self._subscribers if s is not subscriber]

        return unsubscribe

    def ticket(self) -> int:
        """The place of a commit's changes in the order they are published: taken just
        before the commit, while the store's writers still take turns (a commit of a
        group of them, ``store/sql/group.py``, answers them all at once)."""
        with self._turns:
            self._taken += 1
            return self._taken

    @contextmanager
    def in_order(self, ticket: int) -> Iterator[None]:
        """Held once every earlier ticket's publishing is over."""
        with self._turns:
            while self._served != ticket - 1:
                self._turns.wait()
        try:
            yield
        finally:
            with self._turns:
                self._served = ticket
                self._turns.notify_all()

    def publish(self, changes: list[Change]) -> None:
        subscribers = self._subscribers
        for change in changes:
            for subscriber in subscribers:
                try:
                    subscriber(change)
                except Exception:
                    log.exception("a change feed subscriber failed on %r", change)


class ObservedStore:
    """A ``Store`` that tells a ``ChangeFeed`` what each transaction changed.

    Everything but the memo and payment writes and ``transaction`` goes to the
    store it wraps. Each thread keeps its own open transactions and pending
    changes. When the outermost one ends, it takes a ticket of the feed before
    the store's transaction is left (committed), and publishes once the tickets
    before it have: commits and their publishing keep one order, and subscribers
    run outside the store's transaction (they must not take it: they must not
    write).
    """

    def __init__(self, store: Store, feed: ChangeFeed):
        self._store = store
        self._feed = feed
        self._local = threading.local()

    def __getattr__(self, name: str):
        value = getattr(self._store, name)
        if callable(value):
            setattr(self, name, value)  # methods once; data attributes stay live
        return value

    def transaction(self) -> ObservedStore:
        return self

    def _open(self) -> list:
        local = self._local
        if not hasattr(local, "open"):
            local.open, local.pending = [], {}
        return local.open

    def __enter__(self) -> ObservedStore:
        transaction = self._store.transaction()
        transaction.__enter__()
        self._open().append(transaction)
        return self

    def __exit__(self, *exc) -> None:
        opened = self._open()
        transaction = opened.pop()
        pending = self._local.pending
        if opened or not pending:
            transaction.__exit__(*exc)
            return
        self._local.pending = {}
        if exc[0] is not None:  # a transactional store rolls back: nothing was committed
            transaction.__exit__(*exc)
            return
        ticket = self._feed.ticket()
        try:
            transaction.__exit__(*exc)
        except BaseException:
            with self._feed.in_order(ticket):  # nothing committed: nothing to publish
                raise
        with self._feed.in_order(ticket):
            self._feed.publish(
                [
                    Change(self._feed.tenant, base_object, old, new)
                    for (base_object, _), (old, new) in pending.items()
                    if old is not None or new is not None
                ]
            )

    def _note(self, base_object: str, record_id: str, old, new) -> None:
        pending = self._local.pending
        noted = pending.get((base_object, record_id))
        if noted is None:
            pending[(base_object, record_id)] = [old, new]
        else:
            noted[1] = new

    def put_memo(self, memo: DebitMemo) -> None:
        with self:
            old = self._store.memo(memo.id)
            self._store.put_memo(memo)
            self._note("DebitMemo", memo.id, old, memo)

    def delete_memo(self, memo_id: str) -> None:
        with self:
            old = self._store.memo(memo_id)
            self._store.delete_memo(memo_id)
            self._note("DebitMemo", memo_id, old, None)

    def put_payment(self, payment: Payment) -> None:
        with self:
            old = self._store.payment(payment.id)
            self._store.put_payment(payment)
            self._note("Payment", payment.id, old, payment)
