"""The web page in a real Chromium: ask, read the streamed answer, open a citation and see its
quote highlighted on the cited PDF page; abstentions, errors in words, keyboard and layout."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.service.live_server import Live
from tests.ui.browser import (
    all_by_testid,
    ask,
    by_testid,
    console_errors,
    highlighted,
    open_page,
    page_name,
    squeeze,
    wait,
    wait_viewer,
)

QUESTION = "How many weeks of leave does the primary caregiver get?"
NOT_IN_DOCUMENTS = "The documents do not answer this question."


@pytest.fixture(scope="module")
def expected(app: Live) -> dict[str, Any]:
    """The same question through the JSON API: what the page must show."""
    body: dict[str, Any] = httpx.post(f"{app.url}/ask", json={"question": QUESTION}).json()
    assert body["abstained"] is False and body["citations"], body
    return body


def test_ask_streams_the_answer_and_the_first_citation_opens_the_quote_highlighted(
    driver: Any, app: Live, expected: dict[str, Any]
) -> None:
    open_page(driver, app.url)
    answer = ask(driver, QUESTION)
    assert answer.get_attribute("data-state") == "done"
    # The draft came sentence by sentence over the stream before the checked answer.
    assert int(answer.get_attribute("data-deltas")) >= 1
    assert answer.find_element(By.CSS_SELECTOR, ".answer-text").text == expected["answer"]
    citations = all_by_testid(driver, "citation")
    assert [c.text for c in citations] == [
        f"[{c['id']}]" for c in expected["citations"] if f"[{c['id']}]" in expected["answer"]
    ]

    first = expected["citations"][0]
    citations[0].click()
    assert wait_viewer(driver) == "The quote is highlighted."
    viewer = by_testid(driver, "viewer")
    assert by_testid(driver, "viewer-document").text == first["document"] == "employee-handbook.pdf"
    assert by_testid(driver, "viewer-page").text == page_name(
        first["page_start"], first["page_label"]
    )
    assert "page 10 (printed page 6)" in viewer.text
    assert highlighted(driver) == squeeze(first["quote"])
    # Drawn, and the quote scrolled into the viewer's visible part.
    canvas = viewer.find_element(By.CSS_SELECTOR, "canvas")
    assert int(canvas.get_attribute("width")) > 300
    visible = driver.execute_script(
        "const m = arguments[0].getBoundingClientRect();"
        "const v = arguments[1].getBoundingClientRect();"
        "return m.top >= v.top && m.bottom <= v.bottom && m.top >= 0 &&"
        " m.bottom <= window.innerHeight;",
        all_by_testid(driver, "highlight")[0],
        driver.find_element(By.ID, "viewer-scroll"),
    )
    assert visible
    assert console_errors(driver) == []


def test_a_quote_that_is_not_on_the_page_is_never_highlighted(
    driver: Any, app: Live, expected: dict[str, Any]
) -> None:
    open_page(driver, app.url)
    first = expected["citations"][0]
    driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "import('/static/viewer.js').then(v => v.open(arguments[0])).then(done);",
        {**first, "quote": "This sentence is printed on no page at all.", "char_start": None},
    )
    assert wait_viewer(driver) == (
        "The quote could not be located on this page; nothing is highlighted."
    )
    assert all_by_testid(driver, "highlight") == []
    assert by_testid(driver, "viewer-page").text == "page 10 (printed page 6)"
    assert driver.find_element(By.CSS_SELECTOR, "#pdf-page canvas").size["height"] > 300


def test_locating_quotes_survives_layout_and_refuses_to_guess(driver: Any, app: Live) -> None:
    open_page(driver, app.url)
    found = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        import('/static/locate.js').then(({locate}) => done({
          lines: locate(["Primary caregiver leave", " ", "18 weeks"], "caregiver leave 18 weeks"),
          hyphen: locate(["the para-", "graph ends"], "paragraph ends"),
          ligature: locate(["e\\ufb03cient"], "efficient"),
          absent: locate(["nothing here"], "something else"),
          ambiguous: locate(["a b", "a b"], "a b"),
          chosen: locate(["x a b", "y a b"], "a b", "x a b y a b", 8),
        }));
        """
    )
    assert found["lines"] == [{"span": 0, "start": 8, "end": 23}, {"span": 2, "start": 0, "end": 8}]
    assert found["hyphen"] == [
        {"span": 0, "start": 4, "end": 8},
        {"span": 1, "start": 0, "end": 10},
    ]
    assert found["ligature"] == [{"span": 0, "start": 0, "end": 7}]
    assert found["absent"] is None
    assert found["ambiguous"] is None  # twice on the page, no offset to choose by
    assert found["chosen"] == [{"span": 1, "start": 2, "end": 5}]


@pytest.mark.parametrize("question", ["How do I bake sourdough bread?"])
def test_an_abstention_is_shown_with_the_closest_passages_marked_not_an_answer(
    driver: Any, app: Live, question: str
) -> None:
    open_page(driver, app.url)
    answer = ask(driver, question, submit="click")
    assert by_testid(driver, "abstained").text == NOT_IN_DOCUMENTS
    assert all_by_testid(driver, "citation") == []
    closest = all_by_testid(driver, "closest")
    assert closest, answer.text
    for item in closest:
        assert item.get_attribute("textContent").startswith("not an answer ")
    assert "Closest passages (not an answer)" in answer.text
    closest[0].find_element(By.TAG_NAME, "a").click()
    assert wait_viewer(driver) == (
        "Not an answer: the closest passage the documents hold, shown for context."
    )
    assert all_by_testid(driver, "highlight") == []


def test_errors_are_told_in_words_never_as_json(driver: Any, app: Live) -> None:
    open_page(driver, app.url)
    ask(driver, "\u200b\u200b")  # zero-width only: the service answers 422
    error = driver.find_element(By.ID, "error")
    assert error.text.startswith("The question was not accepted: question is empty")
    assert "{" not in error.text
    words = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const reply = (status, body, headers = {}) =>
          new Response(JSON.stringify(body), {status, headers});
        const wait = (s) => ({"Retry-After": s});
        import('/static/api.js').then(async ({describe}) => {
          const words = async (r, what) => (await describe(r, what)).message;
          done([
          await words(reply(401, {error: "unauthorized", detail: "x"})),
          await words(reply(413, {error: "payload_too_large", detail: "x"}), "upload"),
          await words(reply(429, {error: "rate_limited", detail: "x"}, wait("7"))),
          await words(reply(503, {error: "overloaded", detail: "x"}, wait("1"))),
          await words(reply(503, {error: "not_ready", detail: "no index at index"})),
          await words(reply(500, {error: "internal_error", detail: "x", request_id: "r1"})),
        ]);
        });
        """
    )
    assert words == [
        "The API key was missing or not accepted. Enter the key.",
        "The upload is too large for the service. Send fewer or smaller PDFs.",
        "Too many requests from you. Try again in 7 seconds.",
        "The service is busy. Try again in 1 second.",
        "The service has no documents loaded yet (no index at index).",
        "Something went wrong in the service (request id r1). Try again, or tell its operator.",
    ]


def test_the_keyboard_alone_asks_and_opens_a_citation(
    driver: Any, app: Live, expected: dict[str, Any]
) -> None:
    open_page(driver, app.url)
    ask(driver, QUESTION)  # Enter in the question box sends it
    by_testid(driver, "question").click()
    active = driver.switch_to.active_element
    active.send_keys(Keys.TAB)  # the Ask button
    assert driver.switch_to.active_element.get_attribute("data-testid") == "ask"
    driver.switch_to.active_element.send_keys(Keys.TAB)  # the first citation of the answer
    focused = driver.switch_to.active_element
    assert focused.get_attribute("data-testid") == "citation"
    focused.send_keys(Keys.ENTER)
    assert wait_viewer(driver) == "The quote is highlighted."
    assert highlighted(driver) == squeeze(expected["citations"][0]["quote"])
    outline = driver.execute_script("return getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible wherever it lands


def test_answer_and_viewer_sit_side_by_side_on_a_laptop_and_stack_on_a_phone(
    driver: Any, app: Live
) -> None:
    def boxes() -> tuple[dict[str, float], dict[str, float]]:
        main = driver.find_element(By.ID, "main").rect
        viewer = by_testid(driver, "viewer").rect
        return main, viewer

    try:
        driver.set_window_size(1400, 1000)
        open_page(driver, app.url)
        main, viewer = boxes()
        assert viewer["x"] >= main["x"] + main["width"] and viewer["y"] < main["y"] + 50
        driver.set_window_size(390, 844)
        wait(driver, lambda d: boxes()[1]["y"] >= boxes()[0]["y"] + boxes()[0]["height"])
        width = driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= driver.execute_script("return window.innerWidth")  # no sideways scroll
    finally:
        driver.set_window_size(1400, 1000)
