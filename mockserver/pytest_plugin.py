"""The pytest plugin (entry point ``pytest11``): ``zuora_mock``, ``zuora_client`` and
``callout_receiver``.

``zuora_mock`` is a running sandbox: one server per test session (per
pytest-xdist worker), on a free port in the test process, reset before each
test. With ``--zuora-mock-url`` the fixtures use an already running sandbox
instead; when it runs with ``--tenants per-token`` each worker of each run
works in a tenant of its own, so parallel workers and parallel CI jobs never
see each other's data.

Settings come from the command line or the ini file (``zuora_mock_url``,
``zuora_mock_seed``, ``zuora_mock_fixtures``, ``zuora_mock_store``,
``zuora_mock_token``, ``zuora_mock_admin_token``); the command line wins. The
store is also the session fixture ``zuora_mock_store``, which a conftest may
override (to give each run a database of its own, say).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import SplitResult, quote, urljoin, urlsplit, urlunsplit

import pytest
import requests

from mockserver import verify
from mockserver.receiver import CalloutReceiver

SETTINGS = (
    (
        "url",
        "URL of a running sandbox to use instead of starting one (e.g. http://localhost:8080).",
    ),
    ("seed", "Seed of the generated data of the sandbox the plugin starts (default 42)."),
    ("fixtures", "Snapshot file (JSON or YAML) the sandbox the plugin starts loads."),
    (
        "store",
        "Store of the sandbox the plugin starts: memory (default), sqlite:///path/to/file.db "
        "or postgresql://user@host/db.",
    ),
    ("token", "Bearer token of the fixtures (default: one per run and xdist worker)."),
    ("admin-token", "Admin token of the external sandbox's control plane, if it has one."),
)


def pytest_addoption(parser):
    group = parser.getgroup("zuora_mock", "Zuora debit memo sandbox")
    for name, help_text in SETTINGS:
        key = f"zuora_mock_{name.replace('-', '_')}"
        group.addoption(f"--zuora-mock-{name}", dest=key, help=help_text)
        parser.addini(key, help_text)


def _setting(config: pytest.Config, name: str) -> str | None:
    key = f"zuora_mock_{name}"
    return config.getoption(key) or config.getini(key) or None


def _fixtures_file(config: pytest.Config) -> str | None:
    """The fixtures file: relative to the working directory on the command
    line, relative to the ini file's folder in the ini file."""
    given = config.getoption("zuora_mock_fixtures")
    if given:
        return given
    in_ini = config.getini("zuora_mock_fixtures")
    if not in_ini:
        return None
    return str(Path(config.inipath).parent / in_ini) if config.inipath else in_ini


def _seed(config: pytest.Config) -> int:
    seed = _setting(config, "seed") or "42"
    try:
        return int(seed)
    except ValueError:
        pytest.fail(f"zuora_mock: the seed must be an integer, not {seed!r}", pytrace=False)


def _sandbox_root(url: str) -> str:
    """The root of the sandbox ``--zuora-mock-url`` names: the root itself, or its ``/v2``."""
    parts = urlsplit(url.strip())
    problem = _url_problem(parts)
    if problem:
        raise pytest.UsageError(
            f"zuora_mock: --zuora-mock-url {url!r} {problem}; give the sandbox's root "
            "(http://localhost:8080) or its /v2"
        )
    path = parts.path.rstrip("/").removesuffix("/v2")
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _url_problem(parts: SplitResult) -> str | None:
    if parts.scheme not in ("http", "https"):
        return "does not start with http:// or https://"
    if not parts.hostname:
        return "names no host"
    try:
        parts.port  # noqa: B018 (parsing the port is the check)
    except ValueError:
        return "has a port that is not a number from 0 to 65535"
    if parts.query or parts.fragment:
        return "has a query or fragment"
    return None


def pytest_configure(config: pytest.Config) -> None:
    url = _setting(config, "url")
    if url:
        _sandbox_root(url)


def _worker() -> str | None:
    return os.environ.get("PYTEST_XDIST_WORKER")


def _token(config: pytest.Config) -> str:
    """One token per run and worker, so that runs sharing a sandbox stay apart."""
    given = _setting(config, "token")
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", uuid.uuid4().hex)[:12]
    token = given or f"pytest-{run}"
    worker = _worker()
    return f"{token}-{worker}" if worker else token


class ZuoraMock:
    """A handle on a running sandbox, through its control plane.

    ``tenant`` is set when the sandbox keeps tenants apart: every control
    plane call then addresses this tenant only.
    """

    def __init__(self, root: str, token: str, admin_token: str | None = None):
        self.root = root.rstrip("/")
        self.url = f"{self.root}/v2"
        self.v1_url = self.root  # what an official Zuora SDK's Configuration(host=...) takes
        self.token = token
        self.tenant: str | None = None
        self._admin = requests.Session()
        if admin_token:
            self._admin.headers["Authorization"] = f"Bearer {admin_token}"

    @property
    def headers(self) -> dict[str, str]:
        """What a Zuora client must send to land in this sandbox's data."""
        headers = {"Authorization": f"Bearer {self.token}"}
        if self.tenant is not None:
            headers["Zuora-Entity-Ids"] = self.tenant
        return headers

    def _admin_call(self, method: str, path: str, **kwargs):
        params = dict(kwargs.pop("params", None) or {})
        if self.tenant is not None:
            params["tenant"] = self.tenant
        response = self._admin.request(
            method, f"{self.root}/__mock/{path}", params=params, timeout=30, **kwargs
        )
        if response.status_code >= 400:
            raise AssertionError(
                f"{method} /__mock/{path} answered {response.status_code}: {response.text}"
            )
        return response.json() if response.content else None

    def reset(self) -> None:
        """Back to the start-up data; journal, idempotency keys and runtime faults cleared.
        This run's tenant is made first if it isn't there (new, or dropped by a reset of
        every tenant): the control plane addresses only tenants that exist."""
        if self.tenant is not None:
            self._admin_call("PUT", f"tenants/{quote(self.tenant, safe='')}")
        self._admin_call("POST", "reset")

    def leave(self) -> None:
        """Drop this run's tenant from a shared sandbox, freeing its place under the cap."""
        if self.tenant is not None:
            self._admin_call("DELETE", f"tenants/{quote(self.tenant, safe='')}")

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
        """The request journal, oldest first, each entry with the request's headers
        and body and the response's (filters: method, path glob, operation, status,
        fault, request_id, after, body, header, limit)."""
        return self._admin_call("GET", "requests", params=filters)["data"]

    def assert_called(self, operation: str, times: int | None = 1, body=None) -> list[dict]:
        """Assert ``operation`` was called ``times`` times (None: at least once) with a
        request body containing ``body`` (a text, or a dict/list as part of the JSON);
        returns those entries. The failure message lists what was called instead."""
        matching, failure = verify.check_called(self.requests(), operation, times, body)
        if failure:
            raise AssertionError(failure)
        return matching

    @property
    def state(self) -> dict:
        """The whole store, in the snapshot format of ``GET /__mock/state``."""
        return self._admin_call("GET", "state")

    def load(self, snapshot: dict) -> None:
        """Replace the store with a snapshot (until the next reset)."""
        self._admin_call("PUT", "state", json=snapshot)

    def set_clock(self, when: datetime | date | str) -> None:
        """Set the sandbox's "now"; a naive datetime or a date is taken as UTC."""
        self._admin_call("PUT", "clock", json={"now": _instant(when)})

    def reset_clock(self) -> None:
        self._admin_call("DELETE", "clock")

    def config(self) -> dict:
        """The sandbox's effective configuration."""
        return self._admin_call("GET", "config")

    def callout(self, **spec) -> dict:
        """Register a callout the short way (SANDBOX.md: event, url, method, params,
        headers, auth); returns the notification definition made."""
        return self._admin_call("POST", "callouts", json=spec)

    def flush_callouts(self) -> list[dict]:
        """Deliver every callout now, retries included (the plugin's sandbox runs
        manual callout time); the delivery attempts made."""
        return self._admin_call("POST", "callouts/flush")["data"]

    def deliveries(self, **filters) -> list[dict]:
        """The deliveries journal, oldest first (filters: event, notification_id,
        object_id, status, after, limit)."""
        return self._admin_call("GET", "callouts/deliveries", params=filters)["data"]

    def add_callout_fault(self, **rule) -> str:
        """Add a delivery fault rule (SANDBOX.md: event, url, action, delay_ms, ...)."""
        return self._admin_call("POST", "callout-faults", json=rule)["id"]


def _instant(when: datetime | date | str) -> str:
    if isinstance(when, str):
        return when
    if not isinstance(when, datetime):
        when = datetime(when.year, when.month, when.day)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.isoformat()


class ZuoraClient(requests.Session):
    """A ``requests.Session`` whose relative paths resolve against the sandbox's ``/v2``."""

    def __init__(self, base_url: str, headers: dict[str, str]):
        super().__init__()
        self.base_url = base_url.rstrip("/") + "/"
        self.headers.update(headers)

    def request(self, method, url, *args, **kwargs):
        if not url.startswith(("http://", "https://")):
            url = urljoin(self.base_url, url.lstrip("/"))
        kwargs.setdefault("timeout", 30)
        return super().request(method, url, *args, **kwargs)


def _use_external(mock: ZuoraMock, pytestconfig: pytest.Config) -> None:
    """Work in a tenant of our own when the sandbox has tenants; a shared
    sandbox is only safe for a single worker. A seed or fixtures file can't be
    given to a sandbox that is running already: asking for one is an error."""
    try:
        config = mock.config()
    except requests.ConnectionError as error:
        pytest.fail(f"zuora_mock: no sandbox answers at {mock.root}: {error}", pytrace=False)
    _check_external_data(mock.root, config, pytestconfig)
    if config["tenants"] == "per-token":
        mock.tenant = mock.token
    elif int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1:
        pytest.fail(
            f"{mock.root} keeps one shared store, so parallel workers would see each "
            "other's data: start it with --tenants per-token (MOCKSERVER_TENANTS=per-token)",
            pytrace=False,
        )


def _check_external_data(root: str, running: dict, pytestconfig: pytest.Config) -> None:
    if _fixtures_file(pytestconfig):
        pytest.fail(
            f"zuora_mock: --zuora-mock-fixtures can't apply to the sandbox at {root}, which "
            "runs already: start it with --fixtures, or call zuora_mock.load(snapshot)",
            pytrace=False,
        )
    if _setting(pytestconfig, "seed") is not None and _seed(pytestconfig) != running["seed"]:
        pytest.fail(
            f"zuora_mock: --zuora-mock-seed {_seed(pytestconfig)} can't apply to the sandbox at "
            f"{root}, which runs with seed {running['seed']}: start it with --seed "
            f"{_seed(pytestconfig)} (MOCKSERVER_SEED), or drop the setting",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def zuora_mock_store(pytestconfig: pytest.Config) -> str:
    """Where the started sandbox keeps its records (``--store``)."""
    return _setting(pytestconfig, "store") or "memory"


@pytest.fixture(scope="session")
def zuora_mock_session(pytestconfig: pytest.Config, zuora_mock_store: str) -> Iterator[ZuoraMock]:
    """The session's sandbox: an external one, or one started in this process."""
    token = _token(pytestconfig)
    url = _setting(pytestconfig, "url")
    if url:
        root = _sandbox_root(url)
        mock = ZuoraMock(root, token, admin_token=_setting(pytestconfig, "admin_token"))
        _use_external(mock, pytestconfig)
        yield mock
        mock.leave()
        return
    # Imported here: pytest loads this plugin in every session where the
    # package is installed, and the app (Flask, Faker, ...) takes a good part
    # of a second to import that sessions without these fixtures should not pay.
    from mockserver.app import create_app
    from mockserver.config import Config, ConfigError
    from mockserver.server import connection_policy, start_in_thread

    config = Config(
        port=0,
        seed=_seed(pytestconfig),
        fixtures=_fixtures_file(pytestconfig),
        store=zuora_mock_store,
        threads=16,
        log_requests=False,
        callout_time="manual",
    )
    try:
        app = create_app(config)
    except ConfigError as error:
        pytest.fail(f"zuora_mock: {error}", pytrace=False)
    running = start_in_thread(app, port=0, threads=config.threads, policy=connection_policy(config))
    try:
        yield ZuoraMock(running.url, token)
    finally:
        running.stop()


@pytest.fixture
def zuora_mock(zuora_mock_session: ZuoraMock) -> ZuoraMock:
    """A running sandbox, reset to its start-up state before the test."""
    zuora_mock_session.reset()
    return zuora_mock_session


@pytest.fixture
def callout_receiver() -> Iterator[CalloutReceiver]:
    """An HTTP endpoint on 127.0.0.1 (``.url``) that records the callouts it gets
    (``.received``) and answers as scripted (``.answer(503, 200)``)."""
    receiver = CalloutReceiver()
    try:
        yield receiver
    finally:
        receiver.stop()


@pytest.fixture
def zuora_client(zuora_mock: ZuoraMock) -> Iterator[ZuoraClient]:
    """A ``requests.Session`` with a bearer token; ``zuora_client.get("/debit_memos")``."""
    with ZuoraClient(zuora_mock.url, zuora_mock.headers) as client:
        yield client
