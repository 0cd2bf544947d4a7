"""A path cannot forge an access-log line; an idempotency key binds the query string too."""

from __future__ import annotations

import io
from urllib.parse import unquote

import pytest
from conftest import memo_body

from mockserver.edge.access_log import AccessLog


def logged(method: str, path: str, query: str = "", tenant: str = "default") -> list[str]:
    stream = io.StringIO()
    log = AccessLog(stream)
    log.record(method, path, query, 200, 1.5, tenant)
    log.close()
    return stream.getvalue().splitlines()


@pytest.mark.parametrize(
    "path",
    [
        unquote("/v2/debit_memos%0a2026-01-01 00:00:00,000 mockserver.access GET /forged 200 1ms"),
        "/v2/x\r\nforged",
        "/v2/x\x1b[31mred",
        "/v2/x\x85next",
        "/v2/x\u2028next",
    ],
)
def test_a_control_character_in_a_path_writes_no_line_of_its_own(path):
    lines = logged("GET", path)

    assert len(lines) == 1
    assert lines[0].isprintable()
    assert " 200 1.5ms tenant=default" in lines[0]


def test_the_line_keeps_method_path_query_status_time_and_tenant():
    [line] = logged("POST", "/v2/debit_memos", "page_size=5")

    assert line.endswith(
        " mockserver.access POST /v2/debit_memos?page_size=5 200 1.5ms tenant=default"
    )


def test_a_per_token_tenant_is_masked_like_the_journal_masks_its_token():
    [line] = logged("GET", "/v2/debit_memos", "page_size=5", "ci-secret-token-4242")

    assert line.endswith(" 200 1.5ms tenant=****4242")
    assert "secret" not in line


def test_a_short_tenant_key_is_masked_whole():
    [line] = logged("GET", "/v2/debit_memos", "", "ci-42")

    assert line.endswith(" tenant=****")


def test_the_tenant_a_control_plane_query_names_is_masked_too():
    query = "limit=1&tenant=ci-secret-token-4242&tenant=default;tenant=evil-token-0007"
    [line] = logged("GET", "/__mock/requests", query, "ci-secret-token-4242")

    assert "/__mock/requests?limit=1&tenant=****4242&tenant=default;tenant=****0007 " in line
    assert "secret" not in line
    assert "evil" not in line


def test_a_query_and_a_tenant_are_escaped_too():
    [line] = logged("GET", "/v2/debit_memos", "a=\n&tenant=x\n", "evil\n")

    assert "a=\\n&tenant=**** " in line
    assert line.endswith("tenant=****")


def test_an_idempotency_key_reused_with_another_query_is_a_422(zuora_client, zuora_mock):
    headers = {"Idempotency-Key": "query-bound"}
    first = zuora_client.post("/debit_memos", json=memo_body(), headers=headers)
    again = zuora_client.post("/debit_memos", json=memo_body(), headers=headers)
    other = zuora_client.post("/debit_memos?fields[]=id", json=memo_body(), headers=headers)

    assert first.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert other.status_code == 422, other.text
    assert other.json()["errors"][0]["code"] == "idempotency_key_reused"
