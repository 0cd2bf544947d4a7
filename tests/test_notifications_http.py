"""Registering Zuora's way, over HTTP: notification definitions and custom event
triggers (create, get, list, update, delete), Zuora's validation and answers,
both paths (Zuora's root and ``/v1``), and what the edge does for every face
(operation ids for faults, the journal, tenants, idempotency)."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
import requests
from test_readme import readme_block

CONDITION = (
    "changeType == 'UPDATE' && DebitMemo.Status == 'Posted' && DebitMemo.Status_old != 'Posted'"
)


@pytest.fixture
def zuora(zuora_mock):
    """Requests to the sandbox's root with the test's bearer token."""
    with requests.Session() as session:
        session.headers.update(zuora_mock.headers)

        def call(method, path, **kwargs):
            kwargs.setdefault("timeout", 30)
            return session.request(method, f"{zuora_mock.root}{path}", **kwargs)

        yield call


def callout(**overrides) -> dict:
    body = {
        "name": "Memo posted callout",
        "calloutBaseurl": "http://127.0.0.1:9/hook",
        "httpMethod": "POST",
        "requiredAuth": False,
        "calloutParams": {"memoId": "<DataSource.DebitMemo.Id>"},
    }
    return {**body, **overrides}


def definition(**overrides) -> dict:
    """A valid body; an override of ``...`` leaves that field out."""
    body = {"name": "Memo posted", "eventCategory": 2820, "calloutActive": True}
    body = {**body, "callout": callout(), **overrides}
    return {key: value for key, value in body.items() if value is not ...}


def trigger(**overrides) -> dict:
    body = {
        "active": True,
        "baseObject": "DebitMemo",
        "condition": CONDITION,
        "eventType": {"name": "MemoPostedNow", "displayName": "Memo posted now"},
    }
    return {**body, **overrides}


def created(response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def refused(response, status: int = 400) -> str:
    """The message of a refusal, after checking Zuora's shape for its status."""
    assert response.status_code == status, response.text
    document = response.json()
    if status == 400:
        assert isinstance(document["code"], int) and len(str(document["code"])) == 8
        assert document["message"] == "; ".join(r["message"] for r in document["reasons"])
        return document["message"]
    assert set(document) == {"reasons"}
    return document["reasons"][0]["message"]


# -- notification definitions ---------------------------------------------------------


def test_a_definition_is_created_in_zuoras_shape(zuora, zuora_mock):
    body = definition(description="Tell billing", callout=callout(calloutRetry=False))
    made = created(zuora("POST", "/notifications/notification-definitions", json=body))
    assert len(made["id"]) == 32
    assert made["name"] == "Memo posted" and made["description"] == "Tell billing"
    assert (made["eventCategory"], made["eventTypeName"]) == (2820, "DebitMemoPosted")
    assert (made["active"], made["calloutActive"], made["emailActive"]) == (True, True, False)
    assert made["communicationProfileId"] == "Default Profile"
    assert made["createdOn"].endswith(" UTC") and made["createdBy"] == made["updatedBy"]
    shown = made["callout"]
    assert shown["calloutBaseurl"] == "http://127.0.0.1:9/hook"
    assert (shown["httpMethod"], shown["requiredAuth"], shown["calloutRetry"]) == (
        "POST", False, False,
    )  # fmt: skip
    assert shown["calloutParams"] == {"memoId": "<DataSource.DebitMemo.Id>"}
    assert shown["eventTypeName"] == "DebitMemoPosted" and shown["name"] == "Memo posted callout"
    assert created(zuora("GET", f"/notifications/notification-definitions/{made['id']}")) == made


def test_a_callouts_password_is_never_sent_back(zuora, zuora_mock):
    body = definition(
        callout=callout(requiredAuth=True, calloutAuth={"username": "u", "password": "p"})
    )
    made = created(zuora("POST", "/notifications/notification-definitions", json=body))
    assert made["callout"]["calloutAuth"]["username"] == "u"
    assert made["callout"]["calloutAuth"]["password"] == "********"
    got = created(zuora("GET", f"/notifications/notification-definitions/{made['id']}"))
    assert got["callout"]["calloutAuth"] == made["callout"]["calloutAuth"]
    assert zuora_mock.config()["callout_urls"] == "open"


def test_definitions_list_in_pages_and_filter_by_event(zuora):
    for number in range(3):
        created(zuora("POST", "/notifications/notification-definitions",
                      json=definition(name=f"posted {number}")))  # fmt: skip
    paid = definition(name="paid", eventCategory=2120,
                      callout=callout(calloutParams={"id": "Payment.Id"}))  # fmt: skip
    created(zuora("POST", "/notifications/notification-definitions", json=paid))
    first = created(zuora("GET", "/notifications/notification-definitions", params={"limit": 2}))
    assert [d["name"] for d in first["data"]] == ["posted 0", "posted 1"]
    assert first["next"] == "/notifications/notification-definitions?limit=2&start=2"
    rest = created(zuora("GET", "/notifications/notification-definitions",
                         params={"start": 2, "limit": 2}))  # fmt: skip
    assert [d["name"] for d in rest["data"]] == ["posted 2", "paid"] and rest["next"] is None
    paid = created(zuora("GET", "/notifications/notification-definitions",
                         params={"eventTypeName": "PaymentProcessed"}))  # fmt: skip
    assert [d["name"] for d in paid["data"]] == ["paid"]


def test_an_update_changes_the_fields_given(zuora):
    made = created(zuora("POST", "/notifications/notification-definitions", json=definition()))
    path = f"/notifications/notification-definitions/{made['id']}"
    changed = created(zuora("PUT", path, json={
        "name": "Renamed", "calloutActive": True,
        "callout": callout(calloutBaseurl="https://example.com/other", httpMethod="PUT"),
    }))  # fmt: skip
    assert changed["name"] == "Renamed" and changed["id"] == made["id"]
    assert changed["callout"]["calloutBaseurl"] == "https://example.com/other"
    assert changed["callout"]["httpMethod"] == "PUT"
    assert changed["createdOn"] == made["createdOn"] and changed["eventCategory"] == 2820
    off = created(zuora("PUT", path, json={"active": False}))
    assert (off["active"], off["name"]) == (False, "Renamed")
    assert created(zuora("GET", path)) == off


def test_a_deleted_definition_is_gone(zuora):
    made = created(zuora("POST", "/notifications/notification-definitions", json=definition()))
    path = f"/notifications/notification-definitions/{made['id']}"
    response = zuora("DELETE", path)
    assert response.status_code == 204 and response.content == b""
    assert "could not be found" in refused(zuora("GET", path), 404)
    refused(zuora("DELETE", path), 404)
    refused(zuora("PUT", path, json={"name": "x"}), 404)


def test_the_v1_paths_serve_the_same_definitions(zuora):
    made = created(zuora("POST", "/v1/notifications/notification-definitions", json=definition()))
    assert created(zuora("GET", f"/notifications/notification-definitions/{made['id']}")) == made
    listed = created(zuora("GET", "/v1/notifications/notification-definitions"))
    assert [d["id"] for d in listed["data"]] == [made["id"]]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"eventCategory": 2820, "callout": callout()}, "'name' is required"),
        (definition(eventCategory=9999), "'eventCategory' 9999 is not a standard event"),
        (definition(eventCategory=2820.5), "'eventCategory' 2820.5 is not a standard event"),
        (definition(eventTypeName="Custom"), "either 'eventCategory' or 'eventTypeName'"),
        ({"name": "x", "callout": callout()}, "'eventCategory' or 'eventTypeName' is required"),
        (definition(eventCategory=..., eventTypeName="has space"), "'eventTypeName'"),
        (definition(callout=callout(calloutBaseurl="ftp://example.com/x")),
         "'callout.calloutBaseurl' must be an absolute URL"),
        (definition(callout=callout(calloutBaseurl="not a url at all")),
         "'callout.calloutBaseurl' must be an absolute URL"),
        (definition(callout=callout(calloutBaseurl="http://[::1/x")), "is not a URL"),
        (definition(callout=callout(calloutBaseurl="http://a")), "at least 10 characters"),
        (definition(callout=callout(httpMethod="PATCH")), "'callout.httpMethod'"),
        (definition(callout=callout(requiredAuth=True)),
         "'callout.calloutAuth.username' is required when 'requiredAuth' is true"),
        (definition(callout=callout(calloutParams={"id": "Payment.Id"})),
         "'id': the event is about a DebitMemo, not a Payment"),
        (definition(callout=callout(calloutParams={"id": "<DataSource.DebitMemo.Colour>"})),
         "a DebitMemo has no field Colour"),
        (definition(callout=callout(eventTypeName="Other")), "'callout.eventTypeName' must be"),
        (definition(callout=None), "'callout': Field may not be null"),
        ({"name": "x", "eventCategory": 2820}, "'callout' is required"),
        (definition(emailActive=True), "'emailTemplateId' is required"),
        (definition(filterRule={"condition": "DebitMemo.Amount > 1"}), "'filterRule' is not"),
        (definition(colour="red"), "'colour' is not a field of this request"),
        (definition(name="x" * 256), "'name'"),
    ],
)  # fmt: skip
def test_zuoras_checks_refuse_a_bad_definition(zuora, body, words):
    assert words in refused(zuora("POST", "/notifications/notification-definitions", json=body))
    assert created(zuora("GET", "/notifications/notification-definitions"))["data"] == []


def test_strict_callouts_want_https(start_sandbox):
    root = start_sandbox(callout_urls="strict")
    path = f"{root}/notifications/notification-definitions"
    headers = {"Authorization": "Bearer strict-test"}
    message = refused(requests.post(path, json=definition(), headers=headers, timeout=30))
    assert "starting https://" in message and "http://" not in message.replace("https://", "")
    secure = definition(callout=callout(calloutBaseurl="https://hooks.example.com/zuora"))
    created(requests.post(path, json=secure, headers=headers, timeout=30))


def test_malformed_json_and_other_media_are_refused(zuora):
    path = "/notifications/notification-definitions"
    bad = zuora("POST", path, data=b'{"name": ', headers={"Content-Type": "application/json"})
    assert refused(bad).startswith("The body is not valid JSON")
    refused(zuora("POST", path, data=b"name=x", headers={"Content-Type": "text/plain"}), 415)
    refused(zuora("GET", path, params={"limit": 0}))
    refused(zuora("GET", path, params={"colour": "red"}))


def test_no_token_is_zuoras_authentication_error(zuora_mock):
    response = requests.get(f"{zuora_mock.root}/notifications/notification-definitions", timeout=10)
    assert response.status_code == 401
    assert response.json() == {"message": "Authentication error"}


# -- custom event triggers --------------------------------------------------------------


def test_a_trigger_is_created_got_listed_updated_and_deleted(zuora):
    made = created(zuora("POST", "/events/event-triggers", json=trigger(description="on post")))
    assert made == {
        "id": made["id"],
        "baseObject": "DebitMemo",
        "condition": CONDITION,
        "description": "on post",
        "eventType": {
            "name": "MemoPostedNow", "displayName": "Memo posted now", "description": None,
            "namespace": "user.notification",
        },
        "active": True,
    }  # fmt: skip
    path = f"/events/event-triggers/{made['id']}"
    assert created(zuora("GET", path)) == made
    assert created(zuora("GET", "/events/event-triggers"))["data"] == [made]
    changed = created(zuora("PUT", path, json={
        "active": False, "condition": "changeType == 'DELETE'",
        "eventType": {"displayName": "Memo deleted"},
    }))  # fmt: skip
    assert (changed["active"], changed["condition"]) == (False, "changeType == 'DELETE'")
    assert changed["eventType"]["displayName"] == "Memo deleted"
    assert changed["eventType"]["name"] == "MemoPostedNow"
    response = zuora("DELETE", path)
    assert response.status_code == 204
    refused(zuora("GET", path), 404)


def test_triggers_filter_by_base_object_name_and_status(zuora):
    created(zuora("POST", "/events/event-triggers", json=trigger()))
    created(zuora("POST", "/v1/events/event-triggers", json=trigger(
        baseObject="Payment", condition="changeType == 'INSERT' && Payment.Amount > 100",
        eventType={"name": "BigPayment", "displayName": "Big payment"}, active=False,
    )))  # fmt: skip
    names = lambda **q: [  # noqa: E731
        t["eventType"]["name"]
        for t in created(zuora("GET", "/events/event-triggers", params=q))["data"]
    ]
    assert names() == ["MemoPostedNow", "BigPayment"]
    assert names(baseObject="Payment") == ["BigPayment"]
    assert names(active="true") == ["MemoPostedNow"]
    assert names(eventTypeName="BigPayment", active="false") == ["BigPayment"]
    assert names(limit=1) == ["MemoPostedNow"]


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        ("DebitMemo.Status = 'Posted'", "at character 18: unexpected character '='"),
        ("changeType == 'UPDATE' &&", "at character 26: expected a field or a value"),
        ("(DebitMemo.Amount > 1", "at character 22: expected ')'"),
        ("Invoice.Amount > 1", "at character 1: 'Invoice.Amount' is not a field"),
        ("DebitMemo.amount > 1", "at character 1: DebitMemo has no field 'amount'"),
        ("size(DebitMemo.Status) > 1", "at character 1: functions such as 'size'"),
        ("(" * 40 + "changeType == 'INSERT'" + ")" * 40, "at character 33: groups nest deeper"),
        ("DebitMemo.Status == '" + "x" * 100_000 + "'",
         "at character 5001: the condition is longer"),
    ],
)  # fmt: skip
def test_a_condition_outside_the_subset_is_a_400_naming_it_and_the_position(
    zuora, condition, words
):
    message = refused(zuora("POST", "/events/event-triggers", json=trigger(condition=condition)))
    assert message.startswith("'condition' is not valid at character")
    assert words in message
    assert created(zuora("GET", "/events/event-triggers"))["data"] == []


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (trigger(baseObject="Invoice"), "'baseObject' Invoice is not an object the sandbox"),
        (trigger(baseObject="debitMemo"), "'baseObject'"),
        (trigger(eventType={"name": "Has Space", "displayName": "x"}), "'eventType.name'"),
        (trigger(eventType={"name": "NoDisplay"}), "'eventType.displayName' is required"),
        ({"baseObject": "DebitMemo", "condition": "changeType == 'INSERT'",
          "eventType": {"name": "A", "displayName": "A"}}, "'active' is required"),
        (trigger(active="yes"), "'active'"),
    ],
)  # fmt: skip
def test_zuoras_checks_refuse_a_bad_trigger(zuora, body, words):
    assert words in refused(zuora("POST", "/events/event-triggers", json=body))


def test_one_trigger_per_event_type_name(zuora):
    created(zuora("POST", "/events/event-triggers", json=trigger()))
    again = trigger(condition="changeType == 'INSERT'")
    assert "exists already" in refused(zuora("POST", "/events/event-triggers", json=again))


def test_a_custom_definition_checks_its_params_against_the_triggers_object(zuora):
    created(zuora("POST", "/events/event-triggers", json=trigger()))
    body = definition(eventCategory=..., eventTypeName="MemoPostedNow",
                      callout=callout(calloutParams={"id": "Payment.Id"}))  # fmt: skip
    assert "about a DebitMemo" in refused(
        zuora("POST", "/notifications/notification-definitions", json=body)
    )
    body["callout"]["calloutParams"] = {"id": "DebitMemo.Id", "balance": "DebitMemo.Balance"}
    made = created(zuora("POST", "/notifications/notification-definitions", json=body))
    assert (made["eventTypeName"], made["eventTypeNamespace"]) == ("MemoPostedNow", None)


# -- what the edge does for every face --------------------------------------------------


def test_a_fault_rule_names_the_routes_by_zuoras_operation_ids(zuora, zuora_mock):
    with zuora_mock.fault(operation="POST_EventTrigger", status=503, times=1):
        response = zuora("POST", "/events/event-triggers", json=trigger())
        assert response.status_code == 503
        assert set(response.json()) == {"reasons"}
    created(zuora("POST", "/events/event-triggers", json=trigger()))
    header = {"X-Mock-Fault": "operation=GET_Query_Notification_Definitions,status=429"}
    assert (
        zuora("GET", "/notifications/notification-definitions", headers=header).status_code == 429
    )


def test_the_journal_records_the_calls_by_operation(zuora, zuora_mock):
    created(zuora("POST", "/notifications/notification-definitions", json=definition()))
    refused(zuora("POST", "/events/event-triggers", json=trigger(condition="x")))
    zuora_mock.assert_called("POST_Create_Notification_Definition", times=1)
    [entry] = zuora_mock.assert_called("POST_EventTrigger", times=1)
    assert entry["status"] == 400


def test_an_idempotency_key_replays_the_creation(zuora):
    key = {"Idempotency-Key": "one-definition"}
    path = "/notifications/notification-definitions"
    first = created(zuora("POST", path, json=definition(), headers=key))
    again = zuora("POST", path, json=definition(), headers=key)
    assert again.json() == first and again.headers["Idempotent-Replayed"] == "true"
    assert len(created(zuora("GET", path))["data"]) == 1


def test_each_tenant_has_its_own_registrations(start_sandbox):
    root = start_sandbox(tenants="per-token")

    def call(token, method, path, **kwargs):
        headers = {"Authorization": f"Bearer {token}"}
        return requests.request(method, f"{root}{path}", headers=headers, timeout=30, **kwargs)

    created(call("alice", "POST", "/events/event-triggers", json=trigger()))
    created(call("alice", "POST", "/notifications/notification-definitions", json=definition()))
    assert created(call("bob", "GET", "/events/event-triggers"))["data"] == []
    assert created(call("bob", "GET", "/notifications/notification-definitions"))["data"] == []
    created(call("bob", "POST", "/events/event-triggers", json=trigger()))


def test_a_reset_removes_what_was_registered_at_run_time(zuora, zuora_mock):
    made = created(zuora("POST", "/events/event-triggers", json=trigger()))
    created(zuora("POST", "/notifications/notification-definitions", json=definition()))
    zuora_mock.reset()
    assert created(zuora("GET", "/events/event-triggers"))["data"] == []
    assert created(zuora("GET", "/notifications/notification-definitions"))["data"] == []
    refused(zuora("GET", f"/events/event-triggers/{made['id']}"), 404)


def test_the_readme_walkthrough_runs_as_written(start_sandbox):
    root = start_sandbox()
    script = readme_block(
        "Callouts, Zuora's way: event triggers and notification definitions", "sh"
    )
    script = script.replace("localhost:8080", root.removeprefix("http://"))
    run = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    documents = [json.loads(part) for part in re.findall(r"(?ms)^[{\[].*?^[}\]]", run.stdout)]
    trigger_made, custom, standard, names = documents
    assert (trigger_made["baseObject"], trigger_made["eventType"]) == (
        "DebitMemo",
        "LargeMemoPosted",
    )
    assert trigger_made["condition"].endswith("&& DebitMemo.Amount > 1000.0")
    assert custom == {
        "name": "Large memo to the ledger", "eventTypeName": "LargeMemoPosted",
        "calloutActive": True, "url": "http://localhost:9000/zuora",
    }  # fmt: skip
    assert standard == {"eventCategory": 2820, "eventTypeName": "DebitMemoPosted"}
    assert names == ["Large memo to the ledger", "Any memo posted"]
    assert run.stdout.strip().endswith(
        "\"'condition' is not valid at character 18: unexpected character '='\""
    )
