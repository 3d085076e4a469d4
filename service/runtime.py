"""Build the query-side objects from settings: index, embedder, BM25 engine, reranker."""

from __future__ import annotations

import logging
import time

from core.config import Settings
from core.embed import Embedder, load_query_embedder
from core.index import check_embedder
from core.store import open_store
from core.store.protocol import Store
from service.rerank import Reranker, RerankerStatus, load_reranker
from service.retriever import HybridRetriever

log = logging.getLogger(__name__)


def load_retriever(
    settings: Settings,
    reranker: tuple[Reranker | None, RerankerStatus] | None = None,
    embedder: Embedder | None = None,
    store: Store | None = None,
) -> HybridRetriever:
    """Load the live index with the embedder that built it; raises core's IndexError_s (and
    StoreUnavailable when its database cannot be reached).

    Pass the models of a previous load to swap indexes without reloading them.
    """
    start = time.perf_counter()
    store = store or open_store(settings)
    index = store.load()
    if embedder is None:
        embedder = load_query_embedder(settings)
    check_embedder(index.manifest, settings.embedder, embedder.fingerprint, store.describe())
    model, status = reranker if reranker is not None else load_reranker(settings)
    retriever = HybridRetriever(index, embedder, settings, model, status)
    retriever.warm_up()
    log.info(
        "loaded %d chunks of %s from %s in %.1fs; reranker: %s",
        index.chunk_count,
        index.generation,
        store.describe(),
        time.perf_counter() - start,
        status.describe(),
    )
    return retriever
