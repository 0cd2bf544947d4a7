"""The pytest plugin, as a client team meets it: a test file in an empty folder,
run by pytest in a process of its own, gets ``zuora_mock`` and ``zuora_client``
from the installed package alone, serially, under ``-n 2``, and with two
workers sharing one external sandbox. The handle's methods are checked here
through this suite's own use of the plugin.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime

import pytest
import requests
from processes import clean_env, run_pytest, serve_in_background

from mockserver.faces.v2.wire import json_default
from mockserver.fixtures import seeding, snapshot

SEEDED = seeding.generate(42, seeding.Profile()).count("debit_memos")

# A user's test file. Each test checks that it starts from the seeded data and
# that, after creating one memo, it sees exactly that memo and its own requests.
USER_TESTS = """
import uuid

import pytest


@pytest.mark.parametrize("n", range(8))
def test_each_test_sees_the_seeded_memos_and_only_its_own(zuora_mock, zuora_client, n):
    assert zuora_mock.url.endswith("/v2")
    assert len(zuora_mock.state["debit_memos"]) == SEEDED
    mine = f"plugin-{uuid.uuid4().hex}"
    created = zuora_client.post(
        "/debit_memos",
        json={
            "account_number": "A00000001",
            "description": mine,
            "items": [{"amount": 10, "service_start": "2026-01-01", "name": "Setup fee"}],
        },
    )
    assert created.status_code == 201, created.text
    memos = zuora_mock.state["debit_memos"]
    assert len(memos) == SEEDED + 1
    assert [memo.get("description") for memo in memos].count(mine) == 1
    journal = zuora_mock.requests()
    assert [(entry["method"], entry["path"]) for entry in journal] == [
        ("POST", "/v2/debit_memos")
    ]
"""

SEED_CHECK = """
import requests


def test_the_sandbox_has_the_configured_seed_and_fixtures(zuora_mock):
    health = requests.get(f"{zuora_mock.root}/__mock/health", timeout=5).json()
    assert health["seed"] == 7
    assert len(zuora_mock.state["debit_memos"]) == 1
"""


def assert_passed(result: subprocess.CompletedProcess, count: int) -> None:
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{count} passed" in result.stdout, result.stdout


@pytest.fixture
def user_project(tmp_path):
    """An empty folder with only a test file: no conftest, no configuration."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_memos.py").write_text(f"SEEDED = {SEEDED}\n{USER_TESTS}")
    return project


def test_a_user_suite_gets_the_fixtures_from_the_installed_package(user_project):
    assert_passed(run_pytest(user_project), 8)


def test_two_xdist_workers_each_start_their_own_sandbox(user_project):
    assert_passed(run_pytest(user_project, "-n", "2"), 8)


def test_two_xdist_workers_share_one_external_sandbox_through_tenants(user_project, tmp_path):
    with serve_in_background(tmp_path / "sandbox.log", "--tenants", "per-token") as root:
        assert_passed(run_pytest(user_project, "-n", "2", "--zuora-mock-url", root), 8)
        health = requests.get(f"{root}/__mock/health", timeout=5).json()
    assert health["tenants"] == 1  # each worker dropped its own tenant when its session ended
    assert health["debit_memos"] == SEEDED


def test_one_worker_may_use_an_external_sandbox_without_tenants(user_project, tmp_path):
    with serve_in_background(tmp_path / "sandbox.log", admin_token="s3cret") as root:
        result = run_pytest(
            user_project, "--zuora-mock-url", root, "--zuora-mock-admin-token", "s3cret"
        )
    assert_passed(result, 8)


def test_parallel_workers_on_a_shared_external_sandbox_are_refused(user_project, tmp_path):
    with serve_in_background(tmp_path / "sandbox.log") as root:
        result = run_pytest(user_project, "-n", "2", "--zuora-mock-url", root)
    assert result.returncode == 1
    assert "start it with --tenants per-token" in result.stdout


def write_one_memo_fixture(path) -> None:
    store = seeding.generate(7, seeding.Profile.from_mapping({"debit_memos": 1, "accounts": 1}))
    document = snapshot.export(store, date.today(), UTC)
    path.write_text(json.dumps(document, default=json_default))


def test_seed_and_fixtures_file_come_from_the_ini_file(tmp_path):
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    write_one_memo_fixture(project / "data" / "one-memo.json")
    (project / "pytest.ini").write_text(
        "[pytest]\nzuora_mock_seed = 7\nzuora_mock_fixtures = data/one-memo.json\n"
    )
    (project / "test_seed.py").write_text(SEED_CHECK)
    # Run from elsewhere: the fixtures path is relative to the ini file.
    assert_passed(run_pytest(tmp_path, "project"), 1)


def test_the_command_line_wins_over_the_ini_file(tmp_path):
    write_one_memo_fixture(tmp_path / "one-memo.json")
    (tmp_path / "pytest.ini").write_text("[pytest]\nzuora_mock_seed = 3\n")
    (tmp_path / "test_seed.py").write_text(SEED_CHECK)
    result = run_pytest(
        tmp_path, "--zuora-mock-seed", "7", "--zuora-mock-fixtures", "one-memo.json"
    )
    assert_passed(result, 1)


def test_loading_the_plugin_does_not_import_the_app():
    """pytest loads the plugin in every session where the package is installed;
    the app (Flask, Faker, waitress) is imported only when a test asks for it."""
    probe = (
        "import sys, mockserver.pytest_plugin; "
        "print(sorted({'flask', 'faker', 'waitress'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], env=clean_env(), capture_output=True, text=True
    )
    assert result.stdout.strip() == "[]", result.stderr


def test_reset_brings_back_the_start_up_data(zuora_mock, create_memo):
    created = create_memo()
    zuora_mock.reset()
    ids = [memo["id"] for memo in zuora_mock.state["debit_memos"]]
    assert created["id"] not in ids
    assert len(ids) == SEEDED


def test_load_replaces_the_store_with_a_snapshot(zuora_mock, zuora_client):
    document = zuora_mock.state
    document["debit_memos"] = document["debit_memos"][:2]
    zuora_mock.load(document)
    listed = zuora_client.get("/debit_memos").json()["data"]
    assert [memo["id"] for memo in listed] == [memo["id"] for memo in document["debit_memos"]]


@pytest.mark.parametrize("when", [datetime(2030, 1, 31, 12), date(2030, 1, 31)])
def test_set_clock_takes_naive_datetimes_and_dates_as_utc(zuora_mock, create_memo, when):
    zuora_mock.set_clock(when)
    assert create_memo()["created_time"].startswith("2030-01-31T")


def test_reset_clock_brings_back_the_real_clock(zuora_mock, create_memo):
    zuora_mock.set_clock("2030-01-31T00:00:00Z")
    zuora_mock.reset_clock()
    assert create_memo()["created_time"].startswith(str(date.today().year))


def test_requests_is_the_journal_with_filters(zuora_mock, zuora_client, create_memo):
    zuora_client.get("/debit_memos")
    create_memo()
    posts = zuora_mock.requests(method="POST")
    assert [(entry["path"], entry["status"]) for entry in posts] == [("/v2/debit_memos", 201)]
    assert len(zuora_mock.requests()) == 2


def test_zuora_client_sends_the_token_to_paths_under_v2(zuora_mock, zuora_client):
    response = zuora_client.get("debit_memos", params={"page_size": 1})
    assert response.status_code == 200
    assert response.request.url.startswith(f"{zuora_mock.url}/debit_memos")
    assert response.request.headers["Authorization"] == f"Bearer {zuora_mock.token}"


def test_a_fault_holds_for_the_with_block_only(zuora_mock, zuora_client):
    with zuora_mock.fault(operation="getDebitMemoes", status=503) as rule_id:
        faulted = zuora_client.get("/debit_memos")
    assert faulted.status_code == 503
    assert rule_id in faulted.headers["X-Mock-Fault"]
    assert rule_id in zuora_mock.requests(status=503)[0]["fault"]
    assert zuora_client.get("/debit_memos").status_code == 200


def test_add_fault_returns_the_rule_id_and_reset_clears_it(zuora_mock, zuora_client):
    rule_id = zuora_mock.add_fault(id="outage", operation="getDebitMemoes", status=503)
    assert rule_id == "outage"
    assert zuora_client.get("/debit_memos").status_code == 503
    zuora_mock.reset()
    assert zuora_client.get("/debit_memos").status_code == 200


ONE_TEST = """
def test_the_sandbox_answers(zuora_mock, zuora_client):
    assert zuora_mock.url == zuora_mock.root + "/v2"
    assert zuora_client.get("/debit_memos", params={"page_size": 1}).status_code == 200
"""


@pytest.fixture
def one_test(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_one.py").write_text(ONE_TEST)
    return project


def test_the_external_url_may_be_the_root_or_its_v2(one_test, tmp_path):
    with serve_in_background(tmp_path / "sandbox.log") as root:
        for url in (root, f"{root}/", f"{root}/v2", f"{root}/v2/"):
            assert_passed(run_pytest(one_test, "--zuora-mock-url", url), 1)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("localhost:8080", "does not start with http:// or https://"),
        ("http://:8080", "names no host"),
        ("http://localhost:80800", "has a port that is not a number from 0 to 65535"),
        ("http://localhost:8080/v2?x=1", "has a query or fragment"),
    ],
)
def test_a_bad_external_url_is_one_line(one_test, url, problem):
    result = run_pytest(one_test, "--zuora-mock-url", url)
    assert result.returncode == 4  # pytest's usage error
    message = f"ERROR: zuora_mock: --zuora-mock-url '{url}' {problem}"
    assert [line for line in result.stderr.splitlines() if line.strip()] == [
        f"{message}; give the sandbox's root (http://localhost:8080) or its /v2"
    ]


def test_a_seed_that_an_external_sandbox_does_not_run_is_refused(one_test, tmp_path):
    with serve_in_background(tmp_path / "sandbox.log", "--seed", "42") as root:
        refused = run_pytest(one_test, "--zuora-mock-url", root, "--zuora-mock-seed", "7")
        same = run_pytest(one_test, "--zuora-mock-url", root, "--zuora-mock-seed", "42")
    assert refused.returncode == 1
    assert (
        f"zuora_mock: --zuora-mock-seed 7 can't apply to the sandbox at {root}, which runs "
        "with seed 42: start it with --seed 7" in refused.stdout
    )
    assert "Traceback" not in refused.stdout
    assert_passed(same, 1)


def test_a_fixtures_file_cannot_apply_to_an_external_sandbox(one_test, tmp_path):
    write_one_memo_fixture(tmp_path / "one-memo.json")
    with serve_in_background(tmp_path / "sandbox.log") as root:
        result = run_pytest(
            one_test,
            "--zuora-mock-url",
            root,
            "--zuora-mock-fixtures",
            str(tmp_path / "one-memo.json"),
        )
    assert result.returncode == 1
    assert f"--zuora-mock-fixtures can't apply to the sandbox at {root}" in result.stdout
