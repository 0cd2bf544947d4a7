"""Running the sandbox (or pytest) as a separate process, as users run it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import requests

STARTUP_DEADLINE_S = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def health_answers(root: str, headers: dict[str, str] | None = None) -> Callable[[], bool]:
    def check() -> bool:
        try:
            answer = requests.get(f"{root}/__mock/health", headers=headers, timeout=2)
            return answer.status_code == 200
        except requests.ConnectionError:
            return False

    return check


@contextlib.contextmanager
def running(
    argv: list[str], env: dict[str, str], ready: Callable[[], bool], log: Path
) -> Iterator[subprocess.Popen]:
    """Start ``argv``, wait until ``ready()``, and stop it (SIGTERM, then SIGKILL) after."""
    with log.open("wb") as output:
        process = subprocess.Popen(argv, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + STARTUP_DEADLINE_S
        while not ready():
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    f"{argv} never became ready (exit code {process.poll()}):\n{log.read_text()}"
                )
            time.sleep(0.05)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def serve_in_background(log: Path, *flags: str, admin_token: str | None = None) -> Iterator[str]:
    """``python -m mockserver serve`` on a free port; yields its root URL."""
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "mockserver", "serve", "--port", str(port), "--quiet", *flags]
    headers = None
    if admin_token:
        argv += ["--admin-token", admin_token]
        headers = {"Authorization": f"Bearer {admin_token}"}
    with running(argv, clean_env(), health_answers(root, headers), log):
        yield root


def clean_env() -> dict[str, str]:
    """This environment without what the test run itself set (pytest, xdist)."""
    return {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}


def run_pytest(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """pytest in ``cwd``, in a process of its own, the way a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )


def serve_command(*flags: str) -> list[str]:
    return [sys.executable, "-m", "mockserver", "serve", *flags]


@contextlib.contextmanager
def serving(
    log: Path, *flags: str, env: dict[str, str] | None = None, quiet: bool = True
) -> Iterator[str]:
    """``python -m mockserver serve`` on a free port; yields its root URL."""
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    argv = serve_command("--port", str(port), *(["--quiet"] if quiet else []), *flags)
    with running(argv, {**clean_env(), **(env or {})}, health_answers(root), log):
        yield root


def start_fails(*flags: str, env: dict[str, str] | None = None) -> str:
    """Start a server that must refuse to start; its error output."""
    result = subprocess.run(
        serve_command("--port", str(free_port()), *flags),
        env={**clean_env(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=STARTUP_DEADLINE_S,
    )
    assert result.returncode == 2, result
    return result.stderr
