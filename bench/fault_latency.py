"""How true injected latency is, and what the fault engine costs with no rules.

``python -m bench.fault_latency`` starts the sandbox as users do (``python -m
mockserver serve`` in a process of its own), adds latency rules through
``/__mock/faults`` and measures, from a client, how long requests take:

- fixed and uniform latency: the measured median against the rule's (target:
  within 10 ms);
- a lognormal latency: the measured median and p99 against the rule's
  ``latency_median_ms`` and ``latency_p99_ms`` over thousands of concurrent
  requests (target: within 15%);
- the engine's cost with no rules: one GET at a time on one kept-alive
  connection, against a server with the engine as configured by default and
  one with the engine idle (no ``X-Mock-Fault``, no gateway timeout, no rules:
  it only passes the request on), in interleaved rounds (target: under 5%).

Results go to ``bench/results/faults.md``. Nothing here runs in ``make test``.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from werkzeug.test import EnvironBuilder

from bench.sandbox_wsgi import idle_faults_config
from mockserver.app import create_app
from mockserver.config import Config
from mockserver.server import serve_forever

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "faults.md"
AUTH = {"Authorization": "Bearer bench"}
STARTUP_DEADLINE_S = 60


# -- servers -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def server(argv: list[str]) -> Iterator[int]:
    """Run ``argv`` (which gets ``--port``) until the block ends; yields the port."""
    with server_process(argv) as (port, _):
        yield port


@contextlib.contextmanager
def server_process(argv: list[str]) -> Iterator[tuple[int, subprocess.Popen]]:
    """``server``, yielding the port and the process."""
    port = free_port()
    process = subprocess.Popen(
        [*argv, "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + STARTUP_DEADLINE_S
        while not _healthy(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{argv} did not start: {process.stderr.read().decode()}")
            time.sleep(0.05)
        yield port, process
    finally:
        process.terminate()
        process.wait(timeout=15)
        process.stderr.close()


def _healthy(port: int) -> bool:
    with contextlib.suppress(OSError):
        return call(Client(port), "GET", "/__mock/health")[0] == 200
    return False


def sandbox_command(*flags: str) -> list[str]:
    return [sys.executable, "-m", "mockserver", "serve", "--quiet", *flags]


def variant_command(engine: bool) -> list[str]:
    return [sys.executable, "-m", "bench.fault_latency", "serve-variant", f"--engine={engine}"]


def variant_config(engine: bool, **settings) -> Config:
    """The sandbox's default config, or (``engine=False``) the same with the engine idle."""
    return Config(**settings) if engine else idle_faults_config(**settings)


def serve_variant(port: int, engine: bool) -> None:
    """The sandbox with its fault engine on or idle, served as the CLI serves it."""
    config = variant_config(engine, port=port, log_requests=False)
    serve_forever(create_app(config), config.host, port, config.threads)


# -- a light HTTP client -------------------------------------------------------------


class Client:
    """One kept-alive connection (http.client: far less client time than requests)."""

    def __init__(self, port: int, timeout: float = 30):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)


def call(client: Client, method: str, path: str, body=None) -> tuple[int, bytes, float]:
    """Status, body and seconds from sending the request to reading the whole answer."""
    headers = {**AUTH}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    started = time.perf_counter()
    client.connection.request(method, path, body=payload, headers=headers)
    response = client.connection.getresponse()
    data = response.read()
    return response.status, data, time.perf_counter() - started


def add_rule(port: int, rule: dict) -> None:
    status, data, _ = call(Client(port), "POST", "/__mock/faults", rule)
    if status != 201:
        raise RuntimeError(f"rule {rule} refused: {data.decode()}")


def clear(port: int) -> None:
    client = Client(port)
    call(client, "DELETE", "/__mock/faults")
    call(client, "DELETE", "/__mock/requests")


def a_memo_path(port: int) -> str:
    _, data, _ = call(Client(port), "GET", "/v2/debit_memos?page_size=1")
    return f"/v2/debit_memos/{json.loads(data)['data'][0]['id']}"


def timed_gets(port: int, path: str, count: int, concurrency: int) -> list[float]:
    """Seconds per GET, ``count`` of them from ``concurrency`` clients at once."""

    def worker(share: int) -> list[float]:
        client = Client(port)
        times = []
        for _ in range(share):
            status, _, seconds = call(client, "GET", path)
            if status != 200:
                raise RuntimeError(f"GET {path} answered {status}")
            times.append(seconds)
        return times

    shares = [count // concurrency + (i < count % concurrency) for i in range(concurrency)]
    with ThreadPoolExecutor(concurrency) as pool:
        return [t for times in pool.map(worker, shares) for t in times]


def drawn_latencies(port: int) -> list[float]:
    """The delays the engine drew (ms), from the journal."""
    _, data, _ = call(Client(port), "GET", "/__mock/requests?limit=100000")
    return [entry["latency_ms"] for entry in json.loads(data)["data"] if entry["fault"]]


# -- measurements -----------------------------------------------------------------------


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[98]


@dataclass
class LatencyResult:
    name: str
    rule: str
    count: int
    target_median_ms: float
    median_ms: float
    drawn_median_ms: float
    target_p99_ms: float | None = None
    p99_ms: float | None = None
    drawn_p99_ms: float | None = None


def measure_latency(
    port: int, path: str, name: str, rule: dict, target: tuple, count: int, concurrency: int
) -> LatencyResult:
    clear(port)
    add_rule(port, {"operation": "getDebitMemo", **rule})
    ms = [seconds * 1000 for seconds in timed_gets(port, path, count, concurrency)]
    drawn = drawn_latencies(port)
    result = LatencyResult(
        name=name,
        rule=",".join(f"{k}={v}" for k, v in rule.items()),
        count=len(ms),
        target_median_ms=target[0],
        median_ms=statistics.median(ms),
        drawn_median_ms=statistics.median(drawn),
    )
    if len(target) > 1:
        result.target_p99_ms = target[1]
        result.p99_ms = p99(ms)
        result.drawn_p99_ms = p99(drawn)
    return result


@dataclass
class OverheadResult:
    where: str
    path: str
    engine_ms: float  # median over rounds of the round's median
    bare_ms: float
    ratio: float  # median over rounds of (engine on / engine idle), each pair run back to back


def interleaved(measure: dict[bool, Callable[[], float]], rounds: int, per_round: int):
    """Per round, ``per_round`` timings with the engine and without, in alternating
    order; returns each side's median of round medians and the median paired ratio."""
    medians: dict[bool, list[float]] = {True: [], False: []}
    for number in range(rounds):
        for engine in (True, False) if number % 2 == 0 else (False, True):
            medians[engine].append(statistics.median(measure[engine]() for _ in range(per_round)))
    ratios = [
        with_engine / bare for with_engine, bare in zip(medians[True], medians[False], strict=True)
    ]
    return (
        statistics.median(medians[True]) * 1000,
        statistics.median(medians[False]) * 1000,
        statistics.median(ratios),
    )


def overhead_over_http(ports: dict[bool, int], path: str, rounds: int, per_round: int):
    """A GET at a time on one kept-alive connection to each server."""
    clients = {engine: Client(port) for engine, port in ports.items()}
    for client in clients.values():
        for _ in range(200):  # warm-up
            call(client, "GET", path)
    measure = {
        engine: (lambda client=client: call(client, "GET", path)[2])
        for engine, client in clients.items()
    }
    return OverheadResult("HTTP", path, *interleaved(measure, rounds, per_round))


def overhead_in_process(path: str, rounds: int, per_round: int):
    """The same GET as a direct WSGI call: the server's handling alone, no network."""
    apps = {
        engine: create_app(variant_config(engine, log_requests=False)) for engine in (True, False)
    }

    def handle(app) -> float:
        environ = EnvironBuilder(path=path, headers=AUTH).get_environ()
        started = time.perf_counter()
        body = app(environ, lambda status, headers, exc_info=None: None)
        b"".join(body)
        body.close()
        return time.perf_counter() - started

    for app in apps.values():
        for _ in range(200):  # warm-up
            handle(app)
    measure = {engine: (lambda app=app: handle(app)) for engine, app in apps.items()}
    return OverheadResult("in process", path, *interleaved(measure, rounds, per_round))


# -- the report ---------------------------------------------------------------------------


def machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    return (
        f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def _pct(measured: float, target: float) -> str:
    return f"{(measured - target) / target * 100:+.1f}%"


def render(latencies: list[LatencyResult], overheads: list[OverheadResult], args) -> str:
    lines = [
        "# Fault engine: latency accuracy and overhead",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `python -m bench.fault_latency` "
        f"on {machine()}.",
        "The server is `python -m mockserver serve` (waitress, 32 threads) in its own process;",
        "the client is `http.client` on kept-alive connections, so what is measured is the",
        "whole request as a client sees it: the injected delay plus the normal handling.",
        "Drawn = what the rules drew (from the journal), measured = what the client saw.",
        "",
        "## Injected latency (target: median within 10 ms; lognormal median and p99 within 15%)",
        "",
        "| rule | requests | target median | measured median | error | drawn median |"
        " target p99 | measured p99 | error | drawn p99 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in latencies:
        error = f"{r.median_ms - r.target_median_ms:+.1f} ms"
        if r.target_p99_ms is not None:
            error += f" ({_pct(r.median_ms, r.target_median_ms)})"
            tail = (
                f"{r.target_p99_ms:.0f} ms | {r.p99_ms:.1f} ms | "
                f"{_pct(r.p99_ms, r.target_p99_ms)} | {r.drawn_p99_ms:.1f} ms"
            )
        else:
            tail = "| | |"
        lines.append(
            f"| `{r.rule}` | {r.count} | {r.target_median_ms:.0f} ms | {r.median_ms:.1f} ms | "
            f"{error} | {r.drawn_median_ms:.1f} ms | {tail} |"
        )
    lines += [
        "",
        f"Fixed and uniform: {args.count} requests from {args.concurrency} concurrent clients; "
        f"lognormal: {args.lognormal_count}.",
        "",
        "## Cost of the engine with no rules (target: under 5%)",
        "",
        "The sandbox with its engine as configured by default vs the same app with the engine",
        "idle (`fault_header=False, gateway_timeout=0`), each GET timed alone: over HTTP (one",
        "kept-alive connection to each server, both run by `serve_forever` in a process of",
        "their own), and in process (a direct WSGI call: the server's handling alone).",
        f"{args.rounds} rounds of {args.per_round} GETs on each side, the order alternating;",
        "times are medians of round medians, the ratio the median of the rounds' ratios.",
        "",
        "| measured | request | engine idle | engine on | ratio |",
        "|---|---|---|---|---|",
    ]
    for o in overheads:
        lines.append(
            f"| {o.where} | `GET {o.path}` | {o.bare_ms:.3f} ms | {o.engine_ms:.3f} ms "
            f"| {o.ratio:.3f} |"
        )
    return "\n".join(lines) + "\n"


def run(args) -> str:
    latencies = []
    with server(sandbox_command("--journal-size", "100000")) as port:
        path = a_memo_path(port)
        cases = [
            ("fixed", {"latency_ms": 100}, (100,), args.count),
            ("uniform", {"latency_ms": "50..250"}, (150,), args.count),
            (
                "lognormal",
                {"latency_median_ms": 100, "latency_p99_ms": 400},
                (100, 400),
                args.lognormal_count,
            ),
        ]
        for name, rule, target, count in cases:
            print(f"latency: {name} over {count} requests", file=sys.stderr)
            latencies.append(
                measure_latency(port, path, name, rule, target, count, args.concurrency)
            )
    overheads = []
    with server(variant_command(True)) as with_engine, server(variant_command(False)) as bare:
        ports = {True: with_engine, False: bare}
        paths = (a_memo_path(with_engine), "/v2/debit_memos")
        for path in paths:
            print(f"overhead over HTTP: GET {path}", file=sys.stderr)
            overheads.append(overhead_over_http(ports, path, args.rounds, args.per_round))
    for path in paths:
        print(f"overhead in process: GET {path}", file=sys.stderr)
        overheads.append(overhead_in_process(path, args.rounds, args.per_round))
    return render(latencies, overheads, args)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.fault_latency", description=__doc__)
    parser.add_argument("--count", type=int, default=400, help="fixed/uniform requests (400)")
    parser.add_argument(
        "--lognormal-count", type=int, default=4000, help="lognormal requests (4000)"
    )
    parser.add_argument("--concurrency", type=int, default=24, help="concurrent clients (24)")
    parser.add_argument("--rounds", type=int, default=40, help="overhead rounds (40)")
    parser.add_argument("--per-round", type=int, default=100, help="GETs per round (100)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results file")
    sub = parser.add_subparsers(dest="command")
    variant = sub.add_parser("serve-variant", help="(internal) serve with or without the engine")
    variant.add_argument("--engine", choices=["True", "False"], required=True)
    variant.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    if args.command == "serve-variant":
        serve_variant(args.port, args.engine == "True")
        return
    text = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
