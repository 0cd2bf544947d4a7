"""``--timezone``: every timestamp carries the tenants' offset, and "today"
(default dates, ``past_due``) is the day it is in that zone (CONTRACT.md 6b)."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests
from conftest import bearer, memo_body
from processes import (
    STARTUP_DEADLINE_S,
    clean_env,
    free_port,
    health_answers,
    running,
    serve_in_background,
)

LOS_ANGELES = ZoneInfo("America/Los_Angeles")
TIMESTAMPS = ("created_time", "updated_time")


def _client(root: str):
    session = requests.Session()
    session.headers.update(bearer())
    return session, f"{root}/v2"


def _set_clock(root: str, now: str) -> dict:
    response = requests.put(f"{root}/__mock/clock", json={"now": now}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def _has_offset_of(text: str, zone: ZoneInfo) -> bool:
    moment = datetime.fromisoformat(text)
    return moment.utcoffset() == moment.astimezone(zone).utcoffset()


@pytest.fixture
def los_angeles(start_sandbox):
    return start_sandbox(timezone="America/Los_Angeles")


def test_a_created_memo_carries_the_zones_offset_and_date(los_angeles):
    session, v2 = _client(los_angeles)
    _set_clock(los_angeles, "2026-01-31T06:00:00Z")  # 22:00 on the 30th in Los Angeles
    memo = session.post(f"{v2}/debit_memos", json=memo_body(post=True)).json()
    assert memo["created_time"] == memo["updated_time"] == "2026-01-30T22:00:00-08:00"
    assert memo["state_transitions"]["posted_time"] == "2026-01-30T22:00:00-08:00"
    assert memo["document_date"] == "2026-01-30"


def test_summer_time_changes_the_offset(los_angeles):
    session, v2 = _client(los_angeles)
    _set_clock(los_angeles, "2026-07-01T12:00:00Z")
    memo = session.post(f"{v2}/debit_memos", json=memo_body()).json()
    assert memo["created_time"] == "2026-07-01T05:00:00-07:00"


def test_seeded_timestamps_carry_the_offset_everywhere(los_angeles):
    session, v2 = _client(los_angeles)
    params = {"expand[]": "items,account,bill_to", "page_size": 20}
    memos = session.get(f"{v2}/debit_memos", params=params).json()["data"]
    stamps = [m[name] for m in memos for name in TIMESTAMPS]
    stamps += [m["account"][name] for m in memos for name in TIMESTAMPS]
    stamps += [m["bill_to"][name] for m in memos for name in TIMESTAMPS]
    stamps += [t for m in memos for t in m["state_transitions"].values()]
    for memo in memos:
        for item in memo["items"]["data"]:
            stamps += [item[name] for name in TIMESTAMPS]
            stamps += [t[name] for t in item["taxation_items"]["data"] for name in TIMESTAMPS]
    assert len(stamps) > 100
    assert all(_has_offset_of(stamp, LOS_ANGELES) for stamp in stamps), stamps
    items = session.get(f"{v2}/debit_memo_items", params={"page_size": 5}).json()["data"]
    assert all(_has_offset_of(i["created_time"], LOS_ANGELES) for i in items)


def test_seeded_records_are_made_in_the_zones_business_hours(los_angeles):
    session, v2 = _client(los_angeles)
    memos = session.get(f"{v2}/debit_memos", params={"page_size": 99}).json()["data"]
    drafts = [m for m in memos if m["state"] == "draft"]
    assert drafts
    assert all(8 <= datetime.fromisoformat(m["created_time"]).hour < 19 for m in drafts)


def test_past_due_turns_at_midnight_in_the_zone_not_in_utc(los_angeles):
    session, v2 = _client(los_angeles)
    memo = session.post(
        f"{v2}/debit_memos",
        json=memo_body(post=True, document_date="2026-01-01", due_date="2026-01-31"),
    ).json()
    url = f"{v2}/debit_memos/{memo['id']}"
    _set_clock(los_angeles, "2026-02-01T07:59:59Z")  # still the 31st in Los Angeles
    assert session.get(url).json()["past_due"] is False
    _set_clock(los_angeles, "2026-02-01T08:00:00Z")  # midnight there
    assert session.get(url).json()["past_due"] is True
    overdue = session.get(f"{v2}/debit_memos", params={"filter[]": "past_due.EQ:true"})
    assert memo["id"] in {m["id"] for m in overdue.json()["data"]}


def test_the_control_plane_clock_takes_any_instant_and_answers_in_the_zone(los_angeles):
    assert _set_clock(los_angeles, "2026-06-02T08:30:00+02:00") == {
        "now": "2026-06-01T23:30:00-07:00",
        "frozen": True,
    }


def test_utc_is_the_default(zuora_client, create_memo, zuora_mock):
    zuora_mock.set_clock("2026-01-31T06:00:00-08:00")
    memo = create_memo()
    assert memo["created_time"] == "2026-01-31T14:00:00+00:00"
    assert memo["document_date"] == "2026-01-31"
    assert zuora_mock.config()["timezone"] == "UTC"


def test_snapshots_keep_the_instant_whatever_the_zone(los_angeles, start_sandbox):
    state = requests.get(f"{los_angeles}/__mock/state", timeout=10).json()
    assert state["debit_memos"][0]["created_time"].endswith(("-08:00", "-07:00"))
    utc = start_sandbox()
    assert requests.put(f"{utc}/__mock/state", json=state, timeout=10).status_code == 200
    session, v2 = _client(utc)
    first = state["debit_memos"][0]
    served = session.get(f"{v2}/debit_memos/{first['id']}").json()
    assert datetime.fromisoformat(served["created_time"]) == datetime.fromisoformat(
        first["created_time"]
    )
    assert served["created_time"].endswith("+00:00")


def test_the_flag_and_its_variable_set_the_zone(tmp_path):
    with serve_in_background(tmp_path / "flag.log", "--timezone", "Asia/Tokyo") as root:
        assert _set_clock(root, "2026-01-31T20:00:00Z")["now"] == "2026-02-01T05:00:00+09:00"
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "mockserver", "serve", "--port", str(port), "--quiet"]
    env = {**clean_env(), "MOCKSERVER_TIMEZONE": "Europe/Berlin"}
    with running(argv, env, health_answers(root), tmp_path / "variable.log"):
        assert requests.get(f"{root}/__mock/config", timeout=5).json()["timezone"] == (
            "Europe/Berlin"
        )


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "../../etc/passwd", "America", ""])
def test_a_bad_zone_stops_the_start_with_one_clear_line(zone):
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "serve", "--port", str(free_port()),
         "--timezone", zone],
        env=clean_env(), capture_output=True, text=True, timeout=STARTUP_DEADLINE_S,
    )  # fmt: skip
    assert result.returncode == 2, result
    assert "'timezone' is not a time zone name" in result.stderr
    assert "Traceback" not in result.stderr
