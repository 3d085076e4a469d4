from __future__ import annotations

from typing import Any

import pytest

from core.embed import Embedder
from ingest.chunk import Chunker
from ingest.parse import Page, parse_pdf
from tests.conftest import FIXTURES, SAMPLE


@pytest.fixture(scope="module")
def tokenizer(embedder: Embedder) -> Any:
    return embedder.tokenizer


def _pages(texts: list[str]) -> list[Page]:
    return [Page(number=i + 1, label=str(i + 1), text=t) for i, t in enumerate(texts)]


def test_chunks_never_exceed_token_budget(tokenizer: Any) -> None:
    sentence = "The appliance restarts its scheduler after each firmware update. "
    long_word = "x" * 3000  # no spaces: must be hard-split by tokens
    pages = _pages([sentence * 40, long_word + " " + sentence * 5, "Short closing page."])
    chunker = Chunker(tokenizer, max_tokens=64, overlap=16)
    chunks = chunker.chunk("doc", "doc.pdf", pages)
    assert len(chunks) > 10
    for c in chunks:
        n = len(tokenizer(c.text, add_special_tokens=False)["input_ids"])
        assert n <= 64
        assert c.n_tokens == n


def test_chunks_on_sample_corpus_respect_embedder_limit(tokenizer: Any, embedder: Embedder) -> None:
    pdfs = sorted(SAMPLE.glob("*.pdf"))[:3]
    assert pdfs, "data/sample/ holds the bundled corpus"
    chunker = Chunker(tokenizer, max_tokens=embedder.max_seq_length - 2, overlap=40)
    for pdf in pdfs:
        doc = parse_pdf(pdf)
        for c in chunker.chunk("d", str(pdf), doc.pages):
            # +2 for [CLS] and [SEP]: the model sees every word piece of every chunk.
            assert len(tokenizer(c.text)["input_ids"]) <= embedder.max_seq_length


def test_chunk_text_is_verbatim_page_text_at_its_offsets(tokenizer: Any) -> None:
    doc = parse_pdf(FIXTURES / "clean.pdf")
    chunker = Chunker(tokenizer, max_tokens=24, overlap=8)
    chunks = chunker.chunk("abc", "clean.pdf", doc.pages)
    for c in chunks:
        first = doc.pages[c.page_start - 1].text
        if c.page_start == c.page_end:
            assert first[c.char_start : c.char_end] == c.text
        else:
            assert c.text.startswith(first[c.char_start :])
            assert c.text.endswith(doc.pages[c.page_end - 1].text[: c.char_end])
    assert [c.id for c in chunks] == [f"abc:{i:05d}" for i in range(len(chunks))]


def test_chunk_page_spans_follow_the_pages(tokenizer: Any) -> None:
    pages = _pages(["Alpha one. " * 30, "Beta two. " * 30, "Gamma three. " * 30])
    chunks = Chunker(tokenizer, max_tokens=48, overlap=0).chunk("d", "d.pdf", pages)
    for c in chunks:
        words = {"Alpha": 1, "Beta": 2, "Gamma": 3}
        pages_seen = sorted({n for w, n in words.items() if w in c.text})
        assert (c.page_start, c.page_end) == (pages_seen[0], pages_seen[-1])
    # Half-full chunks break at page boundaries, so each chunk here names one page.
    assert all(c.page_start == c.page_end for c in chunks)


def test_chunk_overlap_repeats_trailing_sentences(tokenizer: Any) -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(40))
    chunks = Chunker(tokenizer, max_tokens=40, overlap=16).chunk("d", "d.pdf", _pages([text]))
    for a, b in zip(chunks, chunks[1:], strict=False):
        last_sentence = a.text.rsplit(". ", 1)[-1]
        assert b.text.startswith(last_sentence.rstrip(".")) or last_sentence in b.text


def test_chunk_is_deterministic_and_handles_empty_pages(tokenizer: Any) -> None:
    chunker = Chunker(tokenizer, max_tokens=32, overlap=8)
    pages = _pages(["", "Only text here.", ""])
    assert chunker.chunk("d", "d.pdf", pages) == chunker.chunk("d", "d.pdf", pages)
    [only] = chunker.chunk("d", "d.pdf", pages)
    assert (only.page_start, only.page_end, only.text) == (2, 2, "Only text here.")
    assert chunker.chunk("d", "d.pdf", _pages(["", ""])) == []


def test_chunker_rejects_overlap_above_half() -> None:
    with pytest.raises(ValueError, match="overlap"):
        Chunker(None, max_tokens=10, overlap=6)


def test_chunk_knows_the_page_of_every_offset(tokenizer: Any) -> None:
    doc = parse_pdf(FIXTURES / "partly_scanned.pdf")
    [chunk] = Chunker(tokenizer, max_tokens=64, overlap=0).chunk("d", "d.pdf", doc.pages)
    assert chunk.text == "Text page one.\nText page three."
    assert chunk.page_breaks == ((15, 3, 0),)
    assert chunk.sentences == ((0, 14), (15, 31))
    assert chunk.page_at(0) == 1
    assert chunk.page_at(chunk.text.index("three")) == 3


def test_chunk_maps_every_offset_into_its_page_text(tokenizer: Any) -> None:
    pages = _pages(["Header line one\nFirst page body. It ends here.", "Top\nSecond page body."])
    [chunk] = Chunker(tokenizer, max_tokens=64, overlap=0).chunk("d", "d.pdf", pages)
    for start, end in chunk.sentences:
        page, at = chunk.page_offset(start)
        sentence = chunk.text[start:end]
        assert pages[page - 1].text[at : at + len(sentence)] == sentence
    assert [chunk.text[s:e] for s, e in chunk.sentences] == [
        "Header line one",
        "First page body.",
        "It ends here.",
        "Top",
        "Second page body.",
    ]
