"""Two runs side by side: ``python -m bench.compare OLD.json NEW.json``.

Medians of each run's key figures and the change, for before/after notes.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .report import field, med


def _medians(found: dict, prefix: str, samples: list[dict], metrics) -> None:
    for metric in metrics:
        value = med(field(samples, metric))
        if value is not None:
            found[f"{prefix}: {metric}"] = value


def figures(data: dict) -> dict[str, float]:
    """Flat ``name -> median`` of what a run measured."""
    found: dict[str, float] = {}
    for key, samples in data.get("runs", {}).items():
        good = [s for s in samples if "error" not in s]
        _medians(found, key, good, ("rps", "p50_ms", "p99_ms", "rss_mb"))
    for label, samples in data.get("startup", {}).items():
        if isinstance(samples, list):
            _medians(found, f"start, {label}", samples, ("health_s", "first_v2_s", "rss_mb"))
    for size, samples in data.get("scale", {}).items():
        good = [s for s in samples if "error" not in s]
        _medians(found, f"{int(size):,} memos", good, ("health_s", "rss_mb"))
        for name in [k for k in (good[0] if good else {}) if k.startswith("list ")]:
            _medians(found, f"{int(size):,} memos, {name}", [s[name] for s in good], ("p50_ms",))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    args = parser.parse_args()
    old = figures(json.loads(args.old.read_text()))
    new = figures(json.loads(args.new.read_text()))
    print(f"| figure | {args.old.stem} | {args.new.stem} | change |")
    print("|---|---|---|---|")
    for name in [*old, *(k for k in new if k not in old)]:
        before, after = old.get(name), new.get(name)
        change = f"{(after - before) / before:+.0%}" if before and after is not None else ""
        print(f"| {name} | {cell(before)} | {cell(after)} | {change} |")


def cell(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}" if value >= 100 else f"{value:,.3g}"


if __name__ == "__main__":
    main()
