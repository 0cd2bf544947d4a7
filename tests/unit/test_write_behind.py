"""Journal entries written behind the answers on a SQLite store: ``WriteBehind``
writes on a thread of its own, ``settle`` waits for it, and ``JournalMarks``
makes a reader wait for what other processes (real ones, forked here) had
handed over and not yet stored."""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading

import pytest
from at_once import at_once

from mockserver.tenancy import group_commit
from mockserver.tenancy.group_commit import WriteBehind
from mockserver.tenancy.journal_marks import SLOT, JournalMarks

FORK = multiprocessing.get_context("fork")


def test_items_are_written_on_another_thread_and_settle_waits_for_them():
    release, written, threads = threading.Event(), [], set()

    def write(items):
        release.wait(10)
        threads.add(threading.get_ident())
        written.extend(items)

    behind = WriteBehind(write)
    for n in range(5):
        behind.submit(n)  # returns while the write waits
    assert written == []
    release.set()
    behind.settle()
    assert written == [0, 1, 2, 3, 4]
    assert threading.get_ident() not in threads


def test_items_handed_over_while_a_batch_gathers_are_written_in_it(monkeypatch):
    monkeypatch.setattr(group_commit, "GATHER_S", 30.0)
    batches, first_taken = [], threading.Event()
    behind = WriteBehind(batches.append)
    behind.submit(0)
    threading.Timer(0.05, first_taken.set).start()
    first_taken.wait(10)
    behind.submit(1)
    behind.submit(2)
    done = threading.Thread(target=behind.settle)
    done.start()
    done.join(10)  # settle asks for the batch at once: no 30 s gather
    assert not done.is_alive()
    assert batches == [[0, 1, 2]]


def test_settle_does_not_wait_for_the_gather(monkeypatch):
    monkeypatch.setattr(group_commit, "GATHER_S", 30.0)
    written = []
    behind = WriteBehind(written.extend)
    for n in range(3):
        behind.submit(n)
        done = threading.Thread(target=behind.settle)
        done.start()
        done.join(10)
        assert not done.is_alive()
        assert written == list(range(n + 1))


def test_a_failed_write_is_logged_and_does_not_hold_up_settle(caplog):
    def write(items):
        if 0 in items:
            raise RuntimeError("store gone")

    behind = WriteBehind(write)
    with caplog.at_level(logging.ERROR):
        behind.submit(0)
        behind.settle()
    assert "1 items not written" in caplog.text
    assert "store gone" in caplog.text


def _hand_and_hold(path, handed, release):
    """In a child process: hand over three items, store them once released."""
    marks = JournalMarks(path)
    marks.handed(3)
    handed.set()
    release.wait(30)
    marks.stored(3)


def test_a_reader_waits_until_another_process_has_stored_what_it_handed_over(tmp_path):
    path = tmp_path / "store.db-journal-marks"
    handed, release = FORK.Event(), FORK.Event()
    child = FORK.Process(target=_hand_and_hold, args=(path, handed, release))
    child.start()
    try:
        assert handed.wait(30)
        reader = JournalMarks(path)
        waited = threading.Event()

        def read():
            reader.wait_for_others(timeout=30)
            waited.set()

        thread = threading.Thread(target=read)
        thread.start()
        assert not waited.wait(0.3)  # the child has not stored its three
        release.set()
        thread.join(30)
        assert waited.is_set()
    finally:
        release.set()
        child.join(30)


def _hand_and_die(path, handed):
    JournalMarks(path).handed(2)
    handed.set()
    os._exit(0)


def test_a_dead_process_is_not_waited_for_and_its_slot_is_taken_again(tmp_path):
    path = tmp_path / "store.db-journal-marks"
    handed = FORK.Event()
    child = FORK.Process(target=_hand_and_die, args=(path, handed))
    child.start()
    child.join(30)
    assert handed.is_set()
    marks = JournalMarks(path)
    marks.wait_for_others(timeout=30)  # returns: the child is gone with two not stored
    marks.handed()
    pid, count, stored = SLOT.unpack_from(path.read_bytes(), 0)
    assert (pid, count, stored) == (os.getpid(), 1, 0)


def test_two_marks_in_one_process_wait_for_each_other(tmp_path):
    """Two sandboxes in one process (as the tests start them) have a slot each."""
    path = tmp_path / "store.db-journal-marks"
    first, second = JournalMarks(path), JournalMarks(path)
    first.handed()
    waited = threading.Event()
    thread = threading.Thread(target=lambda: (second.wait_for_others(30), waited.set()))
    thread.start()
    assert not waited.wait(0.3)
    first.stored(1)
    thread.join(30)
    assert waited.is_set()


def test_the_first_threads_of_a_process_to_use_the_marks_open_them_once(tmp_path):
    """Threads that count and read the marks at once, first in their process, open the
    file once (each opening it again dropped the file another thread held locked, and
    with it the slot it had claimed)."""
    for attempt in range(40):
        path = tmp_path / f"store-{attempt}.db-journal-marks"
        marks = JournalMarks(path)

        def first_use(n: int, marks=marks) -> None:
            marks.handed() if n % 2 else marks.wait_for_others(timeout=0)

        assert at_once(first_use) == []
        slots = [SLOT.unpack_from(path.read_bytes(), n * SLOT.size) for n in range(2)]
        assert slots == [(os.getpid(), 8, 0), (0, 0, 0)]


@pytest.mark.parametrize("count", [1, 40])
def test_settle_waits_for_another_write_behind_on_the_same_marks(tmp_path, count):
    path = tmp_path / "store.db-journal-marks"
    release, written = threading.Event(), []

    def slow(items):
        release.wait(10)
        written.extend(items)

    writer = WriteBehind(slow, JournalMarks(path))
    reader = WriteBehind(lambda items: None, JournalMarks(path))
    for n in range(count):
        writer.submit(n)
    threading.Timer(0.2, release.set).start()
    reader.settle()
    assert written == list(range(count))
