"""The default store: generation folders with FAISS and BM25 arrays (`core.index`,
`core.index_writer`). Nothing to run; one writer at a time (a file lock held for the whole
ingest), so the live generation cannot change between an ingest's plan and its write."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from pathlib import Path

import numpy as np

from core.chunk import Chunk
from core.embed import Vectors
from core.errors import IndexNotFound
from core.index import CURRENT, IndexData, load_index, read_manifest, verify_live
from core.index_writer import Generation, collect_garbage, write_generation, writer_lock
from core.manifest import DocumentRecord, Manifest, PageRecord
from core.store.protocol import DocumentRows, Scope

# CURRENT holds one short name; read no more than this of whatever is there.
_POINTER_BYTES = 256


class FilesStore:
    """Generations under one folder, switched by its CURRENT file."""

    kind = "files"

    def __init__(self, root: Path) -> None:
        self.root = root

    def describe(self) -> str:
        return str(self.root)

    def live_generation(self) -> str | None:
        """What CURRENT says (decoded leniently, at most 256 bytes), or None without one."""
        try:
            with (self.root / CURRENT).open("rb") as fh:
                raw = fh.read(_POINTER_BYTES)
        except OSError:
            return None
        return raw.decode("utf-8", "backslashreplace").strip() or None

    def live_manifest(self) -> Manifest:
        return verify_live(self.root)

    def load(self) -> IndexData:
        return load_index(self.root)

    def writing(self) -> AbstractContextManager[None]:
        return writer_lock(self.root)

    def publish(
        self, manifest: Manifest, fresh: Sequence[DocumentRows], scope: Scope | None = None
    ) -> str:
        # `scope` needs no merge here: the writer lock was held since the plan was made.
        generation = assemble(manifest, fresh, self.root)
        return write_generation(self.root, manifest, generation).name

    def documents(self) -> list[DocumentRecord]:
        try:
            return read_manifest(self.root).documents
        except IndexNotFound:
            return []

    def collect_garbage(self) -> int:
        live = self.live_generation()
        return collect_garbage(self.root, live) if live else 0

    def close(self) -> None:
        pass


def assemble(manifest: Manifest, fresh: Sequence[DocumentRows], root: Path) -> Generation:
    """Every row of the next generation, in the order of `manifest.documents`: fresh
    documents as given, the others copied exactly from the live generation."""
    by_sha = {doc.record.sha256: doc for doc in fresh}
    reused = any(d.sha256 not in by_sha for d in manifest.documents)
    old = load_index(root) if reused else None
    chunks: list[Chunk] = []
    vectors: list[Vectors] = []
    sentences: list[Vectors] = []
    pages: list[PageRecord] = []
    for doc in manifest.documents:
        item = by_sha.get(doc.sha256)
        if item is not None:
            chunks.extend(item.chunks)
            vectors.append(item.vectors)
            sentences.extend(item.sentence_vectors)
            pages.extend(item.pages)
            continue
        assert old is not None
        rows = old.doc_rows.get(doc.doc_id, np.zeros(0, dtype=np.int64)).tolist()
        # A moved file keeps its content: only the path changes.
        chunks.extend(replace(old.chunks[r], source=doc.path) for r in rows)
        vectors.append(old.vectors(rows))
        sentences.extend(old.sentence_vecs(r) for r in rows)
        pages.extend(old.pages[(doc.doc_id, n)] for n in range(1, doc.pages + 1))
    dim = manifest.embedder.dimension
    return Generation(
        chunks=chunks,
        vectors=_stack(vectors, dim),
        sentence_vectors=_stack(sentences, dim),
        pages=pages,
    )


def _stack(parts: list[Vectors], dim: int) -> Vectors:
    parts = [p for p in parts if len(p)]
    return np.concatenate(parts).astype(np.float32) if parts else np.zeros((0, dim), np.float32)
