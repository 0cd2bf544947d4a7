"""Shared fixtures: the sandbox comes from the project's own pytest plugin
(``zuora_mock``, ``zuora_client``); this adds servers with other settings,
Zuora's published schemas, and small helpers to make memos.

``--store sqlite`` (or ``postgresql``, or ``MOCKSERVER_TEST_STORE``) starts
every sandbox of the run on that store, each in a database of its own.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
import requests
import yaml
from zuora_schemas import ZuoraSchemas

from mockserver.app import create_app
from mockserver.config import Config
from mockserver.server import connection_policy, start_in_thread

pytest_plugins = ["postgres"]  # the postgres_cluster fixture
TEST_STORES = ("memory", "sqlite", "postgresql")
SERVER_LOG_LINES = 300  # the last lines of each server log a failing test's report shows


def pytest_addoption(parser):
    parser.addoption(
        "--store",
        choices=TEST_STORES,
        default=os.environ.get("MOCKSERVER_TEST_STORE", "memory"),
        help="The store of every sandbox the tests start (default: memory).",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing test's report ends with the logs of the servers it started in its
    ``tmp_path`` (``*.log``): a 500 there comes with the traceback behind it."""
    report = yield
    tmp_path = item.funcargs.get("tmp_path") if hasattr(item, "funcargs") else None
    if report.failed and tmp_path is not None:
        for log in sorted(Path(tmp_path).glob("*.log")):
            lines = log.read_text(errors="replace").splitlines()[-SERVER_LOG_LINES:]
            report.sections.append((f"server log {log.name}", "\n".join(lines)))
    return report


@pytest.fixture(scope="session")
def new_store(pytestconfig, tmp_path_factory, request):
    """A new, empty store of the run's kind, as a ``--store`` value."""
    kind = pytestconfig.getoption("store")

    def new() -> str:
        if kind == "sqlite":
            return f"sqlite:///{tmp_path_factory.getbasetemp() / uuid.uuid4().hex}.db"
        if kind == "postgresql":
            return request.getfixturevalue("postgres_cluster").new_database()
        return "memory"

    return new


@pytest.fixture(scope="session")
def zuora_mock_store(new_store) -> str:
    """The plugin's sandbox on the run's store."""
    return new_store()


CONTRACT = Path(__file__).resolve().parents[2] / "shared" / "contract"
ZUORA_SPEC = CONTRACT / "zuora-quickstart-debit-memos.openapi.yaml"
ZUORA_V1_SPEC = CONTRACT / "zuora-v1-debit-memos.openapi.yaml"


@pytest.fixture(scope="session")
def zuora_spec() -> dict:
    if not ZUORA_SPEC.exists():
        pytest.skip(
            f"Zuora's OpenAPI description is not at {ZUORA_SPEC} (it lives outside the repo)"
        )
    return yaml.safe_load(ZUORA_SPEC.read_text())


class ManualClock:
    """Monotonic seconds for a sandbox that move only when the test says so."""

    def __init__(self, start: float = 1000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="session")
def zuora_v1_spec() -> dict:
    if not ZUORA_V1_SPEC.exists():
        pytest.skip(
            f"Zuora's v1 OpenAPI description is not at {ZUORA_V1_SPEC} (it lives outside the repo)"
        )
    return yaml.safe_load(ZUORA_V1_SPEC.read_text())


@pytest.fixture
def start_sandbox(new_store):
    """Start a sandbox with some settings changed (and, if given, the monotonic
    clock its rate-limit windows and ``for_s`` schedules count on); stopped after the test."""
    running = []

    def start(monotonic: ManualClock | None = None, **settings) -> str:
        settings.setdefault("store", new_store())
        config = Config(**{"port": 0, "log_requests": False, **settings})
        app = create_app(config) if monotonic is None else create_app(config, monotonic=monotonic)
        server = start_in_thread(
            app, port=0, threads=config.threads, policy=connection_policy(config)
        )
        running.append(server)
        return server.url

    yield start
    for server in running:
        server.stop()


@pytest.fixture
def v1(zuora_mock):
    """``v1(method, path, **kwargs)``: a request to ``/v1{path}`` on the sandbox's root,
    with the test's bearer token, in one session."""
    with requests.Session() as session:
        session.headers.update(zuora_mock.headers)
        root = zuora_mock.v1_url

        def call(method, path, **kwargs):
            kwargs.setdefault("timeout", 30)
            return session.request(method, f"{root}/v1{path}", **kwargs)

        yield call


def memo_body(**overrides) -> dict:
    """A valid create request on the seeded account A00000001."""
    body = {
        "account_number": "A00000001",
        "items": [{"amount": 10, "service_start": "2026-01-01", "name": "Setup fee"}],
    }
    body.update(overrides)
    return body


@pytest.fixture
def create_memo(zuora_client):
    """Create a memo (optionally posted) and return its JSON."""

    def create(**overrides) -> dict:
        response = zuora_client.post("/debit_memos", json=memo_body(**overrides))
        assert response.status_code == 201, response.text
        return response.json()

    return create


def every_row(get, path: str = "/debit_memos", **params) -> list[dict]:
    """Every row of a list, following ``next_page``; ``get(path, params=...)`` fetches a page."""
    rows, cursor = [], None
    while True:
        page = get(path, params={**params, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        rows += page.json()["data"]
        cursor = page.json()["next_page"]
        if cursor is None:
            return rows


def admin(sandbox, method: str, path: str, tenant: str | None = None, **kwargs):
    """A raw control-plane request, ``/__mock/<path>``, answered whatever its status.

    ``sandbox`` is anything with a ``root`` URL (``zuora_mock``); ``tenant`` picks a tenant.
    """
    if tenant is not None:
        kwargs["params"] = {"tenant": tenant, **kwargs.get("params", {})}
    return requests.request(method, f"{sandbox.root}/__mock/{path}", timeout=10, **kwargs)


def bearer(token: str = "test-token") -> dict:
    return {"Authorization": f"Bearer {token}"}


def get_json(url: str, **kwargs) -> dict:
    response = requests.get(url, headers=bearer(), timeout=10, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="session")
def zuora_schemas(zuora_spec) -> ZuoraSchemas:
    return ZuoraSchemas(zuora_spec)
