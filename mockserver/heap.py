"""The process's C heap, tuned for a server whose threads take turns (the GIL).

glibc gives each thread an arena of its own and keeps what is freed in it
for that thread. Measured (bench/memory.py): each ``GET /__mock/state`` of
20,000 memos on a fresh worker thread left 67 MB behind, so RSS grew with
every export (and did not shrink on reset) until every one of the 32
workers had its own copy of the peak. One arena shares what is freed among
all threads; ``release_free_memory`` hands it back to the system after an
operation that drops a lot (a reset, a dropped tenant, an export).
Elsewhere than on glibc both do nothing.
"""

from __future__ import annotations

import ctypes

M_ARENA_MAX = -8  # glibc's mallopt parameter


def _glibc():
    """glibc's malloc controls, found in the process itself (the interpreter is linked
    with its C library): ``ctypes.util.find_library`` would run ``ldconfig -p``, a
    process of its own, at every start and reset."""
    try:
        libc = ctypes.CDLL(None)
    except (OSError, TypeError):  # no dlopen of the process itself
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def limit_malloc_arenas(arenas: int = 1) -> None:
    """At most ``arenas`` malloc arenas for the threads started from now on."""
    libc = _glibc()
    if libc is not None:
        libc.mallopt(M_ARENA_MAX, arenas)


def release_free_memory() -> None:
    """Give the heap's free pages back to the system."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
