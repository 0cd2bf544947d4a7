"""Where the time goes (``--profile``): py-spy on the running server while
wrk drives it, and on seeding; tracemalloc and a census for memory;
``-X importtime`` for start-up.

py-spy samples only the thread holding the GIL (``--gil``): in a
single-process threaded server that is the CPU the Python code costs. Shares
are of those samples: "self" is where the sample was (the leaf frame, with
its line), "inclusive" is every function on the stack.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

from . import wrk
from .procs import AUTH, SOURCE, WORK, Server
from .servers import ensure_venv, venv_bin
from .workloads import HEALTH, list_path, sandbox

FRAME = re.compile(r"^(?P<name>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")
PROFILES = WORK / "profiles"
PACKAGES = (
    ("mockserver/", "mockserver"),
    ("flask_smorest/", "flask_smorest"),
    ("flask/", "flask"),
    ("werkzeug/", "werkzeug"),
    ("waitress/", "waitress"),
    ("marshmallow/", "marshmallow"),
    ("webargs/", "webargs"),
    ("faker/", "faker"),
    ("json/", "json (stdlib)"),
    ("logging/", "logging (stdlib)"),
)


def record(pid: int, seconds: float, out: Path, gil: bool = True) -> None:
    argv = [venv_bin("py-spy"), "record", "-p", str(pid), "-d", str(max(1, round(seconds)))]
    # Non-blocking: pausing 33 threads 100 times a second would itself halve
    # the throughput being profiled.
    argv += ["-r", "100", "--nonblocking", "--format", "raw", "-o", str(out)]
    if gil:
        argv.append("--gil")
    subprocess.run(argv, check=True, capture_output=True)


def summarize(raw: Path, top: int = 20) -> dict:
    """Self and inclusive shares from py-spy's collapsed stacks."""
    self_lines: Counter = Counter()
    self_functions: Counter = Counter()
    inclusive: Counter = Counter()
    packages: Counter = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        total += count
        frames = [_frame(f) for f in stack.split(";")]
        name, file, lineno = frames[-1]
        self_lines[f"{file}:{lineno} {name}"] += count
        self_functions[f"{name} ({file})"] += count
        packages[_package(file)] += count
        for key in {f"{n} ({f})" for n, f, _ in frames if not _wrapper(n, f)}:
            inclusive[key] += count

    def share(counter: Counter, n: int = top) -> list[tuple[str, float]]:
        return [(key, round(100 * value / total, 1)) for key, value in counter.most_common(n)]

    return {
        "samples": total,
        "self_lines": share(self_lines),
        "self_functions": share(self_functions),
        "inclusive": share(inclusive, top + 15),
        "packages": share(packages, 12),
        "raw": str(raw),
    }


def _frame(text: str) -> tuple[str, str, str]:
    match = FRAME.match(text)
    if match is None:
        return text, "?", "?"
    return match["name"], match["file"], match["line"] or "?"


def _wrapper(name: str, file: str) -> bool:
    """Frames every sample of a thread passes through: not worth a row."""
    return (
        name == "<module>"
        or file.startswith(("click/", "threading.py", "<frozen", "runpy"))
        or file in ("mockserver/cli.py", "mockserver/server.py", "bench/seedprof.py")
    )


def _package(file: str) -> str:
    for marker, name in PACKAGES:
        if marker in file:
            return name
    return "other (stdlib, C)" if "/" not in file or file.startswith("<") else file.split("/")[0]


def under_load(label: str, server: Server, path: str, seconds: float, connections: int) -> dict:
    """py-spy on ``server`` while wrk runs ``path`` for ``seconds``."""
    PROFILES.mkdir(parents=True, exist_ok=True)
    out = PROFILES / f"{re.sub(r'[^a-z0-9]+', '-', label.lower()).strip('-')}.txt"
    url = f"http://127.0.0.1:{server.port}{path}"
    wrk.run(url, 2, connections, headers=AUTH)  # warm up
    loaded: dict = {}

    def drive():
        loaded["wrk"] = wrk.run(url, seconds + 2, connections, headers=AUTH).to_wire()

    driver = threading.Thread(target=drive)
    driver.start()
    record(server.pid, seconds, out)
    driver.join()
    summary = summarize(out)
    summary["gil"] = True
    summary["label"] = label
    summary["wrk_during_profile"] = loaded.get("wrk")
    return summary


def profile_get(seconds: float, memo_id: str) -> dict:
    with sandbox("profile-get") as server:
        server.wait_200(HEALTH)
        return under_load(
            "GET memo, CLI defaults (journal + access log)",
            server,
            f"/v2/debit_memos/{memo_id}",
            seconds,
            32,
        )


def profile_list(seconds: float, memos: int = 100_000) -> dict:
    with sandbox("profile-list", "--memos", str(memos)) as server:
        server.wait_200(HEALTH, timeout=900)
        return under_load(
            f"list state+sort at {memos:,} memos",
            server,
            list_path("state+sort"),
            seconds,
            4,
        )


def profile_seeding(memos: int = 100_000, trace_memos: int = 20_000) -> dict:
    """Time (py-spy on the whole run), memory (census, tracemalloc), phases."""
    PROFILES.mkdir(parents=True, exist_ok=True)
    out = PROFILES / f"seeding-{memos}.txt"
    seedprof = [sys.executable, "-m", "bench.seedprof", "--memos", str(memos)]
    spy = [venv_bin("py-spy"), "record", "-r", "200", "--format", "raw", "-o", str(out)]
    subprocess.run([*spy, "--", *seedprof], check=True, capture_output=True, cwd=SOURCE["cwd"])
    phases = json.loads(_run([*seedprof, "--census"]))
    traced = json.loads(_run([sys.executable, "-m", "bench.seedprof", "--trace", str(trace_memos)]))
    return {"phases": phases, "time": summarize(out), **traced}


def profile_startup() -> dict:
    """Phases of a default start (80 memos) and the slowest imports."""
    phases = json.loads(_run([sys.executable, "-m", "bench.seedprof", "--memos", "80"]))
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import mockserver.cli"],
        capture_output=True,
        text=True,
        check=True,
        cwd=SOURCE["cwd"],
    )
    imports = []
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if match:
            depth = (len(match[3]) - 1) // 2
            imports.append((int(match[2]) / 1e6, depth, match[4]))
    top_level = sorted((i for i in imports if i[1] <= 2), reverse=True)[:15]
    return {
        "phases": phases,
        "imports": [
            {"module": name, "cumulative_s": round(s, 3), "depth": d} for s, d, name in top_level
        ],
    }


def _run(argv: list[str]) -> str:
    return subprocess.run(
        argv, capture_output=True, text=True, check=True, cwd=SOURCE["cwd"]
    ).stdout


def run_all(seconds: float, memo_id: str, log) -> dict:
    ensure_venv()
    steps = {
        "startup": ("start-up", profile_startup),
        "get": ("GET memo under load", lambda: profile_get(seconds, memo_id)),
        "list": ("list at 100,000 memos under load", lambda: profile_list(seconds)),
        "seeding": ("seeding 100,000 memos", profile_seeding),
        "app": (
            "the app alone, in-process",
            lambda: json.loads(_run([sys.executable, "-m", "bench.appprof"])),
        ),
    }
    results = {}
    for key, (label, step) in steps.items():
        log(f"profile: {label}")
        try:
            results[key] = step()
        except Exception as error:  # keep the other profiles
            log(f"  failed: {error}")
    return results
