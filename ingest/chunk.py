"""Pages -> chunks sized in the embedder's own word pieces, cut at sentence boundaries.

The embedder silently truncates input longer than its max_seq_length, so every chunk is
measured with the embedder's tokenizer and never exceeds the budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from core.chunk import Chunk
from core.segment import segment_page
from ingest.parse import Page

# Segments tokenized per call (see Chunker._segments).
_TOKENIZE_BATCH = 1024


class Tokenizer(Protocol):
    """What the chunker needs of a Hugging Face fast tokenizer."""

    def __call__(self, text: Any, **kwargs: Any) -> Any: ...


@dataclass(frozen=True)
class _Segment:
    page: int  # index into pages
    start: int
    end: int
    tokens: int


class Chunker:
    """Greedy packing of segments up to `max_tokens`, with `overlap` tokens carried over."""

    def __init__(self, tokenizer: Tokenizer, max_tokens: int, overlap: int) -> None:
        if overlap * 2 > max_tokens:
            raise ValueError("overlap must be at most half of max_tokens")
        self.tokenizer = tokenizer
        self.max_tokens = max_tokens
        self.overlap = overlap

    def count(self, text: str) -> int:
        # verbose=False: counting a segment longer than the model takes is the point here.
        return len(self.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])

    def chunk(self, doc_id: str, source: str, pages: Sequence[Page]) -> list[Chunk]:
        segments = self._segments(pages)
        chunks: list[Chunk] = []
        current: list[_Segment] = []
        used = 0
        for seg in segments:
            page_break = bool(current) and seg.page != current[-1].page
            # Prefer to start a new chunk at a page boundary once the chunk is half full,
            # so most citations name a single page.
            full = used + seg.tokens > self.max_tokens
            if current and (full or (page_break and used * 2 >= self.max_tokens)):
                chunks.extend(self._emit(doc_id, source, pages, current, len(chunks)))
                current = self._tail(current) if full or not page_break else []
                used = sum(s.tokens for s in current)
                if used + seg.tokens > self.max_tokens:
                    current, used = [], 0
            current.append(seg)
            used += seg.tokens
        if current:
            chunks.extend(self._emit(doc_id, source, pages, current, len(chunks)))
        return chunks

    def _tail(self, segs: list[_Segment]) -> list[_Segment]:
        """The trailing segments that fit in the overlap budget (never the whole chunk)."""
        tail: list[_Segment] = []
        used = 0
        for seg in reversed(segs[1:]):
            if used + seg.tokens > self.overlap:
                break
            tail.insert(0, seg)
            used += seg.tokens
        return tail

    def _segments(self, pages: Sequence[Page]) -> list[_Segment]:
        spans = [(pi, s, e) for pi, page in enumerate(pages) for s, e in segment_page(page.text)]
        out: list[_Segment] = []
        # Tokenize in batches: the tokenizer's ids and offsets for a whole long document at
        # once cost gigabytes of Python objects; per batch they are freed as we go.
        for start in range(0, len(spans), _TOKENIZE_BATCH):
            batch = spans[start : start + _TOKENIZE_BATCH]
            texts = [pages[pi].text[s:e] for pi, s, e in batch]
            enc = self.tokenizer(
                texts, add_special_tokens=False, return_offsets_mapping=True, verbose=False
            )
            for (pi, s, e), ids, offsets in zip(
                batch, enc["input_ids"], enc["offset_mapping"], strict=True
            ):
                if len(ids) <= self.max_tokens:
                    out.append(_Segment(pi, s, e, len(ids)))
                else:
                    out.extend(self._split_long(pi, s, offsets))
        return out

    def _split_long(self, pi: int, base: int, offsets: list[tuple[int, int]]) -> list[_Segment]:
        """Cut an over-long sentence into token windows ending at word boundaries."""
        parts: list[_Segment] = []
        i = 0
        n = len(offsets)
        while i < n:
            j = min(i + self.max_tokens, n)
            if j < n:
                # Back off to a word boundary: the next piece must start after whitespace.
                k = j
                while k > i + 1 and offsets[k][0] == offsets[k - 1][1]:
                    k -= 1
                j = k if k > i + 1 else j
            parts.append(_Segment(pi, base + offsets[i][0], base + offsets[j - 1][1], j - i))
            i = j
        return parts

    def _emit(
        self,
        doc_id: str,
        source: str,
        pages: Sequence[Page],
        segs: list[_Segment],
        ordinal: int,
    ) -> list[Chunk]:
        text, breaks, sentences = _join(pages, segs)
        n_tokens = self.count(text)
        if n_tokens > self.max_tokens and len(segs) > 1:
            # Re-tokenizing joined text can differ from the sum of parts: split and retry.
            half = len(segs) // 2
            head = self._emit(doc_id, source, pages, segs[:half], ordinal)
            return head + self._emit(doc_id, source, pages, segs[half:], ordinal + len(head))
        first, last = pages[segs[0].page], pages[segs[-1].page]
        return [
            Chunk(
                id=f"{doc_id}:{ordinal:05d}",
                doc_id=doc_id,
                source=source,
                ordinal=ordinal,
                page_start=first.number,
                page_end=last.number,
                label_start=first.label,
                label_end=last.label,
                char_start=segs[0].start,
                char_end=segs[-1].end,
                n_tokens=n_tokens,
                text=text,
                page_breaks=breaks,
                sentences=sentences,
            )
        ]


def _join(
    pages: Sequence[Page], segs: list[_Segment]
) -> tuple[str, tuple[tuple[int, int, int], ...], tuple[tuple[int, int], ...]]:
    """The verbatim page text covered by the segments, pages joined by a newline; where each
    later page starts (offset in the text, page number, offset in that page); and each
    segment's span in the text (the chunk's sentences)."""
    parts: list[str] = []
    breaks: list[tuple[int, int, int]] = []
    sentences: list[tuple[int, int]] = []
    page = segs[0].page
    start = prev_end = segs[0].start
    offset = 0  # where the current page's part starts in the joined text
    for seg in segs:
        if seg.page != page:
            parts.append(pages[page].text[start:prev_end])
            offset += len(parts[-1]) + 1
            page, start = seg.page, seg.start
            breaks.append((offset, pages[page].number, start))
        sentences.append((offset + seg.start - start, offset + seg.end - start))
        prev_end = seg.end
    parts.append(pages[page].text[start:prev_end])
    return "\n".join(parts), tuple(breaks), tuple(sentences)
