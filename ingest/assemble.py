"""The next generation's rows: new documents as parsed and embedded in this run, the others
copied exactly (chunks, vectors, sentence vectors, pages) from the live index."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from core.chunk import Chunk
from core.embed import Vectors
from core.index import IndexData, load_index
from core.index_writer import Generation
from core.manifest import DocumentRecord, PageRecord
from ingest.plan import Outcome


@dataclass
class NewDocument:
    """A document parsed and chunked in this run."""

    record: DocumentRecord
    chunks: list[Chunk]
    pages: list[PageRecord]


@dataclass
class Embedded:
    """Vectors computed in this run, by chunk id: the chunk's and its sentences'."""

    chunks: dict[str, Vectors] = field(default_factory=dict)
    sentences: dict[str, Vectors] = field(default_factory=dict)


def assemble(
    outcome: Outcome, new: list[NewDocument], embedded: Embedded, root: Path, dim: int
) -> Generation:
    """Every row of the next generation, in the order of `outcome.documents`."""
    fresh = {doc.record.sha256: doc for doc in new}
    reused = any(d.sha256 not in fresh for d in outcome.documents)
    old = load_index(root) if reused else None
    old_rows = _rows_by_doc(old)
    chunks: list[Chunk] = []
    vectors: list[Vectors] = []
    sentences: list[Vectors] = []
    pages: list[PageRecord] = []
    for doc in outcome.documents:
        if doc.sha256 in fresh:
            item = fresh[doc.sha256]
            chunks.extend(item.chunks)
            vectors.extend(embedded.chunks[c.id][None, :] for c in item.chunks)
            sentences.extend(embedded.sentences[c.id] for c in item.chunks)
            pages.extend(item.pages)
            continue
        assert old is not None
        rows = old_rows.get(doc.doc_id, [])
        # A moved file keeps its content: only the path changes.
        chunks.extend(replace(old.chunks[r], source=doc.path) for r in rows)
        vectors.append(old.vectors(rows))
        sentences.extend(old.sentence_vecs(r) for r in rows)
        pages.extend(old.pages[(doc.doc_id, n)] for n in range(1, doc.pages + 1))
    return Generation(
        chunks=chunks,
        vectors=_stack(vectors, dim),
        sentence_vectors=_stack(sentences, dim),
        pages=pages,
    )


def _rows_by_doc(old: IndexData | None) -> dict[str, list[int]]:
    rows: dict[str, list[int]] = {}
    for i, c in enumerate(old.chunks if old else []):
        rows.setdefault(c.doc_id, []).append(i)
    return rows


def _stack(parts: list[Vectors], dim: int) -> Vectors:
    parts = [p for p in parts if len(p)]
    return np.concatenate(parts).astype(np.float32) if parts else np.zeros((0, dim), np.float32)
