"""What a person sees in a real browser (Debian's Chromium, no network but
this machine): /__mock/ui following the sandbox as it changes, and /docs
listing the operations from the sandbox's own copy of Swagger UI."""

from __future__ import annotations

import pytest
import requests
from browser import chromium, click, missing
from conftest import memo_body
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import WebDriverWait

WAIT_S = 20

pytestmark = pytest.mark.skipif(missing() is not None, reason=missing() or "")


@pytest.fixture
def browser(tmp_path):
    with chromium(tmp_path / "profile") as driver:
        yield driver


def wait_for(browser, condition):
    return WebDriverWait(browser, WAIT_S).until(condition)


def texts(browser, selector: str) -> list[str]:
    """The texts of what ``selector`` finds (a row's cells joined by spaces), read in
    one step inside the page: the UI redraws as it polls, so a found element may go."""
    return browser.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(node => node.cells"
        " ? [...node.cells].map(cell => cell.innerText).join(' ') : node.innerText)",
        selector,
    )


def request_rows(browser) -> list[str]:
    return texts(browser, "#request-table tbody tr")


def test_the_ui_shows_requests_as_they_happen(browser, zuora_mock, zuora_client):
    browser.get(f"{zuora_mock.root}/__mock/ui")
    wait_for(browser, seen.text_to_be_present_in_element((By.ID, "status"), "updated"))
    assert request_rows(browser) == []

    memo = zuora_client.post("/debit_memos", json=memo_body(description="seen")).json()
    zuora_client.get(f"/debit_memos/{memo['id']}")

    wait_for(browser, lambda b: len(request_rows(b)) == 2)
    newest, oldest = request_rows(browser)
    assert "GET" in newest and f"/v2/debit_memos/{memo['id']}" in newest and "200" in newest
    assert "POST /v2/debit_memos 201 createDebitMemo" in oldest
    click(browser, "#request-table tbody tr:nth-child(2)")
    wait_for(browser, lambda b: len(texts(b, "#request-detail pre.body")) == 2)
    bodies = texts(browser, "#request-detail pre.body")
    assert '"description": "seen"' in bodies[0]  # the request, pretty-printed
    assert f'"id": "{memo["id"]}"' in bodies[1]  # the response
    assert "Authorization: Bearer ****" in texts(browser, "#request-detail")[0]
    (draft,) = texts(browser, '[data-bucket="draft"] b')
    assert draft == str(len([m for m in zuora_mock.state["debit_memos"] if m["state"] == "draft"]))


def test_a_fault_rule_added_in_the_ui_fires_and_is_removed(browser, zuora_mock, zuora_client):
    browser.get(f"{zuora_mock.root}/__mock/ui")
    wait_for(browser, seen.text_to_be_present_in_element((By.ID, "status"), "updated"))
    browser.find_element(By.ID, "fault-input").send_keys(
        "id=ui-outage,operation=getDebitMemoes,status=503"
    )
    browser.find_element(By.CSS_SELECTOR, "#fault-form button").click()
    wait_for(
        browser, seen.presence_of_element_located((By.CSS_SELECTOR, '[data-rule="ui-outage"]'))
    )
    assert [
        rule["id"]
        for rule in requests.get(f"{zuora_mock.root}/__mock/faults", timeout=5).json()["data"]
    ] == ["ui-outage"]

    assert zuora_client.get("/debit_memos").status_code == 503
    wait_for(browser, lambda b: any("503" in row and "ui-outage" in row for row in request_rows(b)))

    click(browser, '[data-rule="ui-outage"] button')
    wait_for(browser, lambda b: not b.find_elements(By.CSS_SELECTOR, '[data-rule="ui-outage"]'))
    assert zuora_client.get("/debit_memos").status_code == 200


def test_a_bad_fault_rule_shows_the_sandbox_s_message(browser, zuora_mock):
    browser.get(f"{zuora_mock.root}/__mock/ui")
    wait_for(browser, seen.text_to_be_present_in_element((By.ID, "status"), "updated"))
    browser.find_element(By.ID, "fault-input").send_keys("operation=getDebitMemoes,status=abc")
    browser.find_element(By.CSS_SELECTOR, "#fault-form button").click()
    error = wait_for(browser, seen.visibility_of_element_located((By.ID, "fault-error")))
    assert "status" in error.text


def test_the_clock_set_in_the_ui_is_the_sandbox_s(browser, zuora_mock, create_memo):
    browser.get(f"{zuora_mock.root}/__mock/ui")
    wait_for(browser, seen.text_to_be_present_in_element((By.ID, "status"), "updated"))
    browser.execute_script("document.getElementById('clock-input').value = '2030-01-31T12:00:00'")
    browser.find_element(By.CSS_SELECTOR, "#clock-form button[type=submit]").click()
    wait_for(browser, seen.text_to_be_present_in_element((By.ID, "clock"), "2030-01-31 12:00:00"))
    assert create_memo()["created_time"] == "2030-01-31T12:00:00+00:00"


def test_docs_list_the_operations_with_no_network(browser, zuora_mock):
    browser.get(f"{zuora_mock.root}/docs")
    wait_for(browser, seen.presence_of_element_located((By.CSS_SELECTOR, ".opblock")))
    summaries = {
        node.text for node in browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")
    }
    assert "/v2/debit_memos/{debit_memo_id}" in summaries
    assert "/v2/debit_memos/{debit_memo_id}/pay" in summaries
    assert "/__mock/faults" in summaries
    assert browser.execute_script("return typeof SwaggerUIBundle") == "function"


def test_the_browser_really_has_no_network(browser):
    """What makes the /docs test mean "offline": nothing past this machine loads."""
    with pytest.raises(WebDriverException, match="net::ERR_"):
        browser.get("http://example.com/")


def test_the_ui_shows_callout_deliveries_and_flushes(
    browser, zuora_mock, callout_receiver, create_memo
):
    zuora_mock.callout(event="DebitMemoPosted", url=callout_receiver.url)
    callout_receiver.answer(503)
    memo = create_memo(post=True)
    browser.get(f"{zuora_mock.root}/__mock/ui")
    wait_for(browser, seen.text_to_be_present_in_element((By.ID, "callout-summary"), "1 to send"))
    click(browser, "#flush-callouts")
    wait_for(browser, lambda b: len(texts(b, "#delivery-table tbody tr")) == 2)
    newest, oldest = texts(browser, "#delivery-table tbody tr")
    assert f"DebitMemoPosted {memo['id']} 1/3" in oldest and "503 retry" in oldest
    assert "2/3" in newest and "200 delivered" in newest
    assert len(callout_receiver.received) == 2
