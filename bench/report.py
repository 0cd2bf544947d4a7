"""The machine's description and the Markdown report of a run."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
from importlib import metadata

from .procs import ROOT
from .workloads import LISTS

PACKAGES = ("flask", "werkzeug", "waitress", "flask-smorest", "marshmallow", "faker")

# Figures from issue 5 (same kind of machine, wrk -t1 -c32, 15 s), for context only.
ISSUE_FIGURES = [
    ("Mockoon CLI 9.9 (static bodies)", "~950", "0.7 s", "0.2 GB"),
    ("Stoplight Prism 5.14 on Zuora's spec", "~2", "73 s", "1.0-1.75 GB"),
    ("bare Flask, Werkzeug threaded server", "~1,370", "0.17 s", "31 MB"),
    ("bare Flask, gunicorn gthread 1x8", "~2,150", "0.23 s", "56 MB"),
    ("bare Flask, granian WSGI 1 / 2 workers", "~6,800 / ~13,500", "0.18 s", "85 / 120 MB"),
]


def machine() -> dict:
    cpu = "?"
    with open("/proc/cpuinfo") as file:
        for line in file:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as file:
        mem_kb = int(file.readline().split()[1])
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": round(mem_kb / 2**20, 1),
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "packages": versions,
        "wrk": _first_line(["wrk", "--version"]),
        "java": _first_line(["java", "-version"]),
        "commit": _first_line(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]),
        "mockserver_dirty": bool(
            _output(["git", "-C", str(ROOT), "status", "--porcelain", "mockserver"])
        ),
    }


def _output(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except OSError:
        return ""
    return (done.stdout + done.stderr).strip()


def _first_line(argv: list[str]) -> str:
    text = _output(argv)
    return text.splitlines()[0] if text else "not found"


# -- numbers ---------------------------------------------------------------------------


def med(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def spread(values: list[float], digits: int = 0) -> str:
    """``median (min-max)``, or just the value for one run."""
    values = [v for v in values if v is not None]
    if not values:
        return "n/a"
    middle = _fmt(statistics.median(values), digits)
    if len(values) == 1:
        return middle
    return f"{middle} ({_fmt(min(values), digits)}-{_fmt(max(values), digits)})"


def _fmt(value: float, digits: int) -> str:
    return f"{value:,.{digits}f}"


def field(runs: list[dict], name: str) -> list:
    return [run.get(name) for run in runs if isinstance(run, dict)]


# -- Markdown ---------------------------------------------------------------------------


def markdown(data: dict) -> str:
    meta, settings = data["machine"], data["settings"]
    out = [f"# Benchmark: {data['label']}, {data['date']}", ""]
    out += [
        "## Machine",
        "",
        f"- {meta['nproc']} cores, {meta['cpu']}, {meta['ram_gib']} GiB RAM, "
        f"Linux {meta['kernel']}",
        f"- Python {meta['python']}; " + ", ".join(f"{k} {v}" for k, v in meta["packages"].items()),
        f"- {meta['wrk']}; {meta['java']}",
        (
            f"- measured: mockserver/ as committed at {data['source']} (`--source`)"
            if data.get("source")
            else f"- measured: the work tree at commit {meta['commit']}"
            + (" with uncommitted changes in mockserver/" if meta["mockserver_dirty"] else "")
        ),
        f"- load average (1 min) at start {data['load_start']:.2f}, at end {data['load_end']:.2f}"
        " (other engineers' tests share the 2 cores: expect noise)",
        "",
        f"Settings: wrk -t1 -c{settings['connections']}, {settings['duration']} s per measurement "
        f"after {settings['warmup']} s of warm-up, {settings['runs']} run(s) interleaved "
        "(every server alone, a fresh one per measurement). Figures are the median, "
        "(min-max) over runs. Latency from wrk --latency.",
        "",
    ]
    out += _throughput(data)
    out += _startup(data)
    out += _scale(data)
    out += _servers(data)
    out += _threads(data)
    out += _profiles(data)
    return "\n".join(out) + "\n"


THROUGHPUT_ROWS = [
    ("get", "GET memo: sandbox, CLI defaults (journal on, access log to a file)"),
    ("get quiet", "GET memo: sandbox --quiet (journal on, no access log)"),
    ("get bare", "GET memo: bare Flask view, same waitress server and Adjustments"),
    ("list", "list: filter[]=state.EQ:open & sort[]=total.desc (80 memos)"),
    ("create", "create: POST /v2/debit_memos"),
    ("pay", "pay: POST .../pay 0.01, round-robin over 256 memos"),
    ("wiremock on", "WireMock 3.13.2, request journal on (default)"),
    ("wiremock off", "WireMock 3.13.2, --no-request-journal"),
]


def _throughput(data: dict) -> list[str]:
    runs = data["runs"]
    if not any(key in runs for key, _ in THROUGHPUT_ROWS) and "faults" not in data:
        return []
    out = [
        "## Throughput and latency",
        "",
        "| workload | requests/s | p50 ms | p99 ms | RSS after, MB | errors / non-2xx |",
        "|---|---|---|---|---|---|",
        *_throughput_rows(runs),
        "",
    ]
    ratios = _ratios(runs)
    out += [*ratios, ""] if ratios else []
    out += _fault_cost(data.get("faults"))
    out += [
        "For context, figures from issue 5 (not measured in this run):",
        "",
        "| server | requests/s | start to first 200 | memory after load |",
        "|---|---|---|---|",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in ISSUE_FIGURES],
        "",
    ]
    return out


def _throughput_rows(runs: dict) -> list[str]:
    rows = []
    for key, label in THROUGHPUT_ROWS:
        samples = runs.get(key)
        if not samples:
            continue
        failed = [s for s in samples if "error" in s]
        good = [s for s in samples if "error" not in s]
        if not good:
            rows.append(f"| {label} | failed: {failed[0]['error']} | | | | |")
            continue
        bad = sum(s["errors"] for s in good), sum(s["non_2xx"] for s in good)
        rows.append(
            f"| {label} | {spread(field(good, 'rps'))} | {spread(field(good, 'p50_ms'), 1)} "
            f"| {spread(field(good, 'p99_ms'), 1)} | {spread(field(good, 'rss_mb'))} "
            f"| {bad[0]} / {bad[1]} |"
        )
    return rows


def _ratios(runs: dict) -> list[str]:
    def rps(key: str):
        return med(field(runs.get(key, []), "rps"))

    ratios = []
    bare, ours = rps("get bare"), rps("get")
    for key, label in (("get", "CLI defaults"), ("get quiet", "--quiet")):
        if rps(key) and bare:
            ratios.append(f"- our GET / bare GET ({label}): **{rps(key) / bare:.0%}**")
    for key, label in (("wiremock on", "journal on"), ("wiremock off", "journal off")):
        if ours and rps(key):
            ratios.append(f"- our GET / WireMock, {label}: **{ours / rps(key):.2f}**")
    per_run = _paired_ratios(runs)
    if per_run:
        ratios.append(f"- our GET / bare GET, each run (CLI defaults): {per_run}")
    for key in ("wiremock on", "wiremock off"):
        first = med(field(runs.get(key, []), "first_200_s"))
        if first:
            ratios.append(
                f"- {key.replace('wiremock', 'WireMock, journal')}: start to first 200 "
                f"{first:.2f} s"
            )
    return ratios


def _fault_cost(faults) -> list[str]:
    if not faults:
        return []
    out = ["### The fault engine's cost", ""]
    if isinstance(faults, str):
        return [*out, faults, ""]
    out += ["| variant | requests/s | p50 ms | p99 ms |", "|---|---|---|---|"]
    medians = {}
    for name, samples in faults.items():
        good = [s for s in samples if "error" not in s]
        medians[name] = med(field(good, "rps"))
        out.append(
            f"| {name} | {spread(field(good, 'rps'))} | "
            f"{spread(field(good, 'p50_ms'), 1)} | {spread(field(good, 'p99_ms'), 1)} |"
        )
    on = next((v for k, v in medians.items() if "engine on" in k), None)
    off = next((v for k, v in medians.items() if "engine off" in k), None)
    if on and off:
        out += ["", f"- engine on, no rules / engine off: **{on / off:.0%}**"]
    return [*out, ""]


def _paired_ratios(runs: dict) -> str:
    ours, bare = field(runs.get("get", []), "rps"), field(runs.get("get bare", []), "rps")
    pairs = [f"{a / b:.0%}" for a, b in zip(ours, bare, strict=False) if a and b]
    return ", ".join(pairs) if len(pairs) > 1 else ""


def _startup(data: dict) -> list[str]:
    startup = data.get("startup")
    if not startup:
        return []
    out = [
        "## Cold start (default seed, 80 memos)",
        "",
        "Spawn to the first 200 on `GET /__mock/health`, "
        "then on `GET /v2/debit_memos?page_size=1`.",
        "",
        "| how it is started | to health | to first /v2 200 | RSS idle, MB | spawns |",
        "|---|---|---|---|---|",
    ]
    for label, samples in startup.items():
        if isinstance(samples, str):
            out.append(f"| {label} | {samples} | | | |")
            continue
        samples = [s for s in samples if "error" not in s]
        out.append(
            f"| {label} | {spread(field(samples, 'health_s'), 3)} s "
            f"| {spread(field(samples, 'first_v2_s'), 3)} s | {spread(field(samples, 'rss_mb'))} "
            f"| {len(samples)} |"
        )
    container = data.get("container")
    if container:
        out += [
            "",
            f"Container command line, run here as a subprocess (no Docker daemon): {container}",
        ]
    return [*out, ""]


def _scale(data: dict) -> list[str]:
    scale = data.get("scale")
    if not scale:
        return []
    out = [
        "## Size: seeding, memory, list latency",
        "",
        "`mockserver serve --memos N` (12 accounts, the default). Single client (wrk -c1) "
        f"for {data['settings']['scale_duration']} s per query: this is service time, "
        "not queueing. Page of 30.",
        "",
        "| memos | spawn to health s | RSS after seeding, MB | RSS after lists, MB "
        + "".join(f"| {name} p50 / p99 ms " for name in LISTS)
        + "| GET memo p50 ms |",
        "|---|---|---|---" + "|---" * len(LISTS) + "|---|",
    ]
    for size, samples in scale.items():
        samples = [s for s in samples if "error" not in s]
        if not samples:
            out.append(f"| {int(size):,} | failed |")
            continue
        cells = [
            f"{spread(field(samples, 'health_s'), 2)}",
            spread(field(samples, "rss_mb")),
            spread(field(samples, "rss_after_mb")),
        ]
        for name in LISTS:
            lists = [s[f"list {name}"] for s in samples]
            cells.append(
                f"{spread(field(lists, 'p50_ms'), 1)} / {spread(field(lists, 'p99_ms'), 1)}"
            )
        cells.append(spread(field([s["get"] for s in samples], "p50_ms"), 2))
        out.append(f"| {int(size):,} | " + " | ".join(cells) + " |")
    out += ["", "Queries: " + "; ".join(f"{k}: {v[1]}" for k, v in LISTS.items()), ""]
    return out


def _servers(data: dict) -> list[str]:
    servers = data.get("servers")
    if not servers:
        return []
    out = [
        "## WSGI servers side by side",
        "",
        "Same GET, wrk -t1 -c32. `bare`: the bare Flask view; `sandbox`: the sandbox's app "
        "(`create_app`, no access log, journal on). Servers from `bench/.work/venv`.",
        "",
        "| app | server | requests/s | p50 ms | p99 ms | RSS after, MB | start to first 200 s |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, samples in servers.items():
        app, label = key.split(" | ", 1)
        good = [s for s in samples if "error" not in s]
        if not good:
            out.append(f"| {app} | {label} | failed: {samples[0].get('error')} | | | | |")
            continue
        out.append(
            f"| {app} | {label} | {spread(field(good, 'rps'))} | {spread(field(good, 'p50_ms'), 1)}"
            f" | {spread(field(good, 'p99_ms'), 1)} | {spread(field(good, 'rss_mb'))}"
            f" | {spread(field(good, 'first_200_s'), 2)} |"
        )
    return [*out, ""]


def _threads(data: dict) -> list[str]:
    threads = data.get("threads")
    if not threads:
        return []
    out = [
        "## waitress thread count",
        "",
        "GET memo, wrk -t1 -c32: the sandbox (`--quiet --threads N`) and the bare view.",
        "",
        "| app | threads | requests/s | p50 ms | p99 ms |",
        "|---|---|---|---|---|",
    ]
    for key, samples in threads.items():
        app, count = key.split(" | ", 1)
        good = [s for s in samples if "error" not in s]
        out.append(
            f"| {app} | {count} | {spread(field(good, 'rps'))} | "
            f"{spread(field(good, 'p50_ms'), 1)} | {spread(field(good, 'p99_ms'), 1)} |"
        )
    return [*out, ""]


def _profiles(data: dict) -> list[str]:
    profile = data.get("profile")
    if not profile:
        return []
    out = ["## Profiles", ""]
    startup = profile.get("startup")
    if startup:
        phases = startup["phases"]
        out += [
            "### Start-up, in-process (default seed)",
            "",
            f"import {phases['import_s']} s, generate {phases['generate_s']} s, "
            f"create_app {phases['create_app_s']} s, first /v2 request "
            f"{phases['first_v2_request_s']} s; RSS: interpreter {phases['rss_python_mb']} MB, "
            f"after imports {phases['rss_imported_mb']} MB, "
            f"after the app {phases['rss_app_mb']} MB.",
            "",
            "Slowest imports (`python -X importtime -c 'import mockserver.cli'`, cumulative):",
            "",
            "| module | s |",
            "|---|---|",
            *[
                f"| {'  ' * i['depth']}{i['module']} | {i['cumulative_s']} |"
                for i in startup["imports"]
            ],
            "",
        ]
    for key in ("get", "list"):
        summary = profile.get(key)
        if summary:
            out += _stack_tables(summary["label"], summary)
    if profile.get("app"):
        out += _app_alone(profile["app"])
    seeding = profile.get("seeding")
    if seeding:
        phases = seeding["phases"]
        out += [
            f"### Seeding {phases['memos']:,} memos",
            "",
            f"generate {phases['generate_s']} s; create_app (copies the store for the default "
            f"tenant) {phases['create_app_s']} s; "
            f"RSS after imports {phases['rss_imported_mb']} MB, "
            f"after generating {phases['rss_generated_mb']} MB, with the app "
            f"{phases['rss_app_mb']} MB.",
            "",
            "Objects reachable from the store (count, shallow size):",
            "",
            "| type | count | MB | share |",
            "|---|---|---|---|",
            *[
                f"| {c['type']} | {c['count']:,} | {c['mb']} | {c['share']}% |"
                for c in phases["census"]
            ],
            "",
            f"Where the live memory was allocated (tracemalloc, {seeding['trace_memos']:,} memos):",
            "",
            "| line | MB | share | blocks |",
            "|---|---|---|---|",
            *[
                f"| {t['where']} | {t['mb']} | {t['share']}% | {t['blocks']:,} |"
                for t in seeding["trace"]
            ],
            "",
        ]
        out += _stack_tables(f"seeding {phases['memos']:,} memos (time)", seeding["time"])
    return out


def _stack_tables(label: str, summary: dict) -> list[str]:
    during = summary.get("wrk_during_profile")
    per_request = 1e6 / during["rps"] if during and during["rps"] else None
    load = (
        f"; under load {during['rps']:,.0f} requests/s, p50 {during['p50_ms']:.1f} ms "
        f"(so {per_request:,.0f} µs of GIL time per request if the GIL is always busy; "
        "µs columns are shares of that)"
        if per_request
        else ""
    )

    def cell(pct):
        if pct == "" or per_request is None:
            return f"{pct}"
        return f"{pct} ({pct * per_request / 100:,.0f} µs)"

    out = [
        f"### {label}",
        "",
        f"py-spy{' --gil' if summary.get('gil') else ''}, {summary['samples']:,} samples{load}. "
        f"Raw stacks: `{summary['raw']}`.",
        "",
        "By package (self time):  "
        + ", ".join(f"{name} {pct}%" for name, pct in summary["packages"]),
        "",
        "| self: line | % | inclusive: function | % |",
        "|---|---|---|---|",
    ]
    lines, inclusive = summary["self_lines"], summary["inclusive"]
    for index in range(max(len(lines), len(inclusive))):
        left = lines[index] if index < len(lines) else ("", "")
        right = inclusive[index] if index < len(inclusive) else ("", "")
        out.append(f"| `{left[0]}` | {cell(left[1])} | `{right[0]}` | {cell(right[1])} |")
    return [*out, ""]


def _app_alone(app: dict) -> list[str]:
    profile = app["get_profile"]
    out = [
        "### The app alone, in-process (`python -m bench.appprof`)",
        "",
        "`app(environ, start_response)` in a loop: no server, no socket. CPU per request:",
        "",
        "| operation | µs/request |",
        "|---|---|",
        *[f"| {name} | {us:,.0f} |" for name, us in app["us_per_request"].items()],
        "",
        f"cProfile of {profile['calls']:,} GETs (sandbox, no access log); µs are shares of "
        "the unprofiled request above (cProfile inflates every call).",
        "",
        "| cumulative: function | calls/req | % | ≈ µs |",
        "|---|---|---|---|",
        *[
            f"| `{r['function']}` | {r['calls']} | {r['cum_pct']} | {r['cum_us']} |"
            for r in profile["cumulative"]
        ],
        "",
        "| own time: function | calls/req | % | ≈ µs |",
        "|---|---|---|---|",
        *[
            f"| `{r['function']}` | {r['calls']} | {r['own_pct']} | {r['own_us']} |"
            for r in profile["own"]
        ],
        "",
    ]
    return out
