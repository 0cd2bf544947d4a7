"""Servers under test as subprocesses: start, time to the first 200, RSS, stop.

Every server runs in its own session (process group) so that stopping it
also stops what it forked (gunicorn's worker, granian's workers), and only
what this harness started.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / ".work"
LOGS = WORK / "logs"
AUTH = {"Authorization": "Bearer bench"}
SOURCE = {"cwd": ROOT, "rev": None}  # what the servers run: the work tree, or ``--source REV``


def use_source(rev: str) -> str:
    """Run the servers on ``mockserver/`` as committed at ``rev`` (exported
    with ``git archive`` into ``bench/.work/src-<sha>``), not the work tree:
    a stable thing to measure while others edit, or an older version to
    compare with. Returns the commit's short sha."""
    sha = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", rev],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    target = WORK / f"src-{sha}"
    if not (target / "mockserver").exists():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", sha, "mockserver"], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    # The child's working directory comes first on its sys.path (python -m),
    # then PYTHONPATH: the snapshot's mockserver, then the work tree's bench.
    os.environ["PYTHONPATH"] = f"{target}{os.pathsep}{ROOT}"
    SOURCE.update(cwd=target, rev=sha)
    return sha


class ServerFailed(RuntimeError):
    """A server that exited or never answered 200."""


def free_port() -> int:
    """A port nothing listens on now (never 8080: the kernel picks)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(port: int, path: str, method: str = "GET", body=None, headers=None, timeout=30.0):
    """One HTTP request on a new connection: ``(status, body bytes)``."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers={**AUTH, **(headers or {})})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


class Server:
    """A server process: ``with Server(...) as s: s.wait_200(path)``."""

    def __init__(self, name: str, argv: list[str], port: int, env: dict | None = None, cwd=None):
        self.name = name
        self.argv = argv
        self.port = port
        self.env = {**os.environ, **(env or {})}
        self.cwd = cwd or SOURCE["cwd"]
        self.process: subprocess.Popen | None = None
        self.started = 0.0
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log_path = LOGS / f"{name.replace(' ', '_').replace('/', '_')}.log"

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        log = open(self.log_path, "wb")  # noqa: SIM115 - the child owns it until stop()
        self._log = log
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_200(self, path: str, timeout: float = 180.0, headers=None) -> float:
        """Seconds from spawn until ``GET path`` answers 200 (polled every 2 ms)."""
        deadline = self.started + timeout
        while True:
            if self.process.poll() is not None:
                raise ServerFailed(
                    f"{self.name} exited with {self.process.returncode}: {self.tail()}"
                )
            try:
                status, _ = request(self.port, path, headers=headers, timeout=timeout)
                if status == 200:
                    return time.perf_counter() - self.started
            except OSError:
                pass
            if time.perf_counter() > deadline:
                raise ServerFailed(f"{self.name}: no 200 on {path} within {timeout} s")
            time.sleep(0.002)

    def rss_mb(self) -> float:
        """Resident memory of the server and every process it forked, in MB."""
        return sum(_vm_rss_kb(pid) for pid in _tree(self.process.pid)) / 1024

    @property
    def pid(self) -> int:
        return self.process.pid

    def tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            _signal_group(process.pid, signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                _signal_group(process.pid, signal.SIGKILL)
                process.wait(10)
        else:
            # The leader is gone; its forked workers may not be.
            _signal_group(process.pid, signal.SIGKILL)
        self._log.close()
        self.process = None


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as file:
                stat = file.read()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def _vm_rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as file:
            for line in file:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
