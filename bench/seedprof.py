"""Seeding and start-up, in-process: ``python -m bench.seedprof --memos N``.

Prints one JSON document: how long each phase takes, RSS after each, and
(``--census``) which objects the store is made of, counted by walking it;
(``--trace N``) which source lines allocated what is still alive after
seeding N memos (tracemalloc; slower, so on fewer memos).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tracemalloc
from collections import Counter
from types import MappingProxyType


def rss_mb() -> float:
    with open("/proc/self/status") as file:
        for line in file:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def phases(memos: int) -> dict:
    started = time.perf_counter()
    report = {"rss_python_mb": round(rss_mb(), 1)}
    from mockserver import app, seeding  # timed: imported here on purpose
    from mockserver.config import Config

    report["import_s"] = round(time.perf_counter() - started, 3)
    report["rss_imported_mb"] = round(rss_mb(), 1)
    config = Config(generation={"debit_memos": memos}, log_requests=False)
    mark = time.perf_counter()
    baseline = seeding.generate(config.seed, seeding.Profile(debit_memos=memos))
    report["generate_s"] = round(time.perf_counter() - mark, 3)
    report["rss_generated_mb"] = round(rss_mb(), 1)
    mark = time.perf_counter()
    flask_app = app.create_app(config, baseline)
    report["create_app_s"] = round(time.perf_counter() - mark, 3)
    report["rss_app_mb"] = round(rss_mb(), 1)
    client = flask_app.test_client()
    mark = time.perf_counter()
    client.get("/v2/debit_memos?page_size=1", headers={"Authorization": "Bearer x"})
    report["first_v2_request_s"] = round(time.perf_counter() - mark, 4)
    report["total_s"] = round(time.perf_counter() - started, 3)
    report["_store"] = baseline
    return report


def _children(obj) -> list:
    """What ``census`` walks into from ``obj``."""
    if isinstance(obj, dict):
        return [*obj.keys(), *obj.values()]
    if isinstance(obj, MappingProxyType):
        return list(obj.items())
    if isinstance(obj, (list, tuple, set, frozenset)):
        return list(obj)
    if hasattr(type(obj), "__slots__"):
        slots = (s for klass in type(obj).__mro__ for s in getattr(klass, "__slots__", ()))
        return [getattr(obj, slot) for slot in slots if hasattr(obj, slot)]
    if hasattr(obj, "__dict__") and type(obj).__module__.startswith("mockserver"):
        return list(vars(obj).values())
    return []


def census(root) -> list[dict]:
    """Objects reachable from ``root`` by type: count and shallow bytes."""
    counts: Counter = Counter()
    sizes: Counter = Counter()
    seen: set[int] = set()
    stack = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or obj is None or isinstance(obj, (bool, type)):
            continue
        seen.add(id(obj))
        kind = type(obj).__name__
        counts[kind] += 1
        sizes[kind] += sys.getsizeof(obj)
        stack.extend(_children(obj))
    total = sum(sizes.values())
    return [
        {
            "type": kind,
            "count": counts[kind],
            "mb": round(sizes[kind] / 2**20, 1),
            "share": round(100 * sizes[kind] / total, 1),
        }
        for kind, _ in sizes.most_common(15)
    ]


def traced(memos: int) -> list[dict]:
    from mockserver import seeding  # here, so phases() times the first import

    tracemalloc.start()
    store = seeding.generate(42, seeding.Profile(debit_memos=memos))
    snapshot = tracemalloc.take_snapshot()
    tracemalloc.stop()
    stats = snapshot.statistics("lineno")
    total = sum(s.size for s in stats)
    del store
    return [
        {
            "where": f"{_short(s.traceback[0].filename)}:{s.traceback[0].lineno}",
            "mb": round(s.size / 2**20, 2),
            "share": round(100 * s.size / total, 1),
            "blocks": s.count,
        }
        for s in stats[:15]
    ]


def _short(filename: str) -> str:
    if "/mockserver/" in filename:
        return "mockserver/" + filename.rsplit("/mockserver/", 1)[1]
    for marker in ("site-packages/", "/lib/python3.11/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--memos", type=int, default=100_000)
    parser.add_argument("--census", action="store_true")
    parser.add_argument("--trace", type=int, default=0, metavar="N")
    args = parser.parse_args()
    if args.trace:
        print(json.dumps({"trace_memos": args.trace, "trace": traced(args.trace)}))
        return
    report = phases(args.memos)
    store = report.pop("_store")
    report["memos"] = args.memos
    if args.census:
        report["census"] = census(store)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
