"""Zuora's protocol: auth, response headers, gzip both ways."""

from __future__ import annotations

import gzip
import json
import uuid

import pytest
import requests
from conftest import bearer, memo_body


def test_every_v2_response_has_a_fresh_request_id(zuora_client):
    ids = set()
    for path in ["/debit_memos", "/debit_memos/DM00000001", "/nowhere", "/debit_memos/none"]:
        response = zuora_client.get(path)
        ids.add(str(uuid.UUID(response.headers["Zuora-Request-Id"])))
    assert len(ids) == 4


def test_track_id_is_echoed(zuora_client):
    response = zuora_client.get("/debit_memos/DM00000001", headers={"Zuora-Track-Id": "trace-42"})
    assert response.headers["Zuora-Track-Id"] == "trace-42"


@pytest.mark.parametrize("track", ["a:b", "a;b", 'a"b', "a'b", "x" * 65, "caf\u00e9"])
def test_bad_track_id_is_400(zuora_mock, track):
    response = requests.get(
        f"{zuora_mock.url}/debit_memos",
        headers={**bearer(), "Zuora-Track-Id": track.encode("utf-8")},
        timeout=5,
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "Zuora-Track-Id"


def test_rate_limit_headers_in_zuora_format(zuora_client):
    headers = zuora_client.get("/debit_memos").headers
    assert headers["ratelimit-limit"] == "2500, 2500;w=60"
    assert int(headers["ratelimit-remaining"]) >= 0
    assert 1 <= int(headers["ratelimit-reset"]) <= 60


def test_json_content_type_and_empty_204(zuora_client, create_memo):
    assert zuora_client.get("/debit_memos").headers["Content-Type"] == "application/json"
    memo = create_memo()
    zuora_client.post(f"/debit_memos/{memo['id']}/cancel")
    deleted = zuora_client.delete(f"/debit_memos/{memo['id']}")
    assert deleted.status_code == 204
    assert deleted.content == b""


@pytest.mark.parametrize("header", [None, "", "Basic dXNlcjpwYXNz", "Bearer", "Bearer   "])
def test_missing_or_malformed_token_is_401(zuora_mock, header):
    headers = {} if header is None else {"Authorization": header}
    response = requests.get(f"{zuora_mock.url}/debit_memos", headers=headers, timeout=5)
    assert response.status_code == 401
    assert response.json() == {"type": "unauthorized", "errors": [], "retryable": False}


def test_oauth_token_in_zuora_shape(zuora_mock):
    response = requests.post(
        f"{zuora_mock.root}/oauth/token",
        data={"client_id": "id", "client_secret": "secret", "grant_type": "client_credentials"},
        timeout=5,
    )
    assert response.status_code == 200
    token = response.json()
    assert set(token) == {"access_token", "token_type", "expires_in", "scope", "jti"}
    assert token["token_type"] == "bearer"
    assert token["expires_in"] > 0
    listed = requests.get(
        f"{zuora_mock.url}/debit_memos", headers=bearer(token["access_token"]), timeout=5
    )
    assert listed.status_code == 200


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"client_id": "id", "client_secret": "s"},
        {"client_id": "id", "client_secret": "s", "grant_type": "password"},
    ],
)
def test_oauth_token_needs_client_credentials(zuora_mock, form):
    response = requests.post(f"{zuora_mock.root}/oauth/token", data=form, timeout=5)
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] in ("client_id", "client_secret", "grant_type")


def test_strict_auth_accepts_only_issued_or_configured_tokens(start_sandbox):
    root = start_sandbox(auth="strict", tokens=("ci-token",), token_ttl=60)
    url = f"{root}/v2/debit_memos"
    assert requests.get(url, headers=bearer("made-up"), timeout=5).status_code == 401
    assert requests.get(url, headers=bearer("ci-token"), timeout=5).status_code == 200
    issued = requests.post(
        f"{root}/oauth/token",
        data={"client_id": "a" * 36, "client_secret": "b", "grant_type": "client_credentials"},
        timeout=5,
    ).json()["access_token"]
    assert requests.get(url, headers=bearer(issued), timeout=5).status_code == 200


def test_gzip_response_when_asked_and_over_1000_bytes(zuora_client):
    big = zuora_client.get("/debit_memos", headers={"Accept-Encoding": "gzip"}, stream=True)
    assert big.headers["Content-Encoding"] == "gzip"
    raw = big.raw.read(decode_content=False)
    assert json.loads(gzip.decompress(raw))["data"]
    small = zuora_client.get(
        "/debit_memos",
        params={"fields[]": "id", "page_size": 1},
        headers={"Accept-Encoding": "gzip"},
    )
    assert "Content-Encoding" not in small.headers
    plain = zuora_client.get("/debit_memos", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers


def test_gzipped_request_body_is_accepted(zuora_client):
    body = gzip.compress(json.dumps(memo_body(description="zipped")).encode())
    response = zuora_client.post(
        "/debit_memos",
        data=body,
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["description"] == "zipped"


@pytest.mark.parametrize(
    ("encoding", "body", "status"),
    [
        ("gzip", b"not gzip at all", 400),
        ("gzip", gzip.compress(b'{"a":', mtime=0)[:-8], 400),
        ("br", b"{}", 415),
    ],
)
def test_bad_request_encoding(zuora_client, encoding, body, status):
    response = zuora_client.post(
        "/debit_memos",
        data=body,
        headers={"Content-Type": "application/json", "Content-Encoding": encoding},
    )
    assert response.status_code == status
    assert response.json()["errors"][0]["parameter"] in ("body", "Content-Encoding")


def test_async_header_is_accepted_and_checked(zuora_client):
    assert zuora_client.get("/debit_memos", headers={"async": "true"}).status_code == 200
    response = zuora_client.get("/debit_memos", headers={"async": "maybe"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "async"


def test_empty_filter_sort_and_cursor_values_are_ignored(zuora_client):
    plain = zuora_client.get("/debit_memos").json()
    empty = zuora_client.get("/debit_memos", params={"filter[]": "", "sort[]": "", "cursor": ""})
    assert empty.status_code == 200
    assert empty.json() == plain
