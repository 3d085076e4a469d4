"""Extractive answers: whole sentences of the best passage, quoted verbatim and cited.

No language model, so nothing can be invented: every sentence is copied from a retrieved
chunk and cites that chunk. It is the offline default and the fallback whenever an LLM
backend fails. The rules, chosen on the golden sets' dev splits (eval/README.md):

* **anchor**: the best-scoring sentence of the top passage (retrieval order is the strongest
  signal of the right page); another of the first three passages takes over only when its
  best sentence scores clearly higher (`SWITCH_MARGIN`);
* **a coherent quote**: the anchor is extended with the sentences that follow it in the same
  passage while they stay on topic (`COHERENCE`) or while the quote is still a fragment
  (a heading or a table label of a few words), up to `max_sentences`; an anchor that stays a
  fragment (a table header at the end of a passage) gives way to the next best sentence;
* **one more source** only when another passage's best sentence scores about as well as the
  anchor (within `EXTRA_MARGIN`) and says something else: a collage of near-topic sentences
  from several pages is what made citations point at the wrong page.
"""

from __future__ import annotations

from service.evidence import Evidence, Sentence
from service.generate.base import Draft, DraftSentence

# A sentence with fewer words is a heading or a label: never an answer on its own.
MIN_WORDS = 4
# Below this many words a quote is still a fragment: the next sentence is added; below
# STATEMENT_WORDS, so is one that has no closing punctuation (a table row's label).
FRAGMENT_WORDS = 8
STATEMENT_WORDS = 12
SWITCH_MARGIN = 0.2
COHERENCE = 0.1
EXTRA_MARGIN = -0.05
# Passages considered for the anchor and for the extra source.
PASSAGES = 3
# Two sentences this similar (by their words) say the same thing.
_DUPLICATE_OVERLAP = 0.8


class ExtractiveGenerator:
    """Answers from scored evidence (not a `Generator`: it needs no prompt, only sentences)."""

    name = "extractive"

    def __init__(self, max_sentences: int) -> None:
        self.max_sentences = max_sentences

    def answer(self, evidence: Evidence) -> Draft:
        """The quote-based answer drawn from the scored evidence."""
        runs = [_best_run(s, self.max_sentences) for s in evidence.sentences[:PASSAGES]]
        if not any(runs):
            return Draft(sentences=[], insufficient=True, notes=["no sentence to quote"])
        lead = next(i for i, r in enumerate(runs) if r)
        for i, run in enumerate(runs):
            if run and run[0].score >= runs[lead][0].score + SWITCH_MARGIN:
                lead = i
        anchor_run = runs[lead]
        picked = [_draft(anchor_run)]
        room = self.max_sentences - len(anchor_run)
        for i, run in enumerate(runs):
            if room <= 0 or i == lead or not run:
                continue
            if run[0].score >= anchor_run[0].score + EXTRA_MARGIN and not _same_words(
                run[0], anchor_run
            ):
                picked.append(_draft(run[:room]))
                break
        best = evidence.best()
        return Draft(sentences=picked, evidence_score=best.cosine if best else None)


def _best_run(sentences: list[Sentence], limit: int) -> list[Sentence]:
    """The best-scoring sentence of a passage that makes a complete quote, with the
    sentences that continue it; a heading or a table label that cannot be completed is
    passed over for the next best sentence."""
    ranked = sorted(sentences, key=lambda s: -s.score)
    for anchor in ranked:
        if anchor.words < MIN_WORDS:
            continue
        run = _coherent_run(sentences, anchor, limit)
        if not _fragment(run):
            return run
    return _coherent_run(sentences, ranked[0], limit) if ranked else []


def _fragment(run: list[Sentence]) -> bool:
    """A quote that is not yet a statement: a few words, or a label with no closing stop."""
    words = sum(s.words for s in run)
    closed = run[-1].text.rstrip().endswith((".", "!", "?", ":", ";", ")"))
    return words < FRAGMENT_WORDS or (not closed and words < STATEMENT_WORDS)


def _coherent_run(sentences: list[Sentence], anchor: Sentence, limit: int) -> list[Sentence]:
    """The anchor and the sentences right after it that continue it."""
    run = [anchor]
    for nxt in (s for s in sentences if s.start >= anchor.end):
        if len(run) >= limit or not _adjacent(run[-1], nxt):
            break
        if not _fragment(run) and nxt.cosine < anchor.cosine - COHERENCE:
            break
        run.append(nxt)
    return run


def _adjacent(a: Sentence, b: Sentence) -> bool:
    """Nothing but whitespace between two sentences of the same chunk."""
    text = a.context.hit.chunk.text
    return b.start >= a.end and not text[a.end : b.start].strip()


def _draft(run: list[Sentence]) -> DraftSentence:
    """One answer sentence quoting the run verbatim (adjacent sentences make one quote)."""
    text = " ".join(s.text for s in run)
    return DraftSentence(text, [(run[0].context.number, text)], run[0].score)


def _same_words(candidate: Sentence, run: list[Sentence]) -> bool:
    words = set(candidate.text.lower().split())
    seen = set(" ".join(s.text for s in run).lower().split())
    return bool(words) and len(words & seen) / len(words) >= _DUPLICATE_OVERLAP
