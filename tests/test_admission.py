"""The gateway's order (CONTRACT.md section 2, SANDBOX.md "Limits that keep
one client from hurting the others"): authentication comes before a tenant
is created and before every limit; a tenant's injected waits take at most
half the workers; a 204 says no Content-Type."""

from __future__ import annotations

import contextlib
import socket
import time
from urllib.parse import urlsplit

import requests
from conftest import bearer

ANSWER_CEILING_S = 10


def list_page(root: str, token: str | None = "test-token") -> requests.Response:
    return requests.get(
        f"{root}/v2/debit_memos",
        params={"page_size": 1},
        headers=bearer(token) if token else {},
        timeout=ANSWER_CEILING_S,
    )


def issued_token(root: str) -> str:
    answer = requests.post(
        f"{root}/oauth/token",
        data={"client_id": "a" * 36, "client_secret": "b", "grant_type": "client_credentials"},
        timeout=ANSWER_CEILING_S,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def tenant_count(root: str) -> int:
    return requests.get(f"{root}/__mock/health", timeout=ANSWER_CEILING_S).json()["tenants"]


# -- authentication first ---------------------------------------------------------------


def test_bad_tokens_create_no_tenant_so_a_valid_token_still_gets_one(start_sandbox):
    root = start_sandbox(auth="strict", tenants="per-token", max_tenants=2)

    refused = [list_page(root, f"forged-{number}") for number in range(5)]
    answered = list_page(root, issued_token(root))

    assert {answer.status_code for answer in refused} == {401}
    assert refused[0].json() == {"type": "unauthorized", "errors": [], "retryable": False}
    assert answered.status_code == 200
    assert tenant_count(root) == 2  # the default one and the valid token's


def test_an_unknown_token_is_a_401_even_over_the_rate_limit(start_sandbox):
    root = start_sandbox(auth="strict", tokens=("ci-token",), rate_limit=1)
    assert list_page(root, "ci-token").status_code == 200
    assert list_page(root, "ci-token").status_code == 429

    refused = list_page(root, "unknown-token")

    assert refused.status_code == 401
    assert "Retry-After" not in refused.headers


def test_no_token_is_a_401_even_over_the_rate_limit(start_sandbox):
    root = start_sandbox(rate_limit=1)
    assert list_page(root).status_code == 200
    assert list_page(root).status_code == 429

    assert list_page(root, None).status_code == 401


def test_a_refused_token_is_journaled_by_an_existing_tenant(start_sandbox):
    root = start_sandbox(auth="strict")

    list_page(root, "unknown-token")

    entries = requests.get(f"{root}/__mock/requests", timeout=ANSWER_CEILING_S).json()["data"]
    assert [entry["status"] for entry in entries] == [401]


def test_the_token_endpoint_needs_no_bearer_token(start_sandbox):
    root = start_sandbox(auth="strict", rate_limit=1)

    assert issued_token(root)


# -- a 204 ------------------------------------------------------------------------------


def test_a_deleted_memo_answers_204_without_a_content_type(zuora_client, create_memo):
    memo = create_memo()
    assert zuora_client.post(f"/debit_memos/{memo['id']}/cancel").status_code == 200

    response = zuora_client.delete(f"/debit_memos/{memo['id']}")

    assert response.status_code == 204
    assert "Content-Type" not in response.headers
    assert response.content == b""


# -- the worker share -------------------------------------------------------------------


@contextlib.contextmanager
def held_requests(root: str, token: str, count: int):
    """``count`` requests that each ask for a ten-minute injected latency."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.create_connection(
                ("127.0.0.1", urlsplit(root).port), timeout=ANSWER_CEILING_S
            )
            sock.sendall(
                f"GET /v2/debit_memos HTTP/1.1\r\nHost: localhost\r\n"
                f"Authorization: Bearer {token}\r\nX-Mock-Fault: latency_ms=600000\r\n\r\n".encode()
            )
            sockets.append(sock)
        yield sockets
    finally:
        for sock in sockets:
            sock.close()


def first_line(sock: socket.socket) -> bytes:
    return sock.recv(4096).split(b"\r\n", 1)[0]


def test_a_tenant_holds_at_most_half_the_workers_and_gets_429s_past_that(start_sandbox):
    root = start_sandbox(threads=4, tenants="per-token")

    with held_requests(root, "greedy", 6) as sockets:
        time.sleep(0.5)  # let every request reach its wait or its refusal
        other = list_page(root, "patient")
        readable = [sock for sock in sockets if _has_data(sock)]
        answers = [first_line(sock) for sock in readable]
        refusal = requests.get(
            f"{root}/v2/debit_memos",
            headers={**bearer("greedy"), "X-Mock-Fault": "latency_ms=600000"},
            timeout=ANSWER_CEILING_S,
        )

    assert other.status_code == 200
    assert answers == [b"HTTP/1.1 429 Too Many Requests"] * 4  # two hold, four are refused
    assert refusal.status_code == 429
    assert refusal.headers["Retry-After"] == "1"
    assert refusal.json()["errors"][0]["code"] == "rate_limit_exceeded"
    assert "half" in refusal.json()["errors"][0]["message"]


def test_requests_without_injected_waits_are_not_counted_in_the_share(start_sandbox):
    root = start_sandbox(threads=4, tenants="per-token")

    with held_requests(root, "greedy", 2):
        time.sleep(0.3)
        answers = [list_page(root, "greedy") for _ in range(5)]

    assert [answer.status_code for answer in answers] == [200] * 5


def _has_data(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return bool(sock.recv(1, socket.MSG_PEEK))
    except BlockingIOError:
        return False
    finally:
        sock.setblocking(True)
        sock.settimeout(ANSWER_CEILING_S)
