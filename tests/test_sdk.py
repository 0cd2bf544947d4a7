"""Zuora's official Python SDK (``zuora-sdk``, pinned), unchanged but for its host,
drives the debit memo life cycle against the sandbox, and registers callouts
Zuora's way (custom event triggers, notification definitions).

Business errors come back as Zuora sends them: HTTP 200 (the SDK raises on
anything else), ``success`` false and Zuora's 8-digit code.
"""

from __future__ import annotations

import json
import re

import pytest

pytestmark = [
    pytest.mark.xdist_group("zuora_sdk"),  # one worker imports the SDK's 60 MB
    pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning"),
]

CLIENT_ID = "8a90d3e1-0000-4000-8000-000000000001"  # the SDK checks for 36 characters


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
def memos(client):
    return client.debit_memos_api()


@pytest.fixture
def charge(client):
    """The first charge of the seeded catalog's usage product, found by its SKU."""
    product = client.products_api().get_product("SKU-USAGE")
    plans = client.product_rate_plans_api().get_rate_plans_by_product(product.id)
    return plans.product_rate_plans[0].product_rate_plan_charges[0]


def _create(sdk, memos, charge, **fields):
    request = sdk.CreateDebitMemoFromChargeRequest(
        account_number="A00000001",
        charges=[
            sdk.DebitMemoItemFromChargeDetail(
                product_rate_plan_charge_id=charge.id,
                amount=fields.pop("amount", 120.5),
                description="API calls above plan",
            )
        ],
        **fields,
    )
    memo = memos.create_debit_memo_from_charge(request)
    assert memo.success, memo.reasons
    return memo


def _code(answer) -> int:
    assert answer.success is False
    return int(_failure(answer)["reasons"][0]["code"])


def _failure(answer) -> dict:
    """``reasons`` and ``processId`` of a refusal, as dicts; a model that has no such
    fields (the SDK's ``CollectDebitMemoResponse``) keeps them as additional properties."""
    return {**answer.additional_properties, **answer.to_dict()}


def test_the_sdk_gets_a_token_from_oauth(client):
    assert client.get_token_info()["access_token"]
    assert client.api_client.default_headers["Authorization"].startswith("Bearer ")


def test_catalog_lookup_by_sku_number_and_id(client):
    products = client.products_api().get_products()
    assert products.success and len(products.products) == 4
    usage = next(p for p in products.products if p.sku == "SKU-USAGE")
    by_number = client.products_api().get_product(usage.product_number)
    assert (by_number.id, by_number.name, by_number.category) == (
        usage.id, "Platform Usage", "Add On Services",
    )  # fmt: skip
    plans = client.product_rate_plans_api().get_rate_plans_by_product(usage.id)
    charges = plans.product_rate_plans[0].product_rate_plan_charges
    assert [c.name for c in charges] == ["API overage", "Storage overage"]
    assert {p.currency for p in charges[0].pricing} == {"USD", "EUR", "GBP", "JPY"}


def test_create_from_a_charge_then_get_by_id_and_by_number(sdk, memos, charge):
    memo = _create(sdk, memos, charge, comment="made by the SDK")
    assert re.fullmatch(r"DM\d{8}", memo.number)
    assert (memo.status, memo.amount, memo.balance, memo.be_applied_amount) == (
        "Draft", 120.5, 120.5, 0,
    )  # fmt: skip
    assert (memo.account_number, memo.comment, memo.source_type) == (
        "A00000001", "made by the SDK", "Standalone",
    )  # fmt: skip
    by_id, by_number = memos.get_debit_memo(memo.id), memos.get_debit_memo(memo.number)
    assert by_id.to_dict() == by_number.to_dict()
    assert (by_id.id, by_id.amount, by_id.debit_memo_date) == (memo.id, 120.5, memo.debit_memo_date)


def test_a_charge_without_amount_is_priced_from_the_catalog(sdk, client, memos, charge):
    currency = client.accounts_api().get_account("A00000001").billing_and_payment.currency
    price = next(float(p.price) for p in charge.pricing if p.currency == currency)
    request = sdk.CreateDebitMemoFromChargeRequest(
        account_number="A00000001",
        charges=[
            sdk.DebitMemoItemFromChargeDetail(product_rate_plan_charge_id=charge.id, quantity=3)
        ],
    )
    memo = memos.create_debit_memo_from_charge(request)
    assert memo.currency == currency
    assert memo.amount == round(price * 3, 2)


def test_update_changes_what_was_sent_only(sdk, memos, charge):
    memo = _create(sdk, memos, charge, due_date="2027-03-01")
    changed = memos.update_debit_memo(
        memo.id, sdk.UpdateDebitMemoRequest(comment="renamed", reason_code="Charge Dispute")
    )
    assert (changed.comment, changed.reason_code) == ("renamed", "Charge Dispute")
    again = memos.get_debit_memo(memo.number)
    assert (again.comment, str(again.due_date), again.amount) == (
        "renamed", "2027-03-01", 120.5,
    )  # fmt: skip


def test_list_with_a_filter_follows_the_pages(memos):
    first = memos.get_debit_memos(account_number="A00000001", page_size=2)
    assert first.success and len(first.debitmemos) == 2 and first.next_page
    second = memos.get_debit_memos(account_number="A00000001", page_size=2, page=2)
    rows = first.debitmemos + second.debitmemos
    assert {m.account_number for m in rows} == {"A00000001"}
    assert len({m.id for m in rows}) == len(rows)
    numbers = [m.number for m in rows]
    assert numbers == sorted(numbers, reverse=True), "number descending by default"


def test_post_then_items_and_one_item(sdk, memos, charge):
    memo = _create(sdk, memos, charge)
    posted = memos.post_debit_memo(memo.id)
    assert (posted.status, posted.balance) == ("Posted", 120.5)
    assert posted.posted_on and posted.posted_by_id
    items = memos.get_debit_memo_items(memo.number)
    [item] = items.items
    assert (item.amount, item.balance, item.sku_name, item.source_item_id) == (
        120.5, 120.5, "API overage", charge.id,
    )  # fmt: skip
    one = memos.get_debit_memo_item(memo.id, item.id)
    assert (one.id, one.amount, one.description) == (item.id, 120.5, "API calls above plan")


def test_a_payment_applied_to_the_memo_lowers_its_balance(sdk, client, memos, charge):
    memo = memos.post_debit_memo(_create(sdk, memos, charge).id)
    payments = client.payments_api()
    payment = payments.create_payment(
        sdk.CreatePaymentRequest(
            account_number="A00000001",
            amount=50,
            currency=memo.currency,
            type="External",
            payment_method_type="Check",
            effective_date="2026-01-10",
            debit_memos=[
                sdk.CreatePaymentDebitMemoApplication(debit_memo_id=memo.id, amount=20.25)
            ],
        )
    )
    assert payment.success, payment.reasons
    assert (payment.status, payment.amount, payment.applied_amount, payment.unapplied_amount) == (
        "Processed", 50, 20.25, 29.75,
    )  # fmt: skip
    after = memos.get_debit_memo(memo.id)
    assert (after.balance, after.be_applied_amount, after.status) == (100.25, 20.25, "Posted")
    parts = memos.get_debit_memo_application_parts(memo.id).application_parts
    assert [(p.payment_id, p.applied_amount) for p in parts] == [(payment.id, 20.25)]
    by_number = payments.get_payment(payment.number)
    assert (by_number.id, by_number.effective_date) == (payment.id, "2026-01-10")
    [part] = payments.get_payment_parts(payment.id).parts
    assert (part.debit_memo_id, part.amount) == (memo.id, 20.25)
    refused = memos.unpost_debit_memo(memo.id)
    assert _code(refused) == 50000030


def test_apply_and_unapply_move_the_amount(sdk, client, memos, charge):
    memo = memos.post_debit_memo(_create(sdk, memos, charge).id)
    payments = client.payments_api()
    payment = payments.create_payment(
        sdk.CreatePaymentRequest(
            account_number="A00000001", amount=30, currency=memo.currency, type="External"
        )
    )
    assert (payment.applied_amount, payment.unapplied_amount) == (0, 30)
    applied = payments.apply_payment(
        payment.number,
        sdk.ApplyPaymentRequest(
            debit_memos=[sdk.ApplyPaymentDebitMemoApplication(debit_memo_id=memo.id, amount=30)]
        ),
    )
    assert (applied.applied_amount, memos.get_debit_memo(memo.id).balance) == (30, 90.5)
    back = payments.unapply_payment(
        payment.id,
        sdk.UnapplyPaymentRequest(
            debit_memos=[sdk.UnapplyPaymentDebitMemoApplication(debit_memo_id=memo.id, amount=30)]
        ),
    )
    assert (back.applied_amount, back.unapplied_amount) == (0, 30)
    assert memos.get_debit_memo(memo.id).balance == 120.5
    assert memos.unpost_debit_memo(memo.id).status == "Draft"


def test_collect_applies_an_unapplied_payment_then_charges_the_rest(sdk, client, memos, charge):
    memo = memos.post_debit_memo(_create(sdk, memos, charge).id)
    unapplied = client.payments_api().create_payment(
        sdk.CreatePaymentRequest(
            account_number="A00000001", amount=20, currency=memo.currency, type="External"
        )
    )
    done = memos.collect_debit_memo(
        memo.number, sdk.CollectDebitMemoRequest(apply_credit=True, collect=True)
    )
    assert done.success, done
    assert (done.debit_memo.id, done.applied_credit_memos) == (memo.id, [])
    [applied] = done.applied_payments
    assert (applied.id, applied.applied_amount, applied.unapplied_amount) == (unapplied.id, 20, 0)
    made = done.processed_payment
    assert (made.amount, made.status) == (100.5, "Processed")
    after = memos.get_debit_memo(memo.id)
    assert (after.balance, after.be_applied_amount) == (0, 120.5)
    refused = memos.collect_debit_memo(memo.id, sdk.CollectDebitMemoRequest(collect=True))
    assert refused.success and refused.processed_payment is None, "nothing left to collect"


def test_a_draft_canceled_and_deleted_is_gone(sdk, memos, charge):
    memo = _create(sdk, memos, charge)
    canceled = memos.cancel_debit_memo(memo.id)
    assert (canceled.status, bool(canceled.cancelled_on)) == ("Canceled", True)
    assert memos.delete_debit_memo(memo.id).success is True
    assert _code(memos.get_debit_memo(memo.id)) == 50000040


def test_account_and_summary_agree_with_memos_and_payments(sdk, client, memos, charge):
    accounts = client.accounts_api()
    before = accounts.get_account("A00000001").metrics
    memo = memos.post_debit_memo(_create(sdk, memos, charge).id)
    client.payments_api().create_payment(
        sdk.CreatePaymentRequest(
            account_number="A00000001", amount=200, currency=memo.currency, type="External",
            debit_memos=[
                sdk.CreatePaymentDebitMemoApplication(debit_memo_id=memo.id, amount=120.5)
            ],
        )
    )  # fmt: skip
    after = accounts.get_account(memo.account_id).metrics
    assert after.total_debit_memo_balance == pytest.approx(before.total_debit_memo_balance)
    assert after.unapplied_payment_amount == pytest.approx(before.unapplied_payment_amount + 79.5)
    summary = accounts.get_account_summary("A00000001")
    assert summary.basic_info.last_payment_amount == 200
    assert summary.payments[0].payment_type == "External"


class Refusals:
    """Requests Zuora refuses, each made through the SDK on a fresh draft ``memo``."""

    def __init__(self, sdk, client, memo, charge):
        self.sdk, self.memo, self.charge = sdk, memo, charge
        self.memos, self.payments = client.debit_memos_api(), client.payments_api()

    def _payment(self, currency, amount=10):
        sdk = self.sdk
        application = sdk.CreatePaymentDebitMemoApplication(
            debit_memo_id=self.memo.id, amount=amount
        )
        return sdk.CreatePaymentRequest(
            account_number="A00000001", amount=amount, currency=currency, type="External",
            debit_memos=[application],
        )  # fmt: skip

    def _from_charge(self, account="A00000001", charge_id=None):
        item = self.sdk.DebitMemoItemFromChargeDetail(
            product_rate_plan_charge_id=charge_id or self.charge.id, amount=1
        )
        request = self.sdk.CreateDebitMemoFromChargeRequest(account_number=account, charges=[item])
        return self.memos.create_debit_memo_from_charge(request)

    def _posted(self):
        return self.memos.post_debit_memo(self.memo.id)

    def get_unknown(self):
        return self.memos.get_debit_memo("DM99999999")

    def post_twice(self):
        self._posted()
        return self.memos.post_debit_memo(self.memo.id)

    def cancel_posted(self):
        self._posted()
        return self.memos.cancel_debit_memo(self.memo.id)

    def unknown_account(self):
        return self._from_charge(account="A99999999")

    def unknown_charge(self):
        return self._from_charge(charge_id="0" * 32)

    def too_much_applied(self):
        self._posted()
        return self.payments.create_payment(self._payment(self.memo.currency, 500))

    def payment_in_other_currency(self):
        self._posted()
        other = "JPY" if self.memo.currency != "JPY" else "USD"
        return self.payments.create_payment(self._payment(other))

    def apply_to_draft(self):
        return self.payments.create_payment(self._payment(self.memo.currency))

    def collect_draft(self):
        request = self.sdk.CollectDebitMemoRequest(collect=True)
        return self.memos.collect_debit_memo(self.memo.id, request)


@pytest.mark.parametrize(
    ("refusal", "code"),
    [
        ("get_unknown", 50000040),
        ("post_twice", 50000030),
        ("cancel_posted", 50000030),
        ("unknown_account", 50000220),
        ("unknown_charge", 50000420),
        ("too_much_applied", 50002630),
        ("payment_in_other_currency", 50001030),
        ("apply_to_draft", 50000030),
        ("collect_draft", 50000030),
    ],
)
def test_business_errors_are_answered_as_zuora_answers_them(
    sdk, client, memos, charge, refusal, code
):
    memo = _create(sdk, memos, charge)
    answer = getattr(Refusals(sdk, client, memo, charge), refusal)()
    assert _code(answer) == code, answer.reasons
    assert re.fullmatch(r"[0-9A-F]{16}", _failure(answer)["processId"])
    assert memos.get_debit_memo(memo.id).balance == 120.5, "the memo's balance is unchanged"


# -- registering callouts Zuora's way: custom event triggers, notification definitions ----
# The notification service answers errors with a real status, so the SDK raises
# them (``ApiException``) with Zuora's body.

POSTED_CONDITION = (
    "changeType == 'UPDATE' && DebitMemo.Status == 'Posted' && DebitMemo.Status_old != 'Posted'"
)


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
        condition=POSTED_CONDITION,
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
    assert (made.base_object, made.condition, made.active) == ("DebitMemo", POSTED_CONDITION, True)
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
