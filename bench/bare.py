"""The baseline: a bare Flask view that returns a memo's bytes, nothing else.

``python -m bench.bare --port P`` serves it with the sandbox's own waitress
server (``mockserver.server.make_server``: same Adjustments, same thread
count), so "our GET / bare GET" measures what the sandbox does per request.
``bench.bare:app`` is the same app for gunicorn and granian, and
``--server cheroot`` serves it with cheroot.

The body is the file named by ``BENCH_BODY_FILE`` (the harness writes the
sandbox's own GET response there), or a fixed ~700-byte memo.
"""

from __future__ import annotations

import argparse
import json
import os

from flask import Flask, Response

from mockserver.server import make_server

from . import sandbox_wsgi

DEFAULT_BODY = json.dumps(
    {
        "id": "8a90e5e48f3b1a2d018f3b9c4a2b0042",
        "updated_by_id": "2c92c8f95b1c7f3b015b1e2b8b1a0d53",
        "updated_time": "2026-10-02T11:42:07+00:00",
        "created_by_id": "2c92c8f95b1c7f3b015b1e2b8b1a0d53",
        "created_time": "2026-10-01T09:12:40+00:00",
        "custom_fields": {"Region__c": "EMEA"},
        "account_id": "8a90e5e48f3b1a2d018f3b9c4a2b0001",
        "account_number": "A00000001",
        "due_date": "2026-10-31",
        "document_date": "2026-10-01",
        "reason_code": "Standard Adjustment",
        "currency": "USD",
        "debit_memo_number": "DM00000042",
        "state": "posted",
        "total": 1072.5,
        "subtotal": 1000,
        "tax": 72.5,
        "balance": 1072.5,
        "remaining_balance": 1072.5,
        "amount_paid": 0,
        "paid": False,
        "past_due": False,
        "payment_terms": "Net 30",
    },
    separators=(",", ":"),
).encode()


def _body() -> bytes:
    path = os.environ.get("BENCH_BODY_FILE")
    if path:
        with open(path, "rb") as file:
            return file.read()
    return DEFAULT_BODY


BODY = _body()
app = Flask("bare")


@app.get("/v2/debit_memos/<debit_memo_id>")
def get_debit_memo(debit_memo_id):
    return Response(BODY, mimetype="application/json")


@app.get("/__mock/health")
def health():
    return Response(b'{"status":"ok"}', mimetype="application/json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--server", choices=("waitress", "cheroot"), default="waitress")
    parser.add_argument(
        "--app",
        choices=("bare", "sandbox", "sandbox-idle-faults"),
        default="bare",
        help="sandbox: the real app, no access log; sandbox-idle-faults: the same with its "
        "fault engine idle (no rules, no X-Mock-Fault, no gateway timeout)",
    )
    args = parser.parse_args()
    wsgi_app = app
    if args.app != "bare":
        wsgi_app = sandbox_wsgi.make_app(idle_faults=args.app == "sandbox-idle-faults")
    if args.server == "cheroot":
        serve_cheroot(wsgi_app, args.port, args.threads)
    else:
        make_server(wsgi_app, "127.0.0.1", args.port, args.threads).run()


def serve_cheroot(wsgi_app, port: int, threads: int) -> None:
    from cheroot.wsgi import Server  # only in bench/.work/venv (``--servers``)

    server = Server(("127.0.0.1", port), wsgi_app, numthreads=threads)
    try:
        server.start()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
