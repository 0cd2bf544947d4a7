"""The container. No Docker engine runs here, so the image is checked through
its Dockerfile: hadolint finds nothing in it, and the command the image runs
is run here as the image runs it: its ENTRYPOINT, with its ENV, with the venv's
scripts first on PATH where the image has /usr/local/bin; its HEALTHCHECK
command, run as written, decides when it is up.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import shlex
import signal
import subprocess
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from conftest import bearer
from processes import free_port, running

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sysconfig.get_path("scripts")


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` pairs, continuation lines joined, comments dropped."""
    found, pending = [], ""
    for line in dockerfile.read_text().splitlines():
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if text.endswith("\\"):
            pending += text[:-1] + " "
            continue
        keyword, _, arguments = (pending + text).partition(" ")
        found.append((keyword.upper(), arguments.strip()))
        pending = ""
    return found


@dataclass
class Image:
    """What ``docker build`` would make of the Dockerfile's final stage."""

    stages: list[list[tuple[str, str]]]

    @classmethod
    def from_dockerfile(cls, dockerfile: Path) -> Image:
        stages: list[list[tuple[str, str]]] = []
        for keyword, arguments in instructions(dockerfile):
            if keyword == "FROM":
                stages.append([])
            stages[-1].append((keyword, arguments))
        return cls(stages)

    @property
    def final(self) -> list[tuple[str, str]]:
        return self.stages[-1]

    def arguments(self, keyword: str) -> list[str]:
        return [arguments for found, arguments in self.final if found == keyword]

    @property
    def env(self) -> dict[str, str]:
        pairs = [pair for line in self.arguments("ENV") for pair in shlex.split(line)]
        return dict(pair.split("=", 1) for pair in pairs)

    @property
    def command(self) -> list[str]:
        (entrypoint,) = self.arguments("ENTRYPOINT")
        return json.loads(entrypoint) + [json.loads(cmd) for cmd in self.arguments("CMD")][-1:]

    @property
    def healthcheck(self) -> tuple[list[str], dict[str, str]]:
        """The health check's command and its options (``--timeout`` ...)."""
        (line,) = self.arguments("HEALTHCHECK")
        options, _, command = line.partition("CMD ")
        settings = dict(option.lstrip("-").split("=", 1) for option in options.split())
        return json.loads(command), settings


@pytest.fixture(scope="module")
def image() -> Image:
    return Image.from_dockerfile(ROOT / "Dockerfile")


def seconds(duration: str) -> float:
    return float(duration.removesuffix("s"))


@pytest.fixture
def run_image(image, tmp_path):
    """Run the image's command with its environment, as ``docker run -e
    MOCKSERVER_PORT=<free port> [-e NAME=value] <image> [args]`` would; yields
    the root URL and the process once the image's own health check passes."""
    check, options = image.healthcheck

    @contextlib.contextmanager
    def run(*args: str, **env: str) -> Iterator[tuple[str, subprocess.Popen]]:
        port = free_port()
        environment = {
            "PATH": f"{SCRIPTS}:/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            **image.env,
            "MOCKSERVER_PORT": str(port),
            **env,
        }

        def healthy() -> bool:
            try:
                result = subprocess.run(
                    check, env=environment, capture_output=True, timeout=seconds(options["timeout"])
                )
            except subprocess.TimeoutExpired:
                return False
            return result.returncode == 0

        argv = image.command + list(args)
        with running(argv, environment, healthy, tmp_path / "image.log") as process:
            yield f"http://127.0.0.1:{port}", process

    return run


def test_hadolint_finds_nothing_in_the_dockerfile():
    result = subprocess.run(
        [f"{SCRIPTS}/hadolint", "--no-color", str(ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_every_stage_starts_from_a_slim_official_python_pinned_by_tag(image):
    bases = [stage[0][1].split()[0] for stage in image.stages]
    assert bases
    for base in bases:
        name, _, tag = base.partition(":")
        assert name == "python"
        assert tag.endswith("-slim") and tag[0].isdigit(), base


def test_the_image_runs_as_a_non_root_user(image):
    user = image.arguments("USER")[-1].split(":")[0]
    assert user not in ("", "root", "0")


def test_the_image_listens_on_8080_on_every_interface(image):
    assert image.arguments("EXPOSE") == ["8080"]
    assert image.env["MOCKSERVER_HOST"] == "0.0.0.0"
    assert image.env["MOCKSERVER_PORT"] == "8080"


def in_build_context(path: str, patterns: list[str]) -> bool:
    """Whether ``.dockerignore`` lets a file into the build context: the last
    pattern that matches the file or one of its folders decides."""
    parts = path.split("/")
    candidates = ["/".join(parts[: depth + 1]) for depth in range(len(parts))]
    included = True
    for pattern in patterns:
        exclude = not pattern.startswith("!")
        glob = pattern.removeprefix("!").strip("/")
        if any(fnmatch.fnmatchcase(candidate, glob) for candidate in candidates):
            included = not exclude
    return included


def test_the_build_context_holds_what_the_build_copies_and_nothing_else(image):
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    copied = [
        source.removeprefix("./").rstrip("/")
        for stage in image.stages
        for keyword, arguments in stage
        if keyword == "COPY" and not arguments.startswith("--from")
        for source in arguments.split()[:-1]
    ]
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    for path in tracked:
        wanted = any(path == source or path.startswith(f"{source}/") for source in copied)
        assert in_build_context(path, patterns) == wanted, path


def test_the_image_command_passes_its_health_check_and_serves_the_seeded_data(
    run_image, start_sandbox
):
    with run_image() as (root, _):
        health = requests.get(f"{root}/__mock/health", timeout=5).json()
        page = requests.get(f"{root}/v2/debit_memos", headers=bearer(), timeout=5)
        served = requests.get(f"{root}/__mock/state", timeout=10).json()
    assert health["seed"] == 42
    assert page.status_code == 200
    assert len(page.json()["data"]) > 0
    in_process = requests.get(f"{start_sandbox()}/__mock/state", timeout=10).json()
    assert served == in_process


def test_arguments_after_the_image_name_configure_it(run_image):
    with run_image("--seed", "7", "--tenants", "per-token") as (root, _):
        config = requests.get(f"{root}/__mock/config", timeout=5).json()
    assert (config["seed"], config["tenants"], config["host"]) == (7, "per-token", "0.0.0.0")


def test_environment_variables_configure_it(run_image):
    with run_image(MOCKSERVER_SEED="7", MOCKSERVER_MEMOS="5") as (root, _):
        health = requests.get(f"{root}/__mock/health", timeout=5).json()
    assert (health["seed"], health["debit_memos"]) == (7, 5)


def test_the_health_check_passes_when_the_control_plane_needs_an_admin_token(run_image):
    with run_image(MOCKSERVER_ADMIN_TOKEN="s3cret") as (root, _):
        anonymous = requests.get(f"{root}/__mock/health", timeout=5)
        state = requests.get(f"{root}/__mock/state", timeout=5)
    assert anonymous.status_code == 200
    assert state.status_code == 401


def test_docker_stop_stops_it_cleanly(run_image):
    with run_image() as (_, process):
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
