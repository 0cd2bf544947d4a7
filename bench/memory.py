"""``python -m bench.memory``: the sandbox's resident memory under sustained
hostile load, next to the caps that should bound it.

The sandbox is started as users start it (``mockserver serve``) with small
caps, then driven through phases, RSS read after each:

1. large queries: requests whose query string is ``--query-kib`` KiB, many
   times the journal's byte bound (``--journal-bytes``);
2. many memos: creates up to ``--max-memos`` and past it (refused with 409);
3. many tenants: more bearer tokens than ``--max-tenants`` (refused with 429),
   each sending large queries into its own journal;
4. exports: ``GET /__mock/state`` several times, then a reset.

Each phase is run twice; if memory is bounded by the caps, the second round
adds (almost) nothing. The figures go to standard output as a table.
"""

from __future__ import annotations

import argparse
import json
import threading
import time

from .procs import request
from .workloads import sandbox

MEMO = json.dumps(
    {
        "account_number": "A00000001",
        "items": [{"amount": 10, "service_start": "2026-01-01", "name": "Setup fee"}],
    }
).encode()
JSON = {"Content-Type": "application/json"}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__)
    parser.add_argument("--query-kib", type=int, default=200, help="KiB per query string (200)")
    parser.add_argument("--queries", type=int, default=1000, help="large queries a round (1000)")
    parser.add_argument("--journal-bytes", type=int, default=4 * 1024 * 1024)
    parser.add_argument("--max-memos", type=int, default=3000)
    parser.add_argument("--max-tenants", type=int, default=20)
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (8)")
    return parser.parse_args(argv)


def in_parallel(count: int, clients: int, send) -> dict[int, int]:
    """``send(i)`` for i in range(count) from ``clients`` threads; statuses counted."""
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    numbers = iter(range(count))

    def work():
        for number in numbers:
            status = send(number)
            with lock:
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=work) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def large_queries(port: int, args, token: str = "bench", count: int | None = None):
    padding = "x" * (args.query_kib * 1024)

    def send(number: int) -> int:
        path = f"/v2/debit_memos?page_size=1&padding={number}{padding}"
        return request(port, path, headers={"Authorization": f"Bearer {token}"})[0]

    return in_parallel(count or args.queries, args.clients, send)


def many_memos(port: int, args):
    def send(_: int) -> int:
        return request(port, "/v2/debit_memos", "POST", MEMO, JSON)[0]

    return in_parallel(args.max_memos + 200, args.clients, send)


def many_tenants(port: int, args, round_no: int):
    def send(number: int) -> int:
        token = f"tenant-{round_no}-{number}"
        statuses = large_queries(port, args, token, count=20)
        return max(statuses)  # 429 once the cap is reached

    return in_parallel(args.max_tenants + 10, 2, send)


def exports(port: int, args):
    statuses = in_parallel(5, 1, lambda _: request(port, "/__mock/state", timeout=300)[0])
    request(port, "/__mock/reset", "POST")
    return statuses


def run(args) -> list[tuple[str, int, dict, float]]:
    flags = [
        "--quiet",
        "--tenants",
        "per-token",
        "--journal-bytes",
        str(args.journal_bytes),
        "--max-memos",
        str(args.max_memos),
        "--max-tenants",
        str(args.max_tenants),
    ]
    rows = []
    with sandbox("memory-probe", *flags) as server:
        server.wait_200("/__mock/health")
        rows.append(("start", 0, {}, server.rss_mb()))
        for round_no in (1, 2):
            for name, phase in (
                ("large queries", lambda: large_queries(server.port, args)),
                ("many memos", lambda: many_memos(server.port, args)),
                ("many tenants", lambda r=round_no: many_tenants(server.port, args, r)),
                ("exports + reset", lambda: exports(server.port, args)),
            ):
                started = time.perf_counter()
                statuses = phase()
                rows.append((name, round_no, statuses, server.rss_mb()))
                print(
                    f"[memory] round {round_no} {name}: {statuses} in "
                    f"{time.perf_counter() - started:.1f} s, RSS {rows[-1][3]:.0f} MB",
                    flush=True,
                )
    return rows


def table(rows, args) -> str:
    lines = [
        f"caps: --journal-bytes {args.journal_bytes:,} per tenant, --max-memos "
        f"{args.max_memos:,} per tenant, --max-tenants {args.max_tenants}; queries of "
        f"{args.query_kib} KiB, {args.queries:,} a round",
        "",
        "| phase | round | answers | RSS MB |",
        "|---|---|---|---|",
    ]
    for name, round_no, statuses, rss in rows:
        answers = ", ".join(f"{count}x{status}" for status, count in sorted(statuses.items()))
        lines.append(f"| {name} | {round_no or ''} | {answers} | {rss:.0f} |")
    return "\n".join(lines)


def main(argv=None) -> None:
    args = parse_args(argv)
    print(table(run(args), args))


if __name__ == "__main__":
    main()
