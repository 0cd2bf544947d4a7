"""The layers: Zuora's rules, the stores, tenancy, faults, callouts and fixtures load no
web framework. HTTP lives in the faces, the edge and the control plane, and the wiring
(app, cli, server, banner, connections) puts them together."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import mockserver

PACKAGE = Path(mockserver.__file__).parent
HTTP_PACKAGES = {"faces", "edge", "control"}
WIRING = {"app", "cli", "server", "banner", "connections"}
WEB = {"flask", "flask_smorest", "werkzeug", "waitress", "webargs"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def web_free_modules() -> list[str]:
    """Every module of the sandbox outside its HTTP packages and its wiring."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        inside = path.relative_to(PACKAGE).parts
        if inside[0] in HTTP_PACKAGES or (len(inside) == 1 and path.stem in WIRING):
            continue
        found.append(module_name(path))
    return found


def test_no_module_outside_http_loads_a_web_framework():
    modules = web_free_modules()
    assert "mockserver.domain.debit_memos" in modules
    assert "mockserver.store.sql.store" in modules
    assert not any(m.startswith("mockserver.faces") for m in modules)
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {WEB!r})))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == []


def test_the_http_side_is_where_the_web_framework_is():
    """The check above can fail: importing a face loads Flask."""
    script = "import sys, mockserver.faces.v2.face; print('flask' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert run.stdout.strip() == "True", run.stderr
