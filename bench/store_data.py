"""The synthetic index of section 8 as documents, in both stores: chunks regrouped into
documents of `PER_DOC` chunks (a database keys rows by document), written to a files
generation and published into PostgreSQL, each timed."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from bench import synthetic as synth
from core.index import IndexData, load_index
from core.index_writer import Generation, write_generation
from core.manifest import DocumentRecord, PageRecord
from core.store.copy import copy_generation
from core.store.postgres import PostgresStore

PER_DOC = 100


@dataclass
class Built:
    index: IndexData
    info: dict[str, Any]


def synthetic(source: IndexData, n: int, root: Path, noise: str = "corpus") -> Built:
    """`n` synthetic chunks (bench.synthetic) as documents, written as a files generation."""
    start = time.perf_counter()
    made = synth.build(source, n, noise)
    chunks, docs, pages = [], [], []
    for d, first in enumerate(range(0, n, PER_DOC)):
        doc_id = f"syn{d:06d}"
        group = made.index.chunks[first : first + PER_DOC]
        chunks += [
            replace(c, doc_id=doc_id, id=f"{doc_id}:{i:05d}", source=f"synthetic/{doc_id}.pdf",
                    ordinal=i, page_start=1, page_end=1, label_start="1", label_end="1")
            for i, c in enumerate(group)
        ]  # fmt: skip
        sha = hashlib.sha256(doc_id.encode()).hexdigest()
        docs.append(DocumentRecord(doc_id=doc_id, path=f"synthetic/{doc_id}.pdf", sha256=sha,
                                   size=0, pages=1, chunks=len(group)))  # fmt: skip
        pages.append(PageRecord(doc_id=doc_id, page=1, label="1", text=""))
    manifest = made.index.manifest.model_copy(
        update={"documents": docs, "chunk_count": n, "page_count": len(docs), "skipped": []}
    )
    vectors = made.index.vectors()
    generation = Generation(chunks, vectors, made.index.sentence_vectors.astype(np.float32), pages)
    made_s = time.perf_counter() - start
    t = time.perf_counter()
    write_generation(root, manifest, generation)
    written_s = time.perf_counter() - t
    info = {**made.info, "seconds_make": made_s, "seconds_write_files": written_s}
    del made, chunks, generation, vectors  # at 1M chunks these copies are gigabytes
    index = load_index(root)
    info["files_bytes"] = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    return Built(index, info)


def publish(index: IndexData, store: PostgresStore) -> dict[str, float]:
    """Copy `index` into `store` and build its HNSW index; seconds of each, and sizes."""
    exact = store.settings.pg_exact_max_chunks
    store.settings = store.settings.model_copy(update={"pg_exact_max_chunks": index.chunk_count})
    t = time.perf_counter()
    copy_generation(index, store)  # below the threshold: publishing builds no HNSW index
    copied = time.perf_counter() - t
    store.settings = store.settings.model_copy(update={"pg_exact_max_chunks": exact})
    t = time.perf_counter()
    store.ensure_ann_index(index.manifest.embedder.dimension)
    hnsw = time.perf_counter() - t
    schema = store.db.schema

    def sizes(conn: Any) -> tuple[int, int, int]:
        conn.execute("ANALYZE")
        total = conn.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s "
            "AND c.relkind = 'r'",
            (schema,),
        ).fetchone()
        ann = conn.execute(
            "SELECT pg_relation_size(to_regclass(%s))",
            (f"{schema}.chunks_hnsw_{index.manifest.embedder.dimension}",),
        ).fetchone()
        db = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        return int(total[0]), int(ann[0] or 0), int(db[0])

    schema_bytes, hnsw_bytes, db_bytes = store.db.run(sizes, retry=False)
    return {
        "seconds_copy": copied,
        "seconds_hnsw": hnsw,
        "schema_bytes": schema_bytes,
        "hnsw_bytes": hnsw_bytes,
        "database_bytes": db_bytes,
    }
