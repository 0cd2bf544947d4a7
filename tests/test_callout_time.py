"""Callout time and the sandbox's own callout settings, each in a sandbox of its
own: real and scaled time send in the background and never hold up the API,
start-up callouts survive a reset, strict URLs, and bad settings stop the start."""

from __future__ import annotations

import threading

import pytest
import requests
from conftest import bearer, memo_body
from processes import free_port, serving, start_fails

from mockserver.app import create_app
from mockserver.config import Config, ConfigError
from mockserver.receiver import HANG, CalloutReceiver


@pytest.fixture
def receiver():
    receiver = CalloutReceiver()
    yield receiver
    receiver.stop()


def post_memo(root: str, **overrides) -> requests.Response:
    body = memo_body(post=True, **overrides)
    return requests.post(f"{root}/v2/debit_memos", json=body, headers=bearer(), timeout=30)


def callout(root: str, **spec) -> requests.Response:
    return requests.post(f"{root}/__mock/callouts", json=spec, timeout=10)


def deliveries(root: str) -> list[dict]:
    return requests.get(f"{root}/__mock/callouts/deliveries", timeout=10).json()["data"]


def settled(root: str, rows: int) -> list[dict]:
    """The journal once it has ``rows`` rows (a bounded wait for the background sender)."""
    done = threading.Event()
    for _ in range(200):
        found = deliveries(root)
        if len(found) >= rows:
            return found
        done.wait(0.05)
    return deliveries(root)


def test_real_time_sends_at_once_without_a_flush(start_sandbox, receiver):
    root = start_sandbox(callout_time="real")
    assert callout(root, event="DebitMemoPosted", url=receiver.url).status_code == 201
    memo = post_memo(root).json()
    [received] = receiver.wait_for(1)
    assert received.notification_id == settled(root, 1)[0]["notification_id"]
    assert settled(root, 1)[0]["object_id"] == memo["id"]


def test_manual_time_sends_nothing_until_the_flush(start_sandbox, receiver):
    root = start_sandbox(callout_time="manual")
    callout(root, event="DebitMemoPosted", url=receiver.url)
    post_memo(root)
    assert deliveries(root) == []
    assert receiver.received == []
    flushed = requests.post(f"{root}/__mock/callouts/flush", timeout=30).json()
    assert [row["outcome"] for row in flushed["data"]] == ["delivered"]
    assert flushed["pending"] == 0
    assert len(receiver.received) == 1


def test_scaled_time_runs_the_retries_in_the_background(start_sandbox):
    root = start_sandbox(callout_time="scaled:0.0001")
    callout(root, event="DebitMemoPosted", url=f"http://127.0.0.1:{free_port()}/down")
    assert post_memo(root).status_code == 201
    rows = settled(root, 3)
    assert [(r["attempt"], r["error"], r["outcome"]) for r in rows] == [
        (1, "connection refused", "retry"),
        (2, "connection refused", "retry"),
        (3, "connection refused", "failed"),
    ]


def test_a_receiver_that_hangs_never_holds_up_the_api(start_sandbox, receiver):
    root = start_sandbox(callout_time="real", callout_timeout=60)
    callout(root, event="DebitMemoPosted", url=receiver.url)
    receiver.answer(HANG)
    assert post_memo(root).status_code == 201
    receiver.wait_for(1)  # the sender now waits on the hanging receiver
    answers = [post_memo(root).status_code for _ in range(5)]
    listed = requests.get(f"{root}/v2/debit_memos", headers=bearer(), timeout=30)
    assert answers == [201] * 5 and listed.status_code == 200
    assert [r.status for r in receiver.received] == [None]  # still hanging
    assert deliveries(root) == []


def test_a_receiver_that_is_down_never_holds_up_the_api(start_sandbox):
    root = start_sandbox(callout_time="real")
    callout(root, event="DebitMemoPosted", url=f"http://127.0.0.1:{free_port()}/down")
    answers = [post_memo(root).status_code for _ in range(5)]
    assert answers == [201] * 5
    rows = settled(root, 5)
    assert {(r["attempt"], r["error"]) for r in rows} == {(1, "connection refused")}


def test_startup_callouts_survive_a_reset(start_sandbox, receiver):
    spec = f"event=DebitMemoPosted,url={receiver.url},param.memoId=DebitMemo.Id,name=hook"
    root = start_sandbox(callout_time="manual", callouts=(spec,))
    callout(root, event="PaymentProcessed", url=receiver.url)
    listed = requests.get(f"{root}/__mock/callouts", timeout=10).json()["data"]
    assert [(d["name"], d["origin"]) for d in listed] == [
        ("hook", "startup"),
        (f"PaymentProcessed to {receiver.url}", "runtime"),
    ]
    requests.post(f"{root}/__mock/reset", timeout=10)
    after = requests.get(f"{root}/__mock/callouts", timeout=10).json()["data"]
    assert [(d["id"], d["origin"]) for d in after] == [(listed[0]["id"], "startup")]
    memo = post_memo(root).json()
    requests.post(f"{root}/__mock/callouts/flush", timeout=30)
    assert [r.body for r in receiver.received] == [{"memoId": memo["id"]}]


def test_startup_delivery_faults_come_back_after_a_reset(start_sandbox, receiver):
    root = start_sandbox(
        callout_time="manual",
        callouts=(f"event=DebitMemoPosted,url={receiver.url}",),
        callout_faults=("action=duplicate,times=1",),
    )
    requests.post(f"{root}/__mock/reset", timeout=10)
    post_memo(root)
    rows = requests.post(f"{root}/__mock/callouts/flush", timeout=30).json()["data"]
    assert [(r["outcome"], r["fault"]) for r in rows] == [
        ("delivered", "startup-1"),
        ("duplicate", "startup-1"),
    ]


def test_strict_callouts_want_https(start_sandbox):
    root = start_sandbox(callout_urls="strict")
    refused = callout(root, event="DebitMemoPosted", url="http://127.0.0.1:9/hook")
    assert refused.status_code == 400
    assert "'url' must start with https://" in refused.text
    assert callout(root, event="DebitMemoPosted", url="https://hooks.example/z").status_code == 201


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"callouts": ("event=DebitMemoPosted",)}, "'url' is required"),
        ({"callouts": ("event=DebitMemoPosted,url=http://h/x,param.a=DebitMemo.Nope",)},
         "a DebitMemo has no field Nope"),
        ({"callout_faults": ("action=vanish",)}, "'vanish' is not a known action"),
    ],
)  # fmt: skip
def test_a_bad_startup_callout_stops_the_start(settings, message):
    with pytest.raises(ConfigError, match=message):
        create_app(Config(port=0, **settings))


@pytest.mark.parametrize("value", ["sometimes", "scaled:0", "scaled:x", "scaled"])
def test_a_bad_callout_time_stops_the_start(value):
    with pytest.raises(ConfigError, match="callout_time"):
        Config(callout_time=value)


def test_the_callout_flags(tmp_path, receiver):
    with serving(
        tmp_path / "serve.log",
        "--callout",
        f"event=DebitMemoPosted,url={receiver.url}",
        "--callout-fault",
        "action=drop,times=1",
        "--callout-time",
        "manual",
        "--callout-timeout",
        "3",
    ) as root:
        config = requests.get(f"{root}/__mock/config", timeout=5).json()
        post_memo(root)
        post_memo(root)
        rows = requests.post(f"{root}/__mock/callouts/flush", timeout=30).json()["data"]
    assert (config["callout_time"], config["callout_timeout"]) == ("manual", 3.0)
    assert [row["outcome"] for row in rows] == ["dropped", "delivered"]


def test_a_bad_callout_flag_is_one_line_at_start():
    message = start_fails("--callout", "event=DebitMemoPosted,url=gopher://x")
    assert "'url' must be an http:// or https:// URL with a host" in message


def test_callouts_and_delivery_faults_from_the_config_file(tmp_path, receiver):
    config = tmp_path / "sandbox.yaml"
    config.write_text(
        "callout_time: manual\n"
        "callouts:\n"
        "  - event: DebitMemoPosted\n"
        f"    url: {receiver.url}\n"
        "    params: {memoId: DebitMemo.Id}\n"
        "    headers: {X-Team: billing}\n"
        "callout_faults:\n"
        "  - action=fail,times=1\n"
    )
    with serving(tmp_path / "serve.log", "--config", str(config)) as root:
        memo = post_memo(root).json()
        rows = requests.post(f"{root}/__mock/callouts/flush", timeout=30).json()["data"]
    assert [(r["outcome"], r["fault"]) for r in rows] == [
        ("retry", "startup-1"),
        ("delivered", None),
    ]
    [received] = receiver.received
    assert received.body == {"memoId": memo["id"]}
    assert received.headers["X-Team"] == "billing"
