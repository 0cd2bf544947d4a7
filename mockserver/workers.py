"""``mockserver serve --workers N``: N server processes on one port.

The parent binds the port once per worker (``SO_REUSEPORT``), builds the app
once (start-up data, seeding), then forks the workers: each serves one of the
listening sockets, and the kernel spreads new connections over them by their
addresses' hash. On one shared socket the worker that woke first took them:
one of two workers held 29 or 31 of wrk's 32 connections in two of three
tries. A worker that dies loses only the connections it held: the queue of
waiting ones is its socket, which the parent keeps for the worker it starts
in its place. The parent
serves nothing: it restarts a worker that dies, forwards SIGTERM and SIGINT
for a clean stop, and exits when the last worker has. The workers share
their state through the store (``--store sqlite:///...`` or
``postgresql://...``), never through memory.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger("mockserver")

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
QUICK_DEATH_S = 1.0  # a worker that dies this soon after it started waits this long to restart


@dataclass
class Workers:
    """The parent's view of its workers: one per listener, ``serve(listener)`` is what
    each runs."""

    serve: Callable[[socket.socket], None]
    listeners: list[socket.socket]
    started: dict[int, tuple[float, int]] = field(default_factory=dict)  # pid -> when, which
    stopping: bool = False

    def run(self) -> int:
        """Start the workers and keep one serving each listener until a signal says stop."""
        previous = {number: signal.signal(number, self._stop) for number in STOP_SIGNALS}
        try:
            for slot in range(len(self.listeners)):
                self._start(slot)
            self._supervise()
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
            for listener in self.listeners:
                listener.close()
        log.info("stopped")
        return 0

    def _start(self, slot: int) -> None:
        """A worker serving the listener ``slot``."""
        # Signals wait until the child has its own handlers and the parent knows its pid.
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            pid = os.fork()
            if pid == 0:
                _be_a_worker(self.serve, self.listeners[slot])
            self.started[pid] = (time.monotonic(), slot)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)

    def _supervise(self) -> None:
        while self.started:
            try:
                pid, status = os.wait()
            except ChildProcessError:  # none left
                return
            ended = self.started.pop(pid, None)
            if ended is None or self.stopping:
                continue
            began, slot = ended
            log.warning("worker %d %s; starting another", pid, _how_it_ended(status))
            if time.monotonic() - began < QUICK_DEATH_S:
                time.sleep(QUICK_DEATH_S)
            if not self.stopping:
                self._start(slot)

    def _stop(self, signum, frame) -> None:
        """Stop every worker: each finishes what it is answering, then exits."""
        self.stopping = True
        for pid in self.started:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)


def _be_a_worker(serve: Callable[[socket.socket], None], listener: socket.socket) -> None:
    """The child's whole life: serve, then exit without returning into the parent's code."""
    code = 0
    try:
        for number in STOP_SIGNALS:
            signal.signal(number, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        serve(listener)
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 0
    except BaseException:
        log.exception("worker %d failed", os.getpid())
        code = 1
    finally:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _how_it_ended(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"was ended by signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exited with code {os.waitstatus_to_exitcode(status)}"
