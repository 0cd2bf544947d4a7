"""What sending callouts costs the API: ``python -m bench.callouts``.

Two sandboxes run as users start them (``python -m mockserver serve`` in
processes of their own), one with no callout and one sending a
``DebitMemoPosted`` callout in real time to a slow receiver (every answer
takes ``--receiver-delay`` seconds) for every memo posted. Clients post memos
(``post: true``) against each in turn, in interleaved rounds, and the
throughput of each round is compared side by side (target: the callouts
change it by under 5%). Results go to ``bench/results/callouts.md``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import platform
import statistics
import threading
import time
from datetime import UTC, datetime

from bench.fault_latency import AUTH, ROOT, call, free_port, sandbox_command, server
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
    rates: dict[str, list[float]] = {"without callouts": [], "with callouts": []}
    try:
        with server(plain) as plain_port, server(sending) as sending_port:
            post_memos(plain_port, args.clients, 1.0)  # warm both up
            post_memos(sending_port, args.clients, 1.0)
            for _ in range(args.rounds):
                rates["without callouts"].append(post_memos(plain_port, args.clients, args.seconds))
                rates["with callouts"].append(post_memos(sending_port, args.clients, args.seconds))
            sent = deliveries(sending_port)
    finally:
        receiver.stop()
    report(args, rates, sent, free_port)


def report(args, rates: dict[str, list[float]], sent: int, _unused) -> None:
    plain, sending = rates["without callouts"], rates["with callouts"]
    ratios = [b / a for a, b in zip(plain, sending, strict=True)]
    ratio = statistics.median(ratios)
    lines = [
        f"# Posting memos while callouts go to a slow receiver, {datetime.now(UTC):%Y-%m-%d}",
        "",
        f"{platform.python_implementation()} {platform.python_version()}, {args.rounds} "
        f"interleaved rounds of {args.seconds:g} s, {args.clients} clients, receiver answers "
        f"after {args.receiver_delay:g} s; {sent} deliveries journaled (the newest 1,000 kept).",
        "",
        "| round | without callouts (memos/s) | with callouts (memos/s) | with / without |",
        "|---|---|---|---|",
        *(
            f"| {n} | {a:.0f} | {b:.0f} | {b / a:.1%} |"
            for n, (a, b) in enumerate(zip(plain, sending, strict=True), start=1)
        ),
        "",
        f"Median ratio: **{ratio:.1%}** (target: above 95%).",
        "",
    ]
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
