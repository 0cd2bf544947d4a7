"""``python -m bench``: measure the sandbox as users run it and print a table.

Runs are interleaved (round 1 of everything, then round 2, ...) so that a
burst of other load on the machine hits every workload rather than one, and
every server is alone while it is under load. Figures are medians over runs.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
from datetime import date
from pathlib import Path

from . import profiling, report, servers, stores, wiremock, workloads
from .procs import ROOT, use_source
from .workloads import Settings

RESULTS = ROOT / "bench" / "results"
DEFAULT_GROUPS = ["get", "list", "create", "pay", "faults", "wiremock", "startup", "scale"]
EXTRA_GROUPS = ["servers", "threads", "stores", "profile"]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--only",
        help=f"comma-separated groups: {', '.join(DEFAULT_GROUPS + EXTRA_GROUPS)} "
        f"(default: {','.join(DEFAULT_GROUPS)})",
    )
    parser.add_argument("--skip", default="", help="groups to leave out")
    parser.add_argument("--servers", action="store_true", help="add the WSGI server comparison")
    parser.add_argument("--profile", action="store_true", help="add py-spy profiles")
    parser.add_argument("--duration", type=float, default=15, help="seconds per load (15)")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of warm-up (3)")
    parser.add_argument("--runs", type=int, default=3, help="interleaved rounds (3)")
    parser.add_argument("--connections", type=int, default=32, help="wrk -c (32)")
    parser.add_argument(
        "--sizes", default="1000,10000,100000", help="memo counts for the size group"
    )
    parser.add_argument(
        "--scale-duration", type=float, default=5, help="seconds per single-client list query (5)"
    )
    parser.add_argument(
        "--thread-counts", default="4,8,16,32,64", help="for the threads group: waitress threads"
    )
    parser.add_argument(
        "--stores",
        default="memory,sqlite,postgresql",
        help="for the stores group: the kinds of store to measure (all three)",
    )
    parser.add_argument("--startups", type=int, default=5, help="spawns per start-up command (5)")
    parser.add_argument(
        "--source",
        metavar="REV",
        help="measure mockserver/ as committed at REV (git archive), not the work tree",
    )
    parser.add_argument("--label", default="run", help="results file: <date>-<label>.md")
    parser.add_argument("--no-write", action="store_true", help="print only; no results file")
    return parser.parse_args(argv)


def groups_of(args) -> list[str]:
    chosen = args.only.split(",") if args.only else list(DEFAULT_GROUPS)
    chosen += [g for g, on in (("servers", args.servers), ("profile", args.profile)) if on]
    chosen = [g.strip() for g in chosen if g.strip() and g.strip() not in args.skip.split(",")]
    unknown = sorted(set(chosen) - set(DEFAULT_GROUPS + EXTRA_GROUPS))
    if unknown:
        sys.exit(f"unknown group(s): {', '.join(unknown)}")
    return list(dict.fromkeys(chosen))


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def attempt(label: str, measure, *args) -> dict:
    log(label)
    try:
        result = measure(*args)
    except Exception as error:  # one failed measurement must not lose the others
        log(f"  failed: {error}")
        return {"error": str(error).splitlines()[0][:200]}
    if isinstance(result, dict) and "rps" in result:
        result["load_1min"] = round(os.getloadavg()[0], 2)  # how busy the machine was
        log(
            f"  {result['rps']:,.0f} req/s, p50 {result['p50_ms']:.1f} ms, "
            f"p99 {result['p99_ms']:.1f} ms"
        )
    workloads.settle()
    return result


def _get_group(tag: str, settings: Settings, memo_id: str, data: dict) -> None:
    _add(
        data, "get", attempt(f"{tag} GET memo, CLI defaults", workloads.get_memo, settings, memo_id)
    )
    _add(
        data,
        "get bare",
        attempt(f"{tag} GET memo, bare Flask", workloads.get_bare, settings, memo_id),
    )
    _add(
        data,
        "get quiet",
        attempt(f"{tag} GET memo, --quiet", workloads.get_memo, settings, memo_id, "--quiet"),
    )
    v1_get = functools.partial(workloads.get_memo, face="v1")
    _add(
        data,
        "get v1",
        attempt(f"{tag} GET memo through v1, CLI defaults", v1_get, settings, memo_id),
    )


def _simple_group(key: str, label: str, measure):
    def run(tag: str, settings: Settings, memo_id: str, data: dict) -> None:
        _add(data, key, attempt(f"{tag} {label}", measure, settings))

    return run


def _faults_group(tag: str, settings: Settings, memo_id: str, data: dict) -> None:
    variants = workloads.fault_variants()
    if isinstance(variants, str):
        data["faults"] = variants
        return
    faults = data.setdefault("faults", {})
    for name, measure in variants.items():
        label = f"{tag} GET, faults: {name}"
        faults.setdefault(name, []).append(attempt(label, measure, settings, memo_id))


def _wiremock_group(tag: str, settings: Settings, memo_id: str, data: dict) -> None:
    for journal in (True, False):
        key = f"wiremock {'on' if journal else 'off'}"
        _add(data, key, attempt(f"{tag} {key}", wiremock.get_memo, settings, memo_id, journal))


def _startup_group(tag: str, settings: Settings, memo_id: str, data: dict) -> None:
    startup = attempt(f"{tag} cold starts", workloads.startups, settings)
    for label, samples in startup.items():
        if isinstance(samples, str):
            data["startup"][label] = samples
        else:
            data["startup"].setdefault(label, []).extend(samples)


def _scale_group(tag: str, settings: Settings, memo_id: str, data: dict) -> None:
    for size in settings.sizes:
        result = attempt(f"{tag} {size:,} memos", workloads.at_size, settings, size)
        data["scale"].setdefault(str(size), []).append(result)


def _threads_group(tag: str, settings: Settings, memo_id: str, data: dict) -> None:
    for threads in settings.thread_counts:
        label = f"{tag} GET, sandbox --quiet, {threads} threads"
        flags = ("--quiet", "--threads", str(threads))
        result = attempt(label, workloads.get_memo, settings, memo_id, *flags)
        data["threads"].setdefault(f"sandbox --quiet | {threads}", []).append(result)
        label = f"{tag} GET, bare, {threads} threads"
        result = attempt(label, workloads.get_bare, settings, memo_id, threads)
        data["threads"].setdefault(f"bare | {threads}", []).append(result)


def _servers_group(tag: str, settings: Settings, memo_id: str, data: dict) -> None:
    servers.ensure_venv()
    for app, label in servers.labels():
        result = attempt(f"{tag} {app} on {label}", servers.measure, settings, app, label, memo_id)
        data["servers"].setdefault(f"{app} | {label}", []).append(result)


def _stores_group(tag: str, settings: Settings, memo_id: str, data: dict) -> None:
    stores.measure_round(settings, memo_id, attempt, tag, data["stores"])


ROUND_GROUPS = {
    "get": _get_group,
    "list": _simple_group("list", "list filter+sort", workloads.list_memos),
    "create": _simple_group("create", "create", workloads.create_memo),
    "pay": _simple_group("pay", "pay", workloads.pay_memo),
    "faults": _faults_group,
    "wiremock": _wiremock_group,
    "startup": _startup_group,
    "scale": _scale_group,
    "threads": _threads_group,
    "servers": _servers_group,
    "stores": _stores_group,
}


def _add(data: dict, key: str, result) -> None:
    data["runs"].setdefault(key, []).append(result)


def run_round(groups: list[str], settings: Settings, memo_id: str, data: dict, round_no: int):
    """One interleaved round: each chosen group once, in the order of ``ROUND_GROUPS``."""
    for name, run in ROUND_GROUPS.items():
        if name in groups:
            run(f"[{round_no}]", settings, memo_id, data)


def main(argv=None) -> None:
    args = parse_args(argv)
    groups = groups_of(args)
    settings = Settings(
        duration=args.duration,
        warmup=args.warmup,
        connections=args.connections,
        scale_duration=args.scale_duration,
        sizes=[int(s) for s in args.sizes.split(",") if s],
        startups=args.startups,
        thread_counts=[int(n) for n in args.thread_counts.split(",") if n],
        stores=[kind.strip() for kind in args.stores.split(",") if kind.strip()],
    )
    source = use_source(args.source) if args.source else None
    data: dict = {
        "source": source,
        "label": args.label,
        "date": date.today().isoformat(),
        "groups": groups,
        "settings": {**vars(settings), "runs": args.runs},
        "machine": report.machine(),
        "load_start": os.getloadavg()[0],
        "runs": {},
        "startup": {},
        "scale": {},
        "servers": {},
        "threads": {},
        "stores": {},
    }
    container = workloads.container_command()
    data["container"] = container if isinstance(container, str) else " ".join(container[0])
    log(f"groups: {', '.join(groups)}; {args.runs} run(s) of {args.duration:g} s")
    memo_id, body = workloads.memo_under_test()
    log(f"GET target: memo {memo_id}, {len(body)} bytes")
    data["memo"] = {"id": memo_id, "bytes": len(body)}
    round_groups = [g for g in groups if g != "profile"]
    for round_no in range(1, args.runs + 1):
        if round_groups:
            run_round(round_groups, settings, memo_id, data, round_no)
    if "profile" in groups:
        data["profile"] = profiling.run_all(max(5, args.duration), memo_id, log)
    data["load_end"] = os.getloadavg()[0]
    text = report.markdown(data) + "\n".join(stores.report(data))
    print(text)
    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        stem = RESULTS / f"{data['date']}-{args.label}"
        Path(f"{stem}.md").write_text(text)
        Path(f"{stem}.json").write_text(json.dumps(data, indent=1, default=str) + "\n")
        log(f"wrote {stem}.md and {stem}.json")
