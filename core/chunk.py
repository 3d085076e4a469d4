"""The unit everything after parsing works on: a span of one document with its pages."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Chunk:
    """A span of one document; offsets index into the cleaned text of its first/last page."""

    id: str
    doc_id: str
    source: str
    ordinal: int
    page_start: int
    page_end: int
    label_start: str
    label_end: str
    char_start: int
    char_end: int
    n_tokens: int
    text: str
    # (offset in `text`, physical page, offset in that page's text) where each later page
    # begins; the first page starts at `char_start` of its page.
    page_breaks: tuple[tuple[int, int, int], ...] = ()
    # Sentence and list-item spans of `text`, in order: the units an answer quotes.
    sentences: tuple[tuple[int, int], ...] = ()

    def page_at(self, offset: int) -> int:
        """Physical page of the character at `offset` in this chunk's text."""
        return self.page_offset(offset)[0]

    def page_offset(self, offset: int) -> tuple[int, int]:
        """(physical page, offset in that page's cleaned text) of `offset` in this text."""
        page, base, origin = self.page_start, self.char_start, 0
        for brk, number, page_char in self.page_breaks:
            if offset < brk:
                break
            page, base, origin = number, page_char, brk
        return page, base + offset - origin
