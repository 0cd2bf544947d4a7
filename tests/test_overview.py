"""``GET /__mock/overview``: what /__mock/ui draws, in one answer per poll."""

from __future__ import annotations

import requests


def overview(zuora_mock, **params) -> dict:
    answer = requests.get(f"{zuora_mock.root}/__mock/overview", params=params, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_memos_by_state_count_every_memo_once(zuora_mock, create_memo):
    create_memo()
    create_memo(post=True)
    memos = overview(zuora_mock)["memos"]
    assert list(memos) == ["draft", "posted", "partly_paid", "past_due", "paid", "canceled"]
    state = zuora_mock.state["debit_memos"]
    assert sum(bucket["count"] for bucket in memos.values()) == len(state)
    assert memos["draft"]["count"] == len([m for m in state if m["state"] == "draft"])
    assert memos["canceled"]["count"] == len([m for m in state if m["state"] == "canceled"])
    newest_draft = memos["draft"]["latest"][0]
    assert newest_draft["debit_memo_number"] == "DM00000081"
    assert newest_draft["total"] == 10


def test_requests_are_the_ones_after_the_given_seq(zuora_mock, zuora_client):
    zuora_client.get("/debit_memos")
    first = overview(zuora_mock)["requests"]
    assert [(e["method"], e["path"]) for e in first] == [("GET", "/v2/debit_memos")]
    zuora_client.get("/debit_memo_items")
    later = overview(zuora_mock, after=first[-1]["seq"])
    assert [e["path"] for e in later["requests"]] == ["/v2/debit_memo_items"]
    assert later["journal"] == {"size": 2, "newest_seq": later["requests"][-1]["seq"]}


def test_the_clock_faults_and_tenants_are_there(zuora_mock):
    zuora_mock.set_clock("2030-01-31T00:00:00Z")
    zuora_mock.add_fault(id="outage", operation="getDebitMemoes", status=503)
    seen = overview(zuora_mock)
    assert seen["clock"] == {"now": "2030-01-31T00:00:00+00:00", "frozen": True}
    assert [rule["id"] for rule in seen["faults"]] == ["outage"]
    assert [tenant["key"] for tenant in seen["tenants"]] == ["default"]


def test_a_bad_after_is_a_400_naming_it(zuora_mock):
    answer = requests.get(f"{zuora_mock.root}/__mock/overview?after=soon", timeout=10)
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["parameter"] == "after"


def test_the_ui_page_and_its_files_are_served(zuora_mock):
    page = requests.get(f"{zuora_mock.root}/__mock/ui", timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    for name, kind in (("ui.js", "javascript"), ("ui.css", "text/css")):
        assert f"/__mock/ui/{name}" in page.text
        asset = requests.get(f"{zuora_mock.root}/__mock/ui/{name}", timeout=10)
        assert asset.status_code == 200 and kind in asset.headers["Content-Type"]
    assert "http" not in "".join(
        line for line in page.text.splitlines() if "src=" in line or "href=" in line
    )
