"""Response composition: checked sentences become the answer text with [n] markers and its
citations (document, pages, printed label, quote); retrieval becomes its evidence summary."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.chunk import Chunk
from service import citations
from service.generate.base import Context, Draft
from service.retriever import SearchParams, SearchResult
from service.schemas import Candidate, Citation, ClosestSource, Retrieval
from service.text import NOT_IN_DOCUMENTS, clean_quote


def retrieval_summary(result: SearchResult, params: SearchParams) -> Retrieval:
    """Every candidate with each stage's rank and score; text only for the final hits."""
    return Retrieval(
        reranker=result.reranker,
        fusion=params.fusion,
        mode=params.mode,
        candidates=[
            Candidate(
                chunk_id=h.chunk.id,
                document=Path(h.chunk.source).name,
                page_start=h.chunk.page_start,
                page_end=h.chunk.page_end,
                bm25_rank=h.bm25_rank,
                dense_rank=h.dense_rank,
                fused_rank=h.fused_rank,
                rerank_rank=h.rerank_rank,
                score=round(h.score, 6),
                text=h.chunk.text if i < len(result.hits) else None,
            )
            for i, h in enumerate(result.candidates)
        ],
    )


@dataclass
class Composed:
    """The answer as the client sees it: text with [n] markers and its citations, or, when
    refused, the reason and the passages that came closest (never presented as support)."""

    answer: str
    citations: list[Citation]
    closest: list[ClosestSource]
    reason: str | None


def compose(draft: Draft, checked: citations.CheckResult, contexts: list[Context]) -> Composed:
    if draft.insufficient or not checked.sentences:
        if draft.insufficient:
            reason = "the retrieved passages do not answer the question"
            if draft.notes:
                reason += f" ({'; '.join(draft.notes)})"
        else:
            reason = "no answer sentence had a citation that checks out"
        return Composed(NOT_IN_DOCUMENTS, [], [closest(ctx) for ctx in contexts[:3]], reason)
    cites: list[Citation] = []
    ids: dict[tuple[int, str], int] = {}
    parts: list[str] = []
    for sentence in checked.sentences:
        markers = []
        for ctx, quote in sentence.citations:
            key = (ctx.number, quote)
            if key not in ids:
                ids[key] = len(cites) + 1
                cites.append(citation(ids[key], ctx, quote))
            markers.append(f"[{ids[key]}]")
        parts.append(_with_markers(sentence.text, "".join(markers)))
    return Composed(" ".join(parts), cites, [], None)


def citation(cid: int, ctx: Context, quote: str) -> Citation:
    """A citation of `quote` in this context, on the pages the quote itself sits on, with its
    character offsets in those pages' cleaned text."""
    c = ctx.hit.chunk
    span = citations.locate(c.text, quote)
    first, last = c.page_start, c.page_end
    char_start = char_end = None
    if span:
        first, char_start = c.page_offset(span[0])
        last, end = c.page_offset(span[1] - 1)
        char_end = end + 1
    return Citation(
        id=cid,
        chunk_id=c.id,
        doc_id=c.doc_id,
        document=Path(c.source).name,
        path=c.source,
        page_start=first,
        page_end=last,
        page_label=_label(c, first),
        quote=quote,
        char_start=char_start,
        char_end=char_end,
        score=round(ctx.hit.score, 6),
    )


def closest(ctx: Context) -> ClosestSource:
    """A retrieved passage shown with a refusal: where a reader might look, not support."""
    c = ctx.hit.chunk
    return ClosestSource(
        doc_id=c.doc_id,
        document=Path(c.source).name,
        path=c.source,
        page_start=c.page_start,
        page_end=c.page_end,
        page_label=c.label_start,
        text=clean_quote(" ".join(c.text.split()))[:300],
        score=round(ctx.hit.score, 6),
    )


def _label(chunk: Chunk, page: int) -> str:
    if page == chunk.page_start:
        return chunk.label_start
    return chunk.label_end if page == chunk.page_end else str(page)


def _with_markers(sentence: str, markers: str) -> str:
    """Put citation markers before the sentence's closing punctuation: 'text [1].'"""
    s = sentence.rstrip()
    if s and s[-1] in ".!?":
        return f"{s[:-1]} {markers}{s[-1]}"
    return f"{s} {markers}"
