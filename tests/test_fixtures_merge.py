"""``--fixtures-mode merge``: a team's file on top of the generated data. A
clash names the record's number and its place in the team's file."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date

import pytest
from processes import STARTUP_DEADLINE_S, clean_env, start_fails

from mockserver.app import baseline_store
from mockserver.config import Config, ConfigError
from mockserver.faces.v2.wire import json_default
from mockserver.fixtures import seeding, snapshot


def write_fixtures(path, seed: int, memos: int, accounts: int) -> dict:
    """What ``mockserver fixtures`` writes."""
    subprocess.run(
        [sys.executable, "-m", "mockserver", "fixtures", "--seed", str(seed), "--out", str(path),
         "--memos", str(memos), "--accounts", str(accounts)],
        env=clean_env(), check=True, capture_output=True, timeout=STARTUP_DEADLINE_S,
    )  # fmt: skip
    return json.loads(path.read_text())


def merged(path) -> Config:
    return Config(fixtures=str(path), fixtures_mode="merge")


def test_a_file_from_mockserver_fixtures_names_the_account_number_and_its_place(tmp_path):
    path = tmp_path / "team.json"
    write_fixtures(path, seed=42, memos=2, accounts=2)

    error = start_fails("--fixtures", str(path), "--fixtures-mode", "merge")

    assert "Traceback" not in error and len(error.strip().splitlines()) == 1, error
    assert (
        f"{path}: 'accounts[0].account_number': 'A00000001' is the account_number of another "
        "account. (merge mode adds the file to the data generated from seed 42" in error
    )
    assert "use --fixtures-mode replace" in error


def test_the_place_is_counted_in_the_file_not_in_the_merged_list(tmp_path):
    path = tmp_path / "team.json"
    document = write_fixtures(path, seed=7, memos=0, accounts=2)
    document["accounts"][0]["account_number"] = "TEAM-1"
    document["accounts"][1]["account_number"] = "TEAM-2"
    document["accounts"][1]["id"] = document["accounts"][0]["id"]
    path.write_text(json.dumps(document))

    with pytest.raises(ConfigError) as raised:
        baseline_store(merged(path))

    message = str(raised.value)
    assert f"'accounts[1].id': '{document['accounts'][0]['id']}' is the id of another" in message


def test_a_memo_number_that_the_generated_data_has_is_named(tmp_path):
    path = tmp_path / "team.json"
    document = write_fixtures(path, seed=7, memos=3, accounts=1)
    for n, account in enumerate(document["accounts"]):
        account["account_number"] = f"TEAM-{n}"
    path.write_text(json.dumps(document, default=json_default))

    with pytest.raises(ConfigError) as raised:
        baseline_store(merged(path))

    assert "'debit_memos[0].debit_memo_number': 'DM00000001' is the debit_memo_number" in str(
        raised.value
    )


def test_a_file_without_clashes_adds_to_the_generated_data(tmp_path):
    profile = seeding.Profile.from_mapping({"accounts": 1, "debit_memos": 1})
    extra = snapshot.export(seeding.generate(7, profile), date.today(), UTC)
    extra["accounts"][0]["account_number"] = "TEAM-1"
    extra["debit_memos"][0]["debit_memo_number"] = "DM90000001"
    path = tmp_path / "team.json"
    path.write_text(json.dumps(extra, default=json_default))

    store = baseline_store(merged(path))

    generated = seeding.generate(42, seeding.Profile())
    assert store.count("accounts") == generated.count("accounts") + 1
    assert store.count("debit_memos") == generated.count("debit_memos") + 1
    assert store.account_by_number("TEAM-1") is not None
