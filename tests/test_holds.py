"""Injected waits hold a worker thread, so they are bounded (SANDBOX.md
"Limits that keep one client from hurting the others"): they end when the
client hangs up, never outlast the gateway timeout (or ``--max-hold`` when it
is off), a ``slow_body`` ends at the same deadline, and one tenant holds at
most half the workers. Raw sockets on loopback, always closed."""

from __future__ import annotations

import contextlib
import http.client
import socket
import time
from urllib.parse import urlsplit

import pytest
import requests
from conftest import bearer

ANSWER_CEILING_S = 10  # "answered at all", not a speed measure
TEN_MINUTES_MS = 600_000


def send_held(root: str, token: str, fault: str) -> socket.socket:
    """Send a request carrying ``X-Mock-Fault: fault``; the caller reads or hangs up."""
    sock = socket.create_connection(("127.0.0.1", urlsplit(root).port), timeout=ANSWER_CEILING_S)
    sock.sendall(
        f"GET /v2/debit_memos?page_size=1 HTTP/1.1\r\nHost: localhost\r\n"
        f"Authorization: Bearer {token}\r\nX-Mock-Fault: {fault}\r\n\r\n".encode()
    )
    return sock


@contextlib.contextmanager
def held_requests(root: str, token: str, fault: str, count: int):
    sockets = []
    try:
        for _ in range(count):
            sockets.append(send_held(root, token, fault))
        yield sockets
    finally:
        for sock in sockets:
            sock.close()


def journal(root: str, tenant: str) -> list[dict]:
    answer = requests.get(f"{root}/__mock/requests", params={"tenant": tenant}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def wait_for_entries(root: str, tenant: str, count: int) -> list[dict]:
    """The tenant's journal once it has ``count`` entries (requests are journaled when
    they end), polled for at most ``ANSWER_CEILING_S``."""
    for _ in range(ANSWER_CEILING_S * 10):
        entries = journal(root, tenant)
        if len(entries) >= count:
            return entries
        time.sleep(0.1)
    raise AssertionError(f"{tenant} has {len(entries)} journal entries, not {count}")


def list_page(root: str, token: str) -> requests.Response:
    return requests.get(
        f"{root}/v2/debit_memos",
        params={"page_size": 1},
        headers=bearer(token),
        timeout=ANSWER_CEILING_S,
    )


# -- hanging up ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [f"latency_ms={TEN_MINUTES_MS}", "action=timeout", "action=slow_body,bytes_per_s=1"],
    ids=["latency", "timeout", "slow_body"],
)
def test_an_injected_wait_ends_when_the_client_hangs_up(start_sandbox, fault):
    root = start_sandbox(tenants="per-token", gateway_timeout=0)
    with held_requests(root, "alice", fault, 2):
        time.sleep(0.3)  # let both requests reach their wait

    entries = wait_for_entries(root, "alice", 2)

    assert all(entry["fault"] == "header" for entry in entries)


def test_other_tenants_are_answered_while_one_holds_many_waits_and_hangs_up(start_sandbox):
    root = start_sandbox(threads=4, tenants="per-token")
    for _ in range(3):
        with held_requests(root, "greedy", f"latency_ms={TEN_MINUTES_MS}", 8):
            time.sleep(0.2)

    answers = [list_page(root, "patient") for _ in range(5)]

    assert [answer.status_code for answer in answers] == [200] * 5


# -- deadlines ----------------------------------------------------------------------------


def read_answer(sock: socket.socket) -> tuple[int, bytes]:
    response = http.client.HTTPResponse(sock)
    response.begin()
    try:
        return response.status, response.read()
    except http.client.IncompleteRead as cut:
        return response.status, cut.partial


def test_with_the_gateway_timeout_off_max_hold_ends_an_injected_latency(start_sandbox):
    root = start_sandbox(gateway_timeout=0, max_hold=0.5)
    headers = {**bearer(), "X-Mock-Fault": f"latency_ms={TEN_MINUTES_MS}"}

    response = requests.get(f"{root}/v2/debit_memos", headers=headers, timeout=ANSWER_CEILING_S)

    assert response.status_code == 504
    assert response.json()["type"] == "gateway_timeout"


def test_with_the_gateway_timeout_off_max_hold_ends_a_timeout(start_sandbox):
    root = start_sandbox(gateway_timeout=0, max_hold=0.5)
    headers = {**bearer(), "X-Mock-Fault": "action=timeout"}

    response = requests.get(f"{root}/v2/debit_memos", headers=headers, timeout=ANSWER_CEILING_S)

    assert response.status_code == 504


@pytest.mark.parametrize(
    "limits", [{"gateway_timeout": 0.5}, {"gateway_timeout": 0, "max_hold": 0.5}]
)
def test_a_slow_body_is_cut_off_at_the_deadline(start_sandbox, limits):
    root = start_sandbox(**limits)

    with contextlib.closing(send_held(root, "t", "action=slow_body,bytes_per_s=10")) as sock:
        status, body = read_answer(sock)

    assert status == 200
    assert 0 < len(body) < 100  # of a list page of over a thousand bytes


def test_a_slow_body_that_ends_in_time_is_whole(start_sandbox):
    root = start_sandbox(gateway_timeout=5)
    headers = {**bearer(), "X-Mock-Fault": "action=slow_body,bytes_per_s=20000"}

    response = requests.get(f"{root}/v2/debit_memos", headers=headers, timeout=ANSWER_CEILING_S)

    assert response.status_code == 200
    assert len(response.json()["data"]) > 0
