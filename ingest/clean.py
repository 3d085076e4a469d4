"""Page text cleaning: Unicode normalisation, de-hyphenation, running headers and footers.

Running lines are found two ways, both only among the first and last lines of a page:

* repetition: a line whose digit-blind form ("page # of #") sits at the edge of at least half
  of the pages;
* page numbers: a short line that starts or ends with a number that moves with the page, by
  the document's own offset (printed page = physical page - 5, say), and whose other words
  recur at the edge of another page (or are absent: a bare page number). Books alternate their
  headers between odd and even pages ("40 gnuplot 5.4" / "gnuplot 5.4 41") or change them per
  chapter ("Chapter 6: Programming 36"), so no single form repeats on half the pages, but
  every one of them carries the page number at an end. A section heading whose number
  happens to equal the page number ("7 Storage and RAID" on page 7) does not recur.

Both are bumped in `PARSER_VERSION`: a change here changes every chunk, so an index built
by another version is re-parsed, not reused.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

PARSER_VERSION = "clean-v2"

# How many lines at the top and bottom of a page may be a running header or footer.
_EDGE_LINES = 3
# A line repeated at the page edge on at least this share of pages is boilerplate.
_REPEAT_SHARE = 0.5
_MIN_PAGES_FOR_REPEATS = 3
# A page-number offset must hold on this share of the pages with text (and 3 at least).
_PAGE_NUMBER_SHARE = 0.2
# Header and footer lines are short; a long line that ends in a number is body text.
_MAX_RUNNING_CHARS = 100

_HYPHEN_BREAK = re.compile(r"(\w)-[ \t]*\n[ \t]*([a-z])")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_DIGITS = re.compile(r"\d+")
# Dot leaders of tables of contents ("Scope ........ 4") carry no words.
_LEADERS = re.compile(r"(?:\s*[.\u2026_]){4,}\s*")
_ROMAN = re.compile(r"\b[ivxlcdm]+\b", re.IGNORECASE)
# A number standing alone at either end of a line ("41 gnuplot", "Programming 36", "80").
_EDGE_NUMBER = re.compile(r"^(\d{1,4})(?=\s|$)|(?<=\s)(\d{1,4})$")


def normalize(text: str) -> str:
    """NFKC (splits ligatures like U+FB01), unify spaces, drop control characters."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    lines = (_SPACES.sub(" ", _LEADERS.sub(" ... ", line)).strip() for line in text.split("\n"))
    return "\n".join(lines)


def dehyphenate(text: str) -> str:
    """Join words split by a hyphen at a line end ("mainte-\\nnance" -> "maintenance")."""
    return _HYPHEN_BREAK.sub(r"\1\2", text)


def _line_key(line: str) -> str:
    # "Page 3 of 10" and "Page 4 of 10" (or "iv") must count as the same running line.
    return _ROMAN.sub("#", _DIGITS.sub("#", line.lower())) if line else ""


def _edge_size(lines: list[str]) -> int:
    # Short pages get a narrow edge, so their body is never mistaken for boilerplate.
    return max(1, min(_EDGE_LINES, len(lines) // 4))


def _edges(lines: list[str]) -> list[str]:
    k = _edge_size(lines)
    return lines[:k] + lines[-k:]


def _page_number_offsets(line: str, index: int) -> set[int]:
    """Offsets (number - physical index) of the numbers at either end of a short line."""
    if len(line) > _MAX_RUNNING_CHARS:
        return set()
    return {int(n) - index for m in _EDGE_NUMBER.finditer(line) for n in m.groups() if n}


def _rest_key(line: str) -> str:
    """The line without the numbers at its ends, digit-blind: what a running header keeps."""
    return _line_key(_EDGE_NUMBER.sub("", line).strip())


def strip_running_lines(texts: list[str]) -> tuple[list[str], int]:
    """Remove running headers and footers (see the module docstring); returns the cleaned
    texts and how many lines were removed."""
    pages = [[ln for ln in t.split("\n") if ln.strip()] for t in texts]
    # A one-line page (title, divider) has no edges to tell apart from its body.
    with_text = [i for i, p in enumerate(pages) if len(p) > 1]
    if len(with_text) < _MIN_PAGES_FOR_REPEATS:
        return texts, 0
    counts: Counter[str] = Counter()
    rests: Counter[str] = Counter()
    for i in with_text:
        edge = _edges(pages[i])
        counts.update({_line_key(ln) for ln in edge})
        rests.update({_rest_key(ln) for ln in edge})

    def recurs(line: str) -> bool:
        rest = _rest_key(line)
        return not rest or rests[rest] >= 2

    offsets: Counter[int] = Counter()
    for i in with_text:
        found = [_page_number_offsets(ln, i) for ln in _edges(pages[i]) if recurs(ln)]
        offsets.update(set().union(*found))
    threshold = max(_MIN_PAGES_FOR_REPEATS, int(len(with_text) * _REPEAT_SHARE + 0.999))
    running = {key for key, n in counts.items() if n >= threshold}
    page_share = max(_MIN_PAGES_FOR_REPEATS, int(len(with_text) * _PAGE_NUMBER_SHARE + 0.999))
    numbered = {off for off, n in offsets.items() if n >= page_share}
    if not running and not numbered:
        return texts, 0

    def is_running(line: str, index: int) -> bool:
        if _line_key(line) in running:
            return True
        return bool(_page_number_offsets(line, index) & numbered) and recurs(line)

    removed = 0
    cleaned: list[str] = []
    for index, lines in enumerate(pages):
        keep = list(lines)
        if len(keep) <= 1:
            cleaned.append("\n".join(keep))
            continue
        # Only the edges: a body line that merely looks like a header stays.
        k = _edge_size(keep)
        head = 0
        while head < k and head < len(keep) and is_running(keep[head], index):
            head += 1
        tail = 0
        while tail < k and tail < len(keep) - head and is_running(keep[-1 - tail], index):
            tail += 1
        removed += head + tail
        keep = keep[head : len(keep) - tail]
        cleaned.append("\n".join(keep))
    return cleaned, removed
