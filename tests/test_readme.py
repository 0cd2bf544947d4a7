"""The README's examples run as written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml
from processes import run_pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_block(heading: str, language: str) -> str:
    """The first ``language`` code block under ``heading``."""
    section = README.read_text().split(f"\n## {heading}\n", 1)[1]
    return re.search(rf"```{language}\n(.*?)```", section, re.S)[1]


def test_the_curl_walkthrough_runs_twice_against_one_sandbox(start_sandbox):
    root = start_sandbox()
    script = readme_block("curl: from token to paid memo", "sh")
    script = script.replace("localhost:8080", root.removeprefix("http://"))
    runs = [
        subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            capture_output=True,
            text=True,
            timeout=60,
        )
        for _ in range(2)
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr
        assert '"state": "posted"' in run.stdout
        assert '"paid": true' in run.stdout, run.stdout
        partly_paid = run.stdout.split('"remaining_balance": 120.5\n}\n', 1)[1]
        assert partly_paid.startswith("100\n"), run.stdout  # 120.50 - 20.50


def test_the_ci_example_installs_from_a_checkout_not_from_an_index():
    workflow = yaml.safe_load(readme_block("CI and the container", "yaml"))
    steps = workflow["jobs"]["test"]["steps"]
    checkout = steps[1]["with"]
    runs = [step["run"] for step in steps if "run" in step]
    assert runs[0] == f"pip install ./{checkout['path']} pytest pytest-xdist"
    assert runs[1] == "pytest -n 4"


def test_the_install_line_names_a_path_until_the_package_is_published():
    install = readme_block("pytest", "sh").strip()
    assert install.startswith("pip install /path/to/")
    assert "pip install zuora-mockserver" not in README.read_text()


def test_the_v1_curl_walkthrough_runs_as_written(start_sandbox):
    root = start_sandbox()
    script = readme_block("v1 curl: from token to payment", "sh")
    script = script.replace("localhost:8080", root.removeprefix("http://"))
    run = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert '"appliedAmount": 20.5' in run.stdout
    assert '"balance": 100' in run.stdout and '"remaining_balance": 100' in run.stdout
    assert "50000030" in run.stdout, "unpost of a paid memo is refused"
    assert "/v1/debit-memos?status=Posted&sort=-amount&pageSize=3&page=2" in run.stdout
    collected = run.stdout.split('"applied": [],\n  "charged": 100\n}', 1)[1]
    assert '"remaining_balance": 0,\n  "amount_paid": 120.5' in collected


def test_the_sdk_example_runs_as_written(start_sandbox):
    root = start_sandbox()
    example = readme_block("Zuora's official SDKs: the v1 face", "python")
    example = example.replace("http://localhost:8080", root)
    run = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", example], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["DM00000081", "Posted", "40"]


def test_the_callout_example_runs_as_written(tmp_path):
    (tmp_path / "test_handler.py").write_text(
        readme_block("Callouts: Zuora's notifications, sent and broken on command", "python")
    )
    run = run_pytest(tmp_path, "test_handler.py")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout


def test_the_flag_table_lists_every_serve_flag():
    help_text = subprocess.run(
        [sys.executable, "-m", "mockserver", "serve", "--help"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    flags = set(re.findall(r"^\s+(--[a-z-]+)", help_text, re.MULTILINE)) - {"--help"}
    rows = README.read_text().split("\n| flag |", 1)[1].split("\n\n", 1)[0]
    table = " ".join(row.split(" | ")[0] for row in rows.splitlines())

    assert flags, help_text
    assert sorted(flag for flag in flags if f"`{flag}`" not in table) == []
