"""The debit memo life cycle without a server: the domain over an in-memory
store, with the time injected (a set clock) instead of slept for."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sample_records import add_account

from mockserver.domain.clock import Clock
from mockserver.domain.debit_memos import DebitMemos
from mockserver.domain.errors import (
    AmountExceedsBalance,
    CurrencyMismatch,
    InvalidParameter,
    InvalidState,
    MissingParameter,
    NotFound,
    ZuoraError,
)
from mockserver.domain.query import PageQuery, SortTerm
from mockserver.domain.queryable import MEMO_FIELDS
from mockserver.domain.tenant_settings import TenantSettings, custom_fields_from
from mockserver.fixtures import snapshot
from mockserver.store.memory import MemoryStore

NOW = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    clock = Clock()
    clock.set(NOW)
    return clock


@pytest.fixture
def store() -> MemoryStore:
    store = MemoryStore("domain")
    fields = {"debit_memo": {"Region__c": "text", "Team__c": "text"}}
    store.settings = TenantSettings(custom_fields=custom_fields_from(fields))
    return store


@pytest.fixture
def account(store):
    return add_account(store)


@pytest.fixture
def memos(store, clock, account) -> DebitMemos:
    return DebitMemos(store, clock)


def request(**overrides) -> dict:
    """A create request as v2's schema loads it (Decimals and dates)."""
    body = {
        "account_number": "A00000001",
        "items": [
            {
                "amount": Decimal("100.00"),
                "service_start": date(2026, 3, 1),
                "taxation_items": [
                    {
                        "name": "Sales tax",
                        "amount": Decimal("7.25"),
                        "tax_code": "SALES",
                        "tax_date": date(2026, 3, 1),
                        "tax_rate": Decimal("0.0725"),
                    }
                ],
            },
            {
                "unit_amount": Decimal("2.50"),
                "quantity": Decimal(4),
                "service_start": date(2026, 3, 1),
            },
        ],
    }
    body.update(overrides)
    return body


def later(clock: Clock, hours: int) -> datetime:
    clock.set(NOW + timedelta(hours=hours))
    return clock.now()


def state_of(store) -> dict:
    return snapshot.export(store, NOW.date(), UTC)


@pytest.fixture
def refused(store):
    """Assert that an operation is refused with ``error`` and changes nothing, ids included."""

    def check(error: type[ZuoraError], operation, *args):
        before, twin = state_of(store), store.frozen().thaw()
        with pytest.raises(error):
            operation(*args)
        assert state_of(store) == before
        assert store.next_memo_number() == twin.next_memo_number()
        assert store.new_id() == twin.new_id(), "a refusal drew an id"

    return check


# -- create ----------------------------------------------------------------------


def test_create_makes_a_draft_dated_now_due_after_the_terms(memos, store, account):
    memo = memos.create(request())
    assert memo.state == "draft"
    assert memo.debit_memo_number == "DM00000001"
    assert memo.audit.created_time == NOW
    assert (memo.document_date, memo.due_date) == (date(2026, 3, 2), date(2026, 4, 1))
    assert (memo.subtotal, memo.tax, memo.total) == (11000, 725, 11725)
    assert [item.amount for item in memo.items] == [10000, 1000]
    assert memo.items[1].unit_amount == Decimal("2.50")
    assert store.memo(memo.id) is memo
    assert memos.get("DM00000001") is memo


def test_create_with_post_makes_a_posted_memo_owed_by_the_account(memos, store, account):
    memo = memos.create(request(post=True))
    assert memo.state == "posted"
    assert (memo.posted_time, memo.posted_by_id) == (NOW, store.api_user_id)
    assert store.remaining_debit_memo_balance(account.id) == 11725


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"account_number": "A99999999"}, InvalidParameter),
        ({"currency": "EUR"}, CurrencyMismatch),
        ({"due_date": date(2026, 1, 1)}, InvalidParameter),
        ({"items": None}, MissingParameter),
        ({"items": []}, InvalidParameter),
    ],
)
def test_create_refusals_change_nothing(memos, refused, changes, error):
    body = {k: v for k, v in request(**changes).items() if v is not None}
    refused(error, memos.create, body)


def test_an_item_whose_amounts_disagree_names_its_field_and_adds_no_memo(memos, store):
    before = state_of(store)
    item = {"amount": Decimal(11), "unit_amount": Decimal(5), "quantity": Decimal(2)}
    with pytest.raises(InvalidParameter) as raised:
        memos.create(request(items=[{**item, "service_start": date(2026, 3, 1)}]))
    assert raised.value.problems[0].field == "items[0].amount"
    assert state_of(store) == before


# -- state transitions -----------------------------------------------------------


def test_post_unpost_post_records_who_and_when(memos, clock):
    memo = memos.create(request())
    posted = memos.post(memo.id)
    assert (posted.state, posted.posted_time) == ("posted", NOW)
    assert memos.unpost(memo.id).state == "draft"
    again = memos.post(memo.debit_memo_number)
    assert again.posted_time == later(clock, 0) == NOW


def test_every_change_touches_the_audit(memos, clock):
    memo = memos.create(request())
    when = later(clock, 3)
    posted = memos.post(memo.id)
    assert posted.audit.created_time == NOW
    assert posted.audit.updated_time == posted.posted_time == when


def test_cancel_then_delete(memos, store, clock):
    memo = memos.create(request())
    canceled = memos.cancel(memo.id)
    assert (canceled.state, canceled.canceled_time) == ("canceled", NOW)
    memos.delete(memo.id)
    assert store.memo(memo.id) is None
    with pytest.raises(NotFound):
        memos.get(memo.id)


def test_transitions_from_the_wrong_state_change_nothing(memos, refused):
    draft = memos.create(request())
    posted = memos.post(memos.create(request()).id)
    refused(InvalidState, memos.post, posted.id)
    refused(InvalidState, memos.cancel, posted.id)
    refused(InvalidState, memos.unpost, draft.id)
    refused(InvalidState, memos.delete, draft.id)
    refused(NotFound, memos.post, "DM99999999")


# -- pay -------------------------------------------------------------------------


def test_pay_in_part_then_in_full(memos, store, account):
    memo = memos.create(request(post=True))
    partly = memos.pay(memo.id, {"currency": "USD", "amount": Decimal("100.25")})
    assert (partly.amount_paid, partly.remaining_balance) == (10025, 1700)
    assert store.remaining_debit_memo_balance(account.id) == 1700
    paid = memos.pay(memo.id, {"currency": "USD"})
    assert (paid.remaining_balance, paid.paid) == (0, True)
    assert [item.remaining_balance for item in paid.items] == [0, 0]
    assert store.remaining_debit_memo_balance(account.id) == 0


def test_a_paid_memo_cannot_be_unposted(memos, refused):
    memo = memos.create(request(post=True))
    memos.pay(memo.id, {"currency": "USD", "amount": Decimal(1)})
    refused(InvalidState, memos.unpost, memo.id)


@pytest.mark.parametrize(
    ("payment", "error"),
    [
        ({"currency": "USD", "amount": Decimal("117.26")}, AmountExceedsBalance),
        ({"currency": "EUR"}, CurrencyMismatch),
        ({"currency": "USD", "payment_method_id": "not-a-method"}, InvalidParameter),
        ({"currency": "USD", "account_number": "A00000002"}, InvalidParameter),
    ],
)
def test_pay_refusals_change_nothing(memos, refused, payment, error):
    memo = memos.create(request(post=True))
    refused(error, memos.pay, memo.id, payment)


def test_another_account_s_payment_method_is_refused(memos, store, refused):
    other = add_account(store, 2)
    memo = memos.create(request(post=True))
    payment = {"currency": "USD", "payment_method_id": other.default_payment_method_id}
    refused(InvalidParameter, memos.pay, memo.id, payment)


# -- patch -----------------------------------------------------------------------


def test_patch_changes_the_given_fields_and_merges_custom_fields(memos, clock):
    memo = memos.create(request(custom_fields={"Region__c": "NA"}))
    when = later(clock, 1)
    patched = memos.patch(
        memo.id, {"description": "Usage", "custom_fields": {"Team__c": "Billing"}}
    )
    assert patched.description == "Usage"
    assert dict(patched.custom_fields) == {"Region__c": "NA", "Team__c": "Billing"}
    assert patched.audit.updated_time == when


def test_patch_refusals_change_nothing(memos, refused):
    memo = memos.create(request())
    refused(InvalidParameter, memos.patch, memo.id, {"due_date": date(2026, 1, 1)})
    memos.cancel(memo.id)
    refused(InvalidState, memos.patch, memo.id, {"description": "late"})


# -- list ------------------------------------------------------------------------


def test_list_pages_the_store(memos):
    made = [memos.create(request()) for _ in range(3)]
    query = PageQuery(
        collection="debit_memos",
        filters=(),
        terms=(SortTerm(MEMO_FIELDS["debit_memo_number"], True), SortTerm(MEMO_FIELDS["id"], True)),
        after=None,
        size=2,
        today=NOW.date(),
    )
    page = memos.list(query)
    assert page.rows == [made[2], made[1]]
    assert page.more is True
