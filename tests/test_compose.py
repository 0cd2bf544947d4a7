"""The repository's ``docker-compose.yml``: two sandbox replicas and PostgreSQL.
Without a Docker engine here, the file is read as Compose reads it (YAML,
anchors merged), and each replica's environment is run through the image's
own entrypoint against a PostgreSQL database of the tests."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
import test_container
import yaml
from conftest import bearer, memo_body
from sqlalchemy.engine import make_url
from test_readme import readme_block

COMPOSE = Path(__file__).resolve().parents[1] / "docker-compose.yml"
REPLICAS = ("sandbox-a", "sandbox-b")
image = test_container.image  # the fixtures that run the image's entrypoint
run_image = test_container.run_image


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def test_compose_has_postgres_and_two_replicas_built_from_this_repository(services):
    assert set(services) == {"postgres", *REPLICAS}
    assert services["postgres"]["image"].startswith("postgres:")
    for name in REPLICAS:
        replica = services[name]
        assert replica["build"] == "."
        assert replica["depends_on"] == {"postgres": {"condition": "service_healthy"}}
        assert replica["environment"]["MOCKSERVER_WORKERS"] == "2"
    host_ports = [services[name]["ports"][0].split(":") for name in REPLICAS]
    assert [inside for _, inside in host_ports] == ["8080", "8080"]  # the image's port
    assert len({outside for outside, _ in host_ports}) == 2


def test_the_replicas_store_is_the_postgres_service_with_its_credentials(services):
    database = services["postgres"]["environment"]
    for name in REPLICAS:
        url = make_url(services[name]["environment"]["MOCKSERVER_STORE"])
        assert url.get_backend_name() == "postgresql"
        assert (url.host, url.username, url.password, url.database) == (
            "postgres",
            database["POSTGRES_USER"],
            database["POSTGRES_PASSWORD"],
            database["POSTGRES_DB"],
        )


def test_two_replicas_as_compose_runs_them_share_one_database(
    services,
    run_image,
    postgres_cluster,
):
    database = postgres_cluster.new_database()
    replicas = [
        {**services[name]["environment"], "MOCKSERVER_STORE": database} for name in REPLICAS
    ]
    with run_image(**replicas[0]) as (a, _), run_image(**replicas[1]) as (b, _):
        created = requests.post(
            f"{a}/v2/debit_memos", json=memo_body(), headers=bearer("team"), timeout=30
        )
        assert created.status_code == 201, created.text
        memo_id = created.json()["id"]
        read = requests.get(f"{b}/v2/debit_memos/{memo_id}", headers=bearer("team"), timeout=30)
        assert read.status_code == 200
        assert read.json()["total"] == created.json()["total"]
        journal = requests.get(f"{b}/__mock/requests", params={"tenant": "team"}, timeout=30)
        operations = [entry["operation"] for entry in journal.json()["data"]]
        assert operations == ["createDebitMemo", "getDebitMemo"]


def test_the_readme_actions_example_serves_workers_on_its_postgres_service():
    workflow = yaml.safe_load(readme_block("Workers and shared stores: `--workers N`", "yaml"))
    job = workflow["jobs"]["test"]
    service = job["services"]["postgres"]
    env = service["env"]
    started = next(
        step["run"] for step in job["steps"] if "mockserver serve" in step.get("run", "")
    )
    url = make_url(started.split("--store ")[1].split()[0])
    assert (url.username, url.password, url.database) == (
        env["POSTGRES_USER"],
        env["POSTGRES_PASSWORD"],
        env["POSTGRES_DB"],
    )
    assert f"{url.port}:5432" in service["ports"]
    assert "--workers 2" in started
    assert "--zuora-mock-url http://localhost:8080" in job["steps"][-1]["run"]
