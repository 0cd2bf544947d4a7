"""What sending callouts costs the API: ``python -m bench.callouts``.

Two sandboxes run as users start them (``python -m mockserver serve`` in
processes of their own), one with no callout and one sending a
``DebitMemoPosted`` callout in real time to a slow receiver (every answer
takes ``--receiver-delay`` seconds) for every memo posted. Clients post memos
(``post: true``) against each in turn, in interleaved rounds, and the
throughput of each round is compared side by side (target: the callouts
change it by under 5%). Each round also notes the server's CPU time per memo
(user + system, from ``/proc``): the server is bound by one GIL, so its
throughput is the inverse of that, and the CPU ratio is what the throughput
ratio would be on a quiet machine. Results go to ``bench/results/callouts.md``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import statistics
import threading
import time
from datetime import UTC, datetime

from bench.fault_latency import AUTH, ROOT, call, sandbox_command, server_process
from mockserver.receiver import CalloutReceiver

RESULTS = ROOT / "bench" / "results" / "callouts.md"
MEMO = {
    "account_number": "A00000001",
    "post": True,
    "items": [{"amount": 10, "service_start": "2026-01-01", "name": "Setup fee"}],
}


def post_memos(port: int, clients: int, seconds: float) -> float:
    """Memos posted a second by ``clients`` kept-alive connections for ``seconds``."""
    done = [0] * clients
    stop = time.perf_counter() + seconds
    body = json.dumps(MEMO).encode()
    headers = {**AUTH, "Content-Type": "application/json"}

    def client(number: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < stop:
            connection.request("POST", "/v2/debit_memos", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 201:
                raise RuntimeError(f"a create answered {response.status}")
            done[number] += 1
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - started)


def cpu_seconds(pid: int) -> float:
    """The process's user + system CPU time so far (Linux's ``/proc``)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(process, port: int, clients: int, seconds: float) -> tuple[float, float]:
    """Memos a second, and the server's CPU microseconds per memo."""
    before, started = cpu_seconds(process.pid), time.perf_counter()
    rate = post_memos(port, clients, seconds)
    memos = rate * (time.perf_counter() - started)
    return rate, 1e6 * (cpu_seconds(process.pid) - before) / memos


def deliveries(port: int) -> int:
    from bench.fault_latency import Client

    status, data, _ = call(Client(port), "GET", "/__mock/callouts/deliveries")
    return len(json.loads(data)["data"]) if status == 200 else 0


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.callouts", description=__doc__)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=4.0, help="per round and sandbox")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--receiver-delay", type=float, default=0.25)
    args = parser.parse_args(argv)
    receiver = CalloutReceiver(delay_s=args.receiver_delay)
    hook = f"event=DebitMemoPosted,url={receiver.url},param.memoId=DebitMemo.Id"
    plain = sandbox_command("--max-memos", "1000000")
    sending = [*plain, "--callout", hook, "--callout-time", "real"]
    rates: dict[str, list[tuple[float, float]]] = {"without callouts": [], "with callouts": []}
    load_start = os.getloadavg()[0]
    try:
        with server_process(plain) as without, server_process(sending) as with_:
            for port, _ in (without, with_):
                post_memos(port, args.clients, 1.0)  # warm both up
            for _ in range(args.rounds):
                for name, (port, process) in (
                    ("without callouts", without),
                    ("with callouts", with_),
                ):
                    rates[name].append(measured(process, port, args.clients, args.seconds))
            sent = deliveries(with_[0])
    finally:
        receiver.stop()
    report(args, rates, sent, (load_start, os.getloadavg()[0]))


def report(args, rates: dict, sent: int, load: tuple[float, float]) -> None:
    plain, sending = rates["without callouts"], rates["with callouts"]
    ratio = statistics.median(b[0] / a[0] for a, b in zip(plain, sending, strict=True))
    cpu_ratio = statistics.median(a[1] / b[1] for a, b in zip(plain, sending, strict=True))
    lines = [
        f"# Posting memos while callouts go to a slow receiver, {datetime.now(UTC):%Y-%m-%d}",
        "",
        f"{platform.python_implementation()} {platform.python_version()}, {args.rounds} "
        f"interleaved rounds of {args.seconds:g} s, {args.clients} clients, receiver answers "
        f"after {args.receiver_delay:g} s; {sent} deliveries journaled (the newest 1,000 kept).",
        f"1-minute load average {load[0]:.2f} at the start, {load[1]:.2f} at the end "
        f"({os.cpu_count()} CPUs; quiet is under ~1.0).",
        "",
        "| round | without callouts (memos/s) | with callouts (memos/s) | with / without "
        "| server CPU per memo, without / with (us) | without / with |",
        "|---|---|---|---|---|---|",
        *(
            f"| {n} | {a[0]:.0f} | {b[0]:.0f} | {b[0] / a[0]:.1%} "
            f"| {a[1]:.0f} / {b[1]:.0f} | {a[1] / b[1]:.1%} |"
            for n, (a, b) in enumerate(zip(plain, sending, strict=True), start=1)
        ),
        "",
        f"Median ratio: **{ratio:.1%}** (target: above 95%); of the server's CPU per memo: "
        f"**{cpu_ratio:.1%}**.",
        "",
    ]
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
