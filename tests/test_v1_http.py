"""The v1 face over plain HTTP: what the official SDK can't send or doesn't show
(envelopes, headers, query syntax, versions, aliases, faults, idempotency)."""

from __future__ import annotations

import re

import pytest
import requests
from conftest import bearer


@pytest.fixture
def charge_id(v1):
    plans = v1("GET", "/rateplan/SKU-FEES/productRatePlan").json()["productRatePlans"]
    return plans[0]["productRatePlanCharges"][0]["id"]


def _memo(v1, charge_id, headers=None, **charge) -> dict:
    body = {
        "accountNumber": "A00000001",
        "charges": [{"productRatePlanChargeId": charge_id, "amount": 40, **charge}],
    }
    answer = v1("POST", "/debit-memos", json=body, headers=headers or {}).json()
    assert answer["success"], answer
    return answer


def _refused(response, code: int) -> dict:
    assert response.status_code == 200, response.text
    document = response.json()
    assert document["success"] is False
    assert [r["code"] for r in document["reasons"]] == [code], document
    return document


def test_no_token_is_a_401_authentication_error(zuora_mock):
    response = requests.get(f"{zuora_mock.v1_url}/v1/debit-memos", timeout=10)
    assert response.status_code == 401
    assert response.json() == {"message": "Authentication error"}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_business_error_carries_process_and_request_ids(v1):
    response = v1("GET", "/debit-memos/DM99999999")
    document = _refused(response, 50000040)
    assert re.fullmatch(r"[0-9A-F]{16}", document["processId"])
    assert document["requestId"] == response.headers["Zuora-Request-Id"]
    assert "DM99999999" in document["reasons"][0]["message"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"accountNumber": "A00000001", "charges": [], "color": "red"}, 50000021),
        ({"accountNumber": "A00000001"}, 50000322),
        ({"accountNumber": "A00000001", "charges": [{"amount": 1}]}, 50000422),
        ({"accountNumber": 7, "charges": []}, 50000220),
        ({"accountNumber": "A00000001", "charges": [{"productRatePlanChargeId": "CHARGE",
          "amount": -1}]}, 50000520),
        ({"accountNumber": "A00000001", "charges": [{"productRatePlanChargeId": "CHARGE",
          "amount": 1, "serviceStartDate": "2026-02-30"}]}, 50000720),
    ],
)  # fmt: skip
def test_bad_bodies_name_the_field_in_the_code(v1, charge_id, body, code):
    for charge in body.get("charges", []):
        if charge.get("productRatePlanChargeId") == "CHARGE":
            charge["productRatePlanChargeId"] = charge_id
    before = v1("GET", "/debit-memos", params={"pageSize": 1}).json()["debitmemos"]
    _refused(v1("POST", "/debit-memos", json=body), code)
    assert v1("GET", "/debit-memos", params={"pageSize": 1}).json()["debitmemos"] == before


def test_malformed_json_is_category_90(v1):
    response = v1(
        "POST", "/debit-memos", data=b'{"charges": [', headers={"Content-Type": "application/json"}
    )
    _refused(response, 50000090)


def test_an_older_zuora_version_reads_the_older_names(v1, charge_id):
    old = {"Zuora-Version": "211.0"}
    body = {
        "accountNumber": "A00000001",
        "charges": [{"chargeId": charge_id, "memoItemAmount": 12, "comment": "old names"}],
    }
    memo = v1("POST", "/debit-memos", json=body, headers=old).json()
    assert (memo["success"], memo["amount"]) == (True, 12)
    item = v1("GET", f"/debit-memos/{memo['id']}/items").json()["items"][0]
    assert item["description"] == "old names"
    modern = {"charges": [{"productRatePlanChargeId": charge_id, "amount": 12}]}
    _refused(
        v1("POST", "/debit-memos", json={"accountNumber": "A00000001", **modern}, headers=old),
        50003622,
    )
    for version in ("2025-08-12", "257.0", None):
        headers = {"Zuora-Version": version} if version else {}
        answer = v1("POST", "/debit-memos", json={"accountNumber": "A00000001", **modern},
                    headers=headers).json()  # fmt: skip
        assert answer["success"], (version, answer)
    _refused(v1("GET", "/debit-memos/DM00000001", headers={"Zuora-Version": "new"}), 50003120)


def test_page_size_over_40_is_read_as_40_and_next_page_is_absolute(v1):
    first = v1("GET", "/debit-memos", params={"pageSize": 100, "status": "Posted"}).json()
    assert len(first["debitmemos"]) <= 40
    everything, url = [], None
    page = v1("GET", "/debit-memos", params={"pageSize": 7})
    while True:
        document = page.json()
        everything += document["debitmemos"]
        url = document.get("nextPage")
        if url is None:
            break
        assert url.startswith("http://") and "pageSize=7" in url
        page = requests.get(url, headers=bearer(), timeout=10)
    assert len(everything) == 80
    assert len({m["id"] for m in everything}) == 80
    assert v1("GET", "/debit-memos", params={"pageSize": 40}).json()["nextPage"].endswith("page=2")


def test_filters_match_exactly_and_null_matches_null(v1):
    posted = v1("GET", "/debit-memos", params={"status": "Posted", "pageSize": 40}).json()
    assert posted["debitmemos"] and {m["status"] for m in posted["debitmemos"]} == {"Posted"}
    paid = v1("GET", "/debit-memos", params={"balance": "0", "status": "Posted"}).json()
    assert all(m["balance"] == 0 for m in paid["debitmemos"])
    one = v1("GET", "/debit-memos", params={"number": "DM00000003"}).json()["debitmemos"]
    assert [m["number"] for m in one] == ["DM00000003"]
    day = one[0]["createdDate"][:10]
    same_day = v1("GET", "/debit-memos", params={"createdDate": day}).json()["debitmemos"]
    assert "DM00000003" in [m["number"] for m in same_day]
    no_invoice = v1("GET", "/debit-memos", params={"referredInvoiceId": "null"}).json()
    assert len(no_invoice["debitmemos"]) == 20


@pytest.mark.parametrize(
    ("sort", "descending"),
    [("-amount", False), ("+amount", True), (" amount", True), ("amount", True)],
)
def test_sort_signs(v1, sort, descending):
    rows = v1("GET", "/debit-memos", params={"sort": sort, "pageSize": 40}).json()["debitmemos"]
    amounts = [m["amount"] for m in rows]
    assert amounts == sorted(amounts, reverse=descending)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"sort": "color"}, 50003027),
        ({"sort": "amount,balance,number"}, 50003027),
        ({"pageSize": "0"}, 50002927),
        ({"page": "x"}, 50002827),
        ({"dueDate": "2026-13-01"}, 50001127),
        ({"color": "red"}, 50000027),
    ],
)
def test_bad_query_parameters_are_category_27(v1, params, code):
    _refused(v1("GET", "/debit-memos", params=params), code)


def test_the_older_and_the_published_spellings_route_the_same(v1):
    memo = v1("GET", "/debit-memos/DM00000002").json()
    assert v1("GET", "/debitmemos/DM00000002").json() == {**memo}
    by_sku = v1("GET", "/catalog/product/SKU-SEATS").json()
    assert v1("GET", "/catalog/products/SKU-SEATS").json() == by_sku
    plans = v1("GET", f"/rateplan/{by_sku['id']}/productRatePlan").json()
    assert v1("GET", f"/products/{by_sku['productNumber']}/product-rate-plans").json() == plans
    assert by_sku["productRatePlans"].endswith(f"/v1/rateplan/{by_sku['id']}/productRatePlan")


def test_unknown_routes_and_methods_are_real_404_and_405(v1):
    missing = v1("GET", "/credit-memos")
    assert missing.status_code == 404
    assert missing.json()["reasons"][0]["code"] == 50000040
    wrong = v1("PATCH", "/debit-memos/DM00000001")
    assert wrong.status_code == 405
    assert "PUT" in wrong.headers["Allow"]
    assert wrong.json()["reasons"][0]["code"] == 50000045


def test_an_idempotency_key_makes_one_payment(v1, charge_id):
    memo = v1("PUT", f"/debit-memos/{_memo(v1, charge_id)['id']}/post").json()
    body = {
        "accountNumber": "A00000001", "amount": 10, "currency": memo["currency"],
        "type": "External", "debitMemos": [{"debitMemoId": memo["id"], "amount": 10}],
    }  # fmt: skip
    first = v1("POST", "/payments", json=body, headers={"Idempotency-Key": "pay-once"})
    again = v1("POST", "/payments", json=body, headers={"Idempotency-Key": "pay-once"})
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert v1("GET", f"/debit-memos/{memo['id']}").json()["balance"] == 30


def test_a_fault_by_zuoras_operation_id_refuses_the_post(v1, zuora_mock, charge_id):
    memo = _memo(v1, charge_id)
    with zuora_mock.fault(operation="PUT_PostDebitMemo", status=503, times=1):
        refused = v1("PUT", f"/debit-memos/{memo['id']}/post")
        assert refused.status_code == 503
        assert refused.json()["success"] is False
        assert refused.json()["reasons"][0]["code"] == 50000060
        assert "Retry-After" in refused.headers
        assert v1("GET", f"/debit-memos/{memo['id']}").json()["status"] == "Draft"
        assert v1("PUT", f"/debit-memos/{memo['id']}/post").json()["status"] == "Posted"
    journal = zuora_mock.requests(operation="PUT_PostDebitMemo")
    assert [e["status"] for e in journal] == [503, 200]


def test_a_rate_limited_request_is_a_real_429_with_reasons(v1):
    response = v1("GET", "/debit-memos", headers={"X-Mock-Fault": "status=429"})
    assert response.status_code == 429
    assert response.json()["reasons"][0]["code"] == 50000070
    assert response.headers["Retry-After"]


def test_gzip_and_track_id_as_on_v2(v1):
    response = v1(
        "GET", "/debit-memos", headers={"Accept-Encoding": "gzip", "Zuora-Track-Id": "run-42"}
    )
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Zuora-Track-Id"] == "run-42"
    assert response.json()["success"] is True


def test_strict_auth_wants_36_character_client_ids(start_sandbox):
    root = start_sandbox(auth="strict")
    form = {"client_secret": "s", "grant_type": "client_credentials"}
    short = requests.post(f"{root}/oauth/token", data={**form, "client_id": "abc"}, timeout=10)
    assert short.status_code == 400
    token = requests.post(
        f"{root}/oauth/token", data={**form, "client_id": "c" * 36}, timeout=10
    ).json()["access_token"]
    answer = requests.get(f"{root}/v1/debit-memos/DM00000001", headers=bearer(token), timeout=10)
    assert answer.json()["number"] == "DM00000001"
    stranger = requests.get(f"{root}/v1/debit-memos/DM00000001", headers=bearer(), timeout=10)
    assert stranger.status_code == 401
