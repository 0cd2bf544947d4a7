"""The access log: one line per request, written by a thread of its own.

A request only queues its line's facts; the writer thread formats and writes
them in batches through the ``mockserver.access`` logger. So thirty-two busy
worker threads don't queue up on the log handler's lock, and a burst costs one
write, not one per request. Lines still written at exit are flushed then.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading

logger = logging.getLogger("mockserver.access")


class AccessLog:
    def __init__(self) -> None:
        self._lines: queue.SimpleQueue = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def record(
        self,
        method: str,
        path: str,
        status: int | None,
        ms: float,
        fault: str | None,
        latency_ms: float,
    ) -> None:
        if self._writer is None:
            self._start()
        self._lines.put((method, path, status, ms, fault, latency_ms))

    def _start(self) -> None:
        with self._start_lock:
            if self._writer is None:
                self._writer = threading.Thread(target=self._write, name="access-log", daemon=True)
                self._writer.start()
                atexit.register(self.close)

    def _write(self) -> None:
        lines = self._lines
        while True:
            batch = [lines.get()]
            while not lines.empty() and len(batch) < 1000:
                batch.append(lines.get_nowait())
            for line in batch:
                if line is None:
                    return
                _emit(*line)

    def close(self) -> None:
        """Write what is queued, then stop the writer."""
        writer = self._writer
        if writer is not None and writer.is_alive():
            self._lines.put(None)
            writer.join(timeout=5)


def _emit(method, path, status, ms, fault, latency_ms) -> None:
    if fault:
        logger.info(
            "%s %s %s %.1fms fault=%s latency=%.1fms", method, path, status, ms, fault, latency_ms
        )
    else:
        logger.info("%s %s %s %.1fms", method, path, status, ms)
