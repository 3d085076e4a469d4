"""Headless Chromium from Debian (`apt-get install chromium chromium-driver`), driven by
Selenium, and small helpers to wait on the page. Used by tests/ui and scripts/screenshots.py."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
T = TypeVar("T")


def missing() -> str | None:
    """Why no browser can run here, or None."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            return f"{path} is missing: `make test` installs chromium and chromium-driver"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (dev extra)"
    return None


@contextmanager
def chrome(width: int = 1400, height: int = 1000) -> Iterator[Any]:
    """A fresh headless Chromium (its own profile, no network chatter), quit afterwards."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="rag-chromium-")
    options = Options()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--hide-scrollbars",
        f"--window-size={width},{height}",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        driver.set_script_timeout(60)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait(driver: Any, until: Callable[[Any], T], timeout: float = 60) -> T:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(until)


def by_testid(driver: Any, testid: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]')


def all_by_testid(driver: Any, testid: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return list(driver.find_elements(By.CSS_SELECTOR, f'[data-testid="{testid}"]'))


def open_page(driver: Any, url: str) -> None:
    """Load the page and wait until it has wired itself (and has its key, if it needs one)."""
    driver.get(url)
    wait(driver, lambda d: d.execute_script("return document.body.dataset.ready") == "true")


def ask(driver: Any, question: str, submit: str = "enter") -> Any:
    """Type `question`, send it (Enter or a click on Ask), wait until the answer is complete."""
    from selenium.webdriver.common.keys import Keys

    box = by_testid(driver, "question")
    box.clear()
    box.send_keys(question)
    driver.execute_script("arguments[0].removeAttribute('data-state')", by_testid(driver, "answer"))
    if submit == "enter":
        box.send_keys(Keys.ENTER)
    else:
        by_testid(driver, "ask").click()
    answer = by_testid(driver, "answer")
    wait(driver, lambda d: answer.get_attribute("data-state") in ("done", "failed"))
    return answer


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def highlighted(driver: Any) -> str:
    """The highlighted text in the viewer, pieces joined by spaces, whitespace collapsed."""
    marks = all_by_testid(driver, "highlight")
    return squeeze(" ".join(m.get_attribute("textContent") for m in marks))


def wait_viewer(driver: Any) -> str:
    """Wait until the viewer has finished with the page; its note."""
    note = by_testid(driver, "viewer-note")
    wait(driver, lambda d: note.text not in ("", "Loading the page…"))
    return str(note.text)


def page_name(page: int, label: str) -> str:
    return f"page {page} (printed page {label})" if label and label != str(page) else f"page {page}"


def console_errors(driver: Any) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
