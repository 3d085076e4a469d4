"""BM25 over the chunk tokens stored in the index, behind one small interface.

Two engines: bm25s (sparse matrices, milliseconds at 100k chunks) and rank-bm25 (pure
Python, the reference implementation). Both read the token ids that ingest wrote, so index
and query are tokenized by the same function (`core.tokenize.tokenize`). An index that ranks
BM25 itself (the PostgreSQL store, with bm25s' formula) is queried through `StoreBM25`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from core.index import IndexData
from core.store.protocol import LexicalSearch, SearchIndex

Scores = npt.NDArray[np.float32]


class LexicalEngine(Protocol):
    """Ranks chunks for a tokenized query; unknown tokens score nothing."""

    name: str

    def top(
        self, tokens: list[str], k: int, docs: Sequence[str] | None = None
    ) -> list[tuple[int, float]]:
        """The k best (row, score) with score > 0, ties broken by row; only `docs` if given."""
        ...


class _InProcess:
    """`top` over `scores`, for the engines that score every chunk of an IndexData."""

    _index: IndexData

    def scores(self, tokens: list[str]) -> Scores:
        raise NotImplementedError

    def top(
        self, tokens: list[str], k: int, docs: Sequence[str] | None = None
    ) -> list[tuple[int, float]]:
        mask = None
        if docs is not None:
            mask = np.zeros(len(self._index.chunks), dtype=bool)
            mask[self._index.rows_of(docs)] = True
        return top_k(self.scores(tokens), k, mask)


def _token_lists(index: IndexData) -> list[list[int]]:
    ids, ptr = index.lexical_ids, index.lexical_indptr
    return [ids[ptr[i] : ptr[i + 1]].tolist() for i in range(len(ptr) - 1)]


class BM25sEngine(_InProcess):
    name = "bm25s"

    def __init__(self, index: IndexData, k1: float = 1.5, b: float = 0.75) -> None:
        import bm25s
        from bm25s.tokenization import Tokenized

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs each build at DEBUG

        self._index = index
        self._n = len(index.chunks)
        self._model = bm25s.BM25(k1=k1, b=b, method="lucene")
        if self._n:
            # bm25s wants at least one token per document; empty chunks get a placeholder.
            lists = [ids or [len(index.lexical_vocab)] for ids in _token_lists(index)]
            vocab = {**index.lexical_vocab, "\x00": len(index.lexical_vocab)}
            self._model.index(Tokenized(ids=lists, vocab=vocab), show_progress=False)

    def scores(self, tokens: list[str]) -> Scores:
        if not self._n:
            return np.zeros(0, dtype=np.float32)
        known = [t for t in tokens if t in self._model.vocab_dict]
        if not known:
            return np.zeros(self._n, dtype=np.float32)
        return np.asarray(self._model.get_scores(known), dtype=np.float32)


class RankBM25Engine(_InProcess):
    name = "rank-bm25"

    def __init__(self, index: IndexData, k1: float = 1.5, b: float = 0.75) -> None:
        from rank_bm25 import BM25Okapi

        self._index = index
        self._n = len(index.chunks)
        self._vocab = index.lexical_vocab
        # rank-bm25 divides by the corpus size: it cannot be built over zero chunks.
        self._model = BM25Okapi(_token_lists(index), k1=k1, b=b) if self._n else None

    def scores(self, tokens: list[str]) -> Scores:
        if self._model is None:
            return np.zeros(0, dtype=np.float32)
        ids = [self._vocab[t] for t in tokens if t in self._vocab]
        if not ids:
            return np.zeros(self._n, dtype=np.float32)
        return np.asarray(self._model.get_scores(ids), dtype=np.float32)


class StoreBM25:
    """BM25 ranked by the store itself (PostgreSQL: bm25s' formula over stored postings)."""

    name = "postgres"

    def __init__(self, index: LexicalSearch) -> None:
        self._index = index

    def top(
        self, tokens: list[str], k: int, docs: Sequence[str] | None = None
    ) -> list[tuple[int, float]]:
        return self._index.bm25_search(tokens, k, docs)


def make_engine(name: str, index: SearchIndex) -> LexicalEngine:
    if isinstance(index, LexicalSearch):
        return StoreBM25(index)
    assert isinstance(index, IndexData)
    engines: dict[str, type[BM25sEngine] | type[RankBM25Engine]] = {
        "bm25s": BM25sEngine,
        "rank-bm25": RankBM25Engine,
    }
    if name not in engines:
        raise ValueError(f"unknown BM25 engine {name!r}: choose one of {sorted(engines)}")
    return engines[name](index)


def top_k(
    scores: Scores, k: int, allowed: npt.NDArray[np.bool_] | None = None
) -> list[tuple[int, float]]:
    """The k best (row, score) with score > 0, ties broken by row for stable output."""
    if scores.size == 0 or k <= 0:
        return []
    masked = scores if allowed is None else np.where(allowed, scores, 0.0)
    positive = np.flatnonzero(masked > 0)
    if positive.size == 0:
        return []
    order = np.lexsort((positive, -masked[positive]))[:k]
    return [(int(positive[i]), float(masked[positive[i]])) for i in order]
