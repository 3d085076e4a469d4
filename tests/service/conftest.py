"""Tiny real indexes for retrieval tests: real FAISS, real embedder, real BM25 tokens."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.chunk import Chunk
from core.embed import Embedder
from core.index import (
    SCHEMA_VERSION,
    ChunkerInfo,
    DocumentRecord,
    EmbedderInfo,
    IndexData,
    Manifest,
    load_index,
)
from core.index_writer import Generation, now_iso, write_generation
from core.manifest import PageRecord
from service.rerank import make_random_cross_encoder
from tests.factories import make_chunk

TINY = [
    ("ops.pdf", 1, "Set HTTP_PROXY before running pip install with --no-cache-dir."),
    ("ops.pdf", 2, "Error ERR_CONN_RESET means the server closed the connection early."),
    ("hr.pdf", 1, "Annual leave is 25 days per year for full-time staff."),
    ("hr.pdf", 2, "Vacation requests go through the HR portal two weeks ahead."),
    ("food.pdf", 1, "The cafeteria serves lunch from noon to two o'clock."),
    ("food.pdf", 2, "The cafeteria is closed on public holidays."),
]


def build_index(root: Path, rows: list[tuple[str, int, str]], embedder: Embedder) -> IndexData:
    chunks: list[Chunk] = []
    docs: dict[str, DocumentRecord] = {}
    for name, page, text in rows:
        doc_id = f"doc-{name.split('.')[0]}"
        ordinal = sum(1 for c in chunks if c.doc_id == doc_id)
        chunks.append(
            make_chunk(
                text, doc_id=doc_id, ordinal=ordinal, source=f"corpus/{name}", page_start=page
            )
        )
        rec = docs.setdefault(
            doc_id,
            DocumentRecord(
                doc_id=doc_id, path=f"corpus/{name}", sha256=doc_id * 2, size=1, pages=0, chunks=0
            ),
        )
        rec.pages = max(rec.pages, page)
        rec.chunks += 1
    manifest = Manifest(
        schema_version=SCHEMA_VERSION,
        created_at=now_iso(),
        embedder=EmbedderInfo(
            name="sentence-transformers/all-MiniLM-L6-v2",
            dimension=embedder.dimension,
            max_seq_length=embedder.max_seq_length,
            weights_sha256=embedder.fingerprint,
            precision=embedder.precision,
        ),
        chunker=ChunkerInfo(chunk_tokens=200, chunk_overlap=0),
        documents=list(docs.values()),
        chunk_count=len(chunks),
        page_count=sum(d.pages for d in docs.values()),
    )
    vectors, sentences = embedder.embed_with_spans(
        [c.text for c in chunks], [c.sentences for c in chunks]
    )
    texts = {(c.doc_id, c.page_start): c.text for c in chunks}
    pages = [
        PageRecord(doc_id=d.doc_id, page=n, label=str(n), text=texts.get((d.doc_id, n), ""))
        for d in docs.values()
        for n in range(1, d.pages + 1)
    ]
    data = Generation(chunks, vectors, np.concatenate(sentences), pages)
    write_generation(root, manifest, data)
    return load_index(root)


@pytest.fixture(scope="session")
def tiny_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> IndexData:
    return build_index(tmp_path_factory.mktemp("tiny") / "index", TINY, embedder)


@pytest.fixture(scope="session")
def tiny_cross_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_random_cross_encoder(tmp_path_factory.mktemp("ce") / "tiny-ce")


@pytest.fixture(scope="session")
def clean_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """tests/fixtures/pdfs/clean.pdf ingested by the real pipeline (read-only: do not change)."""
    from core.config import Settings
    from ingest.pipeline import run_ingest
    from tests.conftest import FIXTURES

    root = tmp_path_factory.mktemp("clean") / "index"
    settings = Settings(index_dir=root, parse_workers=1, _env_file=None)  # type: ignore[call-arg]
    report = run_ingest(settings, [FIXTURES / "clean.pdf"], embedder=embedder)
    assert report.exit_code == 0, report.skipped
    return root


@pytest.fixture(scope="session")
def injection_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """The PDFs of tests/fixtures/injection_pdfs.py, ingested by the real pipeline."""
    from core.config import Settings
    from ingest.pipeline import run_ingest
    from tests.fixtures import injection_pdfs

    corpus = injection_pdfs.build(tmp_path_factory.mktemp("injection") / "pdfs")
    root = corpus.parent / "index"
    settings = Settings(index_dir=root, parse_workers=1, _env_file=None)  # type: ignore[call-arg]
    report = run_ingest(settings, [corpus], embedder=embedder)
    assert report.exit_code == 0, report.skipped
    return root
