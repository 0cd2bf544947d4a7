"""How far the processes of one machine have got writing their journal entries
into a SQLite store: a file beside the database, mapped into each process's
memory, with a slot per process (its pid, the entries it has handed over,
the entries it has stored; two sandboxes in one process have a slot each).
Each process writes its entries behind its
answers (``WriteBehind``); a process about to read the journal waits until
every other live process has stored what it had handed over by then, so
the journal it reads holds every request answered before the read began.

A slot is claimed under an exclusive ``flock`` of the file (a dead process's
slot is taken by the next process that needs one); after that only its owner
writes it, each count with one aligned 8-byte store, which readers see
whole, so counting takes no lock but the owner's own.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SLOT = struct.Struct("<QQQ")  # pid, entries handed over, entries stored
COUNT = struct.Struct("<Q")
HANDED, STORED = 8, 16  # the counts' offsets in a slot
SLOTS = 256  # processes at once; past it, a process's entries are not waited for
POLL_S = 0.001  # how often a reader looks again while another process is behind


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


class JournalMarks:
    """The marks file ``path``; opened again in each process (a worker forked with it open
    would share its parent's lock)."""

    def __init__(self, path: Path):
        self.path = path
        self._pid = 0
        self._file = None
        self._map: mmap.mmap | None = None
        self._slot: int | None = None
        self._counting = threading.Lock()  # this object's counts change one at a time
        self._opening = threading.Lock()  # the first thread of a process opens the file

    @contextmanager
    def _locked(self) -> Iterator[mmap.mmap]:
        if self._pid != os.getpid():
            with self._opening:
                if self._pid != os.getpid():
                    self._open()
        fcntl.flock(self._file.fileno(), fcntl.LOCK_EX)
        try:
            yield self._map
        finally:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)

    def _open(self) -> None:
        self._file = open(self.path, "a+b")  # noqa: SIM115 - kept open for the process
        size = SLOTS * SLOT.size
        fcntl.flock(self._file.fileno(), fcntl.LOCK_EX)
        try:
            if os.fstat(self._file.fileno()).st_size < size:
                self._file.truncate(size)
        finally:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
        self._map, self._slot = mmap.mmap(self._file.fileno(), size), None
        self._pid = os.getpid()  # last: the threads that see it see the file open

    def _own(self, marks: mmap.mmap) -> int | None:
        """This process's slot, claimed when it has none (None: every slot is taken)."""
        if self._slot is not None:
            return self._slot
        for slot in range(SLOTS):
            pid, _, _ = SLOT.unpack_from(marks, slot * SLOT.size)
            if pid == 0 or not _alive(pid):
                SLOT.pack_into(marks, slot * SLOT.size, self._pid, 0, 0)
                self._slot = slot
                return slot
        return None

    def _add(self, offset: int, count: int) -> None:
        with self._counting:
            if self._pid != os.getpid() or self._slot is None:
                with self._locked() as marks:
                    self._own(marks)
            if self._slot is None:
                return  # every slot is taken: this process's entries are not waited for
            at = self._slot * SLOT.size + offset
            COUNT.pack_into(self._map, at, COUNT.unpack_from(self._map, at)[0] + count)

    def handed(self, count: int = 1) -> None:
        self._add(HANDED, count)

    def stored(self, count: int) -> None:
        self._add(STORED, count)

    def _behind(self, waiting: dict[int, tuple[int, int]] | None) -> dict[int, tuple[int, int]]:
        """The other slots of live processes not stored as far as ``waiting`` says (all of them
        as far as they have handed over, when None): slot -> (pid, entries handed)."""
        behind = {}
        with self._locked() as marks:
            for slot in range(SLOTS) if waiting is None else waiting:
                pid, handed, stored = SLOT.unpack_from(marks, slot * SLOT.size)
                if waiting is not None:
                    if waiting[slot][0] != pid:
                        continue  # that process is gone
                    handed = waiting[slot][1]
                mine = slot == self._slot and pid == self._pid
                if pid != 0 and not mine and stored < handed and _alive(pid):
                    behind[slot] = (pid, handed)
        return behind

    def wait_for_others(self, timeout: float) -> None:
        """Until every other live process has stored what it had handed over at the
        call, or ``timeout`` seconds (a process that hangs is waited for no longer)."""
        behind = self._behind(None)
        deadline = time.monotonic() + timeout
        while behind and time.monotonic() < deadline:
            time.sleep(POLL_S)
            behind = self._behind(behind)
