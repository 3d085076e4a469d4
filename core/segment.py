"""Sentences and block lines (list items, headings, table rows) of one page's text.

Used where text is cut (chunking at ingest) and where it is quoted (answer sentences), so a
chunk boundary and a quoted sentence always agree on where a sentence ends.
"""

from __future__ import annotations

import re

# Sentence ends: . ! ? (optionally followed by quotes/brackets) then space and a likely start.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
# A line that starts a new block: list item, heading-like short line, table row.
_BLOCK_START = re.compile(r"^(?:[-*\u2022\u25cf]|\d{1,3}[.)]|[a-z][.)])\s")
_SHORT_LINE = 60
# Bump when spans change: chunk boundaries and quoted sentences move, so an index segmented
# by another version is re-parsed (ingest.plan.chunker_info), not reused.
SEGMENTER_VERSION = "seg-v2"
# A period after these is not a sentence end: list numbers, initials, abbreviations, also
# inside brackets or quotes: "see cairolatex (p. 241) for more" is one sentence.
_NO_BREAK_BEFORE = re.compile(
    r"(?:^|[\s(\[\"'])(?:\d{1,3}|[A-Za-z]|e\.g|i\.e|etc|approx|incl|no|vs|fig|figs|sec|sect|"
    r"ch|chap|pp|cf|eq|vol|ref|al|resp|viz|dr|mr|mrs|ms)[.]$",
    re.IGNORECASE | re.MULTILINE,
)


def segment_page(text: str) -> list[tuple[int, int]]:
    """Character spans of sentences and block lines (list items, headings) of one page."""
    spans: list[tuple[int, int]] = []
    block_start = 0
    lines = text.split("\n")
    offset = 0
    for i, line in enumerate(lines):
        end = offset + len(line)
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        # A block ends after a short line (heading, table row) or before a list item, unless
        # the next line plainly continues this one: text wrapped in a narrow column or cell.
        short = len(line) < _SHORT_LINE and not _continues(line, nxt)
        if nxt is None or short or _BLOCK_START.match(nxt) or not line:
            spans.extend(_sentences(text, block_start, end))
            block_start = end + 1
        offset = end + 1
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _continues(line: str, nxt: str | None) -> bool:
    """Whether `nxt` carries on the sentence `line` started: `line` has no closing punctuation
    and `nxt` starts in lower case ("... adoption or foster" / "placement. Secondary ...")."""
    if not line or not nxt or not nxt[0].islower():
        return False
    return not line.rstrip().endswith((".", "!", "?", ":", ";"))


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    pos = start
    for match in _SENTENCE_END.finditer(text, start, end):
        if _NO_BREAK_BEFORE.search(text, max(0, match.start() - 8), match.start()):
            continue
        spans.append((pos, match.start()))
        pos = match.end()
    spans.append((pos, end))
    return [(s, e) for s, e in spans if e > s]
