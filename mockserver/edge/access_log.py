"""The access log: one line per request on standard error, written by a thread of
its own.

A request only queues its line's facts (about a microsecond); the writer thread
formats them and writes each burst in one call. Going through ``logging`` per
line cost a quarter of the server's throughput (a LogRecord, a handler lock
that 32 worker threads queue on, a flush per line). Lines look like the
``logging`` ones the CLI prints:
``<time> mockserver.access GET /v2/...?page_size=5 200 1.2ms tenant=default``.
A per-token tenant's key is a bearer token: it is masked as the journal masks
one (``tenant=****4242``), in the ``tenant=`` of a control-plane query too.
Lines still queued at exit are written then.
"""

from __future__ import annotations

import atexit
import queue
import re
import sys
import threading
import time
from typing import TextIO

from mockserver.edge.redaction import masked
from mockserver.tenancy.tenants import DEFAULT_TENANT

MAX_BATCH = 1000
_TENANT_PARAMETER = re.compile(r"(?:^|(?<=[&;]))tenant=([^&;]*)")


class AccessLog:
    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._lines: queue.SimpleQueue = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def record(
        self,
        method: str,
        path: str,
        query: str,
        status: int | None,
        ms: float,
        tenant: str | None,
        fault: str | None = None,
        latency_ms: float = 0.0,
    ) -> None:
        if self._writer is None:
            self._start()
        self._lines.put((time.time(), method, path, query, status, ms, tenant, fault, latency_ms))

    def _start(self) -> None:
        with self._start_lock:
            if self._writer is None:
                self._writer = threading.Thread(target=self._write, name="access-log", daemon=True)
                self._writer.start()
                atexit.register(self.close)

    def _write(self) -> None:
        lines = self._lines
        stamps = _Stamps()
        while True:
            batch = [lines.get()]
            while len(batch) < MAX_BATCH and not lines.empty():
                batch.append(lines.get_nowait())
            done = batch[-1] is None
            text = "".join(_line(stamps, *line) for line in batch if line is not None)
            stream = self._stream or sys.stderr
            stream.write(text)
            stream.flush()
            if done:
                return

    def close(self) -> None:
        """Write what is queued, then stop the writer."""
        writer = self._writer
        if writer is not None and writer.is_alive():
            self._lines.put(None)
            writer.join(timeout=5)


def _line(stamps, at, method, path, query, status, ms, tenant, fault, latency_ms) -> str:
    target = _escaped(f"{path}?{_masked_tenants(query)}" if query else path)
    line = (
        f"{stamps(at)} mockserver.access {_escaped(method)} {target} {status} {ms:.1f}ms "
        f"tenant={_escaped(_shown(tenant))}"
    )
    if fault:
        line += f" fault={fault} latency={latency_ms:.1f}ms"
    return line + "\n"


def _shown(tenant: str | None) -> str:
    if tenant is None or tenant == DEFAULT_TENANT:
        return str(tenant)
    return masked(tenant)


def _masked_tenants(query: str) -> str:
    if "tenant=" not in query:
        return query
    return _TENANT_PARAMETER.sub(lambda found: f"tenant={_shown(found[1])}", query)


class _Stamps:
    """``2026-11-25 16:01:41,123``, as ``logging`` writes times; one strftime a second."""

    def __init__(self) -> None:
        self._second = -1
        self._text = ""

    def __call__(self, at: float) -> str:
        second = int(at)
        if second != self._second:
            self._second = second
            self._text = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second))
        return f"{self._text},{int((at - second) * 1000):03d}"


def _escaped(text: str) -> str:
    """``text`` with every control character escaped, so that no path, query or
    tenant can end a line and write one of its own (``%0a`` arrives as a newline)."""
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")
