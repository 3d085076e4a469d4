"""Build the query-side objects from settings: index, embedder, BM25 engine, reranker."""

from __future__ import annotations

import logging
import time

from core.config import Settings
from core.embed import Embedder, load_embedder
from core.index import check_embedder, load_index
from service.rerank import Reranker, RerankerStatus, load_reranker
from service.retriever import HybridRetriever

log = logging.getLogger(__name__)


def load_retriever(
    settings: Settings,
    reranker: tuple[Reranker | None, RerankerStatus] | None = None,
    embedder: Embedder | None = None,
) -> HybridRetriever:
    """Load the live index with the embedder that built it; raises ingest's IndexError_s.

    Pass the models of a previous load to swap indexes without reloading them.
    """
    start = time.perf_counter()
    index = load_index(settings.index_dir)
    built = index.manifest.embedder
    if embedder is None or embedder.precision != built.precision:
        # Query with the precision the index was embedded at, so scores stay comparable.
        embedder = load_embedder(settings.embedder, built.precision, settings.embed_batch_size)
    check_embedder(index.manifest, settings.embedder, embedder.fingerprint, settings.index_dir)
    model, status = reranker if reranker is not None else load_reranker(settings)
    retriever = HybridRetriever(index, embedder, settings, model, status)
    retriever.warm_up()
    log.info(
        "loaded %d chunks from %s in %.1fs; reranker: %s",
        len(index.chunks),
        index.path,
        time.perf_counter() - start,
        status.describe(),
    )
    return retriever
