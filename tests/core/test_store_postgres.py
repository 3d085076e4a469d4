"""The PostgreSQL store against the files store, on a real server: the same rows, the same
BM25 and hybrid rankings, atomic generations and garbage collection."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import numpy as np
import psycopg
import pytest

from core.config import Settings
from core.embed import Embedder
from core.index import IndexData, load_index
from core.store import open_store
from core.store.copy import copy_generation
from core.store.merge import build_key
from core.store.pg_index import PostgresIndex
from core.store.postgres import PostgresStore
from core.tokenize import tokenize
from ingest.pipeline import run_ingest
from service.lexical import make_engine
from service.retriever import HybridRetriever, SearchParams
from tests.conftest import FIXTURES, PgServer
from tests.factories import make_settings
from tests.polling import wait_for
from tests.service.conftest import TINY, build_index

pytestmark = pytest.mark.postgres

QUERIES = [
    "How many days of annual leave do I get?",
    "What does error E-4012 mean?",
    "HTTP_PROXY --no-cache-dir",
    "parental leave primary caregiver weeks",
    "the the the",
    "How do I reset the device to factory settings?",
    "expense report receipts deadline",
    "cafeteria lunch",
    "ERR_CONN_RESET server closed connection",
    "zeppelin quasar nonexistent",
    "v4.2.1 release notes",
    "Which port does the service listen on by default?",
]


def _golden_questions(n: int = 40) -> list[str]:
    path = Path(__file__).parents[2] / "eval" / "golden" / "sample.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    step = max(1, len(rows) // n)
    return [r["question"] for r in rows[::step]][:n]


def _pg_copy(pg_server: PgServer, tmp_path: Path, index: IndexData) -> PostgresIndex:
    store = open_store(pg_server.settings(tmp_path / "unused"))
    copy_generation(index, store)
    loaded = store.load()
    assert isinstance(loaded, PostgresIndex)
    return loaded


@pytest.fixture(scope="module")
def tiny_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> IndexData:
    return build_index(tmp_path_factory.mktemp("tiny") / "index", TINY, embedder)


@pytest.fixture(scope="module")
def ingested(
    pg_server: PgServer, tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> tuple[IndexData, PostgresIndex, Settings]:
    """The same small corpus ingested by the real pipeline into files and into PostgreSQL."""
    corpus = tmp_path_factory.mktemp("pgcorpus")
    for name in ("clean.pdf", "labels.pdf", "ligatures.pdf", "two_column.pdf", "garbage.pdf"):
        shutil.copy(FIXTURES / name, corpus / name)
    files = Settings(index_dir=corpus.parent / "index", parse_workers=1, _env_file=None)
    pg = pg_server.settings(corpus.parent / "unused")
    assert run_ingest(files, [corpus], embedder=embedder).exit_code == 1  # garbage.pdf
    assert run_ingest(pg, [corpus], embedder=embedder).exit_code == 1
    index = open_store(pg).load()
    assert isinstance(index, PostgresIndex)
    return load_index(files.index_dir), index, pg


def test_round_trip_holds_exactly_what_the_files_store_holds(
    ingested: tuple[IndexData, PostgresIndex, Settings],
) -> None:
    files, pg, _ = ingested
    rows = list(range(files.chunk_count))
    assert pg.chunk_count == files.chunk_count > 3
    assert pg.manifest == files.manifest.model_copy(
        update={"files": {}, "created_at": pg.manifest.created_at}
    )
    assert pg.chunks_at(rows) == files.chunks_at(rows)
    assert np.array_equal(pg.vectors(rows), files.vectors(rows))
    for r in rows:
        assert np.array_equal(pg.sentence_vecs(r), files.sentence_vecs(r))
        ids_pg = pg.lexical_tokens(r).tolist()
        by_id = {i: t for t, i in pg.term_stats().vocab.items()}
        by_id_files = {i: t for t, i in files.lexical_vocab.items()}
        assert [by_id[i] for i in ids_pg] == [by_id_files[i] for i in files.lexical_tokens(r)]
    for doc in files.manifest.documents:
        for n in range(1, doc.pages + 1):
            assert pg.page(doc.doc_id, n) == files.page(doc.doc_id, n)
    assert pg.page("no-such-doc", 1) is None
    a, b = files.term_stats(), pg.term_stats()
    assert {t: int(a.df[i]) for t, i in a.vocab.items()} == {
        t: int(b.df[i]) for t, i in b.vocab.items()
    }


def test_an_unchanged_corpus_is_up_to_date_in_postgres_too(
    ingested: tuple[IndexData, PostgresIndex, Settings], embedder: Embedder, tmp_path: Path
) -> None:
    files, pg, settings = ingested
    corpus = Path(files.manifest.documents[0].path).parent
    report = run_ingest(settings, [corpus], embedder=embedder)
    assert report.up_to_date and not report.written and report.exit_code == 1
    assert open_store(settings).live_generation() == pg.generation


@pytest.mark.parametrize("which", ["tiny", "sample"])
def test_bm25_ranks_exactly_like_bm25s(
    which: str,
    pg_server: PgServer,
    tmp_path: Path,
    tiny_index: IndexData,
    sample_index: Path,
) -> None:
    files = tiny_index if which == "tiny" else load_index(sample_index)
    pg = _pg_copy(pg_server, tmp_path, files)
    ours, reference = make_engine("bm25s", pg), make_engine("bm25s", files)
    assert ours.name == "postgres" and reference.name == "bm25s"
    for query in QUERIES + _golden_questions():
        tokens = tokenize(query)
        assert ours.top(tokens, 50) == reference.top(tokens, 50), query
    doc = files.manifest.documents[-1].doc_id
    assert ours.top(tokenize(QUERIES[0]), 10, [doc]) == reference.top(
        tokenize(QUERIES[0]), 10, [doc]
    )


def test_hybrid_search_returns_the_same_hits_and_scores(
    pg_server: PgServer, tmp_path: Path, sample_index: Path, embedder: Embedder
) -> None:
    files = load_index(sample_index)
    pg = _pg_copy(pg_server, tmp_path, files)
    settings = make_settings(sample_index)
    a = HybridRetriever(files, embedder, settings)
    b = HybridRetriever(pg, embedder, settings)
    for fusion in ("weighted", "rrf"):
        params = SearchParams.from_settings(settings, fusion=fusion)
        for query in _golden_questions():
            ra, rb = a.search(query, params), b.search(query, params)
            assert [(h.row, h.fused_score, h.bm25_score, h.dense_score) for h in rb.candidates] == [
                (h.row, h.fused_score, h.bm25_score, h.dense_score) for h in ra.candidates
            ], query
            assert [h.chunk for h in rb.hits] == [h.chunk for h in ra.hits]
    doc = files.manifest.documents[0].path
    ra = a.search(QUERIES[0], documents=[doc])
    rb = b.search(QUERIES[0], documents=[doc])
    assert [h.row for h in rb.candidates] == [h.row for h in ra.candidates]


def test_hnsw_finds_the_exact_neighbours_on_a_small_index(
    pg_server: PgServer, tmp_path: Path, sample_index: Path, embedder: Embedder
) -> None:
    files = load_index(sample_index)
    settings = pg_server.settings(tmp_path, pg_exact_max_chunks=0, pg_ef_search=100)
    store = open_store(settings)
    assert isinstance(store, PostgresStore)
    copy_generation(files, store)
    assert store.ensure_ann_index(files.manifest.embedder.dimension)
    pg = store.load()
    assert pg.ann_index
    recall = []
    for query in _golden_questions(20):
        qvec = embedder.embed([query])
        exact = {r for r, _ in files.dense_search(qvec, 10)}
        recall.append(len(exact & {r for r, _ in pg.dense_search(qvec, 10)}) / 10)
    assert np.mean(recall) >= 0.95


def test_a_reader_sees_the_old_generation_until_the_switch_commits(
    pg_server: PgServer, tmp_path: Path, tiny_index: IndexData, sample_index: Path
) -> None:
    settings = pg_server.settings(tmp_path)
    store = open_store(settings)
    old = copy_generation(tiny_index, store)
    sample = load_index(sample_index)
    key = f"rag:{settings.pg_schema}:publish"
    with psycopg.connect(pg_server.url, autocommit=True) as blocker:
        blocker.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (key,))
        done: list[str] = []
        writer = threading.Thread(target=lambda: done.append(copy_generation(sample, store)))
        writer.start()
        # The writer stages every row, then waits for the publish lock: nothing is visible.
        with psycopg.connect(pg_server.url, autocommit=True) as probe:
            every = (tiny_index.chunk_count + sample.chunk_count,)
            count = f"SELECT count(*) FROM {settings.pg_schema}.chunks"
            wait_for(lambda: probe.execute(count).fetchone() == every, 30)
        assert store.live_generation() == old
        reader = open_store(settings).load()
        assert reader.generation == old and reader.chunk_count == tiny_index.chunk_count
        hits = make_engine("bm25s", reader).top(tokenize("annual leave days"), 50)
        assert hits and all(r < tiny_index.chunk_count for r, _ in hits)
        blocker.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (key,))
        writer.join(60)
    assert done and store.live_generation() == done[0] != old
    assert open_store(settings).load().chunk_count == sample.chunk_count
    # The old generation is kept as the previous one; a replica still on it can read it.
    assert reader.chunks_at([0]) == tiny_index.chunks_at([0])


def test_old_generations_and_unlisted_rows_are_collected(
    pg_server: PgServer, tmp_path: Path, tiny_index: IndexData, sample_index: Path
) -> None:
    settings = pg_server.settings(tmp_path)
    store = open_store(settings)
    sample = load_index(sample_index)
    for index in (tiny_index, sample, tiny_index):
        copy_generation(index, store)
    with psycopg.connect(pg_server.url, autocommit=True) as conn:
        s = settings.pg_schema
        gens = conn.execute(f"SELECT count(*) FROM {s}.generations").fetchone()
        docs = conn.execute(f"SELECT count(*) FROM {s}.documents").fetchone()
    # live (tiny) and the one before it (sample); the first tiny's rows are shared by content.
    assert gens == (2,)
    assert docs == (len(tiny_index.manifest.documents) + len(sample.manifest.documents),)


def test_rows_an_ingest_is_staging_survive_another_ingests_garbage_collection(
    pg_server: PgServer, tmp_path: Path, tiny_index: IndexData, sample_index: Path
) -> None:
    settings = pg_server.settings(tmp_path)  # grace 0: only the staging lock protects them
    store = open_store(settings)
    copy_generation(tiny_index, store)
    sample = load_index(sample_index)
    first, second = sample.manifest.documents[:2]
    build = build_key(sample.manifest.embedder, sample.manifest.chunker)
    doc_lock = f"rag:{settings.pg_schema}:doc:{second.sha256}:{build}"
    staged = f"SELECT count(*) FROM {settings.pg_schema}.documents WHERE sha256 = %s"
    with psycopg.connect(pg_server.url, autocommit=True) as blocker:
        # The writer stages the first document, then waits on the second one's lock.
        blocker.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (doc_lock,))
        done: list[str] = []
        writer = threading.Thread(target=lambda: done.append(copy_generation(sample, store)))
        writer.start()
        wait_for(lambda: blocker.execute(staged, (first.sha256,)).fetchone() == (1,), 30)
        # Another ingest publishes meanwhile and collects: the staged rows are nobody's yet.
        open_store(settings).collect_garbage()
        assert blocker.execute(staged, (first.sha256,)).fetchone() == (1,)
        blocker.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (doc_lock,))
        writer.join(120)
    assert done and store.live_generation() == done[0]
    assert open_store(settings).load().chunk_count == sample.chunk_count
