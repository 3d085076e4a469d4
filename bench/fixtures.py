"""What every section needs: settings, the sample index and the random-weight reranker.

Both live in bench/.cache/ (git-ignored) and are reused while current: ingest is
incremental, so an unchanged sample is a no-op, and the reranker is written once.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from bench.common import REAL_PDFS, SAMPLE_PDFS
from core.config import Settings
from core.embed import Embedder
from core.index import IndexData, load_index
from ingest.pipeline import run_ingest
from service.rerank import CrossEncoderReranker, make_random_cross_encoder

CACHE = Path(__file__).resolve().parent / ".cache"
# MiniLM-L6 cross-encoder shape (ms-marco-MiniLM-L6-v2): same FLOPs, so same latency.
RERANKER_SHAPE = {"layers": 6, "hidden": 384, "heads": 12, "intermediate": 1536}
RERANKER_DIR = CACHE / "reranker-minilm-l6-shape-random-seed0"
FUSED_K = 20
RERANK_MAX_TOKENS = 256


def clear_rag_env() -> list[str]:
    """Drop RAG_* variables so a developer's shell cannot change what is measured."""
    names = sorted(k for k in os.environ if k.startswith("RAG_"))
    for name in names:
        del os.environ[name]
    return names


def bench_settings(index_dir: Path, reranker: Path | str = "none") -> Settings:
    """Project defaults, plus the reranker setup every section measures."""
    return Settings(
        _env_file=None,  # a developer's .env must not change what is measured
        index_dir=index_dir,
        reranker=str(reranker),
        rerank_precision="fp32",
        rerank_max_tokens=RERANK_MAX_TOKENS,
        fused_k=FUSED_K,
        generator="extractive",
        rate_limit_per_minute=0,
        index_poll_s=0,
    )


def random_reranker() -> Path:
    """The random-weight MiniLM-L6-shape cross-encoder, written once into the cache."""
    if (RERANKER_DIR / "config.json").is_file():
        return RERANKER_DIR
    tmp = RERANKER_DIR.with_name(RERANKER_DIR.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    make_random_cross_encoder(tmp, seed=0, **RERANKER_SHAPE)
    os.replace(tmp, RERANKER_DIR)  # complete or absent: an interrupted write is redone
    return RERANKER_DIR


def load_fp32_reranker(path: Path) -> CrossEncoderReranker:
    return CrossEncoderReranker(str(path), max_tokens=RERANK_MAX_TOKENS, precision="fp32")


def real_index(embedder: Embedder) -> Path | None:
    """Ingest data/real (the real-manual corpus) into the cache; None when it is absent."""
    if not any(REAL_PDFS.glob("*.pdf")):
        return None
    settings = bench_settings(CACHE / "real-index")
    report = run_ingest(settings, [REAL_PDFS], embedder=embedder)
    if not report.documents:
        raise RuntimeError(f"real-corpus ingest wrote nothing: {report.skipped}")
    return settings.index_dir


def sample_index(embedder: Embedder) -> tuple[IndexData, str]:
    """Ingest data/sample into the cache (no-op when current) and load it."""
    settings = bench_settings(CACHE / "sample-index")
    report = run_ingest(settings, [SAMPLE_PDFS], embedder=embedder)
    if report.skipped:
        raise RuntimeError(f"sample ingest skipped files: {[s.path for s in report.skipped]}")
    state = "up to date" if not report.written else f"built in {report.seconds:.1f}s"
    return load_index(settings.index_dir), state
