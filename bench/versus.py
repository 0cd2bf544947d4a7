"""Two revisions side by side in one run: ``python -m bench.versus OLD NEW [bench options]``.

Each round runs ``python -m bench --source OLD --runs 1`` and then the same
for NEW, so both see the same machine at nearly the same time; after the
last round the runs of each revision are merged and printed beside each
other with ``bench.compare``'s figures, and the per-round ratios of the
things a change is judged by (our GET / bare GET, each revision's own bare
view being the yardstick of its round; GET through v1 / GET through v2).

    python -m bench.versus 1c26d07 HEAD --only get,startup --runs 3
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

from .cli import RESULTS, log
from .compare import cell, figures
from .procs import ROOT


def _one_round(rev: str, label: str, passthrough: list[str]) -> dict:
    command = [sys.executable, "-m", "bench", "--source", rev, "--runs", "1", "--label", label]
    subprocess.run([*command, *passthrough], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    path = RESULTS / f"{date.today().isoformat()}-{label}.json"
    data = json.loads(path.read_text())
    path.unlink()
    path.with_suffix(".md").unlink()
    return data


def _merge(rounds: list[dict]) -> dict:
    merged: dict = {"runs": {}, "startup": {}, "scale": {}}
    for data in rounds:
        for part in merged:
            for key, samples in data.get(part, {}).items():
                if isinstance(samples, list):
                    merged[part].setdefault(key, []).extend(samples)
    return merged


def _get_ratios(merged: dict, ours_key: str = "get", base_key: str = "get bare") -> str:
    """The median and per-round ratios of two workloads' requests per second; a
    round where either answered anything but 2xx is left out (at a revision
    without the route, a 404 is all it measures)."""
    ours = merged["runs"].get(ours_key, [])
    bare = merged["runs"].get(base_key, [])
    pairs, refused = [], 0
    for a, b in zip(ours, bare, strict=False):
        if a.get("non_2xx") or b.get("non_2xx"):
            refused += 1
        elif a.get("rps") and b.get("rps"):
            pairs.append(a["rps"] / b["rps"])
    if not pairs:
        return f"n/a ({refused} rounds answered non-2xx)" if refused else "n/a"
    middle = sorted(pairs)[len(pairs) // 2]
    left_out = f"; {refused} rounds left out: non-2xx answers" if refused else ""
    return f"median {middle:.0%} (rounds: {', '.join(f'{p:.0%}' for p in pairs)}{left_out})"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.versus", description=__doc__)
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--runs", type=int, default=3, help="interleaved rounds (3)")
    args, passthrough = parser.parse_known_args(argv)
    rounds: dict[str, list[dict]] = {args.old: [], args.new: []}
    for number in range(1, args.runs + 1):
        for rev in rounds:
            log(f"round {number}: {rev}")
            rounds[rev].append(_one_round(rev, f"versus-{number}", passthrough))
    merged = {rev: _merge(data) for rev, data in rounds.items()}
    old, new = (figures(merged[rev]) for rev in rounds)
    lines = [
        f"# {args.old} vs {args.new}, {args.runs} interleaved rounds, {date.today()}",
        "",
        f"Options: `{' '.join(passthrough) or '(defaults)'}`",
        "",
        f"| figure | {args.old} | {args.new} | new / old |",
        "|---|---|---|---|",
    ]
    for name in [*old, *(k for k in new if k not in old)]:
        before, after = old.get(name), new.get(name)
        ratio = f"{after / before:.2f}" if before and after is not None else ""
        lines.append(f"| {name} | {cell(before)} | {cell(after)} | {ratio} |")
    lines += ["", *(f"- our GET / bare GET at {rev}: {_get_ratios(merged[rev])}" for rev in rounds)]
    lines += [
        f"- GET through v1 / through v2 at {rev}: {_get_ratios(merged[rev], 'get v1', 'get')}"
        for rev in rounds
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    out = RESULTS / f"{date.today().isoformat()}-versus-{Path(args.old).name}-{args.new}.md"
    out.write_text(text)
    log(f"wrote {out}")


if __name__ == "__main__":
    main()
