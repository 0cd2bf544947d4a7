"""``--cache-dir``: a sandbox started again reads the seed's Faker text from the
cache, and serves the same data, byte for byte, as one that asks Faker."""

from __future__ import annotations

import requests
from processes import serving

SEED = ("--seed", "7")


def state_of(root: str) -> bytes:
    answer = requests.get(f"{root}/__mock/state", timeout=10)
    assert answer.status_code == 200
    return answer.content


def served(tmp_path, name: str, *flags: str, env: dict | None = None) -> bytes:
    profile = tmp_path / "profile.yaml"
    profile.write_text("anchor_date: 2026-01-15\n")
    with serving(
        tmp_path / f"{name}.log", *SEED, "--generation", str(profile), *flags, env=env
    ) as root:
        return state_of(root)


def test_a_second_start_serves_from_the_cache_what_faker_gives(tmp_path):
    cache = tmp_path / "cache"
    first = served(tmp_path, "first", "--cache-dir", str(cache))
    assert len(list(cache.glob("people-*.json"))) == 1
    again = served(tmp_path, "again", env={"MOCKSERVER_CACHE_DIR": str(cache)})
    without = served(tmp_path, "without", "--cache-dir", "off")
    assert b"first_name" in first
    assert first == again == without


def test_the_cache_is_in_the_users_cache_directory_unless_off(tmp_path):
    home = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}
    served(tmp_path, "off", "--cache-dir", "off", env=home)
    assert not (tmp_path / "xdg").exists()
    served(tmp_path, "default", env=home)
    assert len(list((tmp_path / "xdg" / "zuora-mockserver").glob("people-*.json"))) == 1


def test_a_cache_directory_that_cannot_be_made_still_starts_with_fakers_data(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    assert served(tmp_path, "blocked", "--cache-dir", str(blocked / "cache")) == served(
        tmp_path, "without", "--cache-dir", "off"
    )
