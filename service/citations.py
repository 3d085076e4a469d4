"""Citation checks run on every answer before it leaves the service.

A citation is kept only if it names a context retrieved for this request and its quote occurs
in that context's text (after normalising whitespace, quotes and dashes). A sentence with no
surviving citation is dropped; an answer with no sentence left becomes an abstention.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from service.generate.base import Context, Draft

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
    """Whitespace-, quote- and dash-insensitive form used to compare quotes with chunks."""
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE)
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
        for number, quote in sentence.citations:
            reason = _reject_reason(number, quote, by_number, normalised)
            if reason:
                result.rejected.append(f"{reason} (sentence: {sentence.text[:80]!r})")
                continue
            if all(ctx.number != number for ctx, _ in kept):
                kept.append((by_number[number], normalise(quote)))
        text = " ".join(sentence.text.split())
        if kept and text:
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
    raw = unicodedata.normalize("NFKC", text).translate(_TRANSLATE)
    first = re.search(head, raw)
    if first is None:
        return None
    last = re.compile(tail).search(raw, first.start())
    return first.start(), last.end() if last else first.end()
