"""What a start leaves undone until it is used: loading Faker (with the cache
warm), urllib3 (the first callout), snapshots, the trigger condition parser;
compiling marshmallow's e-mail domain pattern and PyYAML's printable check."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

LAZY = ["faker", "mockserver.domain.conditions", "mockserver.fixtures.snapshot", "urllib3"]


def after_a_start(cache_dir, expression: str):
    """``expression`` (JSON) in a fresh process that has answered its first v2 request."""
    script = (
        "import json, sys\n"
        "from mockserver.app import create_app\n"
        "from mockserver.config import Config\n"
        f"app = create_app(Config(cache_dir={str(cache_dir)!r}, log_requests=False))\n"
        "bearer = {'Authorization': 'Bearer t'}\n"
        "answer = app.test_client().get('/v2/debit_memos?page_size=1', headers=bearer)\n"
        "assert answer.status_code == 200, answer.data\n"
        f"print(json.dumps({expression}))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def loaded_after_a_start(cache_dir) -> list[str]:
    return after_a_start(cache_dir, f"sorted(set({LAZY!r}) & set(sys.modules))")


def test_a_start_loads_faker_only_to_fill_the_cache_and_the_rest_not_at_all(tmp_path):
    assert loaded_after_a_start(tmp_path) == ["faker"]
    assert loaded_after_a_start(tmp_path) == []


def test_a_start_leaves_marshmallows_email_domain_pattern_uncompiled(tmp_path):
    kind = "type(sys.modules['marshmallow.validate'].Email.DOMAIN_REGEX).__name__"
    assert after_a_start(tmp_path, kind) == "CompiledWhenUsed"


def test_an_email_address_is_checked_as_marshmallow_checks_it_once_compiled():
    from marshmallow import ValidationError
    from marshmallow.validate import Email

    import mockserver.libraries  # noqa: F401

    check = Email()
    assert check("someone@example.com") == "someone@example.com"
    assert check("ü@bücher.example") == "ü@bücher.example"
    for bad in ("nope@x", "no-at-sign", "a@-bad-.example"):
        with pytest.raises(ValidationError):
            check(bad)
    assert isinstance(Email.DOMAIN_REGEX.match("example.com"), re.Match)


def test_a_start_leaves_pyyamls_printable_check_uncompiled(tmp_path):
    kind = "type(sys.modules['yaml.reader'].Reader.NON_PRINTABLE).__name__"
    assert after_a_start(tmp_path, kind) == "CompiledWhenUsed"


def test_a_yaml_document_is_checked_as_pyyaml_checks_it_once_compiled():
    import mockserver.libraries  # noqa: F401
    from mockserver.documents import load_yaml

    assert load_yaml("name: caf\u00e9 \U0001f600\n") == {"name": "caf\u00e9 \U0001f600"}
    for bad in ("name: \x07\n", "name: \ufffe\n"):
        with pytest.raises(ValueError, match="special characters are not allowed"):
            load_yaml(bad)
    reader = sys.modules["yaml.reader"].Reader
    assert isinstance(reader.NON_PRINTABLE.search("\x07"), re.Match)


def test_the_command_loads_the_worker_supervisor_only_for_workers():
    script = "import sys, mockserver.cli; print('mockserver.workers' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "False"
