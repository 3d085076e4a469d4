"""Extractive answers: the retrieved sentences that best answer the question, each cited.

No language model, so nothing can be invented: every sentence is copied verbatim from a
retrieved chunk and cites that chunk. It is the offline default and the fallback whenever an
LLM backend fails.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from ingest.chunk import segment_page
from ingest.embed import Embedder
from service.citations import normalise
from service.generate.base import Context, Draft, DraftSentence

# Sentences shorter than this are headings or fragments, not answers.
_MIN_WORDS = 3
# Further sentences must score within this margin of the best one.
_MARGIN = 0.12


@dataclass(frozen=True)
class _Candidate:
    context: Context
    text: str
    order: int


class ExtractiveGenerator:
    name = "extractive"

    def __init__(self, embedder: Embedder, max_sentences: int, min_similarity: float) -> None:
        self.embedder = embedder
        self.max_sentences = max_sentences
        self.min_similarity = min_similarity

    def candidates(self, contexts: Sequence[Context]) -> list[_Candidate]:
        out: list[_Candidate] = []
        seen: set[str] = set()
        for ctx in contexts:
            for start, end in segment_page(ctx.text):
                text = ctx.text[start:end].strip()
                key = normalise(text).lower()
                # Overlapping chunks repeat sentences: keep the first (best-ranked) copy.
                if len(text.split()) < _MIN_WORDS or key in seen:
                    continue
                seen.add(key)
                out.append(_Candidate(ctx, text, len(out)))
        return out

    def score(self, question: str, candidates: Sequence[_Candidate]) -> list[float]:
        if not candidates:
            return []
        vecs = self.embedder.embed([question, *(c.text for c in candidates)])
        return [float(s) for s in vecs[1:] @ vecs[0]]

    def generate(self, question: str, contexts: Sequence[Context]) -> Draft:
        cands = self.candidates(contexts)
        scores = self.score(question, cands)
        if not cands or max(scores) < self.min_similarity:
            best = max(scores) if scores else float("nan")
            return Draft(
                sentences=[],
                insufficient=True,
                notes=[f"best sentence similarity {best:.2f} < {self.min_similarity:.2f}"],
            )
        order = np.argsort([-s for s in scores], kind="stable")
        best = scores[int(order[0])]
        picked: list[DraftSentence] = []
        for i in order:
            s, cand = scores[int(i)], cands[int(i)]
            if len(picked) == self.max_sentences or s < max(self.min_similarity, best - _MARGIN):
                break
            picked.append(DraftSentence(cand.text, [(cand.context.number, cand.text)], s))
        return Draft(sentences=picked)

    def stream(self, question: str, contexts: Sequence[Context]) -> Iterator[str | Draft]:
        draft = self.generate(question, contexts)
        yield draft  # sentences are only final once chosen; the service streams them
