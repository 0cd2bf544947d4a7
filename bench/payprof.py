"""What a pay costs the server, store by store: ``python -m bench.payprof``.

For each store (memory, and SQLite with one worker on a fresh file), a
sandbox served as users serve it (``mockserver serve --quiet``, a
subprocess), 256 open memos, ``--warmup`` pays, then ``--pays`` pays of 0.01
round-robin over the memos from ``--clients`` keep-alive connections. Per
pay, of the server process (every thread): CPU seconds, user and system,
from ``/proc``; with ``--callgrind``, instructions (the server run again
under callgrind, its counts zeroed after the warm-up and dumped after the
pays); with ``--strace``, its system calls (``strace -c -f`` during the pays).
CPU seconds follow the machine's load; instructions do not.

``--statements``: the SQL a SQLite pay runs, in-process (sqlite3's trace
callback on every connection), per pay.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from .procs import AUTH, ROOT, Server, ServerFailed, free_port, request

JSON = {"Content-Type": "application/json"}
MEMO = json.dumps(
    {
        "account_number": "A00000001",
        "items": [{"amount": 1000000, "service_start": "2026-11-01", "name": "Bench"}],
    }
)
TICKS = os.sysconf("SC_CLK_TCK")


def open_memos(port: int, count: int) -> tuple[list[str], str]:
    """``count`` posted memos of 1,000,000 each: their ids and currency."""
    ids, currency = [], ""
    for _ in range(count):
        status, body = request(port, "/v2/debit_memos", "POST", MEMO, JSON)
        if status != 201:
            raise ServerFailed(f"create answered {status}: {body[:300]!r}")
        memo = json.loads(body)
        status, body = request(port, f"/v2/debit_memos/{memo['id']}/post", "POST")
        if status != 200:
            raise ServerFailed(f"post answered {status}: {body[:300]!r}")
        ids.append(memo["id"])
        currency = memo["currency"]
    return ids, currency


def pay(port: int, ids: list[str], currency: str, count: int, clients: int) -> None:
    """``count`` pays of 0.01 round-robin over ``ids``, from ``clients`` threads."""
    body = json.dumps({"currency": currency, "amount": 0.01})
    numbers = iter(range(count))
    failures: list[str] = []
    lock = threading.Lock()

    def work():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        try:
            for number in numbers:
                path = f"/v2/debit_memos/{ids[number % len(ids)]}/pay"
                connection.request("POST", path, body=body, headers={**AUTH, **JSON})
                response = connection.getresponse()
                answer = response.read()
                if response.status != 200:
                    with lock:
                        failures.append(f"{response.status}: {answer[:200]!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise ServerFailed(f"{len(failures)} pays failed, the first {failures[0]}")


def cpu_seconds(pid: int) -> tuple[float, float]:
    """User and system CPU seconds of the process, every thread."""
    with open(f"/proc/{pid}/stat") as file:
        fields = file.read().rsplit(")", 1)[1].split()
    return int(fields[11]) / TICKS, int(fields[12]) / TICKS


def _store_flags(kind: str, folder: Path) -> list[str]:
    if kind == "memory":
        return []
    return ["--store", f"sqlite:///{folder / f'pay-{time.monotonic_ns()}.db'}"]


def _serve(name: str, kind: str, folder: Path, prefix: tuple[str, ...] = ()) -> Server:
    port = free_port()
    argv = [*prefix, sys.executable, "-m", "mockserver", "serve", "--port", str(port), "--quiet"]
    return Server(name, argv + _store_flags(kind, folder), port, cwd=ROOT)


def measure_cpu(kind: str, folder: Path, args) -> dict:
    """CPU seconds per pay of a server on ``kind``'s store."""
    with _serve(f"payprof-{kind}", kind, folder) as server:
        server.wait_200("/__mock/health")
        ids, currency = open_memos(server.port, args.memos)
        pay(server.port, ids, currency, args.warmup, args.clients)
        user, system = cpu_seconds(server.pid)
        started = time.perf_counter()
        pay(server.port, ids, currency, args.pays, args.clients)
        elapsed = time.perf_counter() - started
        user_after, system_after = cpu_seconds(server.pid)
    per = 1e3 / args.pays
    return {
        "user_ms": round((user_after - user) * per, 3),
        "sys_ms": round((system_after - system) * per, 3),
        "cpu_ms": round((user_after - user + system_after - system) * per, 3),
        "wall_ms": round(elapsed * per, 3),
    }


def measure_instructions(kind: str, folder: Path, args) -> int:
    """Instructions per pay of a server on ``kind``'s store, under callgrind."""
    out = folder / f"callgrind-{kind}.out"
    prefix = ("valgrind", "--tool=callgrind", f"--callgrind-out-file={out}")
    with _serve(f"payprof-callgrind-{kind}", kind, folder, prefix) as server:
        server.wait_200("/__mock/health", timeout=600)
        ids, currency = open_memos(server.port, args.memos)
        pay(server.port, ids, currency, args.warmup, args.clients)
        _control("--zero", server.pid)
        pay(server.port, ids, currency, args.pays, args.clients)
        _control("--dump=pays", server.pid)
        dumped = sorted(folder.glob(f"callgrind-{kind}.out.*"), key=os.path.getmtime)
    totals = re.search(r"^(?:summary|totals): (\d+)", dumped[-1].read_text(), re.M)
    return round(int(totals[1]) / args.pays)


def _control(what: str, pid: int) -> None:
    subprocess.run(["callgrind_control", what, str(pid)], check=True, capture_output=True)


def measure_syscalls(kind: str, folder: Path, args) -> dict:
    """System calls per pay (``strace -c -f`` attached during the pays), the most frequent."""
    with _serve(f"payprof-strace-{kind}", kind, folder) as server:
        server.wait_200("/__mock/health")
        ids, currency = open_memos(server.port, args.memos)
        pay(server.port, ids, currency, args.warmup, args.clients)
        summary = folder / f"strace-{kind}.txt"
        tracer = subprocess.Popen(
            ["strace", "-c", "-f", "-o", str(summary), "-p", str(server.pid)],
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1)  # attached to every thread
        pay(server.port, ids, currency, args.pays, args.clients)
        tracer.terminate()
        tracer.wait(30)
    calls = {}
    for line in summary.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 5 and parts[0][0].isdigit() and parts[-1] != "total":
            calls[parts[-1]] = round(int(parts[3]) / args.pays, 2)
    return dict(sorted(calls.items(), key=lambda item: -item[1])[:12])


def statements(args) -> dict:
    """The statements of a SQLite pay, in-process: each, and how many a pay runs."""
    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    from mockserver.app import create_app
    from mockserver.config import Config

    ran: list[str] = []
    event.listen(Pool, "connect", lambda connection, _: connection.set_trace_callback(ran.append))
    folder = Path(tempfile.mkdtemp(prefix="payprof-"))
    app = create_app(Config(store=f"sqlite:///{folder / 'pay.db'}", log_requests=False))
    client = app.test_client()
    memo = client.post("/v2/debit_memos", data=MEMO, headers={**AUTH, **JSON}).get_json()
    client.post(f"/v2/debit_memos/{memo['id']}/post", headers=AUTH)
    body = json.dumps({"currency": memo["currency"], "amount": 0.01})
    for counted in (False, True):
        ran.clear()
        for _ in range(args.pays if counted else 5):
            answer = client.post(
                f"/v2/debit_memos/{memo['id']}/pay", data=body, headers={**AUTH, **JSON}
            )
            assert answer.status_code == 200, answer.get_data()
        app.extensions["mockserver"].tenants.get("default").journal.flush()
    shapes = Counter(re.sub(r"x?'[^']*'|\b-?\d+\b", "?", text)[:160] for text in ran)
    return {
        "per_pay": round(len(ran) / args.pays, 2),
        "statements": {text: round(n / args.pays, 2) for text, n in shapes.most_common()},
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.payprof", description=__doc__)
    parser.add_argument("--stores", default="memory,sqlite", help="memory,sqlite (both)")
    parser.add_argument("--memos", type=int, default=256)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--pays", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--callgrind", action="store_true", help="instructions per pay too")
    parser.add_argument("--strace", action="store_true", help="system calls per pay too")
    parser.add_argument("--statements", action="store_true", help="a SQLite pay's SQL only")
    parser.add_argument("--keep", type=Path, help="keep the outputs in this folder")
    args = parser.parse_args(argv)
    if args.statements:
        print(json.dumps(statements(args), indent=1))
        return
    report: dict = {"pays": args.pays, "clients": args.clients}
    with tempfile.TemporaryDirectory(prefix="payprof-") as temporary:
        folder = args.keep or temporary
        for kind in args.stores.split(","):
            measured = report[kind] = measure_cpu(kind, Path(folder), args)
            if args.strace:
                measured["syscalls_per_pay"] = measure_syscalls(kind, Path(folder), args)
            if args.callgrind:
                measured["instructions"] = measure_instructions(kind, Path(folder), args)
    kinds = [kind for kind in args.stores.split(",") if kind != "memory"]
    if "memory" in report:
        for kind, key in itertools.product(kinds, ("cpu_ms", "instructions")):
            if key in report[kind]:
                report[f"{kind}/memory {key}"] = round(report[kind][key] / report["memory"][key], 3)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
