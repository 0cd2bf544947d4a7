"""A real browser for the tests and the README's screenshots: Debian's
Chromium, driven by chromedriver through selenium, headless and cut off from
every network but this machine's (a proxy that refuses everything, and DNS
that finds nothing; Chromium never proxies loopback addresses)."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1400,900",
    # No network: every proxied request goes to a port nothing listens on,
    # and no host name resolves but the loopback address.
    "--proxy-server=http://127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
)


def missing() -> str | None:
    """Why no browser can start here, or None."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if shutil.which(path) is None:
            return f"{path} is missing: `make test` installs Debian's chromium and chromium-driver"
    return None


@contextlib.contextmanager
def chromium(profile: Path) -> Iterator[webdriver.Chrome]:
    """A headless Chromium with a fresh profile in ``profile``."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def click(driver: webdriver.Chrome, selector: str) -> None:
    """Click the element ``selector`` finds, in one step inside the page: the UI
    redraws its tables as it polls, so an element found first may be gone."""
    driver.execute_script("document.querySelector(arguments[0]).click()", selector)
