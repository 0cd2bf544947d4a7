"""The pytest plugin (entry point ``pytest11``): ``zuora_mock`` and ``zuora_client``.

``zuora_mock`` is a running sandbox: one server per test session (per
pytest-xdist worker), on a free port in the test process, reset before each
test. With ``--zuora-mock-url`` the fixtures use an already running sandbox
instead, and each worker works in its own tenant (the sandbox must run with
``--tenants per-token``), so parallel workers never see each other's data.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import urljoin

import pytest
import requests

from .app import create_app
from .config import Config
from .server import RunningServer, start_in_thread


def pytest_addoption(parser):
    group = parser.getgroup("zuora_mock", "Zuora debit memo sandbox")
    for name, help_text in (
        (
            "url",
            "URL of a running sandbox to use instead of starting one (e.g. http://localhost:8080).",
        ),
        ("seed", "Seed of the sandbox's generated data (default 42)."),
        ("fixtures", "Snapshot file to load instead of generated data."),
        ("token", "Bearer token the fixtures use (default: one per xdist worker)."),
    ):
        group.addoption(f"--zuora-mock-{name}", dest=f"zuora_mock_{name}", help=help_text)
        parser.addini(f"zuora_mock_{name}", help_text)


def _setting(config, name: str) -> str | None:
    return config.getoption(f"zuora_mock_{name}") or config.getini(f"zuora_mock_{name}") or None


class ZuoraMock:
    """A handle on a running sandbox, through its control plane."""

    def __init__(self, root: str, token: str, tenant: str | None):
        self.root = root.rstrip("/")
        self.url = f"{self.root}/v2"
        self.token = token
        self.tenant = tenant
        self._admin = requests.Session()

    def _admin_call(self, method: str, path: str, **kwargs):
        params = dict(kwargs.pop("params", {}) or {})
        if self.tenant is not None:
            params["tenant"] = self.tenant
        response = self._admin.request(
            method, f"{self.root}/__mock/{path}", params=params, **kwargs
        )
        if response.status_code >= 400:
            raise AssertionError(
                f"{method} /__mock/{path} answered {response.status_code}: {response.text}"
            )
        return response.json() if response.content else None

    def reset(self) -> None:
        self._admin_call("POST", "reset")

    def add_fault(self, **rule) -> str:
        """Add a fault rule (SANDBOX.md vocabulary); returns its id."""
        return self._admin_call("POST", "faults", json=rule)["id"]

    def remove_fault(self, rule_id: str) -> None:
        self._admin_call("DELETE", f"faults/{rule_id}")

    @contextlib.contextmanager
    def fault(self, **rule) -> Iterator[str]:
        """A fault rule for the length of a ``with`` block."""
        rule_id = self.add_fault(**rule)
        try:
            yield rule_id
        finally:
            self.remove_fault(rule_id)

    def requests(self, **filters) -> list[dict]:
        """The request journal, oldest first (filters: method, path, operation, status, limit)."""
        return self._admin_call("GET", "requests", params=filters)["data"]

    @property
    def state(self) -> dict:
        return self._admin_call("GET", "state")

    def load(self, snapshot: dict) -> None:
        self._admin_call("PUT", "state", json=snapshot)

    def set_clock(self, when: datetime | str) -> None:
        now = when.isoformat() if isinstance(when, datetime) else when
        self._admin_call("PUT", "clock", json={"now": now})

    def reset_clock(self) -> None:
        self._admin_call("DELETE", "clock")


class ZuoraClient(requests.Session):
    """A ``requests.Session`` whose relative paths resolve against the sandbox's ``/v2``."""

    def __init__(self, base_url: str, token: str):
        super().__init__()
        self.base_url = base_url.rstrip("/") + "/"
        self.headers["Authorization"] = f"Bearer {token}"

    def request(self, method, url, *args, **kwargs):
        if not url.startswith(("http://", "https://")):
            url = urljoin(self.base_url, url.lstrip("/"))
        return super().request(method, url, *args, **kwargs)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def zuora_mock_session(pytestconfig) -> Iterator[ZuoraMock]:
    """The session's sandbox: an external one, or one started here."""
    token = _setting(pytestconfig, "token") or f"pytest-{_worker()}"
    url = _setting(pytestconfig, "url")
    if url:
        yield ZuoraMock(url, token, tenant=token)
        return
    seed = _setting(pytestconfig, "seed")
    config = Config(
        port=0,
        seed=int(seed) if seed else 42,
        fixtures=_setting(pytestconfig, "fixtures"),
        threads=16,
        log_requests=False,
    )
    running: RunningServer = start_in_thread(create_app(config), port=0, threads=config.threads)
    try:
        yield ZuoraMock(running.url, token, tenant=None)
    finally:
        running.stop()


@pytest.fixture
def zuora_mock(zuora_mock_session) -> ZuoraMock:
    """A running sandbox, reset to its start-up state before the test."""
    zuora_mock_session.reset()
    return zuora_mock_session


@pytest.fixture
def zuora_client(zuora_mock) -> Iterator[ZuoraClient]:
    """A ``requests.Session`` with a bearer token; ``zuora_client.get("/debit_memos")``."""
    with ZuoraClient(zuora_mock.url, zuora_mock.token) as client:
        yield client
