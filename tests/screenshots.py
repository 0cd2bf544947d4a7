"""The README's screenshots of /__mock/ui and /docs: ``make screenshots``.

Starts a sandbox in this process, sends it a few requests (a create, a post, a
pay, a list, one a fault rule turns into a 503), then has the tests' headless
Chromium take both pages into docs/.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import requests
from browser import chromium, click
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from mockserver.app import create_app
from mockserver.config import Config
from mockserver.server import start_in_thread

DOCS = Path(__file__).resolve().parents[1] / "docs"
AUTH = {"Authorization": "Bearer screenshots"}


def traffic(root: str) -> None:
    v2 = f"{root}/v2"
    body = {
        "account_number": "A00000001",
        "items": [{"amount": 120.50, "service_start": "2026-11-01", "name": "Onboarding"}],
    }
    memo = requests.post(f"{v2}/debit_memos", json=body, headers=AUTH, timeout=10).json()
    requests.post(f"{v2}/debit_memos/{memo['id']}/post", headers=AUTH, timeout=10)
    requests.post(
        f"{v2}/debit_memos/{memo['id']}/pay",
        json={"currency": memo["currency"], "amount": 20.50},
        headers={**AUTH, "Idempotency-Key": f"pay-{memo['id']}"},
        timeout=10,
    )
    rule = "id=outage,operation=getDebitMemoes,status=503,times=1"
    requests.post(f"{root}/__mock/faults", data=rule, headers={"Content-Type": "text/plain"})
    requests.get(f"{v2}/debit_memos", params={"page_size": 5}, headers=AUTH, timeout=10)
    requests.get(f"{v2}/debit_memos", params={"page_size": 5}, headers=AUTH, timeout=10)
    requests.post(f"{root}/__mock/faults", data="operation=payDebitMemo,latency_ms=200..400",
                  headers={"Content-Type": "text/plain"})  # fmt: skip


def main() -> None:
    running = start_in_thread(create_app(Config(port=0, log_requests=False)), port=0, threads=8)
    try:
        traffic(running.url)
        with tempfile.TemporaryDirectory() as profile, chromium(Path(profile)) as browser:
            browser.set_window_size(1400, 900)
            browser.get(f"{running.url}/__mock/ui")
            WebDriverWait(browser, 20).until(
                lambda b: len(b.find_elements(By.CSS_SELECTOR, "#request-table tbody tr")) >= 5
            )
            click(browser, "#request-table tbody tr:nth-child(3)")
            time.sleep(0.5)
            browser.save_screenshot(str(DOCS / "ui.png"))
            browser.get(f"{running.url}/docs")
            WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".opblock"))
            browser.save_screenshot(str(DOCS / "docs.png"))
    finally:
        running.stop()
    print(f"wrote {DOCS / 'ui.png'} and {DOCS / 'docs.png'}", file=sys.stderr)


if __name__ == "__main__":
    main()
