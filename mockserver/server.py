"""Serving the app with waitress, a production WSGI server: in the foreground
as the CLI and the container run it, or in a background thread for tests and
the pytest plugin. Both are the same server, so faults behave the same.

waitress was chosen on measurements (see bench/): one process keeps one
consistent in-memory store, and its thread pool lets a slow (faulted)
request wait without holding up the others. It also lets the fault engine
act on the connection itself: ``environ["mockserver.connection"]`` can reset
it, close it without a byte, or push out what is buffered (for a body that
trickles); and ``environ["mockserver.stopping"]`` is set when the server
stops, so injected waits end at once.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import signal
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass

from waitress.adjustments import Adjustments
from waitress.channel import ClientDisconnected, HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import WSGITask

log = logging.getLogger("mockserver")


class Connection:
    """The client's TCP connection, for faults that break it on purpose."""

    def __init__(self, channel: HTTPChannel):
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
            if not channel.connected:
                raise ClientDisconnected("the client has gone")
            channel._flush_exception(channel._flush_some, do_close=False)


class _Task(WSGITask):
    def get_environment(self):
        environ = super().get_environment()
        environ["mockserver.connection"] = Connection(self.channel)
        environ["mockserver.stopping"] = self.channel.server.stopping
        return environ


class _Channel(HTTPChannel):
    task_class = _Task


class _Server(TcpWSGIServer):
    channel_class = _Channel

    def __init__(self, *args, **kwargs):
        self.stopping = threading.Event()
        super().__init__(*args, **kwargs)


class CannotListen(Exception):
    """The server can't take its address: one line that says why."""


def make_server(app, host: str, port: int, threads: int) -> _Server:
    try:
        return _Server(app, adj=_adjustments(host, port, threads))
    except ValueError:  # waitress: the host is no address, nor a name it can resolve
        raise CannotListen(
            f"--host {host!r} is not an address or a host name of this machine"
        ) from None
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise CannotListen(
                f"port {port} on {host} is in use: stop what listens there, or pick another --port"
            ) from None
        raise CannotListen(f"cannot listen on {host}:{port}: {error.strerror or error}") from None


def _adjustments(host: str, port: int, threads: int) -> Adjustments:
    return Adjustments(
        host=host,
        port=port,
        threads=threads,
        connection_limit=max(100, threads * 4),
        channel_timeout=120,
        # Read ahead one request, so a client that hangs up during an injected
        # timeout is noticed (environ["waitress.client_disconnected"]).
        channel_request_lookahead=1,
        ident="mockserver",
    )


@dataclass
class RunningServer:
    """A server on a background thread; ``url`` is its root."""

    server: _Server
    thread: threading.Thread

    @property
    def port(self) -> int:
        return int(self.server.effective_port)

    @property
    def url(self) -> str:
        host = self.server.effective_host
        return f"http://{host}:{self.port}"

    def stop(self, timeout: float = 5) -> None:
        """Stop: injected waits end, the workers finish their requests while the
        event loop still runs, then the loop closes every socket and ends. (Closing
        first would leave workers writing to the loop's closed wake-up pipe, whose
        descriptor a newer server may have been given.)"""
        server = self.server
        server.stopping.set()
        server.task_dispatcher.shutdown(timeout=timeout)
        server.trigger.pull_trigger(lambda: _close_all(server))
        self.thread.join(timeout)


def _close_all(server: _Server) -> None:
    for dispatcher in list(server._map.values()):
        dispatcher.close()


def start_in_thread(
    app, host: str = "127.0.0.1", port: int = 0, threads: int = 16
) -> RunningServer:
    server = make_server(app, host, port, threads)
    thread = threading.Thread(target=server.run, name="mockserver", daemon=True)
    thread.start()
    return RunningServer(server, thread)


def serve_forever(
    app, host: str, port: int, threads: int, announce: Callable[[str], None] | None = None
) -> None:
    """Serve until SIGINT or SIGTERM, then stop cleanly; ``announce(url)`` once listening.
    Raises ``CannotListen`` when the address can't be had."""
    server = make_server(app, host, port, threads)

    def stop(signum, frame):
        server.stopping.set()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    url = f"http://{server.effective_host}:{server.effective_port}"
    if announce is None:
        log.info("listening on %s (threads=%d)", url, threads)
    else:
        announce(url)
    server.run()
    log.info("stopped")
