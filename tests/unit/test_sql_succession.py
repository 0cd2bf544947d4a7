"""What one write transaction of a process hands to the next (``succession.py``)."""

from __future__ import annotations

import threading

from mockserver.store.sql.connections import Kept
from mockserver.store.sql.succession import Succession, handed


def test_the_next_version_takes_what_the_committed_transaction_knew():
    succession = Succession()
    handing = succession.hand_over(41)
    ended = Kept((41, 1), {("accounts", "id"): {}})
    handed(handing, ended)
    assert succession.base(None, 42) is ended


def test_after_a_failed_commit_the_next_version_takes_nothing_even_if_something_is_kept():
    """Another process may have committed that version after the rollback."""
    succession = Succession()
    handing = succession.hand_over(41)
    handed(handing, None)
    assert succession.base(Kept((41, 1)), 42) is None


def test_the_next_version_waits_for_the_hand_over():
    succession = Succession()
    handing = succession.hand_over(41)
    ended = Kept((41, 1))
    began, found = threading.Event(), []

    def successor():
        began.set()
        found.append(succession.base(None, 42))

    thread = threading.Thread(target=successor)
    thread.start()
    began.wait()
    handed(handing, ended)
    thread.join()
    assert found == [ended]


def test_another_version_takes_what_is_kept_only_at_the_version_before_it():
    succession = Succession()
    handed(succession.hand_over(41), Kept((41, 1)))
    kept = Kept((44, 1))
    assert succession.base(kept, 45) is kept
    assert succession.base(kept, 46) is None
    assert succession.base(None, 45) is None
