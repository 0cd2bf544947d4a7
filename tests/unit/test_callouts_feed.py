"""The callouts' interface without a server: the change feed a domain over an
observed store publishes, the standard events among its changes, the
definitions registry and the outbox that ``dispatch`` fills."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sample_records import add_account

from mockserver.callouts import (
    Callout,
    Callouts,
    CalloutTime,
    ChangeFeed,
    MergeFieldError,
    NotificationDefinition,
    ObservedStore,
    check_params,
    render,
)
from mockserver.domain.clock import Clock
from mockserver.domain.debit_memos import DebitMemos
from mockserver.domain.payments import Payments
from mockserver.store.memory import MemoryStore

NOW = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
PARAMS = {"memoId": "DebitMemo.Id", "status": "<DataSource.DebitMemo.Status>"}


@pytest.fixture
def callouts() -> Callouts:
    clock = CalloutTime("manual").clock()
    clock.advance_to(100.0)
    return Callouts("default", seed=7, clock=clock)


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore("callouts")


@pytest.fixture
def account(store):
    return add_account(store)


@pytest.fixture
def changes(callouts) -> list:
    heard = []
    callouts.feed.subscribe(heard.append)
    return heard


@pytest.fixture
def memos(store, callouts, account) -> DebitMemos:
    clock = Clock()
    clock.set(NOW)
    return DebitMemos(ObservedStore(store, callouts.feed), clock)


@pytest.fixture
def payments(store, callouts, account) -> Payments:
    clock = Clock()
    clock.set(NOW)
    return Payments(ObservedStore(store, callouts.feed), clock)


def define(callouts: Callouts, event: str, category: int | None = None, **callout) -> None:
    callouts.definitions.add(
        NotificationDefinition(
            id=callouts.new_definition_id(),
            name=f"on {event}",
            event_category=category,
            event_type_name=None if category else event,
            callout=Callout(url="http://127.0.0.1:9/hook", **callout),
        )
    )


def create(memos: DebitMemos, **overrides):
    item = {"amount": Decimal("100.00"), "service_start": date(2026, 3, 1)}
    return memos.create({"account_number": "A00000001", "items": [item], **overrides})


def test_a_create_is_one_insert_with_zuora_field_names(memos, changes):
    memo = create(memos)
    [change] = changes
    assert (change.base_object, change.change_type, change.old) == ("DebitMemo", "INSERT", None)
    assert change.new["Id"] == memo.id
    assert change.new["DebitMemoNumber"] == change.new["Number"] == "DM00000001"
    assert (change.new["Status"], change.new["Amount"]) == ("Draft", Decimal("100.00"))


def test_a_post_is_an_update_from_draft_to_posted(memos, changes):
    memo = create(memos)
    memos.post(memo.id)
    change = changes[-1]
    assert change.change_type == "UPDATE"
    assert (change.old["Status"], change.new["Status"]) == ("Draft", "Posted")
    assert change.new["PostedOn"] == "2026-03-02 10:30:00"


def test_a_pay_changes_the_memo_and_inserts_a_payment_in_one_commit(memos, changes):
    memo = create(memos, post=True)
    changes.clear()
    memos.pay(memo.id, {"currency": "USD"})
    kinds = sorted((c.base_object, c.change_type) for c in changes)
    assert kinds == [("DebitMemo", "UPDATE"), ("Payment", "INSERT")]
    [paid] = [c for c in changes if c.base_object == "DebitMemo"]
    assert (paid.old["Balance"], paid.new["Balance"]) == (Decimal("100.00"), Decimal("0.00"))


def test_a_refused_operation_publishes_nothing(memos, changes):
    memo = create(memos)
    changes.clear()
    with pytest.raises(Exception, match="draft"):
        memos.pay(memo.id, {"currency": "USD"})
    assert changes == []


def test_a_delete_is_a_delete_with_the_old_fields(memos, changes):
    memo = create(memos)
    memos.cancel(memo.id)
    memos.delete(memo.id)
    change = changes[-1]
    assert (change.change_type, change.new, change.old["Status"]) == ("DELETE", None, "Canceled")


def test_posting_queues_debit_memo_posted_and_creating_queues_nothing(memos, callouts):
    define(callouts, "DebitMemoPosted", 2820, params=PARAMS)
    memo = create(memos)
    assert len(callouts.outbox) == 0
    memos.post(memo.id)
    [notification] = callouts.outbox.pending()
    assert (notification.event, notification.object_id) == ("DebitMemoPosted", memo.id)
    assert notification.body == {"memoId": memo.id, "status": "Posted"}
    assert notification.due == 100.0


def test_post_at_create_is_debit_memo_posted(memos, callouts):
    define(callouts, "DebitMemoPosted", 2820)
    memo = create(memos, post=True)
    assert [n.object_id for n in callouts.outbox.pending()] == [memo.id]


def test_a_payment_is_payment_processed_from_either_way_of_paying(memos, payments, callouts):
    define(callouts, "PaymentProcessed", 2120, params={"paymentId": "Payment.Id"})
    first = create(memos, post=True)
    second = create(memos, post=True)
    memos.pay(first.id, {"currency": "USD"})
    made = payments.create(
        {
            "amount": Decimal("10.00"),
            "currency": "USD",
            "type": "External",
            "account_number": "A00000001",
            "debit_memos": [{"debit_memo_id": second.id, "amount": Decimal("10.00")}],
        }
    )
    processed = callouts.outbox.pending()
    assert [n.event for n in processed] == ["PaymentProcessed", "PaymentProcessed"]
    assert processed[1].body == {"paymentId": made.id}
    assert [n.sequence for n in processed] == sorted(n.sequence for n in processed)


def test_inactive_definitions_and_other_events_send_nothing(memos, callouts):
    define(callouts, "PaymentProcessed", 2120)
    callouts.definitions.add(
        NotificationDefinition(
            id="off", name="off", event_category=2820, active=False, callout=Callout("http://x")
        )
    )
    create(memos, post=True)
    assert len(callouts.outbox) == 0


def test_dispatch_of_a_custom_event_matches_its_event_type_name(callouts):
    define(callouts, "BigMemo", params={"number": "{{ DataSource.DebitMemo.Number }}"})
    [queued] = callouts.dispatch("BigMemo", "DebitMemo", {"Id": "m1", "Number": "DM1"})
    assert (queued.body, queued.object_id) == ({"number": "DM1"}, "m1")
    assert callouts.dispatch("OtherEvent", "DebitMemo", {"Id": "m1"}) == []


def test_reset_keeps_startup_definitions_and_replays_ids():
    startup = NotificationDefinition("s1", "startup", Callout("http://x"), event_category=2820)
    callouts = Callouts("t", seed=1, startup=[startup])
    first = callouts.new_definition_id()
    define(callouts, "DebitMemoPosted", 2820)
    callouts.dispatch("DebitMemoPosted", "DebitMemo", {"Id": "m"})
    callouts.reset()
    assert [d.id for d in callouts.definitions.list()] == ["s1"]
    assert callouts.definitions.list()[0].origin == "startup"
    assert len(callouts.outbox) == 0
    assert callouts.new_definition_id() == first


def test_registry_update_and_delete(callouts):
    define(callouts, "DebitMemoPosted", 2820)
    [definition] = callouts.definitions.list()
    callouts.definitions.update(replace(definition, active=False))
    assert callouts.definitions.for_event("DebitMemoPosted") == []
    assert callouts.definitions.delete(definition.id) is True
    assert callouts.definitions.delete(definition.id) is False
    with pytest.raises(KeyError):
        callouts.definitions.update(definition)


def test_render_fills_merge_fields_inside_text_and_leaves_literals():
    record = {"Id": "m1", "Amount": Decimal("10.5"), "AutoPay": True, "Comments": None}
    params = {
        "text": "memo <DataSource.DebitMemo.ID> of {{DataSource.DebitMemo.Amount}}",
        "auto": "DebitMemo.AutoPay",
        "comment": "DebitMemo.Comments",
        "literal": "hello",
    }
    assert render(params, "DebitMemo", record) == {
        "text": "memo m1 of 10.50",
        "auto": "true",
        "comment": "",
        "literal": "hello",
    }


@pytest.mark.parametrize(
    ("params", "base", "message"),
    [
        ({"a": "DebitMemo.Nope"}, "DebitMemo", "'a': a DebitMemo has no field Nope"),
        ({"b": "<DataSource.Payment.Id>"}, "DebitMemo", "'b': the event is about a DebitMemo"),
        ({"c": "{{DataSource.Invoice.Id}}"}, None, "'c': the event is about a DebitMemo or"),
    ],
)
def test_check_params_names_the_parameter(params, base, message):
    with pytest.raises(MergeFieldError, match=message) as raised:
        check_params(params, base)
    assert raised.value.param == next(iter(params))


def test_commits_publish_in_the_order_of_their_tickets_whoever_gets_there_first():
    """A commit takes its ticket in the store's turn; a group's writers all answer at
    its commit (``store/sql/group.py``), so the later one may get to publish first:
    it waits for the earlier one's changes, or for the earlier one to fail."""
    feed = ChangeFeed("default")
    heard = []
    feed.subscribe(heard.append)
    first, failed, last = feed.ticket(), feed.ticket(), feed.ticket()
    published = threading.Event()

    def publish_last():
        with feed.in_order(last):
            feed.publish(["last"])
        published.set()

    thread = threading.Thread(target=publish_last)
    thread.start()
    assert not published.wait(0.2)  # the earlier tickets are not served yet
    with feed.in_order(first):
        feed.publish(["first"])
    assert not published.wait(0.2)
    with feed.in_order(failed):  # its commit failed: nothing to publish
        pass
    thread.join(10)
    assert heard == ["first", "last"]
