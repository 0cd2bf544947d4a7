"""The control plane's ``?tenant=`` addresses a tenant that exists and never makes
one: on an unknown tenant every route that takes it is a 404 naming ``tenant``,
and neither the tenants nor the default store change. ``PUT /__mock/tenants/<token>``
makes one on purpose."""

from __future__ import annotations

import pytest
import requests
from conftest import bearer
from hostile import ANSWER_CEILING_S, assert_refused

from mockserver.app import create_app
from mockserver.config import Config

UNKNOWN = "ci-job-that-never-called-4242"
SNAPSHOT = {"format": "zuora-mockserver-snapshot/1", "accounts": []}
# Every /__mock route that takes ?tenant=, with a body it would otherwise accept.
ROUTES = [
    ("POST", "reset", None),
    ("GET", "state", None),
    ("PUT", "state", SNAPSHOT),
    ("PUT", "clock", {"now": "2027-01-31T00:00:00Z"}),
    ("DELETE", "clock", None),
    ("GET", "requests", None),
    ("DELETE", "requests", None),
    ("GET", "overview", None),
    ("GET", "faults", None),
    ("POST", "faults", {"operation": "createDebitMemo", "status": 503}),
    ("DELETE", "faults", None),
    ("DELETE", "faults/startup-1", None),
    ("GET", "callouts", None),
    ("POST", "callouts", {"event": "DebitMemoPosted", "url": "http://127.0.0.1:9/hook"}),
    ("DELETE", "callouts", None),
    ("DELETE", "callouts/callout-1", None),
    ("GET", "callouts/deliveries", None),
    ("DELETE", "callouts/deliveries", None),
    ("POST", "callouts/flush", None),
    ("GET", "callout-faults", None),
    ("POST", "callout-faults", {"action": "drop"}),
    ("DELETE", "callout-faults", None),
    ("DELETE", "callout-faults/startup-1", None),
]
WITHOUT_TENANT_QUERY = {"health", "config", "ui", "ui/<any('ui.js', 'ui.css'):filename>"}


def admin(root: str, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, f"{root}/__mock/{path}", timeout=ANSWER_CEILING_S, **kwargs)


def health(root: str) -> dict:
    return admin(root, "GET", "health").json()


@pytest.fixture
def per_token(start_sandbox) -> str:
    return start_sandbox(tenants="per-token", max_tenants=2)


def test_the_table_holds_every_control_plane_route_that_takes_a_tenant():
    app = create_app(Config(port=0, log_requests=False))
    routes = {
        (
            method,
            rule.rule.removeprefix("/__mock/")
            .replace("<rule_id>", "startup-1")
            .replace("<definition_id>", "callout-1"),
        )
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/__mock/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    taking = {
        (method, path)
        for method, path in routes
        if path not in WITHOUT_TENANT_QUERY and not path.startswith("tenants/")
    }

    assert taking == {(method, path) for method, path, _ in ROUTES}


@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=lambda v: str(v))
def test_an_unknown_tenant_is_a_404_naming_tenant_and_makes_no_tenant(
    per_token, method, path, body
):
    before = admin(per_token, "GET", "state").json()

    answer = admin(per_token, method, path, params={"tenant": UNKNOWN}, json=body)

    envelope = assert_refused(answer, "tenant", 404)
    assert UNKNOWN not in answer.text
    assert envelope["errors"][0]["code"] == "resource_not_found"
    assert health(per_token)["tenants"] == 1
    assert admin(per_token, "GET", "state").json() == before


def test_naming_many_tenants_fills_no_cap(per_token):
    answers = [
        admin(per_token, "GET", "requests", params={"tenant": f"{UNKNOWN}-{n}"}).status_code
        for n in range(5)
    ]
    made = requests.get(
        f"{per_token}/v2/debit_memos", headers=bearer("a-real-client-token"), timeout=10
    )

    assert answers == [404] * 5
    assert made.status_code == 200
    assert health(per_token)["tenants"] == 2


def test_a_tenant_made_by_its_first_zuora_request_is_addressed(per_token):
    requests.get(f"{per_token}/v2/debit_memos", headers=bearer(UNKNOWN), timeout=10)

    journal = admin(per_token, "GET", "requests", params={"tenant": UNKNOWN})

    assert journal.status_code == 200
    assert [entry["path"] for entry in journal.json()["data"]] == ["/v2/debit_memos"]


def test_put_tenants_makes_a_tenant_on_purpose_once(per_token):
    made = admin(per_token, "PUT", f"tenants/{UNKNOWN}")
    again = admin(per_token, "PUT", f"tenants/{UNKNOWN}")
    armed = admin(per_token, "POST", "faults", params={"tenant": UNKNOWN}, json={"status": 503})
    faulted = requests.get(f"{per_token}/v2/debit_memos", headers=bearer(UNKNOWN), timeout=10)

    assert (made.status_code, made.json()) == (201, {"tenant": UNKNOWN, "created": True})
    assert (again.status_code, again.json()) == (200, {"tenant": UNKNOWN, "created": False})
    assert armed.status_code == 201
    assert faulted.status_code == 503
    assert health(per_token)["tenants"] == 2


def test_put_tenants_past_the_cap_is_a_429(per_token):
    statuses = [admin(per_token, "PUT", f"tenants/team-{n}").status_code for n in range(3)]

    assert statuses == [201, 201, 429]
    assert health(per_token)["tenants"] == 3


def test_put_tenants_without_tenants_is_a_400_naming_the_key(start_sandbox):
    root = start_sandbox()

    refused = admin(root, "PUT", f"tenants/{UNKNOWN}")

    assert_refused(refused, "key")
    assert health(root)["tenants"] == 1
