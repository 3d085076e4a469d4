"""Retrieval on a tiny real index: exact rows for BM25, dense, fusion and reranking."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.config import Settings
from core.embed import Embedder
from core.index import IndexData
from core.tokenize import tokenize
from service.lexical import BM25sEngine, RankBM25Engine, top_k
from service.rerank import CrossEncoderReranker, load_reranker
from service.retriever import HybridRetriever, SearchParams, UnknownDocument


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(index_dir=tmp_path, reranker="none", top_k=3, _env_file=None)  # type: ignore[call-arg]


@pytest.mark.parametrize("engine", [BM25sEngine, RankBM25Engine])
def test_bm25_finds_identifier_queries(engine: type, tiny_index: IndexData) -> None:
    bm25 = engine(tiny_index)
    assert [r for r, _ in top_k(bm25.scores(tokenize("--no-cache-dir")), 5)] == [0]
    assert [r for r, _ in top_k(bm25.scores(tokenize("ERR_CONN_RESET")), 5)] == [1]
    assert [r for r, _ in top_k(bm25.scores(tokenize("http_proxy")), 5)] == [0]


@pytest.mark.parametrize("engine", [BM25sEngine, RankBM25Engine])
def test_bm25_returns_nothing_for_unknown_words(engine: type, tiny_index: IndexData) -> None:
    bm25 = engine(tiny_index)
    assert top_k(bm25.scores(tokenize("zeppelin quasar")), 5) == []
    assert top_k(bm25.scores([]), 5) == []


def test_bm25s_ranks_by_term_matches(tiny_index: IndexData) -> None:
    rows = [r for r, _ in top_k(BM25sEngine(tiny_index).scores(tokenize("cafeteria lunch")), 5)]
    assert rows == [4, 5]


def test_top_k_breaks_ties_by_row_and_respects_mask() -> None:
    scores = np.array([0.0, 2.0, 2.0, 1.0], dtype=np.float32)
    assert top_k(scores, 3) == [(1, 2.0), (2, 2.0), (3, 1.0)]
    mask = np.array([True, False, True, True])
    assert top_k(scores, 3, mask) == [(2, 2.0), (3, 1.0)]


def test_dense_search_ranks_paraphrases(
    tiny_index: IndexData, embedder: Embedder, settings: Settings
) -> None:
    dense = tiny_index.dense_search(embedder.embed(["how many vacation days do employees get"]), 2)
    assert {row for row, _ in dense} == {2, 3}
    assert tiny_index.dense_search(embedder.embed(["x"]), 3, docs=[]) == []


def test_hybrid_search_fuses_and_reports_each_stage(
    tiny_index: IndexData, embedder: Embedder, settings: Settings
) -> None:
    r = HybridRetriever(tiny_index, embedder, settings)
    result = r.search("what does ERR_CONN_RESET mean")
    assert settings.fusion == "weighted" and settings.fusion_norm == "zscore"  # the defaults
    top = result.hits[0]
    assert top.row == 1
    assert (top.bm25_rank, top.dense_rank, top.fused_rank) == (1, 1, 1)
    assert top.rerank_rank is None
    assert len(result.hits) == 3
    assert result.reranker == "none (no reranker configured)"
    assert set(result.timings_ms) == {"embed_query", "bm25", "dense", "fusion", "rerank"}


@pytest.mark.parametrize(
    ("fusion", "norm"), [("rrf", "zscore"), ("weighted", "minmax"), ("weighted", "zscore")]
)
def test_every_fusion_option_finds_the_identifier(
    tiny_index: IndexData, embedder: Embedder, settings: Settings, fusion: str, norm: str
) -> None:
    r = HybridRetriever(tiny_index, embedder, settings)
    params = SearchParams.from_settings(settings, fusion=fusion, norm=norm)
    assert r.search("--no-cache-dir pip", params).hits[0].row == 0


def test_document_filter_restricts_every_stage(
    tiny_index: IndexData, embedder: Embedder, settings: Settings
) -> None:
    r = HybridRetriever(tiny_index, embedder, settings)
    result = r.search("ERR_CONN_RESET", documents=["hr.pdf"])
    assert {h.chunk.doc_id for h in result.candidates} == {"doc-hr"}
    assert [h.row for h in r.search("lunch", documents=["doc-food"]).hits] == [4, 5]
    with pytest.raises(UnknownDocument, match=r"unknown document\(s\) \['nope.pdf'\]"):
        r.search("lunch", documents=["nope.pdf"])


def test_cross_encoder_scores_order_and_truncation(tiny_cross_encoder: Path) -> None:
    ce = CrossEncoderReranker(str(tiny_cross_encoder), max_tokens=32, precision="fp32")
    assert ce.score("q", []).shape == (0,)
    passages = ["short passage", "another one about lunch", "word " * 500]
    scores = ce.score("when is lunch", passages)
    assert scores.shape == (3,) and np.isfinite(scores).all()
    # Truncation: everything past the 32-token budget is ignored.
    assert ce.score("when is lunch", ["word " * 500])[0] == pytest.approx(
        ce.score("when is lunch", ["word " * 40])[0], abs=1e-5
    )


def test_reranker_orders_hits_by_its_scores(
    tiny_index: IndexData, embedder: Embedder, settings: Settings, tiny_cross_encoder: Path
) -> None:
    s = settings.model_copy(
        update={"reranker": str(tiny_cross_encoder), "rerank_precision": "fp32"}
    )
    model, status = load_reranker(s)
    assert status.describe() == f"{tiny_cross_encoder} (fp32)"
    r = HybridRetriever(tiny_index, embedder, s, model, status)
    result = r.search("cafeteria lunch", SearchParams.from_settings(s, top_k=6, fused_k=6))
    scores = [h.rerank_score for h in result.hits]
    assert scores == sorted(scores, reverse=True)
    assert [h.rerank_rank for h in result.hits] == list(range(1, len(result.hits) + 1))
    assert result.reranker == status.describe()


def test_unloadable_reranker_is_reported_not_fatal(settings: Settings, tmp_path: Path) -> None:
    s = settings.model_copy(update={"reranker": str(tmp_path / "no-such-model")})
    model, status = load_reranker(s)
    assert model is None and not status.active
    assert status.describe() == f"none (no CrossEncoder folder at {tmp_path / 'no-such-model'})"
    model, status = load_reranker(settings)
    assert status.describe() == "none (disabled by RAG_RERANKER=none)"
