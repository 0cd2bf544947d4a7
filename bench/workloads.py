"""What is measured. Each workload starts its own server(s), measures one
thing, stops them, and returns plain dicts, so runs can be interleaved and
every server is alone on the machine while it is under load.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from urllib.parse import quote

from . import wrk
from .procs import AUTH, ROOT, SOURCE, WORK, Server, ServerFailed, free_port, request

BIN = Path(sys.executable).parent
MOCKSERVER = BIN / "mockserver"
HEALTH = "/__mock/health"
FIRST_V2 = "/v2/debit_memos?page_size=1"
BODY_FILE = WORK / "memo.json"

LISTS = {
    # name: (query, what it is)
    "default": ("", "default order (updated_time desc)"),
    "state+sort": (
        "filter[]=state.EQ:open&sort[]=total.desc",
        "filter[]=state.EQ:open & sort[]=total.desc",
    ),
    "account+sort": (
        "filter[]=account_number.EQ:A00000001&sort[]=document_date.desc",
        "filter[]=account_number.EQ:A00000001 & sort[]=document_date.desc",
    ),
}


@dataclass
class Settings:
    duration: float = 15
    warmup: float = 3
    connections: int = 32
    scale_duration: float = 5
    sizes: list[int] = field(default_factory=lambda: [1000, 10_000, 100_000])
    startups: int = 5
    thread_counts: list[int] = field(default_factory=lambda: [4, 8, 16, 32, 64])
    stores: list[str] = field(default_factory=lambda: ["memory", "sqlite", "postgresql"])


def list_path(name: str) -> str:
    query = LISTS[name][0]
    if not query:
        return "/v2/debit_memos"
    encoded = "&".join(quote(part, safe="=") for part in query.split("&"))
    return f"/v2/debit_memos?{encoded}"


def sandbox(name: str, *flags: str, env: dict | None = None) -> Server:
    port = free_port()
    return Server(name, [str(MOCKSERVER), "serve", "--port", str(port), *flags], port, env=env)


def _url(server: Server, path: str) -> str:
    return f"http://127.0.0.1:{server.port}{path}"


def _load(
    server: Server,
    path: str,
    settings: Settings,
    *,
    script=None,
    script_args=(),
    connections=None,
    duration=None,
    warmup=None,
) -> dict:
    """Warm up (discarded), then measure; adds RSS after the load."""
    connections = connections or settings.connections
    warmup = settings.warmup if warmup is None else warmup
    headers = None if script else AUTH
    url = _url(server, path)
    if warmup > 0:
        wrk.run(url, warmup, connections, script=script, script_args=script_args, headers=headers)
    result = wrk.run(
        url,
        duration or settings.duration,
        connections,
        script=script,
        script_args=script_args,
        headers=headers,
    ).to_wire()
    result["rss_mb"] = round(server.rss_mb(), 1)
    return result


# -- the memo everyone GETs ---------------------------------------------------------


def memo_under_test() -> tuple[str, bytes]:
    """The id and body of the newest memo of the default seed; also written to
    ``bench/.work/memo.json`` as the bare view's body."""
    with sandbox("sandbox-probe", "--quiet") as server:
        server.wait_200(HEALTH)
        status, body = request(server.port, FIRST_V2)
        memo_id = json.loads(body)["data"][0]["id"]
        status, memo = request(server.port, f"/v2/debit_memos/{memo_id}")
    if status != 200:
        raise ServerFailed(f"GET memo answered {status}")
    BODY_FILE.parent.mkdir(parents=True, exist_ok=True)
    BODY_FILE.write_bytes(memo)
    return memo_id, memo


# -- throughput ----------------------------------------------------------------------


def get_memo(settings: Settings, memo_id: str, *flags: str, name="sandbox", face="v2") -> dict:
    """GET of one memo through v2's ``/v2/debit_memos/{id}`` or v1's ``/v1/debit-memos/{id}``."""
    path = f"/v1/debit-memos/{memo_id}" if face == "v1" else f"/v2/debit_memos/{memo_id}"
    with sandbox(name, *flags) as server:
        server.wait_200(HEALTH)
        return _load(server, path, settings)


def get_bare(settings: Settings, memo_id: str, threads: int = 32, app: str = "bare"):
    """GET on ``python -m bench.bare``: the bare view, or the sandbox's app
    (``app="sandbox"`` or ``"sandbox-idle-faults"``) on the same server."""
    port = free_port()
    argv = [sys.executable, "-m", "bench.bare", "--port", str(port), "--threads", str(threads)]
    argv += ["--app", app]
    env = {"BENCH_BODY_FILE": str(BODY_FILE)}
    with Server(app, argv, port, env=env) as bare:
        bare.wait_200(HEALTH)
        return _load(bare, f"/v2/debit_memos/{memo_id}", settings)


def list_memos(settings: Settings, name: str = "state+sort") -> dict:
    with sandbox("sandbox-list") as server:
        server.wait_200(HEALTH)
        return _load(server, list_path(name), settings)


def create_memo(settings: Settings) -> dict:
    with sandbox("sandbox-create") as server:
        server.wait_200(HEALTH)
        result = _load(server, "/v2/debit_memos", settings, script="create.lua")
        _, body = request(server.port, HEALTH)
        result["memos_after"] = json.loads(body).get("debit_memos")
        return result


def pay_memo(settings: Settings, memos: int = 256, flags: tuple[str, ...] = ()) -> dict:
    """Pays of 0.01, round-robin over ``memos`` open memos of 1,000,000 each."""
    with sandbox("sandbox-pay", *flags) as server:
        server.wait_200(HEALTH)
        ids, currency = [], None
        payload = json.dumps(
            {
                "account_number": "A00000001",
                "items": [{"amount": 1000000, "service_start": "2026-11-01", "name": "Bench"}],
            }
        )
        for _ in range(memos):
            status, body = request(
                server.port,
                "/v2/debit_memos",
                "POST",
                payload,
                {"Content-Type": "application/json"},
            )
            memo = json.loads(body)
            if status != 201:
                raise ServerFailed(f"create answered {status}: {body[:300]!r}")
            status, body = request(server.port, f"/v2/debit_memos/{memo['id']}/post", "POST")
            if status != 200:
                raise ServerFailed(f"post answered {status}: {body[:300]!r}")
            ids.append(memo["id"])
            currency = memo["currency"]
        return _load(
            server,
            "/v2/debit_memos",
            settings,
            script="pay.lua",
            script_args=(currency, ",".join(ids)),
        )


# -- the fault engine ----------------------------------------------------------------


def serve_help() -> str:
    done = subprocess.run(
        [str(MOCKSERVER), "serve", "--help"], capture_output=True, text=True, check=False
    )
    return done.stdout


def _can_idle_faults() -> bool:
    done = subprocess.run(
        [sys.executable, "-c", "from bench.sandbox_wsgi import can_idle_faults as c; print(c())"],
        capture_output=True,
        text=True,
        check=False,
        cwd=SOURCE["cwd"],
    )
    return done.stdout.strip() == "True"


def fault_variants() -> dict[str, Callable[[Settings, str], dict]] | str:
    """GET with the fault engine as configured by default (no rules), with the
    engine idle (no X-Mock-Fault, no gateway timeout: it only passes the request
    on), and with one rule that never matches (when the CLI has ``--fault``),
    all on the sandbox's waitress server."""
    idle = _can_idle_faults()
    rule_flag = re.search(r"--fault\b", serve_help()) is not None
    if not (idle or rule_flag):
        return "pending: no fault engine in this version (no --fault flag, no idle config)"
    variants: dict[str, Callable[[Settings, str], dict]] = {}
    if idle:
        variants["create_app(): engine on, no rules"] = partial(get_bare, app="sandbox")
        variants["fault_header=False, gateway_timeout=0: engine off (idle)"] = partial(
            get_bare, app="sandbox-idle-faults"
        )
    if rule_flag:
        variants["CLI --quiet: no rules"] = partial(_get_with_flags, flags=("--quiet",))
        variants["CLI --quiet --fault path=/nowhere/*,status=503 (never matches)"] = partial(
            _get_with_flags, flags=("--quiet", "--fault", "path=/nowhere/*,status=503")
        )
    return variants


def _get_with_flags(settings: Settings, memo_id: str, flags: tuple[str, ...]) -> dict:
    return get_memo(settings, memo_id, *flags)


# -- start-up ------------------------------------------------------------------------


def _last_stage(dockerfile: Path) -> list[str]:
    """The lines of the Dockerfile's final stage, continuations joined."""
    stage: list[str] = []
    for line in dockerfile.read_text().replace("\\\n", " ").splitlines():
        if line.strip().upper().startswith("FROM "):
            stage = []
        stage.append(line.strip())
    return stage


def container_command() -> tuple[list[str], dict] | str:
    """The Dockerfile's ENTRYPOINT + CMD and ENV, run here as a subprocess."""
    dockerfile = ROOT / "Dockerfile"
    if not dockerfile.exists():
        return "no Dockerfile yet"
    env: dict[str, str] = {}
    commands: dict[str, list[str]] = {"ENTRYPOINT": [], "CMD": []}
    for line in _last_stage(dockerfile):
        keyword, _, rest = line.partition(" ")
        keyword, rest = keyword.upper(), rest.strip()
        if keyword == "ENV":
            env.update(pair.partition("=")[::2] for pair in shlex.split(rest))
        elif keyword in commands:
            commands[keyword] = (
                json.loads(rest) if rest.startswith("[") else ["/bin/sh", "-c", rest]
            )
    argv = commands["ENTRYPOINT"] + commands["CMD"]
    if not argv:
        return "the Dockerfile has no ENTRYPOINT or CMD"
    if (BIN / argv[0]).exists():
        argv[0] = str(BIN / argv[0])
    return argv, env


def cold_start(argv: list[str], port: int, env: dict | None = None, name="start") -> dict:
    """Spawn to the first 200 on the health route, then on a /v2 GET."""
    with Server(name, argv, port, env=env) as server:
        health = server.wait_200(HEALTH)
        first_v2 = server.wait_200(FIRST_V2)
        rss = server.rss_mb()
    return {"health_s": round(health, 4), "first_v2_s": round(first_v2, 4), "rss_mb": round(rss, 1)}


def startup_commands() -> dict[str, tuple[list[str], dict] | str]:
    """How users start it: the CLI, ``python -m mockserver``, the container's command."""

    def cli(port):
        return [str(MOCKSERVER), "serve", "--port", str(port)], {}

    def module(port):
        return [sys.executable, "-m", "mockserver", "serve", "--port", str(port)], {}

    commands: dict = {"mockserver serve (CLI)": cli, "python -m mockserver serve": module}
    container = container_command()
    if isinstance(container, str):
        commands["container command line"] = container
    else:
        argv, env = container

        def in_container(port, argv=argv, env=env):
            return list(argv), {**env, "MOCKSERVER_PORT": str(port)}

        commands["container command line"] = in_container
    return commands


def startups(settings: Settings) -> dict:
    results: dict = {}
    for label, command in startup_commands().items():
        if isinstance(command, str):
            results[label] = command
            continue
        samples = []
        for _ in range(settings.startups):
            port = free_port()
            argv, env = command(port)
            samples.append(cold_start(argv, port, env, name="startup"))
        results[label] = samples
    return results


# -- size: seeding, memory, list latency ---------------------------------------------


def at_size(settings: Settings, memos: int, memo_id: str | None = None) -> dict:
    """Seed ``memos`` memos; RSS; single-client latency of each list and a GET."""
    with sandbox(f"sandbox-{memos}", "--memos", str(memos)) as server:
        health = server.wait_200(HEALTH, timeout=900)
        result: dict = {"health_s": round(health, 3), "rss_mb": round(server.rss_mb(), 1)}
        _, body = request(server.port, FIRST_V2)
        newest = json.loads(body)["data"][0]["id"]
        for name in LISTS:
            result[f"list {name}"] = _load(
                server,
                list_path(name),
                settings,
                connections=1,
                duration=settings.scale_duration,
                warmup=1,
            )
        result["get"] = _load(
            server,
            f"/v2/debit_memos/{newest}",
            settings,
            connections=1,
            duration=settings.scale_duration,
            warmup=1,
        )
        result["rss_after_mb"] = round(server.rss_mb(), 1)
    return result


def settle(seconds: float = 1.0) -> None:
    """A pause between servers, so one's exit doesn't overlap the next's load."""
    time.sleep(seconds)
