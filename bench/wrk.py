"""Running wrk (Debian's package ``wrk``) and reading its ``--latency`` report."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

LUA = Path(__file__).resolve().parent / "lua"
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


class WrkMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # connect/read/write/timeout socket errors
    non_2xx: int

    def to_wire(self) -> dict:
        return asdict(self)


def wrk_path() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise WrkMissing("wrk is not installed: apt-get install -y wrk")
    return path


def run(
    url: str,
    duration: float,
    connections: int = 32,
    threads: int = 1,
    script: str | None = None,
    script_args: tuple[str, ...] = (),
    headers: dict | None = None,
    timeout_s: int = 10,
) -> WrkResult:
    """One wrk run against ``url``; ``script`` names a file in ``bench/lua``."""
    argv = [
        wrk_path(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        f"--timeout={timeout_s}s",
        "--latency",
    ]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    if script:
        argv += ["-s", str(LUA / script)]
    argv.append(url)
    if script_args:
        argv += ["--", *script_args]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 120)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()}")
    return parse(done.stdout)


def parse(text: str) -> WrkResult:
    rps = float(_find(r"Requests/sec:\s+([\d.]+)", text))
    requests = int(_find(r"(\d+) requests in", text))
    percentiles = {
        int(p): _ms(value, unit)
        for p, value, unit in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
    }
    errors = sum(
        int(n)
        for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", _line("Socket errors", text))
    )
    non_2xx = int(_find(r"Non-2xx or 3xx responses:\s+(\d+)", text, "0"))
    return WrkResult(
        rps=rps,
        p50_ms=percentiles.get(50, float("nan")),
        p99_ms=percentiles.get(99, float("nan")),
        requests=requests,
        errors=errors,
        non_2xx=non_2xx,
    )


def _find(pattern: str, text: str, default: str | None = None) -> str:
    match = re.search(pattern, text)
    if match is None:
        if default is not None:
            return default
        raise ValueError(f"wrk output has no match for {pattern!r}:\n{text}")
    return match.group(1)


def _line(prefix: str, text: str) -> str:
    for line in text.splitlines():
        if line.strip().startswith(prefix):
            return line
    return ""


def _ms(value: str, unit: str) -> float:
    return float(value) * UNITS_MS[unit]
