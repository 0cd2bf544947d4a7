"""The journal keeps what a client sent and what it got: headers (secrets
redacted) and bodies, each cut at 64 KiB with a flag saying so."""

from __future__ import annotations

import gzip
import json

import pytest
import requests
from conftest import bearer, memo_body

from mockserver import verify


def journal(root: str, **filters) -> list[dict]:
    answer = requests.get(f"{root}/__mock/requests", params=filters, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def test_an_entry_keeps_the_request_and_the_response(zuora_mock, zuora_client):
    zuora_client.headers["Authorization"] = "Bearer my-secret-token-4242"
    created = zuora_client.post(
        "/debit_memos", json=memo_body(description="kept"), headers={"Idempotency-Key": "k-1"}
    )
    (entry,) = zuora_mock.requests()
    sent = entry["request"]
    assert sent["headers"]["Authorization"] == "Bearer ****4242"
    assert "my-secret-token" not in json.dumps(entry)
    assert sent["headers"]["Idempotency-Key"] == "k-1"
    assert sent["headers"]["Content-Type"] == "application/json"
    assert json.loads(sent["body"]) == memo_body(description="kept")
    assert sent["body_bytes"] == len(created.request.body)
    assert sent["body_truncated"] is False
    answered = entry["response"]
    assert answered["status"] == 201
    assert answered["headers"]["Zuora-Request-Id"] == created.headers["Zuora-Request-Id"]
    assert json.loads(answered["body"]) == created.json()
    assert answered["body_truncated"] is False


def test_a_gzipped_answer_is_kept_as_the_json_it_was(zuora_mock, zuora_client):
    raw = zuora_client.get("/debit_memos", headers={"Accept-Encoding": "gzip"}, stream=True)
    sent_bytes = raw.raw.read()
    assert raw.headers["Content-Encoding"] == "gzip"
    (entry,) = zuora_mock.requests()
    assert entry["response"]["headers"]["Content-Encoding"] == "gzip"
    assert json.loads(entry["response"]["body"]) == json.loads(gzip.decompress(sent_bytes))


def test_a_body_over_64_kib_is_cut_with_a_flag(zuora_mock, zuora_client):
    big = json.dumps(memo_body(description="é" * 50_000))  # 100,000 bytes of UTF-8 text
    zuora_client.post("/debit_memos", data=big, headers={"Content-Type": "application/json"})
    zuora_client.get("/debit_memos", params={"page_size": 99})
    posted, listed = zuora_mock.requests()
    assert posted["request"]["body_bytes"] == len(big.encode())
    assert posted["request"]["body_truncated"] is True
    assert big.startswith(posted["request"]["body"])
    assert 65_536 - 2 <= len(posted["request"]["body"].encode()) <= 65_536
    assert listed["response"]["body_bytes"] > 65_536
    assert listed["response"]["body_truncated"] is True
    assert len(listed["response"]["body"].encode()) == 65_536


def test_a_fault_s_answer_is_what_is_kept(zuora_mock, zuora_client):
    with zuora_mock.fault(id="outage", operation="getDebitMemoes", status=503):
        faulted = zuora_client.get("/debit_memos")
    (entry,) = zuora_mock.requests()
    assert entry["fault"] == "outage"
    assert entry["response"]["status"] == 503
    assert json.loads(entry["response"]["body"]) == faulted.json()
    assert entry["response"]["headers"]["X-Mock-Fault"] == "outage"


def test_a_refused_request_is_kept_with_its_envelope(zuora_mock, zuora_client):
    refused = zuora_client.post(
        "/debit_memos", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    (entry,) = zuora_mock.requests()
    assert entry["request"]["body"] == "{not json"
    assert entry["response"]["status"] == refused.status_code == 400
    assert json.loads(entry["response"]["body"]) == refused.json()


def test_a_body_that_is_not_text_is_kept_as_base64(zuora_mock, zuora_client):
    zuora_client.post(
        "/debit_memos", data=gzip.compress(b"{}"), headers={"Content-Type": "application/json"}
    )
    (entry,) = zuora_mock.requests()
    assert entry["request"]["body_encoding"] == "base64"


def test_the_journal_filters_on_body_header_and_seq(zuora_mock, zuora_client, create_memo):
    create_memo(description="first")
    create_memo(description="second")
    zuora_client.get("/debit_memos", headers={"Zuora-Track-Id": "trace-7"})
    assert [
        json.loads(e["request"]["body"])["description"]
        for e in zuora_mock.requests(body='"second"')
    ] == ["second"]
    assert [e["path"] for e in zuora_mock.requests(header="Zuora-Track-Id:trace-7")] == [
        "/v2/debit_memos"
    ]
    assert len(zuora_mock.requests(header="Zuora-Track-Id")) == 1
    assert zuora_mock.requests(header="Zuora-Track-Id:other") == []
    first = zuora_mock.requests()[0]["seq"]
    assert [e["method"] for e in zuora_mock.requests(after=first)] == ["POST", "GET"]


def test_the_journal_is_bounded_by_count(start_sandbox):
    root = start_sandbox(journal_size=3)
    for page_size in range(1, 6):
        requests.get(
            f"{root}/v2/debit_memos", params={"page_size": page_size}, headers=bearer(), timeout=10
        )
    assert [e["query"] for e in journal(root)] == ["page_size=3", "page_size=4", "page_size=5"]


def test_assert_called_returns_the_matching_calls(zuora_mock, create_memo):
    create_memo(description="a")
    create_memo(description="b")
    assert len(zuora_mock.assert_called("createDebitMemo", times=2)) == 2
    (only,) = zuora_mock.assert_called("createDebitMemo", body={"description": "b"})
    assert json.loads(only["request"]["body"])["description"] == "b"
    zuora_mock.assert_called("createDebitMemo", times=None, body='"account_number": "A00000001"')


def test_assert_called_says_what_was_called_instead(zuora_mock, zuora_client, create_memo):
    create_memo(description="a")
    zuora_client.get("/debit_memos", params={"page_size": 2})
    with pytest.raises(AssertionError) as failed:
        zuora_mock.assert_called("createDebitMemo", times=1, body={"description": "z"})
    message = str(failed.value)
    assert message.startswith(
        'expected createDebitMemo 1 time with a body containing {"description": "z"}; '
        "it was called 0 times like that (1 time in all)."
    )
    assert "The journal's last 2 of 2 requests:" in message
    assert "POST /v2/debit_memos -> 201 createDebitMemo body={" in message
    assert "GET /v2/debit_memos?page_size=2 -> 200 getDebitMemoes" in message


def test_assert_called_on_an_empty_journal_says_so(zuora_mock):
    with pytest.raises(AssertionError, match="The journal is empty"):
        zuora_mock.assert_called("payDebitMemo")


@pytest.mark.parametrize(
    ("actual", "expected", "holds"),
    [
        ({"a": 1, "b": {"c": 2, "d": 3}}, {"b": {"c": 2}}, True),
        ({"a": 1}, {"a": 2}, False),
        ({"a": [{"x": 1, "y": 2}]}, {"a": [{"x": 1}]}, True),
        ({"a": [1, 2]}, {"a": [1]}, False),
        ([1], {"a": 1}, False),
        ("text", "text", True),
    ],
)
def test_contains_is_part_of(actual, expected, holds):
    assert verify.contains(actual, expected) is holds


def test_the_journal_is_bounded_by_bytes_with_bodies_kept(start_sandbox):
    root = start_sandbox(journal_bytes=256 * 1024, journal_size=1000)
    body = json.dumps(memo_body(description="x" * 60_000))
    for _ in range(20):
        requests.post(f"{root}/v2/debit_memos", data=body, timeout=10,
                      headers={**bearer(), "Content-Type": "application/json"})  # fmt: skip
    entries = journal(root)
    assert 2 <= len(entries) < 20
    kept = sum(len(e["request"]["body"]) + len(e["response"]["body"]) for e in entries)
    assert kept <= 256 * 1024
