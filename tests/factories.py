"""Builders shared by test modules: settings, chunks and contexts, golden items and records.

Plain functions, not fixtures, so a test can call them with the arguments it cares about.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.chunk import Chunk
from core.config import Settings
from core.segment import segment_page
from eval.golden import GoldenItem, SourceRef
from eval.runner import Record
from service.generate.base import Context
from service.retriever import Hit


def make_settings(index_dir: Path, **overrides: Any) -> Settings:
    """Settings for a test app: no `.env`, no reranker, no index polling; then `overrides`."""
    base: dict[str, Any] = {"index_dir": index_dir, "reranker": "none", "index_poll_s": 0}
    base.update(overrides)
    return Settings(_env_file=None, **base)


def make_chunk(
    text: str,
    *,
    doc_id: str = "d",
    ordinal: int = 0,
    source: str = "doc.pdf",
    page_start: int = 1,
    page_end: int | None = None,
    n_tokens: int | None = None,
    page_breaks: tuple[tuple[int, int, int], ...] = (),
) -> Chunk:
    """A chunk whose text starts at offset 0 of its first page, id `doc_id:ordinal`, cut
    into sentences as the chunker cuts them."""
    end = page_start if page_end is None else page_end
    return Chunk(
        id=f"{doc_id}:{ordinal:05d}",
        doc_id=doc_id,
        source=source,
        ordinal=ordinal,
        page_start=page_start,
        page_end=end,
        label_start=str(page_start),
        label_end=str(end),
        char_start=0,
        char_end=len(text),
        n_tokens=len(text.split()) if n_tokens is None else n_tokens,
        text=text,
        page_breaks=page_breaks,
        sentences=tuple(segment_page(text)),
    )


def make_context(number: int, chunk: Chunk, row: int | None = None) -> Context:
    """`chunk` as the generator sees it, citation marker `number` (index row defaults to it)."""
    return Context(number, Hit(row=number if row is None else row, chunk=chunk))


def make_item(kind: str = "lookup", pages: tuple[int, ...] = (10,), **kw: Any) -> GoldenItem:
    """A golden question about parental leave in handbook.pdf on `pages` (none if unanswerable)."""
    answerable = kind != "unanswerable"
    return GoldenItem(
        id=kw.get("id", "q1"),
        question="How long is parental leave?",
        reference_answer="Primary caregivers get 18 weeks of paid leave." if answerable else "",
        reference_contexts=["Primary caregiver leave 18 weeks"] if answerable else [],
        source=[SourceRef(document="handbook.pdf", pages=list(pages))] if answerable else [],
        kind=kind,
        difficulty="easy",
    )


def make_candidate(page: int, doc: str = "handbook.pdf", text: str | None = None) -> dict[str, Any]:
    """One retrieval candidate as /ask reports it, on a single page."""
    return {"document": doc, "page_start": page, "page_end": page, "text": text, "score": 0.0}


def make_record(item: GoldenItem, candidates: list[dict[str, Any]], **response: Any) -> Record:
    """An /ask outcome for `item`: an abstention with `candidates` unless `response` says else."""
    body = {
        "answer": "The documents do not answer this question.",
        "abstained": True,
        "citations": [],
        "retrieval": {"candidates": candidates},
        "checks": {},
        "timings_ms": {},
    }
    body.update(response)
    return Record(item, body)
