"""``mockserver serve --workers 2`` as users run it: two processes on one port
sharing a SQLite file or a PostgreSQL database, over real HTTP.

Which process answered a request is the ``pid`` of its journal entry; a test
that needs both processes to have answered sends requests on new connections
until both have (each new connection goes to whichever worker takes it).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
import test_concurrency
from conftest import bearer, memo_body
from processes import clean_env, free_port, health_answers, running, serve_command, start_fails

from mockserver.pytest_plugin import ZuoraClient, ZuoraMock

TOKEN = "workers-test"
MAX_TRIES = 400  # new connections sent at most until both workers have answered


@dataclass
class Workers:
    mock: ZuoraMock
    process: subprocess.Popen  # the supervising process

    @property
    def parent(self) -> int:
        return self.process.pid

    @property
    def client(self) -> ZuoraClient:
        return ZuoraClient(self.mock.url, self.mock.headers)

    def children(self) -> set[int]:
        path = Path(f"/proc/{self.parent}/task/{self.parent}/children")
        return {int(pid) for pid in path.read_text().split()}

    def pids(self, **filters) -> set[int]:
        """The processes that answered the journaled requests."""
        return {entry["pid"] for entry in self.mock.requests(**filters)}


@contextlib.contextmanager
def two_workers(log: Path, store: str, *flags: str) -> Iterator[Workers]:
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    argv = serve_command("--port", str(port), "--quiet", "--workers", "2", "--store", store, *flags)
    with running(argv, clean_env(), health_answers(root), log) as process:
        yield Workers(ZuoraMock(root, TOKEN), process)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sandbox.db'}"
    return request.getfixturevalue("postgres_cluster").new_database()


@pytest.fixture
def workers(store, tmp_path) -> Iterator[Workers]:
    with two_workers(tmp_path / "serve.log", store) as started:
        yield started


def on_new_connections(workers: Workers, send, **journal_filter) -> list[requests.Response]:
    """``send()`` (one request on a new connection) until both workers have answered one."""
    answers = []
    for _ in range(MAX_TRIES):
        answers.append(send())
        if len(workers.pids(**journal_filter)) == 2:
            return answers
    raise AssertionError(f"one worker answered all {MAX_TRIES} requests")


def test_two_workers_pass_the_concurrency_tests_through_both_processes(workers):
    client = workers.client

    def create_memo(**overrides) -> dict:
        response = client.post("/debit_memos", json=memo_body(**overrides))
        assert response.status_code == 201, response.text
        return response.json()

    test_concurrency.test_concurrent_creates_get_unique_ids_and_consecutive_numbers(client)
    test_concurrency.test_thirty_threads_paying_one_on_ten_exactly_ten_succeed(client, create_memo)
    test_concurrency.test_reads_during_payments_never_see_a_negative_or_torn_balance(
        client, create_memo
    )
    test_concurrency.test_concurrent_patches_lose_no_custom_field(workers.mock, client, create_memo)
    assert workers.pids(operation="payDebitMemo") == workers.children()


def test_a_memo_paid_by_thirty_threads_through_both_workers_is_paid_exactly_once_over(workers):
    memo = workers.client.post("/debit_memos", json=memo_body(post=True)).json()
    pay = {"currency": memo["currency"], "amount": 1}

    def attempt(_):  # a new connection each: the two workers share the requests
        url = f"{workers.mock.url}/debit_memos/{memo['id']}/pay"
        return requests.post(url, json=pay, headers=bearer(TOKEN), timeout=30).status_code

    with ThreadPoolExecutor(30) as pool:
        statuses = list(pool.map(attempt, range(30)))
    assert (statuses.count(200), statuses.count(400)) == (10, 20)
    final = workers.client.get(f"/debit_memos/{memo['id']}").json()
    assert (final["amount_paid"], final["remaining_balance"], final["paid"]) == (10, 0, True)
    assert len(workers.pids(operation="payDebitMemo")) == 2


def test_connections_opened_at_once_are_spread_over_both_workers(workers):
    """Each worker serves a socket of its own on the port: of 32 connections opened at
    once, as wrk opens them, each worker takes a share (on one shared socket, the one
    awake first took 29 or 31 of 32 in two of three tries)."""
    memo = workers.client.post("/debit_memos", json=memo_body()).json()
    root = urlsplit(workers.mock.url)
    connections = [HTTPConnection(root.hostname, root.port, timeout=30) for _ in range(32)]
    for connection in connections:
        connection.connect()
    for connection in connections:
        connection.request("GET", f"{root.path}/debit_memos/{memo['id']}", headers=bearer(TOKEN))
    assert {connection.getresponse().status for connection in connections} == {200}
    for connection in connections:
        connection.close()
    answered = Counter(entry["pid"] for entry in workers.mock.requests(operation="getDebitMemo"))
    assert len(answered) == 2 and min(answered.values()) >= 4, answered


def test_an_idempotency_key_replays_the_first_answer_through_either_worker(workers):
    headers = {**bearer(TOKEN), "Idempotency-Key": "one-memo-only"}
    body = memo_body(description="once")

    def send():
        return requests.post(f"{workers.mock.url}/debit_memos", json=body, headers=headers)

    answers = on_new_connections(workers, send, operation="createDebitMemo")
    assert {answer.status_code for answer in answers} == {201}
    assert len({answer.json()["id"] for answer in answers}) == 1
    health = requests.get(f"{workers.mock.root}/__mock/health", timeout=10).json()
    assert health["debit_memos"] == 81  # the 80 seeded and this one


def test_a_times_1_fault_fires_once_whichever_worker_answers(workers):
    memo = workers.client.post("/debit_memos", json=memo_body()).json()
    workers.mock.add_fault(operation="getDebitMemo", status=503, times=1)

    def send():
        return requests.get(f"{workers.mock.url}/debit_memos/{memo['id']}", headers=bearer(TOKEN))

    answers = on_new_connections(workers, send, operation="getDebitMemo")
    statuses = [answer.status_code for answer in answers]
    assert statuses.count(503) == 1
    assert set(statuses) == {200, 503}


def test_a_worker_killed_under_load_loses_no_acknowledged_write(workers):
    acknowledged: list[tuple[str, str]] = []
    stop = threading.Event()

    def create(thread: int) -> None:
        for n in range(10_000):
            if stop.is_set():
                return
            description = f"t{thread}-{n}"
            try:
                answer = requests.post(
                    f"{workers.mock.url}/debit_memos",
                    json=memo_body(description=description),
                    headers=bearer(TOKEN),
                    timeout=30,
                )
            except requests.ConnectionError:
                continue  # answered by no one: not acknowledged
            if answer.status_code == 201:
                acknowledged.append((answer.json()["id"], description))

    victim = min(workers.children())
    with ThreadPoolExecutor(8) as pool:
        loads = [pool.submit(create, thread) for thread in range(8)]

        def wait_for(done) -> None:
            while not done() and not all(load.done() for load in loads):
                stop.wait(0.01)

        wait_for(lambda: len(acknowledged) >= 40)
        os.kill(victim, signal.SIGKILL)
        wait_for(lambda: len(workers.children() - {victim}) == 2 and len(acknowledged) >= 160)
        stop.set()
    client = workers.client
    for memo_id, description in acknowledged:
        stored = client.get(f"/debit_memos/{memo_id}")
        assert stored.status_code == 200, (memo_id, stored.text)
        assert stored.json()["description"] == description
    survivors = workers.children()
    assert victim not in survivors and len(survivors) == 2
    assert victim in workers.pids(operation="createDebitMemo")  # it was killed while serving
    assert len(acknowledged) >= 160


def test_a_memory_store_with_two_workers_is_refused_naming_the_stores_to_pick():
    error = start_fails("--workers", "2")
    assert "--workers 2 needs a store the processes share" in error
    assert "--store sqlite:///path/to/sandbox.db" in error
    assert "--store postgresql://user@host/db" in error


def test_the_banner_says_how_many_workers_share_which_store(tmp_path):
    log = tmp_path / "serve.log"
    database = tmp_path / "sandbox.db"
    with two_workers(log, f"sqlite:///{database}"):
        banner = log.read_text()
    assert "(2 workers x 32 threads)" in banner
    assert f"store    sqlite+pysqlite:///{database} (shared by the 2 workers; kept across" in banner


def test_a_restart_finds_the_data_unless_reset_on_start(tmp_path):
    store = f"sqlite:///{tmp_path / 'sandbox.db'}"
    log = tmp_path / "serve.log"
    with two_workers(log, store) as first:
        memo = first.client.post("/debit_memos", json=memo_body(description="kept")).json()
        first.mock.add_fault(id="kept-rule", operation="getDebitMemo", status=500, after=1000)
    with two_workers(log, store) as second:
        assert second.client.get(f"/debit_memos/{memo['id']}").json()["description"] == "kept"
        assert [rule["id"] for rule in second.mock._admin_call("GET", "faults")["data"]] == [
            "kept-rule"
        ]
    with two_workers(log, store, "--reset-on-start") as third:
        assert third.client.get(f"/debit_memos/{memo['id']}").status_code == 404
        assert third.mock._admin_call("GET", "faults")["data"] == []


def test_sigterm_stops_every_worker_and_the_parent_cleanly(tmp_path):
    log = tmp_path / "serve.log"
    with two_workers(log, f"sqlite:///{tmp_path / 'sandbox.db'}") as started:
        children = started.children()
        started.process.send_signal(signal.SIGTERM)
        assert started.process.wait(timeout=30) == 0
    for child in children:
        assert not Path(f"/proc/{child}").exists()


def test_a_tenant_made_through_one_worker_is_there_for_the_other(store, tmp_path):
    with two_workers(tmp_path / "serve.log", store, "--tenants", "per-token") as started:
        made = requests.put(f"{started.mock.root}/__mock/tenants/team-a", timeout=10)
        again = requests.put(f"{started.mock.root}/__mock/tenants/team-a", timeout=10)
        reads = [
            requests.get(f"{started.mock.root}/__mock/requests?tenant=team-a", timeout=10)
            for _ in range(40)  # new connections: both workers answer some of them
        ]
    assert (made.status_code, made.json()["created"]) == (201, True)
    assert (again.status_code, again.json()["created"]) == (200, False)
    assert {read.status_code for read in reads} == {200}
