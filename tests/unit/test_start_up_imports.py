"""What a start leaves unloaded until it is used: Faker (with the cache warm),
urllib3 (the first callout), snapshots, the trigger condition parser."""

from __future__ import annotations

import json
import subprocess
import sys

LAZY = ["faker", "mockserver.domain.conditions", "mockserver.fixtures.snapshot", "urllib3"]


def loaded_after_a_start(cache_dir) -> list[str]:
    script = (
        "import json, sys\n"
        "from mockserver.app import create_app\n"
        "from mockserver.config import Config\n"
        f"app = create_app(Config(cache_dir={str(cache_dir)!r}, log_requests=False))\n"
        "bearer = {'Authorization': 'Bearer t'}\n"
        "answer = app.test_client().get('/v2/debit_memos?page_size=1', headers=bearer)\n"
        "assert answer.status_code == 200, answer.data\n"
        f"print(json.dumps(sorted(set({LAZY!r}) & set(sys.modules))))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_a_start_loads_faker_only_to_fill_the_cache_and_the_rest_not_at_all(tmp_path):
    assert loaded_after_a_start(tmp_path) == ["faker"]
    assert loaded_after_a_start(tmp_path) == []
