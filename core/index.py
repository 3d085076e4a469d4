"""The index on disk: versioned generations switched atomically by a CURRENT pointer.

    index/
      CURRENT                 name of the live generation, replaced atomically
      .lock                   held by the one ingest allowed to write
      gen-<time>-<rand>/
        manifest.json         schema, embedder, chunker, documents, skipped files, and the
                              sha256 of each file below
        chunks.jsonl          one chunk per line (with its sentence spans); line i is FAISS row i
        dense.faiss           FAISS IndexFlatIP of normalised vectors
        sentences.npy         one float16 vector per sentence, chunk after chunk, in the
                              order of each chunk's `sentences`
        lexical.npz           BM25 token ids per chunk (CSR: indptr, ids)
        lexical_vocab.json    token -> id
        pages.jsonl           every page's cleaned text: what citation offsets index into

A writer builds a whole generation in a temporary directory, fsyncs it, renames it into
place and only then replaces CURRENT: a crash at any point leaves the previous generation
live and loadable. Nothing here unpickles: JSON, `.npy` with allow_pickle=False, FAISS.
A reader checks every file against its digest and every field, array shape and id range
before it serves anything: a damaged or edited generation is refused as `IndexCorrupt`.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt
from pydantic import ValidationError

from core.chunk import Chunk
from core.embed import Vectors
from core.errors import IndexCorrupt, IndexIncompatible, IndexNotFound
from core.hashing import file_sha256
from core.manifest import (
    SCHEMA_VERSION,
    ChunkerInfo,
    ChunkRecord,
    DocumentRecord,
    EmbedderInfo,
    Manifest,
    PageRecord,
    SkippedFile,
)
from core.store.protocol import TermStats

__all__ = [
    "CURRENT",
    "SCHEMA_VERSION",
    "ChunkerInfo",
    "DocumentRecord",
    "EmbedderInfo",
    "IndexData",
    "Manifest",
    "SkippedFile",
    "check_embedder",
    "current_generation",
    "load_index",
    "read_manifest",
    "verify_live",
]

CURRENT = "CURRENT"
_DATA_FILES = (
    "chunks.jsonl",
    "dense.faiss",
    "sentences.npy",
    "lexical.npz",
    "lexical_vocab.json",
    "pages.jsonl",
)
FILES = ("manifest.json", *_DATA_FILES)
_GENERATION_NAME = re.compile(r"^gen-[0-9]{8}T[0-9]{6}-[0-9a-f]{6}$")
# A CURRENT pointer is one short line; anything longer is not ours.
_MAX_POINTER_BYTES = 256


@dataclass
class IndexData:
    """A loaded generation: the manifest, chunks in FAISS row order, and both indexes."""

    path: Path
    manifest: Manifest
    chunks: list[Chunk]
    dense: Any  # faiss.IndexFlatIP
    lexical_vocab: dict[str, int]
    lexical_indptr: npt.NDArray[np.int64]
    lexical_ids: npt.NDArray[np.int32]
    # float16, one row per sentence; chunk i's rows are sentence_indptr[i]:sentence_indptr[i+1].
    sentence_vectors: npt.NDArray[np.float16]
    sentence_indptr: npt.NDArray[np.int64]
    pages: dict[tuple[str, int], PageRecord]

    def vectors(self, rows: Sequence[int] | None = None) -> Vectors:
        """Stored vectors, all or selected rows (IndexFlat keeps them exactly)."""
        if rows is None:
            out: Vectors = self.dense.reconstruct_n(0, self.dense.ntotal)
            return out
        if len(rows) == 0:
            return np.zeros((0, self.dense.d), dtype=np.float32)
        return np.stack([self.dense.reconstruct(int(r)) for r in rows]).astype(np.float32)

    def lexical_tokens(self, row: int) -> npt.NDArray[np.int32]:
        return self.lexical_ids[self.lexical_indptr[row] : self.lexical_indptr[row + 1]]

    def sentence_vecs(self, row: int) -> Vectors:
        """Vectors of chunk `row`'s sentences, in the order of its `sentences` spans."""
        vecs = self.sentence_vectors[self.sentence_indptr[row] : self.sentence_indptr[row + 1]]
        return vecs.astype(np.float32)

    def page_text(self, doc_id: str, page: int) -> str | None:
        record = self.pages.get((doc_id, page))
        return record.text if record else None

    # -- core.store.SearchIndex: what the service reads, the same for every store -----------
    @property
    def generation(self) -> str:
        return self.path.name

    @property
    def chunk_count(self) -> int:
        return len(self.chunks)

    def chunks_at(self, rows: Sequence[int]) -> list[Chunk]:
        return [self.chunks[r] for r in rows]

    def page(self, doc_id: str, page: int) -> PageRecord | None:
        return self.pages.get((doc_id, page))

    @functools.cached_property
    def doc_rows(self) -> dict[str, npt.NDArray[np.int64]]:
        """Each document's rows, for document filters."""
        rows_by_doc: dict[str, list[int]] = {}
        for row, chunk in enumerate(self.chunks):
            rows_by_doc.setdefault(chunk.doc_id, []).append(row)
        return {d: np.asarray(r, dtype=np.int64) for d, r in rows_by_doc.items()}

    def rows_of(self, docs: Sequence[str]) -> npt.NDArray[np.int64]:
        rows = [self.doc_rows.get(d, np.zeros(0, dtype=np.int64)) for d in docs]
        return np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)

    def dense_search(
        self, qvec: npt.NDArray[np.float32], k: int, docs: Sequence[str] | None = None
    ) -> list[tuple[int, float]]:
        n = self.dense.ntotal
        allowed = None if docs is None else self.rows_of(docs)
        if n == 0 or (allowed is not None and allowed.size == 0):
            return []
        k = min(k, n if allowed is None else int(allowed.size))
        if allowed is None:
            scores, rows = self.dense.search(qvec, k)
        else:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))  # type: ignore[call-arg]
            scores, rows = self.dense.search(qvec, k, params=params)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]

    def term_stats(self) -> TermStats:
        """Document frequency of every BM25 term over the chunks."""
        vocab, chunks = self.lexical_vocab, len(self.chunks)
        rows = np.repeat(
            np.arange(chunks, dtype=np.int64), np.diff(self.lexical_indptr).astype(np.int64)
        )
        pairs = np.unique(rows * len(vocab) + self.lexical_ids.astype(np.int64))
        df: npt.NDArray[np.int64] = np.bincount(pairs % max(len(vocab), 1), minlength=len(vocab))
        return TermStats(vocab, df, chunks)


def current_generation(root: Path) -> Path:
    """The live generation directory; IndexNotFound when nothing was ingested yet."""
    pointer = root / CURRENT
    try:
        with pointer.open("rb") as fh:
            raw = fh.read(_MAX_POINTER_BYTES + 1)
    except FileNotFoundError:
        raise IndexNotFound(f"no index at {root}: run `make ingest`") from None
    except OSError as exc:
        raise IndexCorrupt(f"cannot read {pointer} ({exc}): re-ingest with --rebuild") from exc
    try:
        name = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        name = ""
    if len(raw) > _MAX_POINTER_BYTES or not _GENERATION_NAME.match(name):
        raise IndexCorrupt(f"{pointer} does not name a generation: re-ingest with --rebuild")
    gen = root / name
    if not gen.is_dir():
        raise IndexCorrupt(f"{pointer} names a missing generation {name!r}: re-ingest")
    return gen


def read_manifest(root: Path) -> Manifest:
    return _read_manifest(current_generation(root))


def _read_manifest(gen: Path) -> Manifest:
    try:
        raw = json.loads((gen / "manifest.json").read_bytes())
    except FileNotFoundError:
        raise IndexCorrupt(f"{gen} has no manifest.json: re-ingest with --rebuild") from None
    except (OSError, ValueError) as exc:  # JSON and UTF-8 errors are ValueErrors
        raise IndexCorrupt(f"{gen}/manifest.json cannot be read ({exc}): re-ingest") from exc
    manifest = parse_manifest(raw, f"index at {gen.parent}", f"{gen}/manifest.json")
    if set(manifest.files) != set(_DATA_FILES):
        raise IndexCorrupt(f"{gen}/manifest.json lists no digest for every file: re-ingest")
    return manifest


def parse_manifest(raw: object, what: str, where: str) -> Manifest:
    """A stored manifest of this schema version; `what` and `where` name it in errors."""
    version = raw.get("schema_version") if isinstance(raw, dict) else None
    if version != SCHEMA_VERSION:
        raise IndexIncompatible(
            f"{what} has schema version {version}, this version reads "
            f"{SCHEMA_VERSION}: re-ingest with `python -m ingest ... --rebuild`"
        )
    try:
        return Manifest.model_validate(raw)
    except ValidationError as exc:
        raise IndexCorrupt(f"{where} is malformed: {exc}") from exc


def check_embedder(
    manifest: Manifest, name: str, fingerprint: str | None, root: Path | str
) -> None:
    """Refuse to query an index with another embedder than the one that built it."""
    built = manifest.embedder
    if built.name != name:
        raise IndexIncompatible(
            f"index at {root} was built with embedder {built.name!r} but {name!r} is "
            f"configured: set RAG_EMBEDDER={built.name} or re-ingest with --rebuild"
        )
    if fingerprint and "unknown" not in (fingerprint, built.weights_sha256):
        if fingerprint != built.weights_sha256:
            raise IndexIncompatible(
                f"embedder {name!r} has other weights than the index at {root} was built "
                "with: re-ingest with --rebuild"
            )


def _read_checked(gen: Path, manifest: Manifest) -> dict[str, bytes]:
    """Every data file's bytes, each matching the digest the writer recorded."""
    missing = [f for f in FILES if not (gen / f).is_file()]
    if missing:
        raise IndexCorrupt(f"{gen} lacks {', '.join(missing)}: re-ingest with --rebuild")
    data: dict[str, bytes] = {}
    for fname in _DATA_FILES:
        try:
            data[fname] = (gen / fname).read_bytes()
        except OSError as exc:
            raise IndexCorrupt(f"cannot read {gen / fname} ({exc}): re-ingest") from exc
        if hashlib.sha256(data[fname]).hexdigest() != manifest.files[fname]:
            raise IndexCorrupt(
                f"{gen / fname} does not match the digest in its manifest (damaged or "
                "edited): re-ingest with --rebuild"
            )
    return data


def verify_live(root: Path) -> Manifest:
    """Check the live generation (pointer, manifest, every file's digest) without loading it.

    Raises IndexNotFound / IndexIncompatible / IndexCorrupt; cheap enough for an ingest to
    run before it decides that an unchanged corpus needs no work.
    """
    gen = current_generation(root)
    manifest = _read_manifest(gen)
    for fname in _DATA_FILES:
        path = gen / fname
        if not path.is_file():
            raise IndexCorrupt(f"{gen} lacks {fname}: re-ingest with --rebuild")
        try:
            digest = file_sha256(path)
        except OSError as exc:
            raise IndexCorrupt(f"cannot read {path} ({exc}): re-ingest") from exc
        if digest != manifest.files[fname]:
            raise IndexCorrupt(f"{path} does not match its manifest digest: re-ingest")
    return manifest


def load_index(root: Path) -> IndexData:
    """Load and validate the live generation.

    Raises IndexNotFound, IndexIncompatible or IndexCorrupt, never anything else: a reader
    can refuse a bad generation and keep serving the one it has.
    """
    gen = current_generation(root)
    manifest = _read_manifest(gen)
    data = _read_checked(gen, manifest)
    try:
        return _parse(gen, manifest, data)
    except IndexCorrupt:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever a malformed file raises means one thing
        raise IndexCorrupt(
            f"cannot read index at {gen} ({type(exc).__name__}: {exc}): re-ingest with --rebuild"
        ) from exc


def _parse(gen: Path, manifest: Manifest, data: dict[str, bytes]) -> IndexData:
    chunks = _chunks(gen, data["chunks.jsonl"])
    n = len(chunks)
    dense = faiss.deserialize_index(np.frombuffer(data["dense.faiss"], dtype=np.uint8))
    if not isinstance(dense, faiss.IndexFlatIP):
        raise IndexCorrupt(f"{gen}/dense.faiss is a {type(dense).__name__}, not IndexFlatIP")
    with np.load(io.BytesIO(data["lexical.npz"]), allow_pickle=False) as lex:
        indptr = lex["indptr"].astype(np.int64)
        ids = lex["ids"].astype(np.int32)
    vocab = json.loads(data["lexical_vocab.json"])
    if dense.ntotal != n or len(indptr) != n + 1 or manifest.chunk_count != n:
        raise IndexCorrupt(
            f"index at {gen} is inconsistent ({n} chunks, {dense.ntotal} vectors, "
            f"{len(indptr) - 1} lexical rows): re-ingest with --rebuild"
        )
    if dense.d != manifest.embedder.dimension:
        raise IndexCorrupt(f"vector dimension {dense.d} != manifest {manifest.embedder.dimension}")
    _check_lexical(gen, vocab, indptr, ids)
    _check_documents(gen, manifest, chunks)
    sentence_vectors = np.load(io.BytesIO(data["sentences.npy"]), allow_pickle=False)
    sentence_indptr = np.cumsum([0, *(len(c.sentences) for c in chunks)], dtype=np.int64)
    if sentence_vectors.dtype != np.float16 or sentence_vectors.shape != (
        int(sentence_indptr[-1]),
        manifest.embedder.dimension,
    ):
        raise IndexCorrupt(
            f"{gen}/sentences.npy holds {sentence_vectors.shape} {sentence_vectors.dtype}, "
            f"not {int(sentence_indptr[-1])} float16 vectors: re-ingest with --rebuild"
        )
    pages = _pages(gen, manifest, data["pages.jsonl"])
    return IndexData(
        gen, manifest, chunks, dense, vocab, indptr, ids, sentence_vectors, sentence_indptr, pages
    )


def _chunks(gen: Path, raw: bytes) -> list[Chunk]:
    chunks: list[Chunk] = []
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            chunks.append(ChunkRecord.model_validate_json(line).to_chunk())
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "line"
            raise IndexCorrupt(
                f"{gen}/chunks.jsonl line {number}: {where}: {first['msg']}: re-ingest"
            ) from None
    if len({c.id for c in chunks}) != len(chunks):
        raise IndexCorrupt(f"{gen}/chunks.jsonl repeats a chunk id: re-ingest with --rebuild")
    return chunks


def _pages(gen: Path, manifest: Manifest, raw: bytes) -> dict[tuple[str, int], PageRecord]:
    pages: dict[tuple[str, int], PageRecord] = {}
    for number, line in enumerate(raw.splitlines(), start=1):
        try:
            record = PageRecord.model_validate_json(line)
        except ValidationError as exc:
            raise IndexCorrupt(
                f"{gen}/pages.jsonl line {number}: {exc.errors()[0]['msg']}"
            ) from None
        pages[(record.doc_id, record.page)] = record
    expected = {(d.doc_id, p) for d in manifest.documents for p in range(1, d.pages + 1)}
    if set(pages) != expected:
        raise IndexCorrupt(f"{gen}/pages.jsonl does not hold every page of every document")
    return pages


def _check_lexical(
    gen: Path, vocab: object, indptr: npt.NDArray[np.int64], ids: npt.NDArray[np.int32]
) -> None:
    if not isinstance(vocab, dict) or not all(
        isinstance(k, str) and type(v) is int for k, v in vocab.items()
    ):
        raise IndexCorrupt(f"{gen}/lexical_vocab.json is not a token -> id map")
    if sorted(vocab.values()) != list(range(len(vocab))):
        raise IndexCorrupt(f"{gen}/lexical_vocab.json ids are not 0..{len(vocab) - 1}")
    if indptr.ndim != 1 or ids.ndim != 1 or indptr[0] != 0 or indptr[-1] != len(ids):
        raise IndexCorrupt(f"{gen}/lexical.npz has malformed CSR arrays")
    if np.any(np.diff(indptr) < 0) or (ids.size and (ids.min() < 0 or ids.max() >= len(vocab))):
        raise IndexCorrupt(f"{gen}/lexical.npz has token ids out of range")


def _check_documents(gen: Path, manifest: Manifest, chunks: Sequence[Chunk]) -> None:
    counts: dict[str, int] = {}
    for c in chunks:
        counts[c.doc_id] = counts.get(c.doc_id, 0) + 1
    expected = {d.doc_id: d.chunks for d in manifest.documents}
    if counts != {k: v for k, v in expected.items() if v}:
        raise IndexCorrupt(f"{gen}: chunks do not match the manifest's documents: re-ingest")
