"""``mockserver serve`` as a person starts it: the banner it prints, the line it
logs per request, and one clear line (exit code 2) when it can't start."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import requests
from conftest import bearer
from processes import STARTUP_DEADLINE_S, clean_env, free_port, serving, start_fails


def access_lines(log) -> list[str]:
    return [line for line in log.read_text().splitlines() if " mockserver.access " in line]


def assert_one_line(error: str) -> None:
    assert "Traceback" not in error
    assert len(error.strip().splitlines()) == 1, error


def test_a_port_in_use_is_one_line_and_exit_code_2():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        error = start_fails("--port", str(port))
    assert_one_line(error)
    assert f"port {port} on 127.0.0.1 is in use" in error


def test_a_bad_host_is_one_line_and_exit_code_2():
    error = start_fails("--host", "no-such-host.invalid")
    assert_one_line(error)
    assert "--host 'no-such-host.invalid' is not an address or a host name" in error


def test_an_unwritable_fixtures_file_is_one_line_and_exit_code_2(tmp_path):
    out = tmp_path / "missing-folder" / "fixtures.json"
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "fixtures", "--out", str(out)],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=STARTUP_DEADLINE_S,
    )
    assert result.returncode == 2
    assert_one_line(result.stderr)
    assert f"cannot write {out}: No such file or directory" in result.stderr
    assert not out.exists()


def test_the_banner_says_what_is_served(tmp_path):
    log = tmp_path / "serve.log"
    flags = ["--seed", "7", "--memos", "5", "--accounts", "2", "--tenants", "per-token"]
    with serving(log, *flags, "--fault", "id=outage,operation=createDebitMemo,status=503") as root:
        banner = log.read_text()
    assert f"mockserver 0.1.0: Zuora's debit memo API on {root}" in banner
    assert "seed 7: 2 accounts, 5 debit memos, generated" in banner
    assert "auth     any (any bearer token works); admin token off" in banner
    assert "tenants  per-token (a store per bearer token)" in banner
    assert "faults   1 rules\n    outage: operation=createDebitMemo,status=503" in banner
    assert f"docs     {root}/docs" in banner
    assert "mockserver mockserver" not in banner


def test_every_request_is_logged_with_its_query_and_its_tenant_masked(tmp_path):
    log = tmp_path / "serve.log"
    with serving(log, "--tenants", "per-token", quiet=False) as root:
        requests.get(f"{root}/v2/debit_memos?page_size=2", headers=bearer("team-a-4242"), timeout=5)
        requests.get(f"{root}/__mock/requests?tenant=team-a-4242&limit=1", timeout=5)
        requests.get(f"{root}/docs", timeout=5)
    lines = access_lines(log)
    assert any(" GET /v2/debit_memos?page_size=2 200 " in line for line in lines), lines
    zuora = next(line for line in lines if "/v2/debit_memos" in line)
    assert zuora.endswith(" tenant=****4242")
    control = next(line for line in lines if "/__mock/requests" in line)
    assert " GET /__mock/requests?tenant=****4242&limit=1 200 " in control
    assert control.endswith(" tenant=****4242")
    assert not any("team-a" in line for line in lines)
    assert any(" GET /docs 200 " in line and line.endswith("tenant=default") for line in lines)


def test_the_log_stays_quiet_with_quiet(tmp_path):
    log = tmp_path / "serve.log"
    with serving(log) as root:
        requests.get(f"{root}/__mock/health", timeout=5)
    assert access_lines(log) == []


def test_the_garbage_collector_is_on_again_and_the_start_up_data_frozen_once_it_serves():
    """The command's entry turns the cyclic collector off while the sandbox starts;
    ``serve`` freezes what the start-up made and turns the collector on before it
    serves. Asked inside a server started as the console script starts it."""
    port = free_port()
    script = (
        "import gc, json, os, signal, sys, threading, time, urllib.request\n"
        "from mockserver.__main__ import main\n"
        "def ask():\n"
        "    while True:\n"
        "        try:\n"
        f"            urllib.request.urlopen('http://127.0.0.1:{port}/__mock/health').read()\n"
        "            break\n"
        "        except OSError:\n"
        "            time.sleep(0.05)\n"
        "    print(json.dumps([gc.isenabled(), gc.get_freeze_count()]), flush=True)\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "threading.Thread(target=ask, daemon=True).start()\n"
        f"sys.argv = ['mockserver', 'serve', '--port', '{port}', '--quiet']\n"
        "main()\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=STARTUP_DEADLINE_S,
    )
    assert run.returncode == 0, run.stderr
    enabled, frozen = json.loads(run.stdout)
    assert enabled is True
    assert frozen > 0
