"""Serving the app with waitress, a production WSGI server: in the foreground
as the CLI and the container run it, or in a background thread for tests and
the pytest plugin. Both are the same server, so faults behave the same.

waitress was chosen on measurements (see bench/): one process keeps one
consistent in-memory store, and its thread pool lets a slow (faulted)
request wait without holding up the others. How its connections are served
(deadlines, half-close, errors, what faults may do to them) is
``mockserver.connections``; the limits on them are ``ConnectionPolicy``.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import resource
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from waitress.adjustments import Adjustments
from waitress.server import TcpWSGIServer

from mockserver.config import Config
from mockserver.connections import Channel
from mockserver.faces.face import ErrorRenderer
from mockserver.heap import limit_malloc_arenas

log = logging.getLogger("mockserver")
LISTEN_BACKLOG = 1024  # connections the kernel queues until a server takes them


@dataclass(frozen=True)
class ConnectionPolicy:
    """Limits on client connections, so slow or many clients can't lock others out.

    Measured (tests/test_connections.py, bench/): with waitress's defaults, a
    little over 100 connections trickling header bytes took every connection
    slot, and each byte restarted the channel timeout. Here the slots are many
    (polled, not selected, so past 1,024 descriptors) and a request that is not
    whole ``read_timeout`` seconds after its first byte is answered with a 408.
    """

    max_connections: int = 1000
    read_timeout: float = 30.0  # seconds for a request to arrive, from its first byte
    idle_timeout: int = 120  # seconds a kept-alive connection may wait for its next request
    max_header_bytes: int = 256 * 1024
    max_body_bytes: int = 1024 * 1024

    @property
    def refused_at_once(self) -> int:
        """Connections past ``max_connections`` accepted at once only to be answered
        with a 503 (``connections``); clients past these wait in the listen queue."""
        return max(16, self.max_connections // 10)

    @property
    def sweep_interval_s(self) -> int:
        """How often overdue and idle connections are looked for."""
        return max(1, min(30, int(self.read_timeout // 4)))


def connection_policy(config: Config) -> ConnectionPolicy:
    return ConnectionPolicy(
        max_connections=config.max_connections, read_timeout=config.read_timeout
    )


class CannotListen(Exception):
    """The server can't take its address: one line that says why."""


class _Server(TcpWSGIServer):
    channel_class = Channel

    def __init__(self, app, *args, policy: ConnectionPolicy, **kwargs):
        self.stopping = threading.Event()
        self.policy = policy
        sandbox = getattr(app, "extensions", {}).get("mockserver")
        self._faces = sandbox.faces if sandbox is not None else None
        super().__init__(app, *args, **kwargs)

    def errors_for(self, path: str | None) -> ErrorRenderer | None:
        """How the face that owns ``path`` answers errors, for the errors waitress
        answers itself; None for a plain WSGI app (bench's bare Flask)."""
        if self._faces is None:
            return None
        return self._faces.errors_for(path or "")

    def maintenance(self, now):
        """waitress's sweep of idle connections, plus requests that arrive too slowly."""
        super().maintenance(now)
        read_timeout = self.policy.read_timeout
        clock = time.monotonic()
        for channel in list(self.active_channels.values()):
            if channel.overdue(clock, read_timeout):
                channel.time_out_request(read_timeout)


def make_server(
    app,
    host: str,
    port: int,
    threads: int,
    policy: ConnectionPolicy | None = None,
    listener: socket.socket | None = None,
) -> _Server:
    """A server on ``host:port``, or on ``listener``, a socket that listens already
    (one that several server processes share: ``mockserver.workers``)."""
    policy = policy or ConnectionPolicy()
    _allow_descriptors(policy.max_connections + policy.refused_at_once + threads + 64)
    limit_malloc_arenas()  # before the worker threads start
    with _listen_errors(host, port):
        adjustments = _adjustments(host, port, threads, policy)
        if listener is not None:
            return _Server(app, _sock=listener, bind_socket=False, adj=adjustments, policy=policy)
        return _Server(app, adj=adjustments, policy=policy)


def listeners(host: str, port: int, count: int) -> list[socket.socket]:
    """``count`` sockets listening on one port (``SO_REUSEPORT``): the kernel spreads the
    connections over them. The port is first bound alone, so one another server holds
    is refused as ``listen`` refuses it, where it would be shared with that server."""
    alone = listen(host, port)
    host, port = alone.getsockname()[:2]
    alone.close()
    return [listen(host, port, reuse_port=True) for _ in range(count)]


def listen(
    host: str, port: int, backlog: int = LISTEN_BACKLOG, reuse_port: bool = False
) -> socket.socket:
    """A socket listening on ``host:port``; with ``reuse_port``, one of several on it."""
    with _listen_errors(host, port):
        try:
            family, kind, proto, _, address = socket.getaddrinfo(
                host, port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_PASSIVE
            )[0]
        except socket.gaierror:
            raise ValueError(host) from None
        listener = socket.socket(family, kind, proto)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if reuse_port:
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            listener.bind(address)
            listener.listen(backlog)
        except OSError:
            listener.close()
            raise
        return listener


@contextlib.contextmanager
def _listen_errors(host: str, port: int) -> Iterator[None]:
    """What keeps the server from its address, as one line."""
    try:
        yield
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


def _adjustments(host: str, port: int, threads: int, policy: ConnectionPolicy) -> Adjustments:
    return Adjustments(
        host=host,
        port=port,
        threads=threads,
        # the listening socket and the wake-up pipe are in waitress's count too
        connection_limit=policy.max_connections + policy.refused_at_once + 2,
        channel_timeout=policy.idle_timeout,
        cleanup_interval=policy.sweep_interval_s,
        max_request_header_size=policy.max_header_bytes,
        max_request_body_size=policy.max_body_bytes,
        backlog=LISTEN_BACKLOG,
        asyncore_use_poll=True,
        # Read ahead one request, so a client that hangs up during an injected
        # wait is noticed (Connection.gone).
        channel_request_lookahead=1,
        ident="mockserver",
    )


def _allow_descriptors(needed: int) -> None:
    """Raise the process's soft limit on open files towards ``needed`` (up to the
    hard limit), so the connection limit is reached before the descriptor limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


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
        if not server.trigger._closed:  # else the loop has ended and closed every socket
            # OSError: the loop closed its wake-up pipe since the check: it is ending already
            with contextlib.suppress(OSError):
                server.trigger.pull_trigger(lambda: _close_all(server))
        self.thread.join(timeout)


def _close_all(server: _Server) -> None:
    for dispatcher in list(server._map.values()):
        dispatcher.close()


def start_in_thread(
    app,
    host: str = "127.0.0.1",
    port: int = 0,
    threads: int = 16,
    policy: ConnectionPolicy | None = None,
) -> RunningServer:
    server = make_server(app, host, port, threads, policy)
    thread = threading.Thread(target=server.run, name="mockserver", daemon=True)
    thread.start()
    return RunningServer(server, thread)


def serve_forever(
    app,
    host: str,
    port: int,
    threads: int,
    policy: ConnectionPolicy | None = None,
    announce: Callable[[str], None] | None = None,
    listener: socket.socket | None = None,
) -> None:
    """Serve until SIGINT or SIGTERM, then stop cleanly; ``announce(url)`` once listening.
    Raises ``CannotListen`` when the address can't be had."""
    server = make_server(app, host, port, threads, policy, listener)

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
