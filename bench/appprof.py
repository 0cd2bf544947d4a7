"""The WSGI app alone, in-process, no server and no sockets:
``python -m bench.appprof``.

Calls ``app(environ, start_response)`` in a loop, so the figures are the
app's own CPU per request (what the server adds is measured by the load
runs). Prints JSON: microseconds per request for the bare view and the
sandbox (with and without the access log), per operation, and cProfile's
top functions for GET memo, per request.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import pstats
import time

from werkzeug.test import EnvironBuilder

from mockserver.app import create_app
from mockserver.config import Config

from . import bare

AUTH = {"Authorization": "Bearer bench"}
CUMULATIVE_OF = ("mockserver/", "flask/", "flask_smorest/", "werkzeug/", "webargs/", "logging/")


def _environ(path: str, method: str = "GET", body: dict | None = None) -> dict:
    builder = EnvironBuilder(path=path, method=method, headers=AUTH, json=body)
    try:
        return builder.get_environ()
    finally:
        builder.close()


def _call(app, environ: dict) -> int:
    statuses = []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    fresh = dict(environ)
    body = environ.get("bench.body")
    if body is not None:
        fresh["wsgi.input"] = io.BytesIO(body)
    result = app(fresh, start_response)
    for _ in result:
        pass
    if hasattr(result, "close"):
        result.close()
    return int(statuses[0][:3])


def per_request_us(app, environ: dict, seconds: float) -> float:
    """Mean microseconds per call over about ``seconds``."""
    _call(app, environ)
    count, started = 0, time.perf_counter()
    while True:
        for _ in range(50):
            _call(app, environ)
        count += 50
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return round(1e6 * elapsed / count, 1)


def _post(path: str, body: dict) -> dict:
    environ = _environ(path, "POST", body)
    environ["bench.body"] = environ["wsgi.input"].read()
    return environ


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, handlers=[logging.NullHandler()])
    quiet = create_app(Config(log_requests=False))
    logged = create_app(Config(log_requests=True))
    logging.getLogger("mockserver.access").handlers = [logging.StreamHandler(io.StringIO())]
    client = quiet.test_client()
    memo = client.get("/v2/debit_memos?page_size=1", headers=AUTH).get_json()["data"][0]
    get = _environ(f"/v2/debit_memos/{memo['id']}")
    report: dict = {"memo_id": memo["id"]}
    timings = {
        "GET memo, bare Flask view": per_request_us(bare.app, get, args.seconds),
        "GET memo, sandbox, no access log": per_request_us(quiet, get, args.seconds),
        "GET memo, sandbox, access log (to memory)": per_request_us(logged, get, args.seconds),
        "list state+sort (80 memos)": per_request_us(
            quiet,
            _environ("/v2/debit_memos?filter[]=state.EQ:open&sort[]=total.desc"),
            args.seconds,
        ),
        "list default order (80 memos)": per_request_us(
            quiet, _environ("/v2/debit_memos"), args.seconds
        ),
    }
    create = _post(
        "/v2/debit_memos",
        {
            "account_number": "A00000001",
            "items": [{"amount": 12.34, "service_start": "2026-11-01", "name": "Bench"}],
        },
    )
    timings["create"] = per_request_us(quiet, create, args.seconds)
    big = client.post(
        "/v2/debit_memos",
        json={
            "account_number": "A00000001",
            "items": [{"amount": 1000000, "service_start": "2026-11-01", "name": "Bench"}],
        },
        headers=AUTH,
    ).get_json()
    client.post(f"/v2/debit_memos/{big['id']}/post", headers=AUTH)
    pay = _post(f"/v2/debit_memos/{big['id']}/pay", {"currency": big["currency"], "amount": 0.01})
    timings["pay"] = per_request_us(quiet, pay, args.seconds)
    report["us_per_request"] = timings
    report["get_profile"] = profile(quiet, get, 5000, timings["GET memo, sandbox, no access log"])
    print(json.dumps(report))


def profile(app, environ: dict, calls: int, unprofiled_us: float) -> dict:
    """cProfile of ``calls`` GETs. Shares of the profiled time, turned into
    microseconds of the unprofiled request (cProfile itself inflates every
    call, so its own microseconds are not used)."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        _call(app, environ)
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    total = sum(entry[2] for entry in stats.values())
    rows = []
    for (file, line, name), (_, ncalls, tottime, cumtime, _) in stats.items():
        rows.append(
            {
                "function": f"{_short(file)}:{line} {name}",
                "calls": round(ncalls / calls, 2),
                "own_pct": round(100 * tottime / total, 1),
                "cum_pct": round(100 * cumtime / total, 1),
                "own_us": round(unprofiled_us * tottime / total, 1),
                "cum_us": round(unprofiled_us * cumtime / total, 1),
            }
        )
    own = sorted(rows, key=lambda row: row["own_pct"], reverse=True)[:20]
    ours = [r for r in rows if r["function"].startswith(CUMULATIVE_OF) and r["cum_pct"] < 99.9]
    cumulative = sorted(ours, key=lambda row: row["cum_pct"], reverse=True)[:30]
    return {"calls": calls, "own": own, "cumulative": cumulative}


def _short(file: str) -> str:
    for marker in ("site-packages/", "python3.11/"):
        if marker in file:
            return file.split(marker, 1)[1]
    if "mockserver/" in file:
        return "mockserver/" + file.rsplit("mockserver/", 1)[1]
    return file


if __name__ == "__main__":
    main()
