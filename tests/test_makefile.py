"""The Makefile: `make serve` sets up the runtime only, `make help` lists the targets."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def make(*args: str) -> str:
    result = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_serve_on_a_fresh_machine_installs_the_runtime_only(tmp_path):
    planned = make("-n", "serve", f"VENV={tmp_path / 'venv'}")
    installs = re.findall(r"pip install --quiet (.+)", planned)
    assert installs == ["--upgrade pip", "-e ."], planned
    assert "[test]" not in planned
    assert f"{tmp_path / 'venv'}/bin/mockserver serve" in planned


def test_make_test_adds_the_test_extra_and_the_debian_packages(tmp_path):
    planned = make("-n", "test", f"VENV={tmp_path / 'venv'}")
    assert re.findall(r"pip install --quiet (.+)", planned) == [
        "--upgrade pip",
        "-e .",
        "-e '.[test]'",
    ]
    assert "dpkg-query" in planned


def test_make_help_lists_every_target():
    listed = make("help")
    for target in (
        "help",
        "serve",
        "test",
        "lint",
        "bench",
        "debian-packages",
        "screenshots",
        "clean",
    ):
        assert re.search(rf"^  make {target} +\S", listed, re.M), listed
