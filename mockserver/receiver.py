"""``CalloutReceiver``: an HTTP endpoint on 127.0.0.1 that records the callouts
it receives and answers as scripted (the pytest plugin's ``callout_receiver``).

``answer(503, 200)`` scripts the next answers (then 200 again); an answer is a
status, ``(status, headers)``, or ``"hang"`` (no answer until the receiver
stops: the sandbox gives up at its callout timeout); ``delay_s`` slows every
answer down. ``received`` holds every request, oldest first, its JSON body parsed.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

HANG = "hang"


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    query: dict
    headers: dict
    body: object  # the parsed JSON, or the text when it isn't JSON
    status: int | None  # what the receiver answered (None: it hung)
    notification_id: str | None = field(default=None)
    request_id: str | None = field(default=None)


class CalloutReceiver:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, delay_s: float = 0.0):
        self.delay_s = delay_s  # how long every answer takes: a slow receiver
        self._script: deque = deque()
        self._received: list[Received] = []
        self._changed = threading.Condition()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer((host, port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/callouts"

    def answer(self, *answers) -> None:
        """The next requests' answers, in order; 200 once they are used up."""
        with self._changed:
            self._script.extend(answers)

    @property
    def received(self) -> list[Received]:
        with self._changed:
            return list(self._received)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Wait (at most ``timeout`` seconds) until ``count`` requests have come."""
        with self._changed:
            self._changed.wait_for(lambda: len(self._received) >= count, timeout)
            return list(self._received)

    def clear(self) -> None:
        with self._changed:
            self._received.clear()
            self._script.clear()

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def _next_answer(self):
        with self._changed:
            return self._script.popleft() if self._script else 200

    def _record(self, received: Received) -> None:
        with self._changed:
            self._received.append(received)
            self._changed.notify_all()

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8", "replace") if length else ""
                answer = receiver._next_answer()
                status, headers = answer if isinstance(answer, tuple) else (answer, {})
                parts = urlsplit(self.path)
                receiver._record(
                    Received(
                        method=self.command,
                        path=parts.path,
                        query=dict(parse_qsl(parts.query)),
                        headers=dict(self.headers.items()),
                        body=_parsed(raw),
                        status=None if status == HANG else status,
                        notification_id=self.headers.get("Zuora-Notification-Id"),
                        request_id=self.headers.get("Zuora-Request-Id"),
                    )
                )
                if status == HANG:
                    receiver._stopping.wait()
                    return
                if receiver.delay_s:
                    receiver._stopping.wait(receiver.delay_s)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        return Handler


def _parsed(raw: str):
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw
