"""The client connections, as waitress's channel serves them to a sandbox that
hostile clients share.

- A request must arrive whole within ``read_timeout`` seconds of its first
  byte; a client that trickles its headers (or its body) gets a 408 and is
  closed, however often it sends a byte (waitress's own channel timeout
  restarts with every byte, so alone it never ends such a client).
- A client that half-closes its side after sending a request still gets the
  answer (waitress would take the end of its input for a hang-up).
- A connection past ``--max-connections`` is not left in the listen queue
  (waitress stops accepting, so its client hangs until a slot frees): up to
  ``refused_at_once`` more are accepted, their request read and answered with
  a 503 and ``Retry-After``, then closed, on the event loop's thread, without
  a worker. One that sends no whole request within ``OVER_LIMIT_GRACE_S`` gets
  the same. Past those, clients wait in the queue for a few seconds at most.
- Errors waitress answers itself (a bad request line, headers over the
  limit, a body over the limit) carry Zuora's envelope, not plain text.
- The fault engine gets the connection (``environ["mockserver.connection"]``)
  to reset it, close it, push out what is buffered, or see that the client
  has gone; ``environ["mockserver.stopping"]`` is set when the server stops;
  ``environ["mockserver.headers"]`` holds the request's headers as waitress
  parsed them (``NAME: value``), for the journal to copy.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import time
from http import HTTPStatus

from waitress.channel import ClientDisconnected, HTTPChannel
from waitress.task import ErrorTask, WSGITask
from waitress.utilities import Error

from mockserver.domain.errors import (
    ConnectionLimitReached,
    HttpStatus,
    Internal,
    InvalidParameter,
    Kind,
    PayloadTooLarge,
    Problem,
    RequestTimeout,
    ZuoraError,
)
from mockserver.faces.face import ErrorRenderer

OVER_LIMIT_GRACE_S = 2.0  # for a connection past the limit to send its request
_HANGUP_EVENTS = select.POLLIN | select.POLLHUP | select.POLLERR | getattr(select, "POLLRDHUP", 0)


def waitress_error(error: Error, max_header_bytes: int, max_body_bytes: int) -> ZuoraError:
    """What one of waitress's own refusals is about, as the sandbox's error."""
    text = str(error.body).strip()
    if error.code == 400:
        return InvalidParameter("request", text)
    if error.code == 413:
        return PayloadTooLarge(f"The body is over {max_body_bytes} bytes")
    if error.code == 431:
        message = f"The request headers are over {max_header_bytes} bytes"
        return HttpStatus(431, Problem(Kind.INVALID_PARAMETER, "headers", message))
    if error.code == 501:
        return HttpStatus(501, Problem(Kind.INVALID_PARAMETER, "Transfer-Encoding", text))
    return Internal()


def status_line(status: int) -> str:
    return f"{status} {HTTPStatus(status).phrase}"


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
        environ["mockserver.headers"] = self.request.headers
        return environ


class _ErrorTask(ErrorTask):
    """waitress's answer to a request it could not take, in the face's envelope."""

    def execute(self):
        path = getattr(self.request, "path", None)  # None when the request line was bad
        errors: ErrorRenderer | None = self.channel.server.errors_for(path)
        if errors is None:  # a plain WSGI app: waitress's own text
            return super().execute()
        adj = self.channel.adj
        error = waitress_error(
            self.request.error, adj.max_request_header_size, adj.max_request_body_size
        )
        status, headers, body = errors.render(error)
        self.status = status_line(status)
        self.response_headers.extend(headers)
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class Channel(HTTPChannel):
    """waitress's channel with a deadline for a request to arrive and half-close kept."""

    task_class = _Task
    error_task_class = _ErrorTask
    input_ended = False  # the client sent its FIN: nothing more to read
    request_began: float | None = None  # when the first byte of the pending request came
    writing = False  # a worker is in write_soon

    def __init__(self, server, sock, addr, adj, map=None):
        # Past the limit: its one request is answered with a 503, here, not by a worker.
        self.over_limit = len(server.active_channels) >= server.policy.max_connections
        self.accepted = time.monotonic()
        super().__init__(server, sock, addr, adj, map)

    def received(self, data):
        if self.request is None:
            self.request_began = time.monotonic()
        if self.over_limit:
            return self._refuse(data)
        result = super().received(data)
        if self.request is None:
            self.request_began = None
        return result

    def _refuse(self, data) -> bool:
        """Read the request of a connection past the limit, then answer it with a 503."""
        with self.requests_lock:
            if self.will_close or self.close_when_flushed:
                return False
            if self.request is None:
                self.request = self.parser_class(self.adj)
            self.request.received(data)
            whole = self.request.completed
        if whole:
            self._answer_and_close(ConnectionLimitReached(self.server.policy.max_connections))
        return True

    def readable(self):
        return not self.input_ended and super().readable()

    def write_soon(self, data):
        self.writing = True
        try:
            return super().write_soon(data)
        finally:
            self.writing = False
            if self.total_outbufs_len:  # the socket took less: the loop sends the rest
                self.server.pull_trigger()

    def writable(self):
        """Not while a worker writes: it holds the buffer and sends what it writes
        itself. waitress's loop would poll the ready socket and fail to take the
        buffer, over and over (6 to 50 times a request, measured), holding the
        interpreter lock that the worker needs."""
        return not self.writing and super().writable()

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
        is still incomplete, while nothing else is being answered; past the
        limit, no whole request came within ``OVER_LIMIT_GRACE_S`` of the accept."""
        if self.will_close or self.close_when_flushed or self.requests:
            return False
        if self.over_limit:
            return now - self.accepted > OVER_LIMIT_GRACE_S
        began = self.request_began
        return began is not None and now - began > read_timeout

    def time_out_request(self, read_timeout: float) -> None:
        """Answer a request that took too long to arrive with a 408 (a 503 past
        the connection limit), then close."""
        if self.over_limit:
            self._answer_and_close(ConnectionLimitReached(self.server.policy.max_connections))
        else:
            self._answer_and_close(RequestTimeout(read_timeout))

    def _answer_and_close(self, error: ZuoraError) -> None:
        """Answer with ``error``, then close. Runs on the event loop's thread,
        while no task writes to this channel."""
        errors: ErrorRenderer | None = self.server.errors_for(getattr(self.request, "path", None))
        if errors is None:
            self.will_close = True
            return
        status, headers, body = errors.render(error)
        lines = [f"HTTP/1.1 {status_line(status)}"]
        lines += [f"{name}: {value}" for name, value in headers]
        lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
        answer = "\r\n".join(lines).encode("latin-1") + body
        with self.outbuf_lock:
            self.outbufs[-1].append(answer)
            self.total_outbufs_len += len(answer)
        with self.requests_lock:
            self.request = None
            self.request_began = None
            self.close_when_flushed = True
