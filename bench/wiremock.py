"""WireMock 3.13 from the npm registry (package ``wiremock``, which ships the
standalone jar), installed into ``bench/.work`` only, stubbed with the same
memo body, run with and without its request journal.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from .procs import WORK, Server, free_port
from .workloads import BODY_FILE, Settings, _load

VERSION = "3.13.2"
PACKAGE = WORK / "node_modules" / "wiremock"


def jar() -> Path:
    """The standalone jar, installed with npm on first use."""
    found = sorted(PACKAGE.glob("build/wiremock-standalone-*.jar"))
    if not found:
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is needed to install WireMock (apt-get install -y npm)")
        WORK.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(WORK),
                "--no-audit",
                "--no-fund",
                f"wiremock@{VERSION}",
            ],
            check=True,
            capture_output=True,
        )
        found = sorted(PACKAGE.glob("build/wiremock-standalone-*.jar"))
    return found[-1]


def _root(memo_id: str) -> Path:
    root = WORK / "wiremock-root"
    mappings = root / "mappings"
    mappings.mkdir(parents=True, exist_ok=True)
    (root / "__files").mkdir(exist_ok=True)
    stub = {
        "request": {"method": "GET", "urlPath": f"/v2/debit_memos/{memo_id}"},
        "response": {
            "status": 200,
            "headers": {"Content-Type": "application/json"},
            "body": BODY_FILE.read_text(),
        },
    }
    (mappings / "memo.json").write_text(json.dumps(stub))
    return root


def get_memo(settings: Settings, memo_id: str, journal: bool) -> dict:
    java = shutil.which("java")
    if java is None:
        raise RuntimeError("java (17+) is needed for WireMock")
    port = free_port()
    argv = [java, "-jar", str(jar()), "--port", str(port), "--root-dir", str(_root(memo_id))]
    argv.append("--disable-banner")
    if not journal:
        argv.append("--no-request-journal")
    path = f"/v2/debit_memos/{memo_id}"
    with Server(f"wiremock-{'on' if journal else 'off'}", argv, port) as server:
        first = server.wait_200(path)
        # The JIT needs longer than CPython to reach its pace.
        result = _load(server, path, settings, warmup=max(settings.warmup, 5))
        result["first_200_s"] = round(first, 3)
        return result
