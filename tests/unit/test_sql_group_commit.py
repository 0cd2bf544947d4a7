"""Group commit (``store/sql/group.py``): the writers of one process that wait
behind each other share one transaction of the database. Here the first holds
the turn until four more wait for it; then they all run, one after the other,
in its transaction: one bump of the tenant's version, one commit, and each
writer's own work, or none of it if it raised."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

from sample_records import add_account, put_memo
from sqlalchemy import select

from mockserver.store.memory import MemoryStore
from mockserver.store.sql.schema import Schema

TENANT = "grouped"
tenants = Schema().tenants


def version(stores) -> int:
    with stores.engine.connect() as connection:
        return connection.execute(
            select(tenants.c.version).where(tenants.c.tenant == TENANT)
        ).scalar_one()


def waiting_for_the_turn(store, count: int) -> None:
    deadline = time.monotonic() + 30
    while store._db._turn.waiting < count:
        assert time.monotonic() < deadline, "the writers never queued"
        time.sleep(0.005)


def grouped(store, first, others, after=None) -> list:
    """``first()`` in a transaction that waits until ``others`` (callables) all wait
    for the turn, each of them in its own thread and transaction; what each returned
    or raised, the first's first (with ``after``, what it returned and what ``after``
    of that returned in the same thread, right after the transaction)."""
    outcomes: list = [None] * (1 + len(others))
    holding = threading.Event()

    def run(index, work, hold):
        try:
            with store.transaction():
                if hold:
                    holding.set()
                    waiting_for_the_turn(store, len(others))
                outcomes[index] = work()
            if after is not None:
                outcomes[index] = (outcomes[index], after(outcomes[index]))
        except Exception as error:
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(0, first, True))]
    threads[0].start()
    holding.wait(30)
    for index, work in enumerate(others, start=1):
        threads.append(threading.Thread(target=run, args=(index, work, False)))
        threads[-1].start()
    for thread in threads:
        thread.join(30)
    return outcomes


def test_writers_waiting_behind_each_other_share_one_bump_and_one_commit(processes):
    here, there = (stores.open(TENANT, MemoryStore(TENANT).frozen()) for stores in processes)
    account = add_account(here)
    before = version(processes[0])
    numbers = grouped(here, here.next_payment_number, [here.next_payment_number] * 4)
    assert version(processes[0]) == before + 1  # one transaction for the five
    assert sorted(numbers) == [f"P-{n:08d}" for n in range(1, 6)]
    there.sync()
    assert there.next_payment_number() == "P-00000006"  # what the group committed
    assert there.account(account.id) == account


class Refused(Exception):
    pass


def test_a_writer_that_raises_leaves_nothing_and_the_others_all_their_work(processes):
    here, there = (stores.open(TENANT, MemoryStore(TENANT).frozen()) for stores in processes)
    memo = put_memo(here, add_account(here))

    def describe(text: str):
        def work():
            current = here.memo(memo.id)
            here.put_memo(replace(current, description=(current.description or "") + text))
            return here.next_memo_number()

        return work

    def refuse():
        here.put_memo(replace(here.memo(memo.id), description="never"))
        here.next_memo_number()
        raise Refused

    outcomes = grouped(here, describe("a"), [describe("b"), refuse, describe("c")])
    assert isinstance(outcomes[2], Refused)
    kept = [outcomes[0], outcomes[1], outcomes[3]]
    assert sorted(kept) == ["DM00000002", "DM00000003", "DM00000004"]  # none lost to it
    there.sync()
    description = there.memo(memo.id).description
    assert sorted(description[-3:]) == ["a", "b", "c"]
    assert "never" not in description
    here.sync()
    assert here.memo(memo.id).description == description  # what this process keeps too


def test_every_writer_of_the_group_answers_only_once_the_commit_is_over(processes):
    """Each writer, the moment its transaction returns, finds its own number committed
    through the other process: none of them returned before the group's commit."""
    here, there = (stores.open(TENANT, MemoryStore(TENANT).frozen()) for stores in processes)
    add_account(here)
    reader = threading.Lock()  # ``there`` stands for one request at a time

    def pay():
        return here.next_payment_number()

    def committed(number: str) -> bool:
        with reader:
            there.sync()
            return there.last_payment_number() >= int(number[2:])

    outcomes = grouped(here, pay, [pay] * 3, after=committed)
    assert sorted(number for number, _ in outcomes) == [f"P-{n:08d}" for n in range(1, 5)]
    assert [seen for _, seen in outcomes] == [True] * 4
