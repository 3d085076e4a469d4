"""The documents panel and the API-key prompt in a real Chromium: upload a good and a bad PDF
(real ingest subprocess, real index swap), ask about the new one, and the key asked once."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium.webdriver.common.by import By

from core.embed import Embedder
from core.index import load_index
from tests.conftest import FIXTURES
from tests.factories import make_settings
from tests.service.live_server import Live, live_server
from tests.ui.browser import (
    all_by_testid,
    ask,
    by_testid,
    highlighted,
    open_page,
    squeeze,
    wait,
    wait_viewer,
)

KEY = "correct horse battery staple"
FACT = (
    "The Zephyr-9 coffee grinder in the third-floor kitchen is cleaned every 14 days by the "
    "facilities team."
)


def grinder_pdf(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.multi_cell(0, 8, "Kitchen equipment\n\n" + FACT + " Beans are kept in airtight tins.")
    pdf.output(str(path))
    return path


@pytest.fixture
def private_app(tmp_path: Path, sample_index: Path, embedder: Embedder) -> Iterator[Live]:
    """The app on a private copy of the sample index, uploads into a temporary folder."""
    index = tmp_path / "index"
    shutil.copytree(sample_index, index)
    corpus = Path(load_index(index).manifest.documents[0].path).parent
    settings = make_settings(
        index,
        upload_dir=tmp_path / "uploads",
        corpus_dirs=[str(corpus)],
        index_poll_s=0.2,
        parse_workers=1,
    )
    with live_server(settings, embedder) as live:
        yield live


def test_upload_of_a_good_and_a_bad_pdf_then_the_list_and_an_answer_from_it(
    driver: Any, private_app: Live, tmp_path: Path
) -> None:
    good = grinder_pdf(tmp_path / "grinder-care.pdf")
    n = len(httpx.get(f"{private_app.url}/documents").json()["documents"])
    open_page(driver, private_app.url)
    listed = by_testid(driver, "documents")
    wait(driver, lambda d: len(all_by_testid(d, "document")) == n)
    assert all_by_testid(driver, "skipped") == []

    by_testid(driver, "upload").send_keys(f"{good}\n{FIXTURES / 'not_a_pdf.pdf'}")
    job = by_testid(driver, "job")
    wait(driver, lambda d: job.get_attribute("data-state") in ("done", "failed"), timeout=240)
    assert job.get_attribute("data-state") == "done", job.text
    assert "Uploading grinder-care.pdf, not_a_pdf.pdf: done" in job.text
    assert "some files were skipped" in job.text
    wait(driver, lambda d: len(all_by_testid(d, "document")) == n + 1)

    rows = {
        r.find_element(By.CLASS_NAME, "doc-name").text: r.find_element(By.CLASS_NAME, "doc-meta")
        for r in all_by_testid(driver, "document")
    }
    assert rows["grinder-care.pdf"].text == "1 page · 1 chunk · ok · uploaded"
    assert rows["employee-handbook.pdf"].text.endswith(" · ok")  # not uploaded: no delete
    [skipped] = all_by_testid(driver, "skipped")
    assert skipped.text.startswith("not_a_pdf.pdf\nskipped: not_a_pdf: not a PDF")
    assert "grinder-care.pdf" in listed.text

    # The new document answers at once, and its citation opens it.
    ask(driver, "How often is the Zephyr-9 coffee grinder cleaned?")
    citations = all_by_testid(driver, "citation")
    assert citations, by_testid(driver, "answer").text
    assert "every 14 days" in by_testid(driver, "answer").text
    citations[0].click()
    assert wait_viewer(driver) == "The quote is highlighted."
    assert by_testid(driver, "viewer-document").text == "grinder-care.pdf"
    assert by_testid(driver, "viewer-page").text == "page 1"
    assert squeeze(FACT) in highlighted(driver)

    # Delete it again: only uploaded files offer the button.
    assert len(driver.find_elements(By.CSS_SELECTOR, '[data-testid="document"] button')) == 1
    driver.find_element(By.CSS_SELECTOR, 'button[aria-label="Delete grinder-care.pdf"]').click()
    driver.switch_to.alert.accept()
    wait(driver, lambda d: "Deleting grinder-care.pdf: done" in by_testid(d, "job").text, 240)
    wait(driver, lambda d: len(all_by_testid(d, "document")) == n)
    assert "grinder-care.pdf" not in by_testid(driver, "documents").text


def test_the_api_key_is_asked_once_and_sent_as_a_bearer_token(
    driver: Any, sample_index: Path, embedder: Embedder
) -> None:
    settings = make_settings(sample_index, api_key=KEY)
    with live_server(settings, embedder) as live:
        key = {"Authorization": f"Bearer {KEY}"}
        n = len(httpx.get(f"{live.url}/documents", headers=key).json()["documents"])
        driver.get(live.url)
        dialog = driver.find_element(By.ID, "key-dialog")
        wait(driver, lambda d: dialog.get_attribute("open") is not None)
        field = by_testid(driver, "api-key")
        assert driver.switch_to.active_element == field
        field.send_keys("wrong key")
        by_testid(driver, "api-key-submit").click()
        error = driver.find_element(By.ID, "key-error")
        wait(driver, lambda d: error.text != "")
        assert error.text == "The API key was missing or not accepted. Enter the key."
        assert dialog.get_attribute("open") is not None

        field.clear()
        field.send_keys(KEY)
        by_testid(driver, "api-key-submit").click()
        wait(driver, lambda d: dialog.get_attribute("open") is None)
        wait(driver, lambda d: d.execute_script("return document.body.dataset.ready") == "true")
        wait(driver, lambda d: len(all_by_testid(d, "document")) == n)
        answer = ask(driver, "How many weeks of leave does the primary caregiver get?")
        assert answer.get_attribute("data-state") == "done"
        assert all_by_testid(driver, "citation")
        all_by_testid(driver, "citation")[0].click()
        assert wait_viewer(driver) == "The quote is highlighted."  # the PDF came with the key

        open_page(driver, live.url)  # once: a reload in this tab does not ask again
        assert driver.find_element(By.ID, "key-dialog").get_attribute("open") is None
        wait(driver, lambda d: len(all_by_testid(d, "document")) == n)
        driver.execute_script("sessionStorage.clear()")
