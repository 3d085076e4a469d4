"""Follow-up questions made standalone before retrieval.

"And for the secondary caregiver?" searched on its own finds nothing useful. With earlier
turns, the question is rewritten first, as RAG_FOLLOWUP_REWRITE says:

* `llm`: the configured LLM rewrites it (`service.generate.rewrite`: short prompt, strict
  timeout, checked reply); on any failure the `terms` method answers and `note` says why.
* `terms`, no LLM: a question that needs context (see `needs_context`: short, starts like a
  continuation, or leans on a pronoun) gets the salient terms of the earlier user questions,
  latest first, appended in brackets; any other question is searched unchanged.
* `off`: the question as asked.

The result (`schemas.FollowUp`) says what was searched and how, in every response.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Literal

from core.config import Settings
from core.errors import ConfigError
from core.tokenize import STOPWORDS
from service.generate.rewrite import LLMRewriter, RewriteError
from service.schemas import FollowUp, Turn

log = logging.getLogger(__name__)

# A question with at most this many salient terms cannot name its own topic.
SHORT_TERMS = 2
# A pronoun in a question with at most this many salient terms refers outside it.
ANAPHORIC_TERMS = 5
# Terms carried into the question: from the latest user turn first, then earlier ones.
MAX_CARRIED = 8

# Words that open a continuation of the previous question ("And 2023?", "What about ...?").
_CUES = re.compile(
    r"^\s*(?:and|also|or|but|so|then|plus|same|what about|how about|what if|and if)\b",
    re.IGNORECASE,
)
_ANAPHORA = frozenset(
    "it its itself that this these those they them their theirs there same such one ones "
    "former latter he she him her his".split()
)
# Words of asking, not of the topic: never carried, never counted as the topic.
_FILLER = frozenset(
    "what how which who whom when where why does do did is are was were can could would should "
    "will may might must shall much many s get gets got please tell know want need ok okay "
    "thanks thank yes hi hello else also anything something still too either instead really "
    "actually exactly way like don doesn didn isn aren wasn weren won couldn wouldn shouldn "
    "haven hasn hadn".split()
)
# Words and identifiers as a reader sees them: E-4012, HTTP_PROXY, v4.2.1, --no-cache-dir.
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-/:@+#']*[A-Za-z0-9+#]|[A-Za-z0-9]")
# A term that names its topic by itself: a code, a version, a key, an acronym (a bare number
# such as a year does not).
_IDENTIFIER = re.compile(
    r"[A-Za-z]\d|\d[A-Za-z]|[A-Za-z0-9][._\-/:@][A-Za-z0-9]|[a-z][A-Z]|[A-Z]{2,}"
)


def salient_terms(text: str) -> list[str]:
    """The topic words of `text` in their written form, in order, each once."""
    seen: set[str] = set()
    out: list[str] = []
    for word in _words(text):
        key = word.lower()
        if key in STOPWORDS or key in _FILLER or key in _ANAPHORA or key in seen:
            continue
        if len(key) < 2 and key.isalpha():
            continue
        seen.add(key)
        out.append(word)
    return out


def _words(text: str) -> list[str]:
    """Words and identifiers, a contraction or possessive cut at its apostrophe."""
    return [w.split("'")[0] for w in _WORD.findall(text.replace("\u2019", "'"))]


def needs_context(question: str) -> bool:
    """Whether a question leans on earlier turns: it opens like a continuation ("And ...?",
    "What about ...?"), or names no identifier and is short or leans on a pronoun."""
    terms = salient_terms(question)
    words = {w.lower() for w in _words(question)}
    if _CUES.match(question):
        return True
    if any(_IDENTIFIER.search(t) for t in terms):
        return False  # it names its topic ("E-4012?", "how do I fix E-4012 when it shows?")
    return len(terms) <= SHORT_TERMS or (bool(words & _ANAPHORA) and len(terms) <= ANAPHORIC_TERMS)


def carry_terms(question: str, history: Sequence[Turn]) -> str:
    """`question` plus the earlier user questions' salient terms, if it needs context."""
    if not needs_context(question):
        return question
    have = {t.lower() for t in salient_terms(question)}
    carried: list[str] = []
    for turn in reversed(history):
        if turn.role != "user":
            continue
        for term in salient_terms(turn.content):
            if term.lower() not in have and len(carried) < MAX_CARRIED:
                have.add(term.lower())
                carried.append(term)
        if len(carried) >= SHORT_TERMS + 1:  # the latest question named a topic: enough
            break
    return f"{question} ({' '.join(carried)})" if carried else question


def standalone_question(
    question: str, history: Sequence[Turn], llm: LLMRewriter | None = None
) -> FollowUp:
    """What to search for `question` after `history`: by `llm` if given, else by terms."""
    if not history:
        return FollowUp(original=question, question=question, method="unchanged")
    note = None
    if llm is not None:
        try:
            rewritten = llm.rewrite(question, history)
            return FollowUp(original=question, question=rewritten, method="llm")
        except RewriteError as exc:
            note = f"LLM rewrite failed: {exc}; salient terms used instead"
            log.warning("follow-up rewrite by the LLM failed (%s); using salient terms", exc)
    carried = carry_terms(question, history)
    method: Literal["terms", "unchanged"] = "terms" if carried != question else "unchanged"
    return FollowUp(original=question, question=carried, method=method, note=note)


class FollowUpRewriter:
    """RAG_FOLLOWUP_REWRITE applied; built once per process (it may hold an HTTP client)."""

    def __init__(self, mode: Literal["llm", "terms", "off"], llm: LLMRewriter | None = None):
        if mode == "llm" and llm is None:
            raise ValueError("mode llm needs an LLMRewriter")
        self.mode = mode
        self.llm = llm if mode == "llm" else None

    @classmethod
    def from_settings(cls, settings: Settings) -> FollowUpRewriter:
        mode = settings.followup_rewrite
        if mode == "auto":
            mode = "llm" if settings.generator == "openai" else "terms"
        if mode != "llm":
            return cls(mode)
        if not settings.llm_base_url:
            raise ConfigError(
                "RAG_FOLLOWUP_REWRITE=llm needs RAG_LLM_BASE_URL (and RAG_LLM_MODEL): the "
                "endpoint that rewrites follow-up questions"
            )
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        llm = LLMRewriter(
            settings.llm_base_url,
            settings.llm_model,
            key,
            timeout_s=settings.followup_timeout_s,
            max_chars=min(settings.max_question_chars, 400),
        )
        return cls("llm", llm)

    def __call__(self, question: str, history: Sequence[Turn]) -> FollowUp:
        if self.mode == "off" and history:
            return FollowUp(original=question, question=question, method="off")
        return standalone_question(question, history, self.llm)

    def close(self) -> None:
        if self.llm is not None:
            self.llm.close()
