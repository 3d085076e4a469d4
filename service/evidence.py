"""Evidence: every sentence of the retrieved passages, scored against the question.

Sentence vectors were pooled at ingest from each chunk's own forward pass (`core.embed`), so
scoring a request's sentences is a dot product with the question's vector: no model call.
Both the refusal decision (`service.refusal`) and the extractive answer
(`service.generate.extractive`) read this one scoring.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from core.store.protocol import SearchIndex
from core.tokenize import tokenize
from service.generate.base import Context
from service.text import before_abstention, strip_markers

# Identifiers in the question (E-4012, TFC_HTTP_PROXY, 4.2.1) are near-certain evidence that
# embeddings blur; a sentence containing them earns up to this much on top of its cosine.
IDENTIFIER_BONUS = 0.2


@dataclass(frozen=True)
class Sentence:
    """One sentence of a retrieved passage, as it may be quoted."""

    context: Context
    start: int  # span in the chunk's text
    end: int
    text: str  # whitespace collapsed; markers and copies of the abstention sentence removed
    cosine: float  # question vs the sentence's pooled vector
    score: float  # cosine plus the identifier bonus

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass
class Evidence:
    """The scored sentences of each context, in context order."""

    question: str
    contexts: list[Context]
    sentences: list[list[Sentence]]

    def best(self, context: int | None = None) -> Sentence | None:
        """The best-scoring sentence overall, or within the context at that position."""
        pool = self.sentences[context] if context is not None else sum(self.sentences, [])
        return max(pool, key=lambda s: s.score, default=None)


def gather(
    question: str, qvec: npt.NDArray[np.float32], contexts: list[Context], index: SearchIndex
) -> Evidence:
    """Score every sentence of every context against the question."""
    idents = {t for t in tokenize(question) if _is_identifier(t)}
    per_context: list[list[Sentence]] = []
    for ctx in contexts:
        chunk = ctx.hit.chunk
        cosines = index.sentence_vecs(ctx.hit.row) @ qvec
        found: list[Sentence] = []
        payload_until = -1  # text after an impersonated refusal, up to the end of its line
        for (start, end), cos in zip(chunk.sentences, cosines, strict=True):
            if start < payload_until:
                continue
            # Markers copied from the document are never quoted; what is left is still a
            # verbatim piece of the chunk.
            raw = strip_markers(chunk.text[start:end])
            head = before_abstention(raw)
            if head is not None:
                line_end = chunk.text.find("\n", end)
                payload_until = len(chunk.text) if line_end < 0 else line_end
                raw = head
            text = " ".join(raw.split())
            if not text:
                continue
            bonus = 0.0
            if idents:
                bonus = IDENTIFIER_BONUS * len(idents & set(tokenize(text))) / len(idents)
            found.append(Sentence(ctx, start, end, text, float(cos), float(cos) + bonus))
        per_context.append(found)
    return Evidence(question, contexts, per_context)


def _is_identifier(token: str) -> bool:
    return any(ch.isdigit() for ch in token) or any(ch in token for ch in "_-./:")
