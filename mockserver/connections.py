"""The client connections, as waitress's channel serves them to a sandbox that
hostile clients share.

- A request must arrive whole within ``read_timeout`` seconds of its first
  byte; a client that trickles its headers (or its body) gets a 408 and is
  closed, however often it sends a byte (waitress's own channel timeout
  restarts with every byte, so alone it never ends such a client).
- A client that half-closes its side after sending a request still gets the
  answer (waitress would take the end of its input for a hang-up).
- Errors waitress answers itself (a bad request line, headers over the
  limit, a body over the limit) carry Zuora's envelope, not plain text.
- The fault engine gets the connection (``environ["mockserver.connection"]``)
  to reset it, close it, push out what is buffered, or see that the client
  has gone; ``environ["mockserver.stopping"]`` is set when the server stops.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import struct
import time
from http import HTTPStatus

from waitress.channel import ClientDisconnected, HTTPChannel
from waitress.task import ErrorTask, WSGITask
from waitress.utilities import Error

from mockserver.domain.errors import ErrorDetail, envelope

# What each of waitress's own errors is about, in the envelope's terms.
_WAITRESS_ERRORS = {
    400: ("invalid_parameter", "request", None),
    413: ("invalid_parameter", "body", "The body is over {max_body} bytes"),
    431: ("invalid_parameter", "headers", "The request headers are over {max_header} bytes"),
    501: ("invalid_parameter", "Transfer-Encoding", None),
}
_HANGUP_EVENTS = select.POLLIN | select.POLLHUP | select.POLLERR | getattr(select, "POLLRDHUP", 0)


def error_answer(status: int, details: tuple[ErrorDetail, ...] = ()) -> tuple[str, bytes]:
    """Zuora's envelope for a status: the status line's reason and the JSON body."""
    body = json.dumps(envelope(status, details), separators=(",", ":")).encode()
    return HTTPStatus(status).phrase, body


class Connection:
    """The client's TCP connection, for faults that break it on purpose."""

    def __init__(self, channel: Channel):
        self._channel = channel

    def reset(self):
        """Abort with a TCP reset (RST): the client sees 'connection reset by peer'."""
        with contextlib.suppress(OSError):  # the client may have closed it already
            self._channel.socket.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
        raise ClientDisconnected("reset by a fault")

    def close(self):
        """Close without sending a byte: the client sees an empty reply."""
        raise ClientDisconnected("closed by a fault")

    def flush(self):
        """Send what the response has written so far. (waitress otherwise holds
        back small writes until 18 KB or the end of the response.)"""
        channel = self._channel
        with channel.outbuf_lock:
            if not channel.connected or channel.will_close:
                raise ClientDisconnected("the client has gone")
            channel._flush_exception(channel._flush_some, do_close=False)

    def gone(self) -> bool:
        """Whether the client has hung up (or at least closed its sending side).

        The event loop notices the end of the client's input while it reads
        ahead; when it doesn't read (a request is queued behind this one), the
        socket is asked directly, without taking any byte from it.
        """
        channel = self._channel
        if channel.input_ended or not channel.connected or channel.will_close:
            return True
        poller = select.poll()
        try:
            poller.register(channel.socket, _HANGUP_EVENTS)
            if not poller.poll(0):
                return False
            return channel.socket.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except (OSError, ValueError):  # closed under us: gone as well
            return True


class _Task(WSGITask):
    def get_environment(self):
        environ = super().get_environment()
        environ["mockserver.connection"] = Connection(self.channel)
        environ["mockserver.stopping"] = self.channel.server.stopping
        return environ


class _ErrorTask(ErrorTask):
    """waitress's answer to a request it could not parse, in Zuora's envelope."""

    def execute(self):
        error: Error = self.request.error
        code, parameter, message = _WAITRESS_ERRORS.get(error.code, (None, None, None))
        details = ()
        if code is not None:
            adj = self.channel.adj
            text = (message or "{body}").format(
                body=str(error.body).strip(),
                max_body=adj.max_request_body_size,
                max_header=adj.max_request_header_size,
            )
            details = (ErrorDetail(code, text, parameter),)
        reason, body = error_answer(error.code, details)
        self.status = f"{error.code} {reason}"
        self.response_headers.append(("Content-Type", "application/json"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class Channel(HTTPChannel):
    """waitress's channel with a deadline for a request to arrive and half-close kept."""

    task_class = _Task
    error_task_class = _ErrorTask
    input_ended = False  # the client sent its FIN: nothing more to read
    request_began: float | None = None  # when the first byte of the pending request came

    def received(self, data):
        if self.request is None:
            self.request_began = time.monotonic()
        result = super().received(data)
        if self.request is None:
            self.request_began = None
        return result

    def readable(self):
        return not self.input_ended and super().readable()

    def handle_read(self):
        try:  # the socket's own recv: the dispatcher's would close at the end of input
            data = self.socket.recv(self.adj.recv_bytes)
        except BlockingIOError:
            return
        except OSError:
            self.handle_close()
            return
        if data:
            self.last_activity = time.time()
            self.received(data)
            return
        with self.requests_lock:
            self.input_ended = True
            if not self.requests:
                self.will_close = True  # nothing to answer: a plain hang-up

    def service(self):
        super().service()
        with self.requests_lock:
            if self.input_ended and not self.requests and not self.close_when_flushed:
                self.close_when_flushed = True  # all answered: now close
                self.server.pull_trigger()

    def overdue(self, now: float, read_timeout: float) -> bool:
        """A request began arriving more than ``read_timeout`` seconds ago and
        is still incomplete, while nothing else is being answered."""
        began = self.request_began
        return (
            began is not None
            and now - began > read_timeout
            and not self.requests
            and not self.will_close
            and not self.close_when_flushed
        )

    def time_out_request(self, read_timeout: float) -> None:
        """Answer a request that took too long to arrive with a 408, then close.
        Runs on the event loop's thread, while no task writes to this channel."""
        detail = ErrorDetail(
            "request_timeout",
            f"The request did not arrive within {read_timeout:g} seconds",
            "request",
        )
        reason, body = error_answer(408, (detail,))
        head = (
            f"HTTP/1.1 408 {reason}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode("latin-1")
        with self.outbuf_lock:
            self.outbufs[-1].append(head + body)
            self.total_outbufs_len += len(head) + len(body)
        with self.requests_lock:
            self.request = None
            self.request_began = None
            self.close_when_flushed = True
