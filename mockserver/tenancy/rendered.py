"""Rendered records: what a face made of a record (its JSON), kept for the next
request that shows the same record.

A record never changes (a change makes a new record), so an entry is keyed by
the record itself, the function that rendered it and a variant (the day): a
new version of a memo is a miss, never a stale hit, whichever process or
thread wrote it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

Render = Callable[[object, Hashable], bytes]


class RenderedRecords:
    """The newest ``size`` renderings, oldest dropped first."""

    def __init__(self, size: int):
        self._size = size
        self._entries: OrderedDict[int, tuple[object, Render, Hashable, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, record, render: Render, variant: Hashable) -> bytes:
        """``render(record, variant)``, or what it gave last time for this very record."""
        entry = self._entries.get(id(record))
        if entry is not None and entry[0] is record and entry[1] is render and entry[2] == variant:
            return entry[3]
        body = render(record, variant)
        with self._lock:
            self._entries[id(record)] = (record, render, variant, body)
            if len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return body

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
