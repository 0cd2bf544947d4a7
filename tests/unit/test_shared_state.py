"""The tenant state the processes of a sandbox share in its SQL store: two
``SharedState`` objects on two engines stand for two processes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from mockserver.domain.errors import IdempotencyKeyInUse, IdempotencyKeyReused
from mockserver.store.sql.engine import make_engine
from mockserver.tenancy.idempotency import Outcome
from mockserver.tenancy.shared_journal import TRIM_EVERY, SharedJournal
from mockserver.tenancy.shared_keys import SharedIdempotencyKeys, SharedRateLimiter
from mockserver.tenancy.shared_state import SharedState

TENANT = "unit"


@pytest.fixture
def processes(shared_store_url) -> tuple[SharedState, SharedState]:
    engines = [make_engine(shared_store_url), make_engine(shared_store_url)]
    states = tuple(SharedState(engine) for engine in engines)
    states[0].claim(TENANT)
    yield states
    for engine in engines:
        engine.dispose()


def entry(n: int, body: bytes = b"") -> dict:
    return {
        "method": "GET",
        "path": f"/v2/debit_memos/{n}",
        "query": "",
        "operation": "getDebitMemo",
        "status": 200,
        "duration_ms": 1.0,
        "latency_ms": 0.0,
        "fault": None,
        "request_id": str(n),
        "request_headers": (("HTTP_HOST", "sandbox"),),
        "request_body": body,
        "request_body_bytes": len(body),
    }


def test_both_processes_write_one_journal_numbered_in_order(processes):
    journals = [SharedJournal(state, TENANT, size=1000, max_bytes=1 << 24) for state in processes]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda n: journals[n % 2].add(**entry(n)), range(200)))
    seen = journals[1].entries()
    assert [e.seq for e in seen] == list(range(1, 201))
    assert sorted(int(e.request_id) for e in seen) == list(range(200))
    assert len(journals[0]) == 200


def test_the_journal_keeps_the_newest_size_entries(processes):
    journal = SharedJournal(processes[0], TENANT, size=10, max_bytes=1 << 24)
    for n in range(3 * TRIM_EVERY + 5):
        journal.add(**entry(n))
    kept = SharedJournal(processes[1], TENANT, size=10, max_bytes=1 << 24).entries()
    assert [int(e.request_id) for e in kept] == list(range(3 * TRIM_EVERY - 5, 3 * TRIM_EVERY + 5))


def test_the_journal_drops_the_oldest_past_its_bytes_but_keeps_the_newest(processes):
    journal = SharedJournal(processes[0], TENANT, size=1000, max_bytes=5000)  # 2 of 2.2 kB
    for n in range(6):
        journal.add(**entry(n, b"x" * 1500))
    assert [int(e.request_id) for e in journal.entries()] == [4, 5]
    journal.add(**entry(6, b"y" * 10_000))
    assert [int(e.request_id) for e in journal.entries()] == [6]
    assert journal.entries()[0].request_body == b"y" * 10_000


def test_an_idempotency_key_claimed_in_one_process_is_in_flight_then_replayed_in_the_other(
    processes,
):
    first, second = (SharedIdempotencyKeys(state, TENANT) for state in processes)
    assert first.begin("key", "print") is None
    with pytest.raises(IdempotencyKeyInUse):
        second.begin("key", "print")
    with pytest.raises(IdempotencyKeyReused):
        second.begin("key", "another print")
    first.finish("key", Outcome(201, b'{"id": "m"}', "application/json"))
    assert second.begin("key", "print") == Outcome(201, b'{"id": "m"}', "application/json")
    second.abandon("key")
    assert first.begin("key", "print") is None


def test_an_expired_key_is_claimed_again(processes):
    keys = SharedIdempotencyKeys(processes[0], TENANT, ttl=1e-9)
    assert keys.begin("key", "print") is None
    assert SharedIdempotencyKeys(processes[1], TENANT).begin("key", "print") is None


def test_one_minute_window_counts_the_requests_of_both_processes(processes):
    now = [600.0]
    limiters = [SharedRateLimiter(state, TENANT, 3, clock=lambda: now[0]) for state in processes]
    allowed = [limiters[n % 2].hit().allowed for n in range(5)]
    assert allowed == [True, True, True, False, False]
    assert limiters[1].hit().remaining == 0
    now[0] += 60
    assert limiters[0].hit().remaining == 2
