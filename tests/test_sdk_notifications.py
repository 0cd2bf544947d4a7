"""Zuora's official Python SDK, unchanged but for its host, registers callouts
Zuora's way: custom event triggers, then notification definitions on them.

The notification service answers errors with a real status, so the SDK raises
them (``ApiException``) with Zuora's body.
"""

from __future__ import annotations

import json

import pytest

pytestmark = [
    pytest.mark.xdist_group("zuora_sdk"),  # one worker imports the SDK's 60 MB
    pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning"),
]

CLIENT_ID = "8a90d3e1-0000-4000-8000-000000000001"  # the SDK checks for 36 characters
CONDITION = (
    "changeType == 'UPDATE' && DebitMemo.Status == 'Posted' && DebitMemo.Status_old != 'Posted'"
)


@pytest.fixture(scope="module")
def sdk():
    import zuora_sdk  # imported here: it takes seconds, and only these tests need it

    return zuora_sdk


@pytest.fixture
def client(sdk, zuora_mock):
    from zuora_sdk.zuora_client import ZuoraClient

    client = ZuoraClient(CLIENT_ID, "secret", None, sdk.Configuration(host=zuora_mock.v1_url))
    client.refresh_token()
    return client


@pytest.fixture
def triggers(client):
    return client.custom_event_triggers_api()


@pytest.fixture
def notifications(client):
    return client.notifications_api()


def _trigger(sdk, triggers, name="MemoPostedNow"):
    request = sdk.PostEventTriggerRequest(
        active=True,
        base_object="DebitMemo",
        condition=CONDITION,
        description="A memo has just been posted",
        event_type=sdk.EventType(name=name, display_name="Memo posted now"),
    )
    return triggers.post_event_trigger(request)


def _definition(sdk, notifications, event_type_name="MemoPostedNow"):
    request = sdk.PostPublicNotificationDefinitionRequest(
        name="Tell the ledger",
        event_type_name=event_type_name,
        callout_active=True,
        callout=sdk.PostPublicNotificationDefinitionRequestCallout(
            name="Ledger hook",
            callout_baseurl="https://ledger.example.com/zuora",
            http_method="POST",
            required_auth=True,
            callout_auth=sdk.CalloutAuth(username="ledger", password="s3cret"),
            callout_params={"memoId": "<DataSource.DebitMemo.Id>"},
            event_type_name=event_type_name,
        ),
    )
    return notifications.create_notification_definition(request)


def test_the_sdk_creates_lists_updates_and_deletes_an_event_trigger(sdk, triggers):
    made = _trigger(sdk, triggers)
    assert (made.base_object, made.condition, made.active) == ("DebitMemo", CONDITION, True)
    assert made.event_type.name == "MemoPostedNow"
    assert triggers.get_event_trigger(made.id).event_type.display_name == "Memo posted now"
    listed = triggers.get_event_triggers(base_object="DebitMemo")
    assert [t.id for t in listed.data] == [made.id]
    changed = triggers.put_event_trigger(
        made.id, sdk.PutEventTriggerRequest(active=False, condition="changeType == 'DELETE'")
    )
    assert (changed.active, changed.condition) == (False, "changeType == 'DELETE'")
    triggers.delete_event_trigger(made.id)
    assert triggers.get_event_triggers().data == []


def test_the_sdk_sees_a_bad_condition_as_a_400_naming_it(sdk, triggers):
    from zuora_sdk.exceptions import ApiException

    request = sdk.PostEventTriggerRequest(
        active=True,
        base_object="DebitMemo",
        condition="DebitMemo.Status === 'Posted'",
        event_type=sdk.EventType(name="Broken", display_name="Broken"),
    )
    with pytest.raises(ApiException) as raised:
        triggers.post_event_trigger(request)
    assert raised.value.status == 400
    body = json.loads(raised.value.body)
    assert body["message"].startswith("'condition' is not valid at character 20")


def test_the_sdk_creates_gets_updates_and_deletes_a_notification_definition(
    sdk, triggers, notifications
):
    _trigger(sdk, triggers)
    made = _definition(sdk, notifications)
    assert (made.name, made.event_type_name, made.callout_active) == (
        "Tell the ledger", "MemoPostedNow", True,
    )  # fmt: skip
    assert made.callout.callout_baseurl == "https://ledger.example.com/zuora"
    assert made.callout.callout_auth.username == "ledger"
    got = notifications.get_notification_definition(made.id)
    assert got.callout.callout_params == {"memoId": "<DataSource.DebitMemo.Id>"}
    listed = notifications.query_notification_definitions(event_type_name="MemoPostedNow")
    assert [d.id for d in listed.data] == [made.id]
    changed = notifications.update_notification_definition(
        made.id,
        sdk.PutPublicNotificationDefinitionRequest(
            name="Tell the ledger twice", callout_active=True
        ),
    )
    assert (changed.name, changed.callout_active) == ("Tell the ledger twice", True)
    notifications.delete_notification_definition(made.id)
    assert notifications.query_notification_definitions().data == []


def test_the_sdk_sees_a_missing_definition_as_zuoras_404(notifications):
    from zuora_sdk.exceptions import ApiException

    with pytest.raises(ApiException) as raised:
        notifications.get_notification_definition("0" * 32)
    assert raised.value.status == 404
    assert "could not be found" in json.loads(raised.value.body)["reasons"][0]["message"]
