"""The Store protocol's contract: every store backend must pass this suite.

A new backend adds one factory to ``STORES``; nothing else changes. The SQL
stores share one database per session, each test in a tenant of its own.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sample_records import CREATED, add_account, audit, put_memo

from mockserver.domain import builders
from mockserver.domain.errors import NumbersExhausted
from mockserver.domain.query import Filter, PageQuery, SortTerm, ending_with_id, row_key
from mockserver.domain.queryable import ITEM_FIELDS, MEMO_FIELDS
from mockserver.domain.records import LAST_NUMBER, Payment, PaymentApplication
from mockserver.fixtures.catalog import seeded_catalog
from mockserver.store.memory import MemoryStore
from mockserver.store.sql.backend import SqlStores


def sql_store(request, backend: str):
    """An empty store in a new tenant of the session's ``backend`` database."""
    stores = request.getfixturevalue(f"{backend}_stores")
    return stores.open(f"contract-{uuid.uuid4().hex}", MemoryStore("contract").frozen())


STORES = {
    "memory": lambda request: MemoryStore("contract"),
    # What every tenant gets: a store thawed from frozen start-up data.
    "memory thawed": lambda request: MemoryStore("contract").frozen().thaw(),
    "sqlite": lambda request: sql_store(request, "sqlite"),
    "postgresql": lambda request: sql_store(request, "postgresql"),
}
TODAY = date(2026, 3, 1)


@pytest.fixture(scope="session")
def sqlite_stores(tmp_path_factory):
    stores = SqlStores(f"sqlite:///{tmp_path_factory.mktemp('store') / 'contract.db'}")
    yield stores
    stores.engine.dispose()


@pytest.fixture(scope="session")
def postgresql_stores(postgres_cluster):
    stores = SqlStores(postgres_cluster.new_database())
    yield stores
    stores.engine.dispose()


@pytest.fixture(params=sorted(STORES))
def store(request):
    return STORES[request.param](request)


@pytest.fixture
def account(store):
    return add_account(store)


def run_threads(count: int, work) -> None:
    threads = [threading.Thread(target=work) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)


# -- gets, puts, deletes ---------------------------------------------------------


def test_an_account_is_got_by_id_and_by_number(store, account):
    assert store.account(account.id) == account
    assert store.account_by_number("A00000001") == account
    assert store.contact(account.bill_to_id).account_id == account.id
    assert store.payment_method(account.default_payment_method_id).account_id == account.id


def test_what_was_never_put_is_none(store):
    for get in (
        store.account,
        store.account_by_number,
        store.contact,
        store.payment_method,
        store.memo,
        store.memo_by_number,
        store.item,
    ):
        assert get("nothing-by-this-name") is None


def test_a_memo_is_got_by_id_and_number_and_its_items_by_id(store, account):
    memo = put_memo(store, account, amounts=(1000, 250))
    assert store.memo(memo.id) is memo
    assert store.memo_by_number(memo.debit_memo_number) is memo
    assert [store.item(item.id) for item in memo.items] == list(memo.items)


def test_a_put_replaces_the_record_with_the_same_id(store, account):
    memo = put_memo(store, account, amounts=(1000, 250))
    changed = replace(memo, description="changed", items=memo.items[:1])
    store.put_memo(changed)
    assert store.memo(memo.id) is changed
    assert store.memo_by_number(memo.debit_memo_number) is changed
    assert store.count("debit_memos") == 1
    assert store.item(memo.items[1].id) is None
    renamed = replace(account, name="Renamed")
    store.put_account(renamed)
    assert store.account_by_number("A00000001") is renamed
    assert store.count("accounts") == 1


def test_a_deleted_memo_is_gone_with_its_number_and_items(store, account):
    memo = put_memo(store, account, amounts=(1000, 250))
    kept = put_memo(store, account)
    store.delete_memo(memo.id)
    assert store.memo(memo.id) is None
    assert store.memo_by_number(memo.debit_memo_number) is None
    assert store.item(memo.items[0].id) is None
    assert store.count("debit_memos") == 1
    assert list(store.records("debit_memos")) == [kept]
    assert page(store, sort=("total", False)).rows == [kept]


def test_records_and_counts_of_every_collection(store, account):
    memos = [put_memo(store, account, amounts=(100,) * n) for n in (1, 2, 3)]
    assert sorted(m.id for m in store.records("debit_memos")) == sorted(m.id for m in memos)
    assert [a.id for a in store.records("accounts")] == [account.id]
    assert len(list(store.records("contacts"))) == 1
    assert len(list(store.records("payment_methods"))) == 1
    assert store.count("debit_memos") == 3
    assert store.count("debit_memo_items") == 6


def test_the_remaining_debit_memo_balance_counts_posted_memos_only(store, account):
    assert store.remaining_debit_memo_balance(account.id) == 0
    put_memo(store, account, amounts=(5000,))  # a draft owes nothing yet
    posted = put_memo(store, account, amounts=(1000, 250), state="posted")
    put_memo(store, account, amounts=(700,), state="posted")
    assert store.remaining_debit_memo_balance(account.id) == 1950
    store.put_memo(replace(posted, amount_paid=1000))
    assert store.remaining_debit_memo_balance(account.id) == 950
    store.delete_memo(posted.id)
    assert store.remaining_debit_memo_balance(account.id) == 700


# -- transactions, ids and numbers -----------------------------------------------


def test_a_transaction_can_be_entered_again_by_its_holder(store):
    with store.transaction(), store.transaction():
        assert store.next_memo_number() == "DM00000001"


def test_concurrent_writers_under_a_transaction_lose_no_update(store, account):
    memo = put_memo(store, account, amounts=(10**6,), state="posted")

    def pay_one_cent_a_hundred_times():
        for _ in range(100):
            with store.transaction():
                current = store.memo(memo.id)
                time.sleep(0)  # let another writer run between the read and the write
                store.put_memo(replace(current, amount_paid=current.amount_paid + 1))

    page(store, sort=("amount_paid", False))  # an index to keep in step, too
    run_threads(8, pay_one_cent_a_hundred_times)
    assert store.memo(memo.id).amount_paid == 800
    assert store.remaining_debit_memo_balance(account.id) == 10**6 - 800
    assert page(store, sort=("amount_paid", False)).rows == [store.memo(memo.id)]


def test_new_ids_are_unique_across_threads(store):
    ids = []

    def draw():
        ids.extend(store.new_id() for _ in range(2000))

    run_threads(8, draw)
    assert len(set(ids)) == 16000
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


def test_memo_numbers_are_consecutive_and_unique_across_threads(store):
    numbers = []

    def draw():
        numbers.extend(store.next_memo_number() for _ in range(500))

    run_threads(8, draw)
    assert sorted(numbers) == [f"DM{n:08d}" for n in range(1, 4001)]
    assert store.last_memo_number() == 4000


def test_skipped_numbers_are_not_given_again(store):
    store.skip_memo_numbers(41)
    store.skip_memo_numbers(7)  # never backwards
    assert store.next_memo_number() == "DM00000042"


def test_numbers_end_at_eight_digits(store):
    store.skip_memo_numbers(LAST_NUMBER - 1)
    store.skip_payment_numbers(LAST_NUMBER)
    assert store.next_memo_number() == "DM99999999"
    with pytest.raises(NumbersExhausted):
        store.next_memo_number()
    with pytest.raises(NumbersExhausted):
        store.next_payment_number()
    assert (store.last_memo_number(), store.last_payment_number()) == (LAST_NUMBER, LAST_NUMBER)


# -- page queries ----------------------------------------------------------------


def page(store, sort=("updated_time", True), *filters, size=30, after=None, collection=None):
    query = make_query(store, sort, *filters, size=size, after=after, collection=collection)
    return store.page(query)


def make_query(store, sort, *filters, size=30, after=None, collection=None) -> PageQuery:
    collection = collection or "debit_memos"
    fields = MEMO_FIELDS if collection == "debit_memos" else ITEM_FIELDS
    pairs = [sort[i : i + 2] for i in range(0, len(sort), 2)]
    terms = ending_with_id([SortTerm(fields[name], desc) for name, desc in pairs], fields["id"])
    return PageQuery(
        collection=collection,
        filters=tuple(Filter(fields[name], op, value) for name, op, value in filters),
        terms=terms,
        after=after,
        size=size,
        today=TODAY,
    )


def every_row(store, sort, *filters, size=3, collection=None) -> list:
    """Every row, page by page, each page starting after the last row of the one before."""
    rows, after = [], None
    while True:
        query = make_query(store, sort, *filters, size=size, after=after, collection=collection)
        result = store.page(query)
        assert len(result.rows) <= size
        rows += result.rows
        if not result.more:
            return rows
        after = row_key(query.terms, result.rows[-1], TODAY)


def reference(records, sort, *filters) -> list:
    """What a page walk must give, by plain Python: filter, then sort term by term."""
    fields = MEMO_FIELDS
    kept = [
        r for r in records if all(Filter(fields[n], o, v).matches(r, TODAY) for n, o, v in filters)
    ]
    pairs = [sort[i : i + 2] for i in range(0, len(sort), 2)]
    kept.sort(key=lambda r: r.id, reverse=pairs[-1][1])
    for name, desc in reversed(pairs):
        kept.sort(key=lambda r, name=name: fields[name].get(r, TODAY), reverse=desc)
    return kept


@pytest.fixture
def memos(store, account):
    """Twenty memos of varied totals, states and times; some share a total."""
    other = add_account(store, 2)
    made = []
    for n in range(20):
        made.append(
            put_memo(
                store,
                account if n % 3 else other,
                amounts=(100 * (n % 7 + 1), 5 * n),
                state=("draft", "posted", "canceled")[n % 3],
                updated=CREATED + timedelta(hours=n % 5),
                document_date=date(2026, 1, 1) + timedelta(days=n % 4 * 20),
            )
        )
    return made


SORTS = [
    ("total", False),
    ("total", True),
    ("document_date", False),
    ("updated_time", True),
    ("id", False),
    ("past_due", True),  # depends on the day: no index
    ("state", False, "total", True),
]
FILTERS = [
    (),
    (("state", "EQ", "posted"),),
    (("total", "GT", 40000), ("state", "NE", "canceled")),
    (("account_number", "IN", ("A00000002",)),),
    (("debit_memo_number", "SW", "DM0000001"),),
    # Money filtered by a fraction of a hundredth, an instant in another zone,
    # None among IN's values, and a field that depends on the day.
    (("total", "GE", Decimal("415.5")), ("subtotal", "LE", Decimal("600.5"))),
    (("updated_time", "GE", datetime(2026, 1, 5, 12, tzinfo=timezone(timedelta(hours=2)))),),
    (("description", "IN", (None, "nowhere")), ("paid", "EQ", False)),
    (("past_due", "EQ", False), ("total", "NE", 415)),
]


@pytest.mark.parametrize(
    "filters", FILTERS, ids=lambda f: ";".join(f"{x[0]}.{x[1]}" for x in f) or "all"
)
def test_pages_walked_by_after_key_give_every_matching_row_once_in_order_of_every_sort(
    store, memos, filters
):
    for sort in SORTS:
        assert every_row(store, sort, *filters) == reference(memos, sort, *filters), sort


def test_a_filter_on_item_ids_finds_the_memos_that_hold_them(store, memos):
    wanted = (memos[3].items[-1].id, memos[7].items[0].id)
    rows = every_row(store, ("total", False), ("[items][id]", "IN", wanted))
    assert sorted(m.id for m in rows) == sorted([memos[3].id, memos[7].id])
    others = every_row(store, ("total", False), ("[items][id]", "NE", wanted[0]))
    assert [m.id for m in others] == [m.id for m in reference(memos, ("total", False))
                                      if m.id != memos[3].id]  # fmt: skip


def test_a_page_says_whether_more_rows_follow(store, memos):
    first = page(store, ("total", False), size=19)
    assert (len(first.rows), first.more) == (19, True)
    whole = page(store, ("total", False), size=20)
    assert (len(whole.rows), whole.more) == (20, False)


def test_keyset_pages_are_stable_when_rows_are_added_and_changed_before_the_key(
    store, memos, account
):
    sort = ("total", True)
    query = make_query(store, sort, size=5)
    first = store.page(query)
    after = row_key(query.terms, first.rows[-1], TODAY)
    put_memo(store, account, amounts=(10**8,))  # sorts first: before the key
    store.put_memo(replace(first.rows[0], description="changed"))  # a row already seen
    rest = every_row_from(store, sort, after)
    expected = reference(memos, sort)
    assert [m.id for m in first.rows + rest] == [m.id for m in expected]


def every_row_from(store, sort, after) -> list:
    rows = []
    while True:
        query = make_query(store, sort, size=4, after=after)
        result = store.page(query)
        rows += result.rows
        if not result.more:
            return rows
        after = row_key(query.terms, result.rows[-1], TODAY)


def test_a_row_added_after_the_key_is_on_a_later_page(store, memos, account):
    sort = ("total", False)
    query = make_query(store, sort, size=5)
    first = store.page(query)
    late = put_memo(store, account, amounts=(10**8,))  # sorts last
    rest = every_row_from(store, sort, row_key(query.terms, first.rows[-1], TODAY))
    assert rest[-1] == late
    assert len(first.rows) + len(rest) == len(memos) + 1


def test_an_eq_on_an_id_or_number_finds_just_that_memo(store, memos):
    memo = memos[4]
    assert page(store, ("total", False), ("id", "EQ", memo.id)).rows == [memo]
    number = ("debit_memo_number", "EQ", memo.debit_memo_number)
    assert page(store, ("total", False), number).rows == [memo]
    assert page(store, ("total", False), number, ("state", "EQ", "canceled")).rows == []
    assert page(store, ("total", False), ("id", "EQ", memo.debit_memo_number)).rows == []


def test_none_sorts_before_values_ascending_and_after_them_descending(store, account):
    plain = put_memo(store, account)
    described = put_memo(store, account, description="described")
    assert page(store, ("description", False)).rows == [plain, described]
    assert page(store, ("description", True)).rows == [described, plain]
    assert page(store, ("description", False), ("description", "EQ", None)).rows == [plain]


def test_items_are_paged_by_their_own_fields(store, memos):
    items = [item for memo in memos for item in memo.items]
    by_amount = every_row(store, ("amount", True), collection="debit_memo_items")
    assert by_amount == sorted(items, key=lambda i: (i.amount, i.id), reverse=True)
    memo = memos[2]
    of_memo = page(
        store, ("amount", False), ("debit_memo_id", "EQ", memo.id), collection="debit_memo_items"
    )
    assert of_memo.rows == sorted(memo.items, key=lambda i: (i.amount, i.id))
    one = page(store, ("amount", False), ("id", "EQ", items[7].id), collection="debit_memo_items")
    assert one.rows == [items[7]]


# -- payments and the catalog ------------------------------------------------------


def payment_of(store, account, applied: dict[str, int], amount: int | None = None) -> Payment:
    """A payment of ``account`` applying ``applied`` (memo id -> hundredths)."""
    payment_id = store.new_id()
    parts = tuple(
        PaymentApplication(store.new_id(), payment_id, memo_id, cents, audit())
        for memo_id, cents in applied.items()
    )
    raw = {
        "amount": Decimal(amount if amount is not None else sum(applied.values())) / 100,
        "payment_method_id": account.default_payment_method_id,
    }
    return builders.payment(raw, account, payment_id, store.next_payment_number(), audit(), parts)


def test_a_payment_is_got_by_id_and_by_number_and_replaced_by_a_put(store, account):
    memo = put_memo(store, account, amounts=(1000,), state="posted")
    payment = payment_of(store, account, {memo.id: 400}, amount=1000)
    store.put_payment(payment)
    assert store.payment(payment.id) == payment
    assert store.payment_by_number("P-00000001") == payment
    assert store.payment("nothing-by-this-name") is None
    assert store.payment_by_number("P-99999999") is None
    more = replace(payment, applications=(replace(payment.applications[0], amount=1000),))
    store.put_payment(more)
    assert store.payment(payment.id) == more
    assert [p.id for p in store.records("payments")] == [payment.id]
    assert store.count("payments") == 1


def test_payments_of_a_memo_first_applied_first_and_of_an_account_latest_first(store, account):
    first = put_memo(store, account, amounts=(1000,), state="posted")
    second = put_memo(store, account, amounts=(1000,), state="posted")
    older = payment_of(store, account, {first.id: 300})
    newer = payment_of(store, account, {second.id: 200, first.id: 100})
    store.put_payment(older)
    store.put_payment(newer)
    other = add_account(store, number=2)
    assert [p.id for p in store.payments_of_memo(first.id)] == [older.id, newer.id]
    assert [p.id for p in store.payments_of_memo(second.id)] == [newer.id]
    assert [p.id for p in store.payments_of_account(account.id)] == [newer.id, older.id]
    assert store.payments_of_account(other.id) == []
    store.put_payment(replace(newer, applications=newer.applications[:1]))  # off the first
    assert [p.id for p in store.payments_of_memo(first.id)] == [older.id]


def test_the_unapplied_payment_amount_follows_every_put(store, account):
    memo = put_memo(store, account, amounts=(1000,), state="posted")
    assert store.unapplied_payment_amount(account.id) == 0
    payment = payment_of(store, account, {memo.id: 250}, amount=1000)
    store.put_payment(payment)
    assert store.unapplied_payment_amount(account.id) == 750
    store.put_payment(replace(payment, applications=()))
    assert store.unapplied_payment_amount(account.id) == 1000


def test_payment_numbers_are_consecutive_and_unique_across_threads_and_skippable(store):
    numbers = []

    def draw():
        numbers.extend(store.next_payment_number() for _ in range(500))

    run_threads(8, draw)
    assert sorted(numbers) == [f"P-{n:08d}" for n in range(1, 4001)]
    assert store.last_payment_number() == 4000
    store.skip_payment_numbers(4100)
    store.skip_payment_numbers(7)  # never backwards
    assert store.next_payment_number() == "P-00004101"


def test_a_thawed_store_keeps_payments_numbers_and_the_catalog(store, account):
    memo = put_memo(store, account, amounts=(1000,), state="posted")
    payment = payment_of(store, account, {memo.id: 1000})
    store.put_payment(payment)
    store.catalog = seeded_catalog("contract", store.new_id, TODAY)
    thawed = store.frozen().thaw()
    assert thawed.payment(payment.id) == payment
    assert [p.id for p in thawed.payments_of_memo(memo.id)] == [payment.id]
    assert thawed.unapplied_payment_amount(account.id) == 0
    assert thawed.next_payment_number() == "P-00000002"
    assert thawed.catalog.products == store.catalog.products
    charge = next(iter(store.catalog.charges.values()))
    assert thawed.catalog.charges[charge.id] == charge
    product = store.catalog.products[0]
    assert thawed.catalog.product(product.sku) == product


def test_a_payment_with_an_id_made_in_the_transaction_is_found_once_put_there(store, account):
    memo = put_memo(store, account, amounts=(1000,), state="posted")
    with store.transaction():
        payment = payment_of(store, account, {memo.id: 400}, amount=1000)
        assert store.payment(payment.id) is None
        store.put_payment(payment)
        assert store.payment(payment.id) == payment
        changed = replace(payment, applications=(replace(payment.applications[0], amount=500),))
        store.put_payment(changed)
        assert store.payment(payment.id) == changed
    assert store.payment(payment.id) == changed
    assert [p.id for p in store.records("payments")] == [payment.id]
