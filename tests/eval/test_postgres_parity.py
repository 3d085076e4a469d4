"""`make eval` with RAG_STORE=postgres scores what the files store scores: the sample suite's
retrieval metrics (MRR@10, page hit@5) over the same index, copied into PostgreSQL, through
the harness's own settings, loader and retrieval asker."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.embed import Embedder
from core.index import load_index
from core.store import open_store
from core.store.copy import copy_generation
from eval import metrics
from eval.catalog import RETRIEVAL_K
from eval.harness import EvalConfig, select
from eval.runner import Record, retrieval_asker, run
from service.pipeline import AnswerService
from service.runtime import load_retriever
from tests.conftest import PgServer

pytestmark = pytest.mark.postgres


def _records(config: EvalConfig, embedder: Embedder) -> list[Record]:
    settings = config.settings()
    answerer = AnswerService(load_retriever(settings, embedder=embedder), settings)
    return run(select(config), retrieval_asker(answerer))


def test_eval_metrics_agree_between_the_files_and_postgres_stores(
    pg_server: PgServer, sample_index: Path, embedder: Embedder
) -> None:
    pg = pg_server.settings(sample_index)
    copy_generation(load_index(sample_index), open_store(pg))
    base = EvalConfig(index=sample_index, retrieval_only=True, overrides={"reranker": "none"})
    on_pg = EvalConfig(
        index=sample_index,
        retrieval_only=True,
        overrides={
            "reranker": "none",
            "store": "postgres",
            "database_url": pg_server.url,
            "pg_schema": pg.pg_schema,
        },
    )
    assert on_pg.settings().store == "postgres"
    files, postgres = _records(base, embedder), _records(on_pg, embedder)
    scorers = {
        "mrr@10": lambda r: metrics.mrr_at(r, 10),
        "page_hit@5": lambda r: metrics.page_hit_at(r, RETRIEVAL_K),
    }
    for name, metric in scorers.items():
        a = float(np.nanmean([metric(r) for r in files]))
        b = float(np.nanmean([metric(r) for r in postgres]))
        assert abs(a - b) <= 0.01, (name, a, b)
    # Not only the means: every question retrieved the same chunks in the same order.
    assert [r.response["retrieval"] for r in postgres] == [r.response["retrieval"] for r in files]


def test_eval_gives_each_suite_index_its_own_schema() -> None:
    config = EvalConfig(
        eval_index=Path("build/eval-index-real"),
        overrides={"store": "postgres", "database_url": "postgresql://localhost/x"},
    )
    assert config.settings().pg_schema == "eval_index_real"
