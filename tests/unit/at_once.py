"""Threads released at one moment, as a busy server's threads reach what a
process opens at its first use."""

from __future__ import annotations

import threading
from collections.abc import Callable

JOIN_TIMEOUT_S = 30


def at_once(use: Callable[[int], object], count: int = 16) -> list[Exception]:
    """``use(n)`` for n in ``range(count)``, each on a thread of its own, all released
    together; returns what they raised (and fails if one is still running after
    ``JOIN_TIMEOUT_S``)."""
    start = threading.Barrier(count)
    errors: list[Exception] = []

    def run(n: int) -> None:
        start.wait()
        try:
            use(n)
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT_S)
    assert not any(thread.is_alive() for thread in threads), "a thread still runs"
    return errors
