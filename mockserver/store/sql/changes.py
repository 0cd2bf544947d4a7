"""A tenant's log of what its last write transactions changed, in its row of
``tenants`` (``changes``): a transaction that follows other processes' writes
drops the lookups they made stale and keeps the rest (``connections.py``),
where it would begin with nothing kept.

Each write transaction adds a line: its version and, by table, the ids of
the records it put, or null for a table it wrote otherwise (items replaced,
a memo deleted); a null line for one that wrote every table (a fill). The
line goes in the ``UPDATE`` of the tenant's row that also writes the values
its counters end at (on PostgreSQL, with the ``COMMIT``: ``later.py``). The
next writer's bump returns the row as the last writer left it, the log with
it: nothing reads the log on its own. The log keeps the last
``CHANGES_KEPT`` lines; a transaction that follows more writes than that
begins with nothing kept, as one that follows a fill does.
"""

from __future__ import annotations

import msgspec

CHANGES_KEPT = 8  # lines of the log
IDS_LOGGED = 8  # ids of one table a line lists; past them, the table was written (null)

# by table: the ids of the records put in it, or None: any row may have changed
Changed = dict[str, frozenset[str] | None]

_ENCODER = msgspec.json.Encoder()
_LINES = msgspec.json.Decoder(tuple[int, dict[str, frozenset[str] | None] | None])


def line(version: int, changed: Changed | None) -> bytes:
    """The line of the transaction at ``version`` that changed ``changed`` (None: every
    table)."""
    if changed is not None:
        changed = {
            table: None if ids is None or len(ids) > IDS_LOGGED else sorted(ids)
            for table, ids in changed.items()
        }
    return _ENCODER.encode((version, changed))


def appended(log: bytes, added: bytes) -> bytes:
    """``log`` with the line ``added``, and without the oldest past ``CHANGES_KEPT``."""
    lines = log.split(b"\n") if log else []
    return b"\n".join([*lines[max(0, len(lines) + 1 - CHANGES_KEPT) :], added])


def since(log: bytes, version: int, until: int) -> Changed | None:
    """What the transactions after ``version`` up to ``until`` changed; None when the log
    cannot say: it has lost the line of one of them, or one changed every table."""
    changed: Changed = {}
    following = version + 1
    for number, tables in _LINES.decode_lines(log) if log else ():
        if number <= version:
            continue
        if number != following or tables is None:
            return None
        for table, ids in tables.items():
            before = changed.get(table, frozenset())
            changed[table] = None if ids is None or before is None else before | ids
        following += 1
    return changed if following == until + 1 else None
