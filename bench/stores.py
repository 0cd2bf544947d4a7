"""The stores side by side (group ``stores``): GET of one memo and pay, for
the memory store with one process, SQLite with 1 and 2 workers and
PostgreSQL with 1 and 2 workers, each on a fresh database, all ``--quiet``.

PostgreSQL is a throwaway cluster per round (``tests/postgres.py``: Debian's
``postgresql`` package), on a Unix socket. The report gives the ratios the
issue judges by and a projection to a 16-core machine from the costs measured.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from .procs import ROOT
from .report import field, med, spread
from .workloads import Settings, get_memo, pay_memo

SETUPS = {
    # label: (store kind, workers)
    "memory, 1 process": ("memory", 1),
    "sqlite, 1 worker": ("sqlite", 1),
    "sqlite, 2 workers": ("sqlite", 2),
    "postgresql, 1 worker": ("postgresql", 1),
    "postgresql, 2 workers": ("postgresql", 2),
}
CORES = 16


def _cluster():
    sys.path.insert(0, str(ROOT / "tests"))
    from postgres import PostgresCluster, find_initdb  # the tests' throwaway cluster

    initdb = find_initdb()
    if initdb is None:
        return None
    cluster = PostgresCluster(initdb, Path(tempfile.mkdtemp(prefix="bench-pg-")))
    cluster.start()
    return cluster


def measure_round(
    settings: Settings, memo_id: str, attempt: Callable, tag: str, data: dict
) -> None:
    """One round of every setup of ``settings.stores``' kinds: GET then pay, each on a
    sandbox of its own."""
    cluster = _cluster() if "postgresql" in settings.stores else None
    folder = Path(tempfile.mkdtemp(prefix="bench-sqlite-"))
    try:
        for label, (kind, workers) in SETUPS.items():
            if kind not in settings.stores:
                continue
            if kind == "postgresql" and cluster is None:
                data.setdefault(label, "skipped: no initdb (Debian's postgresql package)")
                continue
            for workload in ("get", "pay"):
                flags = ["--quiet", "--workers", str(workers)]
                if kind == "sqlite":
                    flags += ["--store", f"sqlite:///{folder / f'{workload}-{workers}.db'}"]
                elif kind == "postgresql":
                    flags += ["--store", cluster.new_database()]
                if workload == "get":
                    run = attempt(f"{tag} GET, {label}", get_memo, settings, memo_id, *flags)
                else:
                    run = attempt(f"{tag} pay, {label}", pay_memo, settings, 256, tuple(flags))
                data.setdefault(label, {}).setdefault(workload, []).append(run)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if cluster is not None:
            cluster.stop()
            shutil.rmtree(cluster.folder, ignore_errors=True)


def _rps(stores: dict, label: str, workload: str) -> float | None:
    runs = stores.get(label)
    if not isinstance(runs, dict):
        return None
    return med(field(runs.get(workload, []), "rps"))


def report(data: dict) -> list[str]:
    stores = data.get("stores")
    if not stores:
        return []
    out = [
        "## Stores and workers",
        "",
        "| setup | GET memo, requests/s | GET p99 ms | pay, requests/s | pay p99 ms |",
        "|---|---|---|---|---|",
    ]
    for label in SETUPS:
        runs = stores.get(label)
        if not isinstance(runs, dict):
            out.append(f"| {label} | {runs or 'not run'} | | | |")
            continue
        get, pay = runs.get("get", []), runs.get("pay", [])
        out.append(
            f"| {label} | {spread(field(get, 'rps'))} | {spread(field(get, 'p99_ms'), 1)} "
            f"| {spread(field(pay, 'rps'))} | {spread(field(pay, 'p99_ms'), 1)} |"
        )
    out += ["", *_ratios(stores), "", *_projection(stores, data["machine"]["nproc"]), ""]
    return out


def _ratio(stores: dict, top: str, bottom: str, workload: str) -> str:
    a, b = _rps(stores, top, workload), _rps(stores, bottom, workload)
    return f"{a / b:.2f}x" if a and b else "n/a"


def _ratios(stores: dict) -> list[str]:
    lines = ["| ratio (medians) | GET | pay | target |", "|---|---|---|---|"]
    pairs = [
        ("sqlite 1 worker / memory", "sqlite, 1 worker", "memory, 1 process", ">= 0.8x"),
        ("sqlite 2 workers / 1 worker", "sqlite, 2 workers", "sqlite, 1 worker", ">= 1.25x"),
        ("postgresql 1 worker / memory", "postgresql, 1 worker", "memory, 1 process", ""),
        (
            "postgresql 2 workers / 1 worker",
            "postgresql, 2 workers",
            "postgresql, 1 worker",
            ">= 1.25x",
        ),
    ]
    for name, top, bottom, target in pairs:
        get, pay = _ratio(stores, top, bottom, "get"), _ratio(stores, top, bottom, "pay")
        lines.append(f"| {name} | {get} | {pay} | {target} |")
    return lines


def _projection(stores: dict, cores: int) -> list[str]:
    """Per-request CPU cost with one worker (the cores of this machine, shared
    with wrk, over the requests/s), and what ``CORES`` cores would serve if
    each added worker scaled as the second one did here."""
    lines = [
        f"Projection to {CORES} cores: the cost of a request is this machine's {cores} cores "
        "(shared with wrk) over one worker's requests/s, an upper bound; the second worker's "
        f"gain here is assumed for each of {CORES - 1} workers (one core left to the load).",
        "",
        f"| store | workload | ms of CPU per request (1 worker) | 2 workers / 1 | "
        f"projected requests/s on {CORES} cores |",
        "|---|---|---|---|---|",
    ]
    for kind in ("sqlite", "postgresql"):
        for workload in ("get", "pay"):
            one = _rps(stores, f"{kind}, 1 worker", workload)
            two = _rps(stores, f"{kind}, 2 workers", workload)
            if not (one and two):
                continue
            gain = two / one
            projected = (
                f"{one * (1 + (gain - 1) * (CORES - 2)):,.0f}"
                if gain > 1
                else f"~{one:,.0f}: a second worker added nothing (the writes take turns)"
            )
            lines.append(
                f"| {kind} | {workload} | {cores * 1000 / one:.2f} | {gain:.2f} | {projected} |"
            )
    return lines
