"""A key given twice in a config, profile or fixtures file is refused with a line
naming the key and where, never read as its last value (``mockserver.documents``)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from processes import STARTUP_DEADLINE_S, clean_env, start_fails

from mockserver.config import ConfigError, read_file


def refusal(path) -> str:
    with pytest.raises(ConfigError) as refused:
        read_file(str(path))
    return str(refused.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "seed: 9\nlatency: 5\nseed: 10\n",
            "line 3: the key 'seed' is given twice (first on line 1)",
        ),
        (
            "faults:\n  - {id: a, status: 500, id: b}\n",
            "line 2: the key 'id' is given twice (first on line 2)",
        ),
        ("a:\n  b: 1\n  c: 2\n  b: 3\n", "line 4: the key 'b' is given twice (first on line 2)"),
        (
            "seed: 1\n" + "".join(f"k{n}: {n}\n" for n in range(300)) + "k7: 0\n",
            "line 302: the key 'k7' is given twice (first on line 9)",
        ),
        ("1: a\n'1': b\n1: c\n", "line 3: the key 1 is given twice (first on line 1)"),
    ],
    ids=["top-level", "flow-mapping", "nested", "past-line-256", "typed-keys"],
)
def test_a_yaml_key_given_twice_is_named_with_its_lines(tmp_path, text, message):
    path = tmp_path / "sandbox.yaml"
    path.write_text(text)

    assert refusal(path) == f"{path} is not valid YAML: {message}"


def test_a_merge_key_may_be_overridden_by_the_mappings_own(tmp_path):
    path = tmp_path / "sandbox.yaml"
    path.write_text("base: &base {latency: 5, seed: 1}\nserve:\n  <<: *base\n  seed: 2\n")

    assert read_file(str(path))["serve"] == {"latency": 5, "seed": 2}


def test_keys_that_only_look_alike_are_two_keys(tmp_path):
    path = tmp_path / "sandbox.yaml"
    path.write_text("1: a\n'1': b\nseed: 1\nSeed: 2\n")

    assert read_file(str(path)) == {1: "a", "1": "b", "seed": 1, "Seed": 2}


def test_a_json_key_given_twice_is_named(tmp_path):
    path = tmp_path / "fixtures.json"
    path.write_text('{"format": "x", "accounts": [{"id": "a", "id": "b"}]}')

    assert refusal(path) == f"{path} is not valid JSON: the key 'id' is given twice in one object"


def test_serve_refuses_a_config_file_with_a_key_given_twice(tmp_path):
    config = tmp_path / "sandbox.yaml"
    config.write_text("seed: 9\nauth: any\nseed: 10\n")

    error = start_fails("--config", str(config))

    assert error.strip().endswith(
        f"{config} is not valid YAML: line 3: the key 'seed' is given twice (first on line 1)"
    )
    assert len(error.strip().splitlines()) == 1
    assert "Traceback" not in error


def test_serve_refuses_a_fixtures_file_with_a_key_given_twice(tmp_path):
    fixtures = tmp_path / "fixtures.yaml"
    fixtures.write_text(
        "format: zuora-mockserver-snapshot/1\naccounts: []\ndebit_memos: []\naccounts: []\n"
    )

    error = start_fails("--fixtures", str(fixtures))

    assert "line 4: the key 'accounts' is given twice (first on line 2)" in error
    assert len(error.strip().splitlines()) == 1


def test_fixtures_refuses_a_profile_with_a_key_given_twice(tmp_path):
    profile = tmp_path / "profile.yaml"
    profile.write_text("accounts: 2\nmemos: 5\naccounts: 3\n")

    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "fixtures", "--generation", str(profile)],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=STARTUP_DEADLINE_S,
    )

    assert result.returncode == 2
    assert result.stdout == ""
    assert "line 3: the key 'accounts' is given twice (first on line 1)" in result.stderr
    assert "Traceback" not in result.stderr
