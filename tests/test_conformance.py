"""Fuzz the running sandbox with schemathesis, from Zuora's own OpenAPI description.

Checks: no 5xx, every response valid against Zuora's schemas (content type and
headers included), invalid input never accepted, a deleted memo stays gone.
Business-rule refusals of schema-valid input (an unknown account, a draft
that can't be paid) are expected and not checked. Reproducible: fixed seed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import ZUORA_SPEC

SCHEMATHESIS = Path(sys.executable).with_name("st")

CHECKS = ",".join(
    [
        "not_a_server_error",
        "response_schema_conformance",
        "negative_data_rejection",
        "content_type_conformance",
        "response_headers_conformance",
        "missing_required_header",
        "unsupported_method",
        "use_after_free",
    ]
)


def test_schemathesis_finds_nothing(zuora_spec, start_sandbox, tmp_path):
    root = start_sandbox(seed=11, threads=8)
    command = [
        str(SCHEMATHESIS), "run", str(ZUORA_SPEC),
        "--url", f"{root}/v2",
        "--header", "Authorization: Bearer conformance",
        "--checks", CHECKS,
        "--mode", "all",
        "--max-examples", "40",
        "--seed", "20261125",
        "--generation-database", "none",
        "--workers", "2",
        "--request-timeout", "10",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert "generated" in result.stdout
