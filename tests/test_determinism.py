"""The same seed gives the same data, ids included, on any server and any machine."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import requests
import yaml
from conftest import bearer, every_row

from mockserver.fixtures.seeding import Profile

ROOT = Path(__file__).resolve().parents[1]
# sha256 of `mockserver fixtures --seed 3 --anchor-date 2026-01-15` with the pinned Faker.
GOLDEN_SHA256 = "3ca342503c8d8376d4152bd7074485351a1498dfaf474d56893a2c9efb42cd07"


def _everything(root: str) -> list[dict]:
    def get(path, params):
        return requests.get(f"{root}/v2{path}", params=params, headers=bearer(), timeout=10)

    return every_row(get, page_size=99, **{"expand[]": "items,account,bill_to"})


def test_two_servers_with_one_seed_serve_identical_data(start_sandbox):
    first, second = start_sandbox(seed=7), start_sandbox(seed=7)
    assert _everything(first) == _everything(second)
    state = [requests.get(f"{root}/__mock/state", timeout=10).json() for root in (first, second)]
    assert state[0] == state[1]


def test_another_seed_gives_other_data(start_sandbox):
    first, second = start_sandbox(seed=7), start_sandbox(seed=8)
    assert {m["id"] for m in _everything(first)}.isdisjoint({m["id"] for m in _everything(second)})


def test_reset_brings_back_the_same_data_ids_included(zuora_client, zuora_mock, create_memo):
    before = zuora_mock.state
    memo = create_memo(post=True)
    zuora_client.post(f"/debit_memos/{memo['id']}/pay", json={"currency": memo["currency"]})
    zuora_mock.reset()
    assert zuora_mock.state == before
    assert create_memo()["id"] == memo["id"], "ids after a reset repeat the same sequence"


def _fixtures(*args: str) -> bytes:
    command = [sys.executable, "-m", "mockserver", "fixtures", *args]
    return subprocess.run(command, check=True, capture_output=True, cwd=ROOT).stdout


def test_fixtures_command_is_byte_identical_for_one_seed_and_anchor():
    first = _fixtures("--seed", "3", "--anchor-date", "2026-01-15")
    second = _fixtures("--seed", "3", "--anchor-date", "2026-01-15")
    assert first == second
    document = json.loads(first)
    assert len(document["debit_memos"]) == 80
    assert hashlib.sha256(first).hexdigest() == GOLDEN_SHA256, (
        "the data of seed 3 changed: Faker or the generator moved; if that is intended, "
        "update GOLDEN_SHA256 and say so in the changelog"
    )


def test_default_profile_file_matches_the_built_in_defaults():
    document = yaml.safe_load((ROOT / "fixtures" / "default-profile.yaml").read_text())
    assert Profile.from_mapping(document) == Profile()


def test_written_fixtures_load_back_as_the_same_data(tmp_path, start_sandbox):
    out = tmp_path / "fixtures.json"
    _fixtures("--seed", "5", "--anchor-date", "2026-03-01", "--out", str(out))
    root = start_sandbox(fixtures=str(out))
    exported = requests.get(f"{root}/__mock/state", timeout=10).json()
    written = json.loads(out.read_text())
    assert [m["id"] for m in exported["debit_memos"]] == [m["id"] for m in written["debit_memos"]]
    assert exported["debit_memos"][0]["items"] == written["debit_memos"][0]["items"]
