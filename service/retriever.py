"""Hybrid retrieval: BM25 and dense candidates, fused, then reranked by a cross-encoder.

Every stage's rank and score is kept on each hit, so a user can see why a chunk won.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from core.chunk import Chunk
from core.config import Settings
from core.embed import Embedder, Vectors
from core.store.protocol import SearchIndex
from core.tokenize import tokenize
from service import fusion
from service.lexical import LexicalEngine, make_engine
from service.rerank import Reranker, RerankerStatus


class UnknownDocument(ValueError):
    """A filter names a document that is not in the index."""


@dataclass(frozen=True)
class SearchParams:
    """Per-request overrides of the retrieval settings."""

    lexical_k: int
    dense_k: int
    fused_k: int
    top_k: int
    fusion: Literal["rrf", "weighted"]
    rrf_k: int
    dense_weight: float
    norm: Literal["minmax", "zscore"]
    mode: Literal["hybrid", "bm25", "dense"] = "hybrid"
    rerank: bool = True

    @classmethod
    def from_settings(cls, s: Settings, **overrides: object) -> SearchParams:
        values: dict[str, object] = {
            "lexical_k": s.lexical_k,
            "dense_k": s.dense_k,
            "fused_k": s.fused_k,
            "top_k": s.top_k,
            "fusion": s.fusion,
            "rrf_k": s.rrf_k,
            "dense_weight": s.fusion_dense_weight,
            "norm": s.fusion_norm,
            "mode": s.retrieval_mode,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


@dataclass
class Hit:
    """One retrieved chunk with its rank (1-based) and score at every stage it reached."""

    row: int
    chunk: Chunk
    bm25_rank: int | None = None
    bm25_score: float | None = None
    dense_rank: int | None = None
    dense_score: float | None = None
    fused_rank: int | None = None
    fused_score: float | None = None
    rerank_rank: int | None = None
    rerank_score: float | None = None

    @property
    def score(self) -> float:
        """The score that ordered the final list: rerank if it ran, else fused."""
        if self.rerank_score is not None:
            return self.rerank_score
        return self.fused_score if self.fused_score is not None else 0.0


@dataclass
class SearchResult:
    hits: list[Hit]  # the final top_k
    candidates: list[Hit]  # all fused candidates in final order (hits are its head)
    reranker: str
    query_vector: Vectors  # the question's embedding, (dimension,)
    timings_ms: dict[str, float] = field(default_factory=dict)


class HybridRetriever:
    """Holds one loaded index (any store's) and the models that query it; safe to share
    across threads."""

    def __init__(
        self,
        index: SearchIndex,
        embedder: Embedder,
        settings: Settings,
        reranker: Reranker | None = None,
        reranker_status: RerankerStatus | None = None,
        lexical: LexicalEngine | None = None,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self.reranker = reranker
        self.reranker_status = reranker_status or RerankerStatus(
            False, "none", reason="no reranker configured"
        )
        self.lexical = lexical or make_engine(settings.bm25_engine, index)
        self._doc_alias: dict[str, str] = {}
        for doc in index.manifest.documents:
            for alias in (doc.doc_id, doc.path, Path(doc.path).name, doc.sha256):
                self._doc_alias[alias] = doc.doc_id

    def warm_up(self) -> None:
        """Run one query through every stage so the first real request is not slow."""
        self.search("warm-up query", SearchParams.from_settings(self.settings, top_k=1))

    def resolve_documents(self, documents: Sequence[str]) -> list[str]:
        """Map document ids, paths or file names to doc ids; UnknownDocument if one is not."""
        unknown = [d for d in documents if d not in self._doc_alias]
        if unknown:
            raise UnknownDocument(
                f"unknown document(s) {unknown}: use an id, path or file name from GET /documents"
            )
        return sorted({self._doc_alias[d] for d in documents})

    def search(
        self,
        query: str,
        params: SearchParams | None = None,
        documents: Sequence[str] | None = None,
    ) -> SearchResult:
        p = params or SearchParams.from_settings(self.settings)
        timings: dict[str, float] = {}
        allowed = self.resolve_documents(documents) if documents else None

        t = time.perf_counter()
        qvec = self.embedder.embed([query])
        timings["embed_query"] = _ms(t)

        t = time.perf_counter()
        lexical = []
        if p.mode != "dense":
            lexical = self.lexical.top(tokenize(query), p.lexical_k, allowed)
        timings["bm25"] = _ms(t)

        t = time.perf_counter()
        dense = self.index.dense_search(qvec, p.dense_k, allowed) if p.mode != "bm25" else []
        timings["dense"] = _ms(t)

        t = time.perf_counter()
        lists = {"bm25": lexical, "dense": dense}
        if p.mode != "hybrid":
            fused = list(lexical if p.mode == "bm25" else dense)  # one list: its own order
        elif p.fusion == "rrf":
            fused = fusion.rrf(lists, k=p.rrf_k)
        else:
            weights = {"dense": p.dense_weight, "bm25": 1.0 - p.dense_weight}
            fused = fusion.weighted(lists, weights, p.norm)
        hits = self._hits(lexical, dense, fused[: p.fused_k])
        timings["fusion"] = _ms(t)

        t = time.perf_counter()
        if self.reranker is not None and p.rerank and hits:
            scores = self.reranker.score(query, [h.chunk.text for h in hits])
            for hit, s in zip(hits, scores, strict=True):
                hit.rerank_score = float(s)
            order = sorted(hits, key=lambda h: (-(h.rerank_score or 0.0), h.fused_rank or 0))
            for rank, hit in enumerate(order, start=1):
                hit.rerank_rank = rank
            final = order
        else:
            final = list(hits)
        timings["rerank"] = _ms(t)
        return SearchResult(
            hits=final[: p.top_k],
            candidates=final,
            reranker=self.reranker_status.describe()
            if p.rerank or self.reranker is None
            else "none (disabled for this request)",
            query_vector=qvec[0],
            timings_ms=timings,
        )

    def _hits(
        self,
        lexical: list[tuple[int, float]],
        dense: list[tuple[int, float]],
        fused: list[tuple[int, float]],
    ) -> list[Hit]:
        lex = {row: (rank, s) for rank, (row, s) in enumerate(lexical, start=1)}
        den = {row: (rank, s) for rank, (row, s) in enumerate(dense, start=1)}
        hits = []
        chunks = self.index.chunks_at([row for row, _ in fused])
        for rank, ((row, score), chunk) in enumerate(zip(fused, chunks, strict=True), start=1):
            hit = Hit(row=row, chunk=chunk, fused_rank=rank, fused_score=score)
            if row in lex:
                hit.bm25_rank, hit.bm25_score = lex[row]
            if row in den:
                hit.dense_rank, hit.dense_score = den[row]
            hits.append(hit)
        return hits


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)
