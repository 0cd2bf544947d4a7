"""WSGI servers side by side (``--servers``): the bare view and the sandbox's
app (no access log) under waitress, gunicorn gthread, granian and cheroot.

The other servers live in a venv of their own, ``bench/.work/venv``, made
on first use, so none of them becomes a dependency of the project.
"""

from __future__ import annotations

import subprocess
import sys

from .procs import ROOT, WORK, Server, free_port
from .workloads import BODY_FILE, HEALTH, Settings, _load

VENV = WORK / "venv"
PACKAGES = ["gunicorn", "granian", "cheroot", "py-spy", "pyinstrument"]


def venv_bin(name: str) -> str:
    return str(VENV / "bin" / name)


def ensure_venv() -> None:
    """``bench/.work/venv`` with the project (editable) and the servers."""
    marker = VENV / ".bench-installed"
    if marker.exists():
        return
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    pip = [venv_bin("python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, *PACKAGES, "-e", str(ROOT)], check=True)
    marker.touch()


def _commands(app: str, port: int) -> dict[str, list[str]]:
    """Server label -> command line serving ``app`` ("bare" or "sandbox")."""
    target = "bench.bare:app" if app == "bare" else "bench.sandbox_wsgi:app"
    python = venv_bin("python")
    bind = f"127.0.0.1:{port}"
    commands = {
        "waitress 32 threads (mockserver.server)": [
            python, "-m", "bench.bare", "--port", str(port), "--app", app,
        ],
        "gunicorn gthread 1 worker x 8 threads": [
            venv_bin("gunicorn"), "-k", "gthread", "-w", "1", "--threads", "8", "-b", bind,
            "--log-level", "warning", target,
        ],
        "gunicorn gthread 1 worker x 32 threads": [
            venv_bin("gunicorn"), "-k", "gthread", "-w", "1", "--threads", "32", "-b", bind,
            "--log-level", "warning", target,
        ],
        "granian wsgi 1 worker": [
            venv_bin("granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
            "--workers", "1", "--no-log", target,
        ],
        "cheroot 32 threads": [
            python, "-m", "bench.bare", "--port", str(port), "--app", app, "--server", "cheroot",
        ],
    }  # fmt: skip
    if app == "bare":
        # Two processes can't share the sandbox's in-memory store: bare view only.
        commands["granian wsgi 2 workers"] = [
            venv_bin("granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port",
            str(port), "--workers", "2", "--no-log", target,
        ]  # fmt: skip
    return commands


def labels() -> list[tuple[str, str]]:
    """Every (app, server) pair measured."""
    return [(app, label) for app in ("bare", "sandbox") for label in _commands(app, 0)]


def measure(settings: Settings, app: str, label: str, memo_id: str) -> dict:
    port = free_port()
    argv = _commands(app, port)[label]
    env = {"BENCH_BODY_FILE": str(BODY_FILE)}
    name = f"{app}-{label.split()[0]}"
    with Server(name, argv, port, env=env) as server:
        first = server.wait_200(f"/v2/debit_memos/{memo_id}" if app == "bare" else HEALTH)
        result = _load(server, f"/v2/debit_memos/{memo_id}", settings)
        result["first_200_s"] = round(first, 3)
        return result
