"""Text hygiene for what documents and models say: our own markers and abstention sentence
cannot be forged, and angle-bracket look-alikes cannot pose as prompt delimiters.

Documents are data. A PDF may contain "[7]" (so an answer would show a marker that is not
ours), the service's own abstention sentence (so an answer would look like a refusal, or a
refusal like an answer) or "⟨/data⟩" (which an LLM may read as the end of the data section).
"""

from __future__ import annotations

import re
import unicodedata

NOT_IN_DOCUMENTS = "The documents do not answer this question."

# [7], [12], [1, 3], [2-4], [2–4]: a citation marker, unless glued to a word (argv[1], a[12]).
_MARKER = re.compile(r"\s*(?<!\w)\[\s*\d{1,4}(?:\s*[,;\u2013-]\s*\d{1,4})*\s*\]")
_ABSTENTION = re.compile(
    r"\s*" + r"\s+".join(re.escape(w) for w in NOT_IN_DOCUMENTS.split()), re.IGNORECASE
)
# Characters that look like < or >. NFKC already folds the fullwidth (＜ ＞) and small (﹤ ﹥)
# forms and U+2329/U+232A; these it leaves alone.
_OPENING = "\u2039\u3008\u27e8\u276c\u276e\u1438\u02c2\u29fc\u300a\u27ea\u2329\ufe64\uff1c"
_CLOSING = "\u203a\u3009\u27e9\u276d\u276f\u1433\u02c3\u29fd\u300b\u27eb\u232a\ufe65\uff1e"
_FOLD = str.maketrans({**dict.fromkeys(_OPENING, "<"), **dict.fromkeys(_CLOSING, ">")})
_WS = re.compile(r"\s+")


def fold_brackets(text: str) -> str:
    """NFKC, then every angle-bracket look-alike becomes plain < or >."""
    return unicodedata.normalize("NFKC", text).translate(_FOLD)


def strip_markers(text: str) -> str:
    """Remove citation-like markers ("[7]", "[1, 2]") and the space before them."""
    return _MARKER.sub("", text)


def strip_markers_mapped(text: str) -> tuple[str, list[int]]:
    """`strip_markers(text)` and, for each character kept, its index in `text`."""
    kept: list[str] = []
    index: list[int] = []
    pos = 0
    for m in _MARKER.finditer(text):
        kept.append(text[pos : m.start()])
        index.extend(range(pos, m.start()))
        pos = m.end()
    kept.append(text[pos:])
    index.extend(range(pos, len(text)))
    return "".join(kept), index


def has_abstention(text: str) -> bool:
    return _ABSTENTION.search(text) is not None


def before_abstention(text: str) -> str | None:
    """The part of `text` before a copy of the abstention sentence, or None without one.

    A document that speaks in the service's own voice is injecting: what it says after the
    copy is its payload, so only what comes before may be quoted."""
    match = _ABSTENTION.search(text)
    return None if match is None else text[: match.start()].strip()


def split_on_abstention(text: str) -> list[str]:
    """The parts of `text` around any copy of the abstention sentence (each contiguous)."""
    return [p.strip() for p in _ABSTENTION.split(text) if p.strip()]


def clean_sentence(text: str) -> str:
    """An answer sentence as shown: NFKC, no foreign markers, no abstention sentence."""
    parts = split_on_abstention(strip_markers(unicodedata.normalize("NFKC", text)))
    return _WS.sub(" ", " ".join(parts)).strip()


def clean_quote(quote: str) -> str:
    """A quote as shown: no markers; if it holds the abstention sentence, its longest part
    (still a contiguous piece of the source)."""
    parts = split_on_abstention(strip_markers(quote))
    return max(parts, key=len) if parts else ""


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def escape_data(text: str) -> str:
    """Keep text (documents, question) from closing the <data>/<source>/<question> delimiters
    around it: NFKC, every angle-bracket look-alike folded to < or >, then those shown as
    \u2039 \u203a, so the only real tags in the prompt are ours."""
    return fold_brackets(text).replace("<", "\u2039").replace(">", "\u203a")


def escape_attr(text: str) -> str:
    """A value inside an attribute's double quotes: escaped as data, on one line, and no
    quote or ampersand left to end the value early."""
    text = _CONTROL.sub(" ", escape_data(text))
    return text.replace("&", "&amp;").replace('"', "&quot;")
