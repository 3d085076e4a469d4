"""The seam between the pipeline and where an index lives: `Store` (write, load, list,
delete generations) and `SearchIndex` (one loaded generation, as the service queries it).

Two stores implement it: `core.store.files.FilesStore` (the default: FAISS and BM25 arrays
in generation folders, `core.index`) and `core.store.postgres.PostgresStore` (PostgreSQL
with pgvector). An ingest plans against `live_manifest()`, parses and embeds only what is
new, and hands those documents' rows to `publish()`, which copies every other document's
rows from the live generation (by content) and makes the result live atomically. A service
polls `live_generation()` and swaps to `load()`'s result when it changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from core.chunk import Chunk
from core.embed import Vectors
from core.manifest import DocumentRecord, Manifest, PageRecord

# A predicate on stored document paths: which documents an ingest is responsible for.
# None means every document (the files store's mirror semantics).
Scope = Callable[[str], bool]


@dataclass
class DocumentRows:
    """One newly parsed and embedded document: everything a generation stores about it."""

    record: DocumentRecord
    chunks: Sequence[Chunk]
    vectors: Vectors  # one L2-normalised float32 row per chunk
    sentence_vectors: Sequence[Vectors]  # per chunk, one row per sentence span
    pages: Sequence[PageRecord]


@dataclass(frozen=True)
class TermStats:
    """BM25 terms of a generation: term -> id, and per id the number of chunks holding it."""

    vocab: dict[str, int]
    df: npt.NDArray[np.int64]
    chunks: int


class SearchIndex(Protocol):
    """One loaded generation, read-only and safe to share across threads.

    Rows are the chunks' positions in the generation (documents in manifest order, chunks
    in ordinal order): the same numbers in every store, so ties break the same way.
    """

    @property
    def generation(self) -> str:
        """The generation's name (never a path or a URL)."""
        ...

    @property
    def manifest(self) -> Manifest: ...

    @property
    def chunk_count(self) -> int: ...

    def chunks_at(self, rows: Sequence[int]) -> list[Chunk]:
        """The chunks at these rows, in that order."""
        ...

    def dense_search(
        self, qvec: npt.NDArray[np.float32], k: int, docs: Sequence[str] | None = None
    ) -> list[tuple[int, float]]:
        """The k rows with the largest inner product with `qvec` (1, dim), best first;
        only rows of `docs` (doc ids) when given."""
        ...

    def sentence_vecs(self, row: int) -> Vectors:
        """Vectors of chunk `row`'s sentences, in the order of its `sentences` spans."""
        ...

    def lexical_tokens(self, row: int) -> npt.NDArray[np.int32]:
        """Chunk `row`'s BM25 term ids (ids of `term_stats().vocab`)."""
        ...

    def page(self, doc_id: str, page: int) -> PageRecord | None: ...

    def term_stats(self) -> TermStats: ...


@runtime_checkable
class LexicalSearch(Protocol):
    """A SearchIndex that ranks BM25 itself (in the database) instead of in process."""

    def bm25_search(
        self, tokens: list[str], k: int, docs: Sequence[str] | None = None
    ) -> list[tuple[int, float]]:
        """The k best (row, score) with score > 0, ties broken by row."""
        ...


class Store(Protocol):
    """Where generations are written and read.

    Writers: `writing()` holds what must be exclusive for a whole run (the files store's
    lock; nothing for PostgreSQL, which serialises only `publish`), `live_manifest()` is what
    the plan compares the inputs with, `publish()` writes and switches atomically. Readers:
    `live_generation()` is a cheap look at the pointer, `load()` the live generation. Every
    method raises `core.errors.IndexError_` subclasses for an index that cannot be used and
    `core.errors.StoreUnavailable` when the store cannot be reached (a retry can help).
    """

    kind: str

    def describe(self) -> str:
        """Where the index is, for messages: the folder, or the database without password."""
        ...

    def live_generation(self) -> str | None:
        """The live generation's name; None when nothing was published yet."""
        ...

    def live_manifest(self) -> Manifest:
        """The live generation's manifest after checking it is intact (IndexNotFound when
        there is none)."""
        ...

    def load(self) -> SearchIndex: ...

    def writing(self) -> AbstractContextManager[None]: ...

    def publish(
        self, manifest: Manifest, fresh: Sequence[DocumentRows], scope: Scope | None = None
    ) -> str:
        """Write a generation of `manifest.documents` and make it live; returns its name.

        Documents not in `fresh` are copied from the live generation by sha256. With a
        `scope`, documents outside it are taken from the generation live at this moment
        (another ingest may have published since the plan), so ingests of disjoint scopes
        merge instead of undoing each other.
        """
        ...

    def documents(self) -> list[DocumentRecord]:
        """The live generation's documents (empty before the first publish)."""
        ...

    def collect_garbage(self) -> int:
        """Delete superseded generations and unreferenced rows; returns how many went."""
        ...

    def close(self) -> None: ...


def in_scope(scope: Scope | None, path: str) -> bool:
    return scope is None or scope(path)


def iter_rows(docs: Sequence[DocumentRows]) -> Iterator[tuple[DocumentRows, int]]:
    """Each document with the row its first chunk gets when they follow each other."""
    row = 0
    for doc in docs:
        yield doc, row
        row += len(doc.chunks)
