"""Client connections (SANDBOX.md "Limits that keep one client from hurting
the others"): slow clients can't lock others out, a request that trickles in
gets a 408, a half-closed client gets its answer, and the errors waitress
answers itself are Zuora's envelope. Raw sockets on loopback, always closed."""

from __future__ import annotations

import contextlib
import http.client
import json
import select
import socket
import threading
from urllib.parse import urlsplit

import pytest
import requests
from conftest import bearer, memo_body

from mockserver.app import create_app
from mockserver.config import Config
from mockserver.server import start_in_thread

SLOW_CLIENTS = 300
ANSWER_CEILING_S = 10  # "answered at all", not a speed measure


def port_of(root: str) -> int:
    return urlsplit(root).port


@contextlib.contextmanager
def connections(port: int, count: int):
    sockets = []
    try:
        for _ in range(count):
            sockets.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        yield sockets
    finally:
        for sock in sockets:
            sock.close()


@contextlib.contextmanager
def trickling(sockets: list[socket.socket], interval_s: float = 0.2, max_rounds: int = 300):
    """Each socket sends the start of a request, then one header byte every
    ``interval_s``, until the block ends (or ``max_rounds`` have passed)."""
    for sock in sockets:
        sock.sendall(b"GET /v2/debit_memos HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
    stop = threading.Event()

    def trickle():
        for _ in range(max_rounds):
            for sock in sockets:
                with contextlib.suppress(OSError):
                    sock.send(b"a")
            if stop.wait(interval_s):
                return

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def answer_of(sock: socket.socket) -> tuple[int, dict, bytes]:
    response = http.client.HTTPResponse(sock)
    response.begin()
    body = response.read()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def raw_exchange(root: str, data: bytes) -> tuple[int, dict, bytes]:
    """Send ``data`` in pieces, stopping early once the server answers (it may
    answer an oversized request before reading all of it), then read the answer."""
    with socket.create_connection(("127.0.0.1", port_of(root)), timeout=10) as sock:
        for start in range(0, len(data), 16 * 1024):
            if select.select([sock], [], [], 0)[0]:
                break
            sock.sendall(data[start : start + 16 * 1024])
        return answer_of(sock)


def test_other_clients_are_answered_while_hundreds_of_clients_trickle_headers(start_sandbox):
    root = start_sandbox(threads=4)

    with connections(port_of(root), SLOW_CLIENTS) as slow, trickling(slow):
        answers = [
            requests.get(
                f"{root}/v2/debit_memos",
                params={"page_size": 1},
                headers=bearer(),
                timeout=ANSWER_CEILING_S,
            )
            for _ in range(5)
        ]

    assert [answer.status_code for answer in answers] == [200] * 5


def test_a_request_still_arriving_after_the_read_timeout_gets_a_408(start_sandbox):
    root = start_sandbox(read_timeout=1)

    with connections(port_of(root), 1) as (sock,), trickling([sock], interval_s=0.1):
        status, headers, body = answer_of(sock)

    assert status == 408
    assert headers["content-type"] == "application/json"
    assert headers["connection"] == "close"
    error = json.loads(body)
    assert error["type"] == "request_timeout"
    assert error["errors"][0]["code"] == "request_timeout"
    assert "1 seconds" in error["errors"][0]["message"]


def test_a_request_that_arrives_in_time_is_answered_after_idling(start_sandbox):
    root = start_sandbox(read_timeout=1)
    with requests.Session() as session:
        first = session.get(f"{root}/v2/debit_memos", headers=bearer(), timeout=10)
        threading.Event().wait(1.5)  # idle on a kept-alive connection: no request pending
        second = session.get(f"{root}/v2/debit_memos", headers=bearer(), timeout=10)

    assert (first.status_code, second.status_code) == (200, 200)


def test_a_half_closed_client_gets_the_answer_to_its_post(zuora_mock):
    body = json.dumps(memo_body()).encode()
    request = (
        b"POST /v2/debit_memos HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer t\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    root = zuora_mock.url.removesuffix("/v2")
    with socket.create_connection(("127.0.0.1", port_of(root)), timeout=10) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        status, _, answer = answer_of(sock)

    assert status == 201
    created = json.loads(answer)
    stored = requests.get(
        f"{zuora_mock.url}/debit_memos/{created['id']}", headers=bearer(), timeout=10
    )
    assert stored.json()["total"] == created["total"]


def test_a_client_that_hangs_up_without_a_request_is_closed(start_sandbox):
    root = start_sandbox()
    with socket.create_connection(("127.0.0.1", port_of(root)), timeout=10) as sock:
        sock.shutdown(socket.SHUT_WR)
        assert sock.recv(100) == b""


REQUEST_LINE = b"GET /v2/debit_memos HTTP/1.1\r\nHost: localhost\r\n"


@pytest.mark.parametrize(
    ("data", "status", "error_type", "parameter"),
    [
        (b"NONSENSE\r\n\r\n", 400, "bad_request", "request"),
        (REQUEST_LINE + b"Bad Header\r\n\r\n", 400, "bad_request", "request"),
        (REQUEST_LINE + b"Content-Length: abc\r\n\r\n", 400, "bad_request", "request"),
        (
            REQUEST_LINE + b"X-Big: " + b"a" * (300 * 1024) + b"\r\n\r\n",
            431,
            "request_header_fields_too_large",
            "headers",
        ),
        (
            b"POST /v2/debit_memos HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5000000\r\n\r\n",
            413,
            "payload_too_large",
            "body",
        ),
        (
            b"POST /v2/debit_memos HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip\r\n\r\n",
            501,
            "not_implemented",
            "Transfer-Encoding",
        ),
    ],
    ids=["request-line", "header-line", "content-length", "headers-too-large", "body", "te"],
)
def test_errors_the_server_answers_itself_are_zuoras_envelope(
    zuora_mock, data, status, error_type, parameter
):
    root = zuora_mock.url.removesuffix("/v2")

    answered, headers, body = raw_exchange(root, data)

    assert answered == status
    assert headers["content-type"] == "application/json"
    error = json.loads(body)
    assert error["type"] == error_type
    assert error["retryable"] is False
    assert error["errors"][0]["code"] == "invalid_parameter"
    assert error["errors"][0]["parameter"] == parameter
    assert error["errors"][0]["message"]


# -- past --max-connections -------------------------------------------------------------

LIMIT = 10  # the lowest --max-connections


def _get(root: str, path: str = "/v2/debit_memos") -> requests.Response:
    return requests.get(
        f"{root}{path}", params={"page_size": 1}, headers=bearer(), timeout=ANSWER_CEILING_S
    )


def _answered_once_freed(root: str) -> int:
    """The status of a request once the held connections are closed (their closing
    reaches the server's event loop a moment later: a bounded retry)."""
    status = None
    for _ in range(50):
        status = _get(root).status_code
        if status == 200:
            return status
        threading.Event().wait(0.1)
    return status


def test_a_client_past_the_connection_limit_gets_a_503_envelope_at_once(start_sandbox):
    root = start_sandbox(max_connections=LIMIT, threads=4)

    with connections(port_of(root), LIMIT):
        refused = _get(root)

    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "1"
    assert refused.headers["Connection"] == "close"
    assert refused.json() == {
        "type": "service_unavailable",
        "errors": [
            {
                "code": "connection_limit_reached",
                "message": "The sandbox serves at most 10 connections at once "
                "(--max-connections); retry shortly",
            }
        ],
        "retryable": True,
    }
    assert _answered_once_freed(root) == 200


def test_a_v1_client_past_the_limit_gets_v1s_envelope(start_sandbox):
    root = start_sandbox(max_connections=LIMIT, threads=4)

    with connections(port_of(root), LIMIT):
        refused = _get(root, "/v1/debit-memos")

    assert refused.status_code == 503
    document = refused.json()
    assert document["success"] is False
    assert "--max-connections" in document["reasons"][0]["message"]


def test_a_post_past_the_limit_creates_nothing(start_sandbox):
    root = start_sandbox(max_connections=LIMIT, threads=4)
    before = requests.get(f"{root}/__mock/state", timeout=ANSWER_CEILING_S).json()

    with connections(port_of(root), LIMIT):
        refused = requests.post(
            f"{root}/v2/debit_memos", json=memo_body(), headers=bearer(), timeout=ANSWER_CEILING_S
        )

    assert refused.status_code == 503
    assert _answered_once_freed(root) == 200
    assert requests.get(f"{root}/__mock/state", timeout=ANSWER_CEILING_S).json() == before


def test_many_clients_past_the_limit_are_each_answered_none_hangs(start_sandbox):
    root = start_sandbox(max_connections=LIMIT, threads=4)
    request = REQUEST_LINE + b"Authorization: Bearer t\r\n\r\n"

    with connections(port_of(root), LIMIT), connections(port_of(root), 60) as past:
        for sock in past:
            sock.settimeout(ANSWER_CEILING_S)
            sock.sendall(request)
        statuses = [answer_of(sock)[0] for sock in past]

    assert statuses == [503] * 60


def test_a_silent_connection_past_the_limit_is_answered_and_closed(start_sandbox):
    root = start_sandbox(max_connections=LIMIT, threads=4, read_timeout=1)

    with connections(port_of(root), LIMIT), connections(port_of(root), 1) as (silent,):
        silent.settimeout(ANSWER_CEILING_S)
        answer = silent.recv(4096)

    assert answer.startswith(b"HTTP/1.1 503 ")
    assert b"connection_limit_reached" in answer


def test_the_limit_counts_connections_not_requests(start_sandbox):
    root = start_sandbox(max_connections=LIMIT, threads=4)

    with connections(port_of(root), LIMIT - 1), requests.Session() as one_connection:
        answers = [
            one_connection.get(
                f"{root}/v2/debit_memos", headers=bearer(), timeout=ANSWER_CEILING_S
            ).status_code
            for _ in range(5)
        ]

    assert answers == [200] * 5


@pytest.fixture
def running_server():
    """A sandbox's server itself (not only its root), stopped after the test."""
    config = Config(port=0, log_requests=False)
    server = start_in_thread(create_app(config), port=0, threads=config.threads)
    try:
        yield server
    finally:
        server.stop()


def counting_loop_turns(server) -> list[int]:
    """A list whose length is the turns the event loop has taken since: it asks
    the listening socket whether it is readable once a turn."""
    turns: list[int] = []
    readable = server.server.readable

    def counted():
        turns.append(1)
        return readable()

    server.server.readable = counted
    return turns


def test_the_event_loop_waits_while_a_worker_writes_its_answer(running_server):
    """It wakes for a request and for its answer's end, not over and over while the
    worker sends (waitress alone polled the writable socket 6 to 50 times a request)."""
    root, requests_made = running_server.url, 200
    with requests.Session() as one_connection:
        memo_id = one_connection.get(
            f"{root}/v2/debit_memos?page_size=1", headers=bearer(), timeout=ANSWER_CEILING_S
        ).json()["data"][0]["id"]
        turns = counting_loop_turns(running_server)
        statuses = [
            one_connection.get(
                f"{root}/v2/debit_memos/{memo_id}", headers=bearer(), timeout=ANSWER_CEILING_S
            ).status_code
            for _ in range(requests_made)
        ]

    assert statuses == [200] * requests_made
    assert len(turns) <= 3 * requests_made


def test_an_answer_larger_than_the_socket_takes_reaches_a_slow_reader_whole(running_server):
    """What the worker's send leaves in the buffer, the event loop sends."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(ANSWER_CEILING_S)
        sock.connect(("127.0.0.1", running_server.port))
        authorization = bearer()["Authorization"]
        sock.sendall(
            b"GET /v2/debit_memos?page_size=99&expand[]=items HTTP/1.1\r\nHost: localhost\r\n"
            + f"Authorization: {authorization}\r\n\r\n".encode()
        )
        status, headers, body = answer_of(sock)

    assert status == 200
    assert len(body) == int(headers["content-length"]) > 256 * 1024
    assert json.loads(body)["data"]
