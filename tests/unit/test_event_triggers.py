"""Custom event triggers in the callout engine, without a server: a trigger's
condition evaluated on each committed change of its base object; a match is its
event, queued for the definitions of that event type name."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sample_records import add_account

from mockserver.callouts import Callout, Callouts, NotificationDefinition, ObservedStore
from mockserver.callouts.timing import CalloutTime
from mockserver.callouts.triggers import MAX_TRIGGERS, EventTrigger, EventType, TriggerConflict
from mockserver.domain.clock import Clock
from mockserver.domain.conditions import parse
from mockserver.domain.debit_memos import DebitMemos
from mockserver.domain.payments import Payments
from mockserver.store.memory import MemoryStore

NOW = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
POSTED = (
    "changeType == 'UPDATE' && DebitMemo.Status == 'Posted' && DebitMemo.Status_old != 'Posted'"
)


@pytest.fixture
def callouts() -> Callouts:
    return Callouts("default", seed=7, clock=CalloutTime("manual").clock())


@pytest.fixture
def store() -> MemoryStore:
    store = MemoryStore("triggers")
    add_account(store)
    return store


@pytest.fixture
def memos(store, callouts) -> DebitMemos:
    clock = Clock()
    clock.set(NOW)
    return DebitMemos(ObservedStore(store, callouts.feed), clock)


@pytest.fixture
def payments(store, callouts) -> Payments:
    clock = Clock()
    clock.set(NOW)
    return Payments(ObservedStore(store, callouts.feed), clock)


def add_trigger(callouts, name, condition, base="DebitMemo", active=True) -> EventTrigger:
    trigger = EventTrigger(
        id=callouts.triggers.new_id(),
        condition=parse(condition, base),
        event_type=EventType(name, name),
        active=active,
    )
    return callouts.triggers.add(trigger)


def define(callouts, event: str, params: dict) -> None:
    callouts.definitions.add(
        NotificationDefinition(
            id=callouts.new_definition_id(),
            name=f"on {event}",
            event_type_name=event,
            callout=Callout(url="http://127.0.0.1:9/hook", params=params),
        )
    )


def create(memos, **overrides):
    item = {"amount": Decimal("100.00"), "service_start": date(2026, 3, 1)}
    return memos.create({"account_number": "A00000001", "items": [item], **overrides})


def test_a_matching_change_queues_the_custom_event_for_its_definitions(memos, callouts):
    add_trigger(callouts, "MemoPostedNow", POSTED)
    define(callouts, "MemoPostedNow", {"id": "DebitMemo.Id", "was": "DebitMemo.Status"})
    memo = create(memos)
    assert callouts.outbox.pending() == []
    memos.post(memo.id)
    [notification] = callouts.outbox.pending()
    assert (notification.event, notification.base_object) == ("MemoPostedNow", "DebitMemo")
    assert notification.body == {"id": memo.id, "was": "Posted"}


def test_no_definition_no_notification(memos, callouts):
    add_trigger(callouts, "MemoPostedNow", POSTED)
    memos.post(create(memos).id)
    assert callouts.outbox.pending() == []


def test_an_inactive_trigger_and_another_objects_trigger_stay_silent(memos, callouts):
    add_trigger(callouts, "Off", "changeType == 'INSERT'", active=False)
    add_trigger(callouts, "PaymentMade", "changeType == 'INSERT'", base="Payment")
    define(callouts, "Off", {})
    define(callouts, "PaymentMade", {})
    create(memos)
    assert callouts.outbox.pending() == []


def test_insert_update_and_delete_each_match_their_change_type(memos, callouts):
    for change_type in ("INSERT", "UPDATE", "DELETE"):
        add_trigger(callouts, f"Memo{change_type}", f"changeType == '{change_type}'")
        define(callouts, f"Memo{change_type}", {"status": "DebitMemo.Status"})
    memo = create(memos)
    memos.cancel(memo.id)
    memos.delete(memo.id)
    events = [(n.event, n.body["status"]) for n in callouts.outbox.pending()]
    assert events == [
        ("MemoINSERT", "Draft"),
        ("MemoUPDATE", "Canceled"),
        ("MemoDELETE", "Canceled"),
    ]


def test_a_payment_trigger_reads_the_payments_fields(memos, payments, callouts):
    add_trigger(callouts, "BigPayment", "changeType == 'INSERT' && Payment.Amount >= 50", "Payment")
    define(callouts, "BigPayment", {"amount": "Payment.Amount"})
    memo = create(memos, post=True)
    memos.pay(memo.id, {"currency": "USD", "amount": Decimal("40.00")})
    assert callouts.outbox.pending() == []
    memos.pay(memo.id, {"currency": "USD"})
    [notification] = callouts.outbox.pending()
    assert notification.body == {"amount": "60.00"}


def test_the_standard_event_and_a_custom_one_both_fire_in_that_order(memos, callouts):
    add_trigger(callouts, "MemoPostedNow", POSTED)
    define(callouts, "MemoPostedNow", {})
    callouts.definitions.add(
        NotificationDefinition(
            id=callouts.new_definition_id(),
            name="posted",
            event_category=2820,
            callout=Callout(url="http://127.0.0.1:9/hook"),
        )
    )
    memos.post(create(memos).id)
    assert [n.event for n in callouts.outbox.pending()] == ["DebitMemoPosted", "MemoPostedNow"]


def test_one_trigger_per_event_type_name_and_a_cap(callouts):
    add_trigger(callouts, "Once", "changeType == 'INSERT'")
    with pytest.raises(TriggerConflict, match="exists already"):
        add_trigger(callouts, "Once", "changeType == 'UPDATE'")
    for number in range(MAX_TRIGGERS - 1):
        add_trigger(callouts, f"T{number}", "changeType == 'INSERT'")
    with pytest.raises(TriggerConflict, match=f"at most {MAX_TRIGGERS}"):
        add_trigger(callouts, "OneTooMany", "changeType == 'INSERT'")


def test_a_reset_removes_every_trigger(memos, callouts):
    add_trigger(callouts, "MemoInserted", "changeType == 'INSERT'")
    callouts.reset()
    assert callouts.triggers.list() == []
