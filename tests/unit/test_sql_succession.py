"""What one write transaction of a process hands to the next (``succession.py``)."""

from __future__ import annotations

import threading

from mockserver.store.sql.kept import Kept
from mockserver.store.sql.succession import Succession, handed


def test_the_next_version_takes_what_the_committed_transaction_knew():
    succession = Succession()
    handing = succession.hand_over(41)
    ended = Kept((41, 1), {("accounts", "id"): {}})
    handed(handing, ended)
    assert succession.known(42) is ended


def test_after_a_failed_commit_the_next_version_takes_nothing_from_it():
    """Another process may have committed that version after the rollback."""
    succession = Succession()
    handing = succession.hand_over(41)
    handed(handing, None)
    assert succession.known(42) is None


def test_the_next_version_waits_for_the_hand_over():
    succession = Succession()
    handing = succession.hand_over(41)
    ended = Kept((41, 1))
    began, found = threading.Event(), []

    def successor():
        began.set()
        found.append(succession.known(42))

    thread = threading.Thread(target=successor)
    thread.start()
    began.wait()
    handed(handing, ended)
    thread.join()
    assert found == [ended]


def test_a_later_version_takes_what_it_knew_and_its_own_version_again_nothing():
    """Other writers came between it and a later version (``changes.py`` says what
    they changed); its own version given again means its bump was rolled back."""
    succession = Succession()
    ended = Kept((41, 1))
    handed(succession.hand_over(41), ended)
    assert succession.known(45) is ended
    assert succession.known(41) is None
