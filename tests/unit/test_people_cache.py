"""Seeding with the cache of Faker's answers gives Faker's data byte for byte."""

from __future__ import annotations

import json
from datetime import UTC, date

import pytest

from mockserver.faces.v2.wire import dumps
from mockserver.fixtures import people, seeding, snapshot

ANCHOR = date(2026, 1, 15)
PROFILE = seeding.Profile(anchor_date=ANCHOR)


def generated(seed, cache) -> bytes:
    """The data of ``seed`` as ``mockserver fixtures`` writes it."""
    store = seeding.generate(seed, PROFILE, cache=cache)
    return dumps(snapshot.export(store, ANCHOR, UTC), indent=True)


def no_faker(*args, **kwargs):
    raise AssertionError("Faker was asked")


@pytest.fixture
def faker_data() -> bytes:
    return generated(3, None)


def test_the_first_generation_writes_the_cache_and_the_next_reads_it(
    tmp_path, faker_data, monkeypatch
):
    assert generated(3, tmp_path) == faker_data
    [written] = tmp_path.glob("people-*.json")
    document = json.loads(written.read_text())
    assert document["key"]["seed"] == 3
    assert len(document["people"]) == PROFILE.accounts
    monkeypatch.setattr("faker.Faker", no_faker)
    assert generated(3, tmp_path) == faker_data


def test_each_seed_has_its_own_cache_file(tmp_path):
    generated(3, tmp_path)
    generated(4, tmp_path)
    assert len(list(tmp_path.glob("people-*.json"))) == 2
    assert generated(4, tmp_path) == generated(4, None)


def test_a_cache_answer_for_another_locale_sends_faker_back_over_the_accounts_before(
    tmp_path, faker_data
):
    generated(3, tmp_path)
    [written] = tmp_path.glob("people-*.json")
    document = json.loads(written.read_text())
    row = document["people"][5]
    row[0] = "ja_JP" if row[0] != "ja_JP" else "en_GB"
    row[3] = "Not Faker's Company"
    written.write_text(json.dumps(document))
    assert generated(3, tmp_path) == faker_data
    assert json.loads(written.read_text())["people"][5][3] != "Not Faker's Company"


SPOILED = {
    "not JSON": lambda document: "{not json",
    "not a mapping": lambda document: "[]",
    "another Faker's": lambda document: {**document, "key": {**document["key"], "faker": "0.1"}},
    "too few people": lambda document: {**document, "people": document["people"][:-1]},
    "a number for a name": lambda document: {
        **document,
        "people": [[*row[:3], 7, *row[4:]] for row in document["people"]],
    },
}


@pytest.mark.parametrize("spoil", SPOILED.values(), ids=SPOILED)
def test_a_cache_file_other_than_what_was_written_is_not_used(tmp_path, faker_data, spoil):
    generated(3, tmp_path)
    [written] = tmp_path.glob("people-*.json")
    document = json.loads(written.read_text())
    spoiled = spoil(document)
    written.write_text(spoiled if isinstance(spoiled, str) else json.dumps(spoiled))
    assert generated(3, tmp_path) == faker_data
    assert json.loads(written.read_text()) == document, "written again, as Faker said it"


def test_a_state_where_none_was_asked_is_not_taken_from_the_cache(tmp_path, faker_data):
    generated(3, tmp_path)
    [written] = tmp_path.glob("people-*.json")
    document = json.loads(written.read_text())
    row = next(row for row in document["people"] if row[0] != "en_US")
    row[11] = "Bavaria"
    written.write_text(json.dumps(document))
    assert generated(3, tmp_path) == faker_data


def test_a_cache_that_cannot_be_written_is_no_cache(tmp_path, faker_data):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    assert generated(3, blocked) == faker_data
    assert generated(3, blocked / "below") == faker_data
    assert [path.name for path in tmp_path.iterdir()] == ["a-file"]


def test_the_cache_directory_setting(tmp_path, monkeypatch):
    assert people.cache_directory("off") is None
    assert people.cache_directory(str(tmp_path)) == tmp_path
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert people.cache_directory(None) == tmp_path / "zuora-mockserver"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert people.cache_directory(None) == tmp_path / "home" / ".cache" / "zuora-mockserver"
