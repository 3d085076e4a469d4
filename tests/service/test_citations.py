"""The citation check every answer passes before it leaves the service."""

from __future__ import annotations

from ingest.chunk import Chunk
from service.citations import check, locate, normalise
from service.generate.base import Context, Draft, DraftSentence
from service.retriever import Hit


def _ctx(number: int, text: str, breaks: tuple[tuple[int, int], ...] = ()) -> Context:
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
    ctx = _ctx(3, "End of page four.\nStart of page five here.", breaks=((18, 5),))
    span = locate(ctx.text, normalise("Start of page five here."))
    assert span == (18, 42)
    assert ctx.hit.chunk.page_at(span[0]) == 5
    assert ctx.hit.chunk.page_at(0) == 4
    assert locate(ctx.text, "absent words entirely") is None
