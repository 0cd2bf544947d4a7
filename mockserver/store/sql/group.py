"""Group commit: the write transactions of one tenant that wait behind each other
in one process share one transaction of the database.

A writer takes the process's turn (``Turn``). The first opens a ``Group``: the
database's transaction, its bump, what is kept at the version before. When its
work is done and other writers wait for the turn, it leaves the transaction
open and hands the turn on: the next one's work runs in the same transaction,
after a savepoint, from what the one before left (its records kept, its
counters). The writer that finds no one waiting, or the group full, ends it:
one line of the change log and one update of the counters for all of them,
one commit. Each writer answers only once the commit is over, and raises what
it raised: a writer's work that fails rolls back to its savepoint, and the
others' stays. One ``BEGIN``, bump, log line and ``COMMIT`` serve the group,
and on SQLite one copy of the pages its writers share (the tenant's row, the
indexes' last pages); on PostgreSQL its round trips under the tenant's row are
two whatever its size.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mockserver.store.sql.changes import Changed
from mockserver.store.sql.later import LaterCursor, run_later

if TYPE_CHECKING:
    from mockserver.store.sql.kept import Kept, Transaction

GROUP_MAX = 16  # writers one transaction serves at most
SAVEPOINT = "mockserver_writer"


class Turn:
    """A lock that knows how many threads wait for it."""

    def __init__(self):
        self._free = threading.Condition(threading.Lock())
        self._busy = False
        self.waiting = 0

    def __enter__(self) -> None:
        with self._free:
            self.waiting += 1
            try:
                while self._busy:
                    self._free.wait()
            finally:
                self.waiting -= 1
            self._busy = True

    def __exit__(self, *exc) -> None:
        with self._free:
            self._busy = False
            self._free.notify()


@dataclass
class Group:
    """One transaction of the database and the writers it serves."""

    writing: AbstractContextManager  # the writers' ``begun``, entered
    pooled: Any
    cursor: Any
    version: int
    log: bytes  # what the last transactions changed, as the bump found it
    start: Kept | None  # what was kept when the group opened
    base: Kept  # what holds at the version before ``version``
    last: Transaction  # the first writer's, then the last whose work stays
    changed: Changed | None = field(default_factory=dict)  # None: every table
    pending: set[str] = field(default_factory=set)  # counters to write
    size: int = 0
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None  # the commit's

    def stays(self, held: Transaction) -> None:
        """``held``'s work is done and stays in the transaction."""
        self.last = held
        if held.everything:  # a fill: the counters it leaves are written already
            self.pending = set()
        self.pending |= held.pending
        held.pending = set()
        self.changed = joined(self.changed, held.changed())

    def savepoint(self) -> None:
        """Before a joining writer's work (on PostgreSQL, sent with what follows it)."""
        run_later(self.cursor, f"SAVEPOINT {SAVEPOINT}", ())

    def released(self) -> None:
        run_later(self.cursor, f"RELEASE SAVEPOINT {SAVEPOINT}", ())

    def rolled_back(self) -> None:
        """A joining writer's work undone (on PostgreSQL, after what is held is sent)."""
        if isinstance(self.cursor, LaterCursor):
            self.cursor.roll_back_to(SAVEPOINT)
        else:
            self.cursor.execute(f"ROLLBACK TO SAVEPOINT {SAVEPOINT}", ())


def joined(changed: Changed | None, more: Changed | None) -> Changed | None:
    """What two transactions changed together (None: every table)."""
    if changed is None or more is None:
        return None
    both = dict(changed)
    for table, ids in more.items():
        before = both.get(table, frozenset())
        both[table] = None if ids is None or before is None else before | ids
    return both
