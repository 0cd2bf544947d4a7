"""What a write transaction of this process hands to the next one.

Writers take turns (the tenant's row lock on PostgreSQL, the writers' turn on
SQLite). The next writer of this process is usually already waiting when one
commits: on PostgreSQL its bump returns the moment the lock is free, before
the thread that committed has run again. What was kept when it began waiting
is older than its predecessor's version, so, without a hand-over, a busy
process would keep nothing from one transaction to the next.

So each transaction, just before its commit, leaves a ``Handing`` with its
version, and fills it in after the commit (what it knows at that version, or
nothing if the commit failed). A transaction whose bump returns that version
plus one follows it with no writer between: it waits for the hand-over (the
predecessor's commit is over; its thread has only to run again) and takes what
it knows. A later version follows other writers: what the predecessor knew
holds but for what they changed (``changes.py``)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mockserver.store.sql.kept import Kept

HAND_OVER_S = 1.0  # past it a transaction begins with nothing kept rather than wait on


@dataclass
class Handing:
    """What a transaction knows at ``version``, once committed (None if it failed)."""

    version: int
    done: threading.Event = field(default_factory=threading.Event)
    ended: Kept | None = None


class Succession:
    """The last ``Handing`` of one tenant's writers in this process."""

    def __init__(self):
        self._last: Handing | None = None

    def known(self, version: int) -> Kept | None:
        """What the last transaction here knew at its commit, if it came before ``version``
        (a bump's); for the version just before, it waits for the hand-over (the commit
        is over: its thread has only to run again)."""
        last = self._last
        if last is None or last.version >= version:
            return None
        last.done.wait(HAND_OVER_S)
        return last.ended

    def hand_over(self, version: int) -> Handing:
        """The hand-over of the transaction at ``version``, about to commit."""
        handing = self._last = Handing(version)
        return handing


def handed(handing: Handing | None, ended: Kept | None) -> None:
    """The transaction ended: committed with what it knows (``ended``), or not (None)."""
    if handing is not None:
        handing.ended = ended
        handing.done.set()
