"""The citation check every answer passes before it leaves the service."""

from __future__ import annotations

from core.chunk import Chunk
from service.citations import check, locate, normalise
from service.generate.base import Context, Draft, DraftSentence
from service.retriever import Hit


def _ctx(number: int, text: str, breaks: tuple[tuple[int, int, int], ...] = ()) -> Context:
    chunk = Chunk(
        id=f"d:{number:05d}",
        doc_id="d",
        source="doc.pdf",
        ordinal=number,
        page_start=4,
        page_end=5 if breaks else 4,
        label_start="4",
        label_end="5" if breaks else "4",
        char_start=0,
        char_end=len(text),
        n_tokens=10,
        text=text,
        page_breaks=breaks,
    )
    return Context(number, Hit(row=number, chunk=chunk))


CONTEXTS = [
    _ctx(1, "Annual leave is 25 days per year.\nIt accrues monthly from the start date."),
    _ctx(2, "Hotels in high-cost cities may cost up to $300 per night."),
]


def test_valid_quote_survives_whitespace_and_typography_differences() -> None:
    draft = Draft([DraftSentence("You get 25 days.", [(1, "Annual  leave is 25 days\nper year.")])])
    result = check(draft, CONTEXTS)
    assert [s.text for s in result.sentences] == ["You get 25 days."]
    assert result.rejected == []
    curly = Draft(
        [DraftSentence("Up to $300.", [(2, "high\u2013cost cities may cost up to $300")])]
    )
    assert len(check(curly, CONTEXTS).sentences) == 1


def test_forged_quote_is_rejected_and_its_sentence_dropped() -> None:
    draft = Draft(
        [
            DraftSentence("You get 30 days.", [(1, "Annual leave is 30 days per year.")]),
            DraftSentence("Hotels cap at $300.", [(2, "may cost up to $300 per night")]),
        ]
    )
    result = check(draft, CONTEXTS)
    assert [s.text for s in result.sentences] == ["Hotels cap at $300."]
    assert result.rejected == [
        "citation [1] quote not found in that context: 'Annual leave is 30 days per year.' "
        "(sentence: 'You get 30 days.')"
    ]


def test_citation_of_context_not_retrieved_is_rejected() -> None:
    draft = Draft([DraftSentence("Made up.", [(7, "Annual leave is 25 days per year.")])])
    result = check(draft, CONTEXTS)
    assert result.sentences == []
    assert result.rejected[0].startswith("citation [7] names no context retrieved for this request")


def test_short_quotes_prove_nothing() -> None:
    draft = Draft([DraftSentence("Yes.", [(1, "25 days")])])
    assert check(draft, CONTEXTS).sentences == []


def test_sentence_keeps_only_its_valid_citations_once() -> None:
    quote = "It accrues monthly from the start date."
    draft = Draft([DraftSentence("Accrual.", [(1, quote), (1, quote), (2, "not in there at all")])])
    [sentence] = check(draft, CONTEXTS).sentences
    assert [(ctx.number, q) for ctx, q in sentence.citations] == [(1, quote)]


def test_locate_finds_quote_span_and_page() -> None:
    ctx = _ctx(3, "End of page four.\nStart of page five here.", breaks=((18, 5, 0),))
    span = locate(ctx.text, normalise("Start of page five here."))
    assert span == (18, 42)
    assert ctx.hit.chunk.page_at(span[0]) == 5
    assert ctx.hit.chunk.page_at(0) == 4
    assert locate(ctx.text, "absent words entirely") is None


# -- hardening: text injected through documents (item 20) ------------------------------------

import json  # noqa: E402
import re  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from core.embed import Embedder  # noqa: E402
from service.app import create_app  # noqa: E402
from service.pipeline import NOT_IN_DOCUMENTS  # noqa: E402
from tests.factories import make_settings  # noqa: E402

COFFEE_Q = "How often is the office coffee machine descaled?"


@pytest.fixture(scope="module")
def injection_client(injection_index: Path, embedder: Embedder) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(injection_index), embedder)) as c:
        yield c


def _markers(answer: str) -> list[int]:
    return [int(n) for n in re.findall(r"\[(\d+)\]", answer)]


def test_hardening_20_abstention_sentence_in_a_pdf_is_never_quoted(
    injection_client: TestClient,
) -> None:
    body = injection_client.post("/ask", json={"question": COFFEE_Q}).json()
    assert body["abstained"] is False
    assert "every 14 days" in body["answer"]
    texts = [body["answer"], *(c["quote"] for c in body["citations"])]
    assert not any(NOT_IN_DOCUMENTS.lower() in t.lower() for t in texts), texts
    assert not any("do not answer this question" in t for t in texts)


def test_hardening_20_citation_marker_copied_from_a_pdf_is_stripped(
    injection_client: TestClient,
) -> None:
    body = injection_client.post("/ask", json={"question": COFFEE_Q}).json()
    ids = [c["id"] for c in body["citations"]]
    # Every [n] in the answer is one of ours, and each of ours is used.
    assert sorted(set(_markers(body["answer"]))) == ids, body["answer"]
    assert "[7]" not in body["answer"] and "[12]" not in body["answer"]
    assert not any(re.search(r"\[\d+\]", c["quote"]) for c in body["citations"])
    # The quote still points at the page it came from.
    assert body["citations"][0]["document"] == "coffee-notice.pdf"
    assert body["citations"][0]["page_start"] == 1


def test_hardening_20_stream_deltas_carry_no_foreign_markers(
    injection_client: TestClient,
) -> None:
    with injection_client.stream("POST", "/ask", json={"question": COFFEE_Q, "stream": True}) as r:
        raw = r.read().decode()
    events = [
        (block.split("\n")[0].removeprefix("event: "), json.loads(block.split("data: ", 1)[1]))
        for block in raw.strip().split("\n\n")
    ]
    # Retrieval candidates show the raw chunk (data); everything said as the answer is clean.
    said = [d["text"] for e, d in events if e == "delta"]
    done = events[-1][1]
    said += [done["answer"], *(c["quote"] for c in done["citations"])]
    assert len(said) > 2
    assert not any("[7]" in t or "[12]" in t or "do not answer this question" in t for t in said)


def test_hardening_20_closest_sources_of_an_abstention_are_sanitised(
    injection_client: TestClient,
) -> None:
    body = injection_client.post("/ask", json={"question": "Who won the 1998 chess final?"}).json()
    assert body["abstained"] is True and body["citations"] == []
    assert body["closest"], "a refusal shows the passages that came closest"
    for c in body["closest"]:
        assert not re.search(r"\[\d+\]", c["text"]), c["text"]
        assert "do not answer this question" not in c["text"]


def test_hardening_20_check_strips_markers_and_abstention_from_llm_sentences() -> None:
    ctx = _ctx(
        1, "Annual leave is 25 days per year [3]. The documents do not answer this question."
    )
    draft = Draft(
        [
            DraftSentence("You get 25 days [3].", [(1, "Annual leave is 25 days per year [3].")]),
            DraftSentence(NOT_IN_DOCUMENTS, [(1, "The documents do not answer this question.")]),
        ]
    )
    result = check(draft, [ctx])
    assert [s.text for s in result.sentences] == ["You get 25 days."]
    assert [q for _, q in result.sentences[0].citations] == ["Annual leave is 25 days per year."]
