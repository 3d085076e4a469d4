"""Citation checks run on every answer before it leaves the service.

A citation is kept only if it names a context retrieved for this request and its quote occurs
in that context's text (after normalising whitespace, quotes, dashes and angle brackets, and
ignoring citation-like markers such as "[7]" that documents may contain). A sentence with no
surviving citation is dropped; an answer with no sentence left becomes an abstention. Sentences
and quotes lose any marker that is not ours and any copy of the abstention sentence
(`service.text`), whoever wrote them: a model or a document.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from service.generate.base import Context, Draft
from service.text import (
    clean_quote,
    clean_sentence,
    fold_brackets,
    strip_markers,
    strip_markers_mapped,
)

_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00ad": None,
    }
)
_WS = re.compile(r"\s+")
# A quote shorter than this could match anywhere: it proves nothing.
MIN_QUOTE_CHARS = 12


def normalise(text: str) -> str:
    """Whitespace-, quote-, dash-, bracket- and marker-insensitive form used to compare quotes
    with chunks."""
    text = strip_markers(fold_brackets(text).translate(_TRANSLATE))
    return _WS.sub(" ", text).strip()


@dataclass
class CheckedSentence:
    text: str
    citations: list[tuple[Context, str]]  # (context, quote as it appears, normalised)
    score: float


@dataclass
class CheckResult:
    sentences: list[CheckedSentence]
    rejected: list[str] = field(default_factory=list)  # why each dropped citation failed


def check(draft: Draft, contexts: Sequence[Context]) -> CheckResult:
    by_number = {c.number: c for c in contexts}
    normalised = {c.number: normalise(c.text) for c in contexts}
    result = CheckResult(sentences=[])
    for sentence in draft.sentences:
        kept: list[tuple[Context, str]] = []
        for number, raw_quote in sentence.citations:
            quote = clean_quote(raw_quote)
            reason = _reject_reason(number, quote, by_number, normalised)
            if reason:
                result.rejected.append(f"{reason} (sentence: {sentence.text[:80]!r})")
                continue
            if all(ctx.number != number for ctx, _ in kept):
                kept.append((by_number[number], normalise(quote)))
        text = clean_sentence(sentence.text)
        if kept and any(ch.isalnum() for ch in text):
            result.sentences.append(CheckedSentence(text, kept, sentence.score))
    return result


def _reject_reason(
    number: int, quote: str, by_number: dict[int, Context], normalised: dict[int, str]
) -> str | None:
    if number not in by_number:
        return f"citation [{number}] names no context retrieved for this request"
    q = normalise(quote)
    if len(q) < MIN_QUOTE_CHARS:
        return f"citation [{number}] quote too short to verify: {quote!r}"
    if q not in normalised[number]:
        return f"citation [{number}] quote not found in that context: {quote[:80]!r}"
    return None


def locate(text: str, quote: str) -> tuple[int, int] | None:
    """Character span of a (normalised) quote in the raw chunk text, whitespace-tolerant."""
    words = quote.split()
    if not words:
        return None
    head = r"\s+".join(re.escape(w) for w in words[:6])
    tail = r"\s+".join(re.escape(w) for w in words[-6:])
    # Same length as the NFKC form (translate maps one character to one, or drops soft
    # hyphens, which ingest has already removed); markers are skipped with an index map.
    raw, index = strip_markers_mapped(fold_brackets(text).translate(_TRANSLATE))
    first = re.search(head, raw)
    if first is None:
        return None
    last = re.compile(tail).search(raw, first.start())
    end = last.end() if last else first.end()
    return index[first.start()], index[end - 1] + 1
