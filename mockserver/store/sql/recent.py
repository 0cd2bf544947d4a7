"""The records a store read last, by id and version: the same record read again
is the same object, so what was rendered of it is reused
(``tenancy/rendered.py``), and a changed one is read anew.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy import Table

from mockserver.store.sql import rows

RECENT_RECORDS = 4096  # records kept per store


class RecentRecords:
    """The last records read, by table and id, with the version they were read at."""

    def __init__(self, size: int):
        self._size = size
        self._entries: OrderedDict[tuple[str, str], tuple[int, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, table: Table, record_id: str, version: int, data: bytes):
        entry = self._entries.get((table.name, record_id))
        if entry is not None and entry[0] == version:
            return entry[1]
        record = rows.load(rows.RECORD_TYPES[table.name], data)
        self.keep(table, record, version)
        return record

    def keep(self, table: Table, record, version: int) -> None:
        with self._lock:
            self._entries[(table.name, record.id)] = (version, record)
            if len(self._entries) > self._size:
                self._entries.popitem(last=False)
