"""Extractive answers: the retrieved sentences that best answer the question, each cited.

No language model, so nothing can be invented: every sentence is copied verbatim from a
retrieved chunk and cites that chunk. It is the offline default and the fallback whenever an
LLM backend fails.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from core.embed import Embedder
from core.segment import segment_page
from core.tokenize import tokenize
from service.citations import normalise
from service.generate.base import Context, Draft, DraftSentence
from service.text import split_on_abstention, strip_markers

# Sentences shorter than this are headings or fragments, not answers.
_MIN_WORDS = 3
# Shorter spans (table cells, list items) are joined with what follows them, so a row like
# "--no-cache-dir" / "Do not keep downloaded packages" is read as one unit.
_SPAN_WORDS = 8
_MAX_JOIN = 3
# Further sentences must score within this margin of the best one.
_MARGIN = 0.12
# Identifiers in the question (E-4012, TFC_HTTP_PROXY, 4.2.1) are near-certain evidence that
# embeddings blur; a sentence containing them earns up to this much on top of its cosine.
IDENTIFIER_BONUS = 0.2


@dataclass(frozen=True)
class _Candidate:
    context: Context
    text: str
    order: int


def _spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans of a chunk, short ones joined with their successors."""
    segs = segment_page(text)
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(segs):
        start, end = segs[i]
        j = i
        while j + 1 < len(segs) and j - i + 1 < _MAX_JOIN:
            if len(text[start:end].split()) >= _SPAN_WORDS:
                break
            j += 1
            end = segs[j][1]
        out.append((start, end))
        i = j + 1
    return out


def _is_identifier(token: str) -> bool:
    return any(ch.isdigit() for ch in token) or any(ch in token for ch in "_-./:")


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
            for start, end in _spans(ctx.text):
                # Never a marker copied from the document, never our own abstention sentence:
                # each part around one is still a verbatim piece of the chunk.
                for part in split_on_abstention(strip_markers(ctx.text[start:end])):
                    text = " ".join(part.split())
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
        cosines = vecs[1:] @ vecs[0]
        idents = {t for t in tokenize(question) if _is_identifier(t)}
        if not idents:
            return [float(s) for s in cosines]
        scores = []
        for cand, cos in zip(candidates, cosines, strict=True):
            hits = len(idents & set(tokenize(cand.text)))
            scores.append(float(cos) + IDENTIFIER_BONUS * hits / len(idents))
        return scores

    def generate(self, question: str, contexts: Sequence[Context]) -> Draft:
        cands = self.candidates(contexts)
        scores = self.score(question, cands)
        best_score = max(scores) if scores else None
        if best_score is None or best_score < self.min_similarity:
            shown = f"{best_score:.2f}" if best_score is not None else "n/a"
            return Draft(
                sentences=[],
                insufficient=True,
                notes=[f"best sentence similarity {shown} < {self.min_similarity:.2f}"],
                evidence_score=best_score,
            )
        order = np.argsort([-s for s in scores], kind="stable")
        best = scores[int(order[0])]
        picked: list[DraftSentence] = []
        for i in order:
            s, cand = scores[int(i)], cands[int(i)]
            if len(picked) == self.max_sentences or s < max(self.min_similarity, best - _MARGIN):
                break
            picked.append(DraftSentence(cand.text, [(cand.context.number, cand.text)], s))
        return Draft(sentences=picked, evidence_score=best_score)

    def stream(
        self, question: str, contexts: Sequence[Context], stop: threading.Event | None = None
    ) -> Iterator[str | Draft]:
        draft = self.generate(question, contexts)
        yield from (s.text for s in draft.sentences)
        yield draft

    def close(self) -> None:
        """Nothing to release."""
