"""One request/response exchange as a fault sees it: the app's answer held in
memory, the client's answer on its way out, waits, and the client's TCP
connection.

Every wait (injected latency, a ``timeout``, the pauses of a trickling body)
ends at the exchange's deadline, when the client hangs up, or when the
server stops, whichever comes first: a worker is never held for a client
that has gone, nor past the deadline.

The connection comes from the server (``environ["mockserver.connection"]``,
see ``mockserver.server``). Under another WSGI server there is none: then a
reset or an empty reply is approximated by a 502, which at least shows the
client an answer it did not expect. Error answers (a rule's status, the
gateway timeout) come from the renderer of the face that owns the path.
"""

from __future__ import annotations

import enum
import gzip
import itertools
import logging
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING

from mockserver.domain.errors import GatewayTimeout, HttpStatus, ZuoraError

if TYPE_CHECKING:
    from mockserver.faces.face import ErrorRenderer

log = logging.getLogger("mockserver.faults")

FAULT_HEADER = "X-Mock-Fault"
HANGUP_POLL_S = 0.05
TRICKLE_TICK_S = 0.1
_NEVER = threading.Event()


def status_line(code: int) -> str:
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"{code} Error"


@dataclass(frozen=True, slots=True)
class Answer:
    """A whole HTTP answer in memory: status line, headers, body."""

    status: str
    headers: list[tuple[str, str]]
    body: bytes

    @classmethod
    def json(cls, code: int, body: bytes) -> Answer:
        return cls.of(code, [("Content-Type", "application/json")], body)

    @classmethod
    def of(cls, code: int, headers: list[tuple[str, str]], body: bytes) -> Answer:
        """An answer from its parts, ``Content-Length`` added."""
        return cls(status_line(code), [*headers, ("Content-Length", str(len(body)))], body)

    @classmethod
    def refusal(cls, errors: ErrorRenderer, error: ZuoraError, environ: dict) -> Answer:
        """``error`` as the face's ``errors`` renderer answers it."""
        return cls.of(*errors.render(error, environ.get("mockserver.request_id")))

    def json_text(self) -> bytes:
        """The body as JSON text, gunzipped if it was sent gzipped."""
        encoding = next((v for k, v in self.headers if k.lower() == "content-encoding"), "")
        if encoding.lower() == "gzip":
            try:
                return gzip.decompress(self.body)
            except (OSError, EOFError, zlib.error):
                return b""
        return self.body


class Hold(enum.Enum):
    """How a wait ended."""

    DONE = "done"
    DEADLINE = "deadline"  # the gateway timeout (or the longest hold) came first
    HANGUP = "hangup"  # the client closed its connection
    STOPPING = "stopping"  # the server is shutting down


class Exchange:
    """One request's exchange; ``deadline`` (a ``time.perf_counter`` value) ends every wait."""

    def __init__(
        self,
        environ: dict,
        start_response: Callable,
        deadline: float | None,
        fault_ids: str | None,
        errors: ErrorRenderer,
    ):
        self.environ = environ
        self.errors = errors
        self._start_response = start_response
        self.deadline = deadline
        self.fault_ids = fault_ids
        self.trickle_bytes_per_s: float | None = None
        self.body_length: int | None = None  # of the answer sent, once it has started
        self._stopping: threading.Event = environ.get("mockserver.stopping") or _NEVER
        self._connection = environ.get("mockserver.connection")

    # -- the app's answer and the client's -------------------------------------

    def call_app(self, app) -> Answer:
        """Run the app and keep its whole answer, to send, reshape or throw away."""
        started: list = []
        chunks: list[bytes] = []

        def capture(status, headers, exc_info=None):
            started[:] = [status, list(headers)]
            return chunks.append

        body = app(self.environ, capture)
        try:
            chunks.extend(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        status, headers = started
        return Answer(status, headers, b"".join(chunks))

    def respond(self, answer: Answer) -> Iterable[bytes]:
        headers = list(answer.headers)
        if self.fault_ids:
            headers.append((FAULT_HEADER, self.fault_ids))
        self._start_response(answer.status, headers)
        self.body_length = len(answer.body)
        if self.trickle_bytes_per_s:
            return self._trickle(answer.body, self.trickle_bytes_per_s)
        return [answer.body]

    def refusal(self, error: ZuoraError) -> Answer:
        return Answer.refusal(self.errors, error, self.environ)

    def gateway_timeout(self) -> Iterable[bytes]:
        return self.respond(self.refusal(GatewayTimeout()))

    def _trickle(self, body: bytes, bytes_per_s: float) -> Iterator[bytes]:
        """The body a few bytes at a time, every ``TRICKLE_TICK_S`` or slower; cut
        off (the connection closed mid-body) at the deadline or a server stop."""
        chunk = max(1, int(bytes_per_s * TRICKLE_TICK_S))
        interval = chunk / bytes_per_s
        flush = getattr(self._connection, "flush", None)
        for start in range(0, len(body), chunk):
            if start:
                if flush is not None:
                    flush()  # raises once the client has gone
                if self.hold(interval) is not Hold.DONE:
                    if self._connection is not None:
                        self._connection.close()  # raises: the body ends here
                    return
            yield body[start : start + chunk]

    # -- waiting ------------------------------------------------------------------

    def hold(self, seconds: float) -> Hold:
        """Wait ``seconds``, unless the deadline, a hang-up or a server stop comes first."""
        return self._wait(time.perf_counter() + seconds)

    def hold_until_hangup(self) -> Hold:
        """Wait until the deadline, the client hangs up, or the server stops."""
        return self._wait(None)

    def _wait(self, until: float | None) -> Hold:
        end, outcome = until, Hold.DONE
        if self.deadline is not None and (end is None or self.deadline < end):
            end, outcome = self.deadline, Hold.DEADLINE
        while True:
            wait = HANGUP_POLL_S
            if end is not None:
                wait = min(wait, end - time.perf_counter())
                if wait <= 0:
                    return outcome
            if self._stopping.wait(wait):
                return Hold.STOPPING
            if self._connection is not None and self._connection.gone():
                return Hold.HANGUP

    def past_deadline(self) -> bool:
        return self.deadline is not None and time.perf_counter() >= self.deadline

    # -- the connection -----------------------------------------------------------

    def reset(self) -> Iterable[bytes]:
        """Abort the connection with a TCP reset; no answer reaches the client."""
        if self._connection is not None:
            self._connection.reset()  # raises: the request ends here
        return self._no_connection("reset")

    def close(self) -> Iterable[bytes]:
        """Close the connection without sending a byte."""
        if self._connection is not None:
            self._connection.close()  # raises: the request ends here
        return self._no_connection("empty")

    def _no_connection(self, action: str) -> Iterable[bytes]:
        log.warning(
            "action=%s needs mockserver's own server to act on the connection; answering 502",
            action,
        )
        return self.respond(self.refusal(HttpStatus(502)))


class ReleasedWhenSent:
    """A WSGI body that calls ``release`` once: just before the server gets its
    last byte, when ``length()`` (asked once the answer has started) says how
    many bytes it has, else when the server closes it (an answer without a
    length, one cut short, a HEAD). A client that has received the answer whole
    never finds what its request held still taken."""

    def __init__(
        self, body: Iterable[bytes], release: Callable[[], None], length: Callable[[], int | None]
    ):
        self._body = body
        self._release = release
        self._length = length
        self._released = False

    def __iter__(self) -> Iterator[bytes]:
        chunks = iter(self._body)
        first = next(chunks, None)
        if first is None:
            return
        left = self._length()  # the answer has started by its first chunk
        for chunk in itertools.chain((first,), chunks):
            if left is not None:
                left -= len(chunk)
                if left <= 0:
                    self._give_back()
            yield chunk

    def close(self) -> None:
        try:
            if hasattr(self._body, "close"):
                self._body.close()
        finally:
            self._give_back()

    def _give_back(self) -> None:
        if not self._released:
            self._released = True
            self._release()


def content_length(headers: Iterable[tuple[str, str]] | None) -> int | None:
    """The ``Content-Length`` among ``headers``, if there is one."""
    for name, value in headers or ():
        if name.lower() == "content-length" and value.isdigit():
            return int(value)
    return None
