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
    # (offset in `text`, physical page) where each later page begins.
    page_breaks: tuple[tuple[int, int], ...] = ()

    def page_at(self, offset: int) -> int:
        """Physical page of the character at `offset` in this chunk's text."""
        page = self.page_start
        for brk, number in self.page_breaks:
            if offset < brk:
                break
            page = number
        return page
