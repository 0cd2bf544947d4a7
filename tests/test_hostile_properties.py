"""Property-based hostile input: Hypothesis generates text, numbers and bodies for
every route in ROUTES; no answer is a 5xx, and a refusal leaves the store as it was.

Adding a route (of either face) is one entry in ROUTES: a method, a path
(``{memo}`` is an existing memo's id, ``{payment}`` an existing payment's,
``{key}`` a drawn path segment) and how to draw its body, query and key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = 30  # per route: enough to find a class of bug, few enough for `make test`

hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec=None, categories=["Cc", "Cs", "Zl"]), max_size=5),
    st.sampled_from(["\ud800", "x\udfff", "\u0085", "\x00", "a" * 300, "null", "9" * 400]),
)
hostile_number = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.sampled_from(["1e999999", "1e-999999999", "10.0099999999999999999999999999"]),
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), hostile_number, hostile_text),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(hostile_text, inner, max_size=3)
    ),
    max_leaves=8,
)
DATES = st.one_of(st.dates().map(str), hostile_text)
ITEM = st.fixed_dictionaries(
    {"amount": hostile_number, "service_start": DATES},
    optional={"name": hostile_text, "quantity": hostile_number, "unit_amount": hostile_number},
)
MEMO = st.fixed_dictionaries(
    {"account_number": st.sampled_from(["A00000001", "A00000002"]) | hostile_text},
    optional={
        "items": st.lists(ITEM, max_size=3),
        "description": hostile_text,
        "document_date": DATES,
        "due_date": DATES,
        "custom_fields": st.dictionaries(st.just("Priority__c") | hostile_text, json_values),
    },
)
PATCH = st.fixed_dictionaries(
    {},
    optional={"description": hostile_text, "due_date": DATES, "custom_fields": json_values},
)
PAY = st.fixed_dictionaries(
    {"currency": st.sampled_from(["USD", "EUR"]) | hostile_text},
    optional={"amount": hostile_number, "description": hostile_text},
)
QUERY_NAMES = st.sampled_from(
    ["filter[]", "sort[]", "fields[]", "expand[]", "page_size", "cursor", "tenant", "path"]
)
QUERY = st.lists(st.tuples(QUERY_NAMES | hostile_text, hostile_text | hostile_number.map(str)))
FILTERS = st.lists(
    st.tuples(
        st.just("filter[]"),
        st.builds(
            "{}.{}:{}".format,
            st.sampled_from(["total", "amount", "document_date", "updated_time", "state"]),
            st.sampled_from(["EQ", "GT", "LE", "IN", "SW"]),
            hostile_number.map(str) | hostile_text,
        ),
    ),
    max_size=2,
)
COLLECT = st.fixed_dictionaries(
    {},
    optional={
        "applyCredit": st.booleans() | json_values,
        "applicationOrder": st.lists(
            st.sampled_from(["CreditMemo", "UnappliedPayment"]) | hostile_text, max_size=3
        ),
        "collect": st.booleans() | json_values,
        "payment": st.fixed_dictionaries(
            {}, optional={"paymentMethodId": hostile_text, "cryptogram": hostile_text}
        )
        | json_values,
    },
)
V1_CHARGE = st.fixed_dictionaries(
    {"productRatePlanChargeId": hostile_text},
    optional={
        "amount": hostile_number,
        "quantity": hostile_number,
        "comment": hostile_text,
        "serviceStartDate": DATES,
        "serviceEndDate": DATES,
    },
)
V1_MEMO = st.fixed_dictionaries(
    {"accountNumber": st.sampled_from(["A00000001", "A00000002"]) | hostile_text},
    optional={
        "charges": st.lists(V1_CHARGE, max_size=3) | json_values,
        "comment": hostile_text,
        "effectiveDate": DATES,
        "dueDate": DATES,
        "autoPost": st.booleans() | json_values,
        "reasonCode": hostile_text,
        "currency": hostile_text,
    },
)
V1_UPDATE = st.fixed_dictionaries(
    {},
    optional={
        "comment": hostile_text,
        "dueDate": DATES,
        "effectiveDate": DATES,
        "transferredToAccounting": st.sampled_from(["Yes", "No"]) | hostile_text,
        "items": st.lists(
            st.fixed_dictionaries({"id": hostile_text}, optional={"amount": hostile_number}),
            max_size=2,
        ),
    },
)
V1_APPLICATIONS = st.lists(
    st.fixed_dictionaries({"amount": hostile_number}, optional={"debitMemoId": hostile_text}),
    max_size=2,
)
V1_PAYMENT = st.fixed_dictionaries(
    {
        "amount": hostile_number,
        "currency": st.sampled_from(["USD", "EUR"]) | hostile_text,
        "type": st.sampled_from(["External", "Electronic"]) | hostile_text,
    },
    optional={
        "accountNumber": st.sampled_from(["A00000001"]) | hostile_text,
        "effectiveDate": DATES,
        "paymentMethodId": hostile_text,
        "comment": hostile_text,
        "debitMemos": V1_APPLICATIONS | json_values,
    },
)
V1_APPLY = st.fixed_dictionaries(
    {}, optional={"debitMemos": V1_APPLICATIONS | json_values, "effectiveDate": DATES}
)
V1_QUERY = st.lists(
    st.tuples(
        st.sampled_from(["page", "pageSize", "sort", "status", "accountId", "number"])
        | hostile_text,
        hostile_text | hostile_number.map(str),
    ),
    max_size=3,
)
NOTHING = st.just(None)
NO_KEY = st.just("")
KEY = st.sampled_from(["SKU-FEES", "A00000001", "DM00000001"]) | hostile_text
RULE = st.one_of(
    st.dictionaries(
        st.sampled_from(["status", "times", "latency_ms", "path", "probability", "for_s"]),
        json_values,
    ),
    hostile_text,
)
SNAPSHOT_CHANGE = st.tuples(
    st.sampled_from(["total", "description", "debit_memo_number", "due_date", "id"]), json_values
)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    body: st.SearchStrategy = NOTHING
    query: st.SearchStrategy = QUERY
    key: st.SearchStrategy = NO_KEY


ROUTES = {
    "v2 list memos": Route("GET", "/v2/debit_memos", query=FILTERS | QUERY),
    "v2 create memo": Route("POST", "/v2/debit_memos", MEMO | json_values),
    "v2 get memo": Route("GET", "/v2/debit_memos/{memo}"),
    "v2 patch memo": Route("PATCH", "/v2/debit_memos/{memo}", PATCH | json_values),
    "v2 delete memo": Route("DELETE", "/v2/debit_memos/{memo}"),
    "v2 post memo": Route("POST", "/v2/debit_memos/{memo}/post", json_values),
    "v2 unpost memo": Route("POST", "/v2/debit_memos/{memo}/unpost", json_values),
    "v2 cancel memo": Route("POST", "/v2/debit_memos/{memo}/cancel", json_values),
    "v2 pay memo": Route("POST", "/v2/debit_memos/{memo}/pay", PAY | json_values),
    "v2 list items": Route("GET", "/v2/debit_memo_items", query=FILTERS | QUERY),
    "v1 collect memo": Route("POST", "/v1/debit-memos/{memo}/collect", COLLECT | json_values),
    "v1 list memos": Route("GET", "/v1/debit-memos", query=V1_QUERY | QUERY),
    "v1 create memo": Route("POST", "/v1/debit-memos", V1_MEMO | json_values),
    "v1 get memo": Route("GET", "/v1/debit-memos/{key}", key=KEY, query=V1_QUERY),
    "v1 update memo": Route("PUT", "/v1/debit-memos/{memo}", V1_UPDATE | json_values),
    "v1 delete memo": Route("DELETE", "/v1/debit-memos/{memo}"),
    "v1 post memo": Route("PUT", "/v1/debit-memos/{memo}/post", json_values),
    "v1 unpost memo": Route("PUT", "/v1/debit-memos/{memo}/unpost", json_values),
    "v1 cancel memo": Route("PUT", "/v1/debit-memos/{memo}/cancel", json_values),
    "v1 list memo items": Route("GET", "/v1/debit-memos/{memo}/items", query=V1_QUERY),
    "v1 get memo item": Route("GET", "/v1/debit-memos/{memo}/items/{key}", key=KEY),
    "v1 memo parts": Route("GET", "/v1/debit-memos/{memo}/application-parts", query=V1_QUERY),
    "v1 create payment": Route("POST", "/v1/payments", V1_PAYMENT | json_values),
    "v1 list payments": Route("GET", "/v1/payments", query=V1_QUERY | QUERY),
    "v1 get payment": Route("GET", "/v1/payments/{key}", key=KEY),
    "v1 apply payment": Route("PUT", "/v1/payments/{payment}/apply", V1_APPLY | json_values),
    "v1 unapply payment": Route("PUT", "/v1/payments/{payment}/unapply", V1_APPLY | json_values),
    "v1 payment parts": Route("GET", "/v1/payments/{payment}/parts", query=V1_QUERY),
    "v1 catalog": Route("GET", "/v1/catalog/products", query=V1_QUERY | QUERY),
    "v1 product": Route("GET", "/v1/catalog/product/{key}", key=KEY),
    "v1 rate plans": Route("GET", "/v1/rateplan/{key}/productRatePlan", key=KEY),
    "v1 account": Route("GET", "/v1/accounts/{key}", key=KEY),
    "v1 account summary": Route("GET", "/v1/accounts/{key}/summary", key=KEY),
    "oauth token": Route("POST", "/oauth/token", json_values),
    "control faults": Route("POST", "/__mock/faults", RULE),
    "control journal": Route("GET", "/__mock/requests"),
    "control clock": Route("PUT", "/__mock/clock", st.fixed_dictionaries({"now": hostile_text})),
    "control state": Route("PUT", "/__mock/state", SNAPSHOT_CHANGE),
}


def _state_print(root: str) -> str:
    state = requests.get(f"{root}/__mock/state", timeout=30)
    assert state.status_code == 200, state.text
    return hashlib.sha256(state.content).hexdigest()


@pytest.fixture(scope="module")
def small_sandbox(request) -> str:
    """A sandbox with a few memos, so comparing whole states stays cheap."""
    from mockserver.app import create_app
    from mockserver.config import Config
    from mockserver.server import start_in_thread

    config = Config(port=0, log_requests=False, generation={"accounts": 2, "debit_memos": 4})
    server = start_in_thread(create_app(config), port=0, threads=config.threads)
    request.addfinalizer(server.stop)
    return server.url


def _body(route: Route, drawn: Any, root: str) -> bytes | None:
    if route.path == "/__mock/state":
        state = requests.get(f"{root}/__mock/state", timeout=30).json()
        name, value = drawn
        state["debit_memos"][0][name] = value
        drawn = state
    if drawn is None:
        return None
    return json.dumps(drawn, default=str).encode()


def _payment_id(root: str, headers: dict) -> str:
    payments = requests.get(f"{root}/v1/payments", headers=headers, timeout=30).json()
    return payments["payments"][0]["id"] if payments.get("payments") else "none"


def _refused(response: requests.Response) -> bool:
    """A refusal in its face's envelope: v2's ``errors`` with a 4xx, or v1's business
    error, HTTP 200 with ``success: false`` and ``reasons``."""
    if response.status_code >= 400:
        document = response.json()
        assert isinstance(document.get("errors", document.get("reasons")), list), document
        return True
    if not response.headers.get("Content-Type", "").startswith("application/json"):
        return False
    document = response.json()
    if isinstance(document, dict) and document.get("success") is False:
        assert isinstance(document["reasons"], list), document
        return True
    return False


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_no_hostile_request_is_a_5xx_and_a_refusal_changes_nothing(small_sandbox, name):
    route = ROUTES[name]
    root = small_sandbox
    headers = {"Authorization": "Bearer hypothesis", "Content-Type": "application/json"}

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(body=route.body, query=route.query, key=route.key)
    def check(body, query, key):
        memos = requests.get(f"{root}/v2/debit_memos", headers=headers, timeout=30).json()
        memo = memos["data"][0]["id"] if memos["data"] else "none"
        before = _state_print(root)
        # A lone surrogate goes out as the UTF-8 bytes a careless client would send.
        target = root + route.path.format(
            memo=memo,
            payment=_payment_id(root, headers) if "{payment}" in route.path else "",
            key=quote(key, safe="", encoding="utf-8", errors="surrogatepass"),
        )
        query_string = urlencode(query, encoding="utf-8", errors="surrogatepass")
        response = requests.request(
            route.method,
            f"{target}?{query_string}" if query_string else target,
            data=_body(route, body, root),
            headers=headers,
            timeout=30,
        )
        assert response.status_code < 500, (response.status_code, response.text)
        if _refused(response):
            assert _state_print(root) == before
        requests.delete(f"{root}/__mock/faults", timeout=30)  # a drawn rule may fault the next

    check()
