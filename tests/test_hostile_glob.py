"""Path globs (fault rules' ``path``, ``X-Mock-Fault``, the journal's ``path=``) match
in linear time: a glob built to make a backtracking matcher explode answers promptly."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import requests
from hostile import ANSWER_CEILING_S, assert_refused
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.faults import compile_glob

PATHOLOGICAL = "/" + "**a" * 12 + "**b"


def backtracking_reference(pattern: str) -> re.Pattern:
    """The glob's meaning as a regular expression: an oracle for short inputs only."""
    parts = {"**": ".*", "*": "[^/]*", "?": "[^/]"}
    tokens = re.split(r"(\*\*|\*|\?)", pattern)
    return re.compile("".join(parts.get(t, re.escape(t)) for t in tokens) + r"/?\Z")


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("/v2/debit_memos/*/pay", "/v2/debit_memos/abc/pay", True),
        ("/v2/debit_memos/*/pay", "/v2/debit_memos/a/b/pay", False),
        ("/v2/debit_memos/*/pay", "/v2/debit_memos/abc/pay/", True),
        ("/v2/**", "/v2/debit_memos/a/b", True),
        ("/v2/**", "/v1/debit_memos", False),
        ("/v2/debit_memos/?", "/v2/debit_memos/x", True),
        ("/v2/debit_memos/?", "/v2/debit_memos/xy", False),
        ("/v2/***", "/v2/a/b", True),
        ("/v2/*/x", "/v2//x", True),
        ("", "", True),
        ("", "/", True),
    ],
)
def test_globs_mean_what_the_rules_say(pattern, path, matches):
    assert compile_glob(pattern).match(path) is matches


GLOB_PIECES = st.sampled_from(["a", "b", "/", "*", "**", "?"])


@settings(max_examples=400, derandomize=True, deadline=None)
@given(
    pattern=st.lists(GLOB_PIECES, max_size=8).map("".join),
    path=st.text(alphabet="ab/", max_size=10),
)
def test_the_linear_matcher_agrees_with_the_backtracking_reference(pattern, path):
    assert compile_glob(pattern).match(path) == bool(backtracking_reference(pattern).match(path))


def test_a_pathological_glob_against_a_long_path_answers_promptly():
    """In a child process, so a matcher that backtracks fails the test instead of hanging it."""
    program = (
        "from mockserver.faults import compile_glob\n"
        f"print(bool(compile_glob({PATHOLOGICAL!r}).match('/' + 'a' * 5_000)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=ANSWER_CEILING_S
    )
    assert done.stdout.strip() == "False", done.stderr


def test_a_pathological_x_mock_fault_header_is_answered(zuora_client, zuora_mock):
    long_path = "/debit_memos/" + "a" * 3000
    response = zuora_client.get(
        long_path,
        headers={"X-Mock-Fault": f"path=/v2{PATHOLOGICAL},status=503"},
        timeout=ANSWER_CEILING_S,
    )

    assert response.status_code == 404  # the rule did not match; the route does not exist
    health = requests.get(f"{zuora_mock.root}/__mock/health", timeout=ANSWER_CEILING_S)
    assert health.status_code == 200


def test_a_pathological_journal_filter_is_answered(zuora_client, zuora_mock):
    for _ in range(20):
        zuora_client.get("/debit_memos/" + "a" * 3000)

    response = requests.get(
        f"{zuora_mock.root}/__mock/requests",
        params={"path": f"/v2{PATHOLOGICAL}"},
        timeout=ANSWER_CEILING_S,
    )

    assert response.status_code == 200
    assert response.json()["data"] == []


def test_a_glob_over_a_thousand_characters_is_a_400(zuora_client, zuora_mock):
    glob = "/v2/" + "*a" * 600
    header = zuora_client.get("/debit_memos", headers={"X-Mock-Fault": f"path={glob},status=503"})
    rule = requests.post(
        f"{zuora_mock.root}/__mock/faults", json={"path": glob, "status": 503}, timeout=10
    )
    journal = requests.get(f"{zuora_mock.root}/__mock/requests", params={"path": glob}, timeout=10)

    assert_refused(header, "X-Mock-Fault")
    assert_refused(rule, "path")
    assert_refused(journal, "path")
