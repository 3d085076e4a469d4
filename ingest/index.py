"""The index on disk: versioned generations switched atomically by a CURRENT pointer.

    index/
      CURRENT                 name of the live generation, replaced atomically
      .lock                   held by the one ingest allowed to write
      gen-<time>-<rand>/
        manifest.json         schema, embedder, chunker, documents, skipped files
        chunks.jsonl          one chunk per line; line i is FAISS row i
        dense.faiss           FAISS IndexFlatIP of normalised vectors
        lexical.npz           BM25 token ids per chunk (CSR: indptr, ids)
        lexical_vocab.json    token -> id

A writer builds a whole generation in a temporary directory, fsyncs it, renames it into
place and only then replaces CURRENT: a crash at any point leaves the previous generation
live and loadable. Nothing here unpickles: JSON, `.npy` with allow_pickle=False, FAISS.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import faiss
import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, ValidationError

from ingest.chunk import Chunk
from ingest.embed import Vectors
from ingest.errors import IndexCorrupt, IndexIncompatible, IndexLocked, IndexNotFound
from ingest.lexical import TOKENIZER_VERSION, tokenize

SCHEMA_VERSION = 1
CURRENT = "CURRENT"
_FILES = ("manifest.json", "chunks.jsonl", "dense.faiss", "lexical.npz", "lexical_vocab.json")
# Generations kept besides the live one, so a server still reading the previous one is safe.
_KEEP_PREVIOUS = 1


class EmbedderInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    dimension: int
    max_seq_length: int
    weights_sha256: str
    precision: str
    precision_reason: str = ""
    bf16_min_cosine: float | None = None
    bf16_speedup: float | None = None


class ChunkerInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    chunk_tokens: int
    chunk_overlap: int
    lexical_tokenizer: str = TOKENIZER_VERSION


class DocumentRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")
    doc_id: str
    path: str
    sha256: str
    size: int
    pages: int
    chunks: int
    pages_without_text: int = 0
    status: Literal["ok"] = "ok"
    notes: list[str] = []


class SkippedFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str
    status: Literal["skipped"] = "skipped"
    code: str
    error: str
    sha256: str | None = None


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schema_version: int
    created_at: str
    embedder: EmbedderInfo
    chunker: ChunkerInfo
    documents: list[DocumentRecord]
    skipped: list[SkippedFile] = []
    chunk_count: int
    page_count: int


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


def current_generation(root: Path) -> Path:
    """The live generation directory; IndexNotFound when nothing was ingested yet."""
    pointer = root / CURRENT
    try:
        name = pointer.read_text().strip()
    except FileNotFoundError:
        raise IndexNotFound(f"no index at {root}: run `make ingest`") from None
    gen = root / name
    if not name or "/" in name or not gen.is_dir():
        raise IndexCorrupt(f"{pointer} names a missing generation {name!r}: re-ingest")
    return gen


def read_manifest(root: Path) -> Manifest:
    return _read_manifest(current_generation(root))


def _read_manifest(gen: Path) -> Manifest:
    try:
        raw = json.loads((gen / "manifest.json").read_text())
    except FileNotFoundError:
        raise IndexCorrupt(f"{gen} has no manifest.json: re-ingest with --rebuild") from None
    except json.JSONDecodeError as exc:
        raise IndexCorrupt(f"{gen}/manifest.json is not valid JSON: {exc}") from exc
    version = raw.get("schema_version") if isinstance(raw, dict) else None
    if version != SCHEMA_VERSION:
        raise IndexIncompatible(
            f"index at {gen.parent} has schema version {version}, this version reads "
            f"{SCHEMA_VERSION}: re-ingest with `python -m ingest ... --rebuild`"
        )
    try:
        return Manifest.model_validate(raw)
    except ValidationError as exc:
        raise IndexCorrupt(f"{gen}/manifest.json is malformed: {exc}") from exc


def check_embedder(manifest: Manifest, name: str, fingerprint: str | None, root: Path) -> None:
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


def load_index(root: Path) -> IndexData:
    """Load the live generation; raises IndexNotFound / IndexIncompatible / IndexCorrupt."""
    gen = current_generation(root)
    manifest = _read_manifest(gen)
    missing = [f for f in _FILES if not (gen / f).is_file()]
    if missing:
        raise IndexCorrupt(f"{gen} lacks {', '.join(missing)}: re-ingest with --rebuild")
    try:
        with (gen / "chunks.jsonl").open(encoding="utf-8") as fh:
            chunks = [_chunk(json.loads(line)) for line in fh if line.strip()]
        dense = faiss.read_index(str(gen / "dense.faiss"))
        with np.load(gen / "lexical.npz", allow_pickle=False) as lex:
            indptr = lex["indptr"].astype(np.int64)
            ids = lex["ids"].astype(np.int32)
        vocab = json.loads((gen / "lexical_vocab.json").read_text())
    except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
        raise IndexCorrupt(f"cannot read index at {gen} ({exc}): re-ingest with --rebuild") from exc
    n = len(chunks)
    if dense.ntotal != n or len(indptr) != n + 1 or manifest.chunk_count != n:
        raise IndexCorrupt(
            f"index at {gen} is inconsistent ({n} chunks, {dense.ntotal} vectors, "
            f"{len(indptr) - 1} lexical rows): re-ingest with --rebuild"
        )
    if dense.d != manifest.embedder.dimension:
        raise IndexCorrupt(f"vector dimension {dense.d} != manifest {manifest.embedder.dimension}")
    return IndexData(gen, manifest, chunks, dense, vocab, indptr, ids)


def _chunk(raw: dict[str, Any]) -> Chunk:
    raw["page_breaks"] = tuple((int(o), int(p)) for o, p in raw.get("page_breaks", ()))
    return Chunk(**raw)


@contextlib.contextmanager
def writer_lock(root: Path) -> Iterator[None]:
    """Exclusive lock so two ingests never write the same index."""
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexLocked(
                f"another ingest is writing {root}; wait for it to finish and retry"
            ) from None
        yield
    finally:
        os.close(fd)


def build_lexical(
    texts: Sequence[str],
) -> tuple[dict[str, int], npt.NDArray[np.int64], npt.NDArray[np.int32]]:
    """Tokenize chunk texts into a vocabulary and CSR token-id arrays."""
    vocab: dict[str, int] = {}
    indptr = np.zeros(len(texts) + 1, dtype=np.int64)
    ids: list[int] = []
    for i, text in enumerate(texts):
        for tok in tokenize(text):
            ids.append(vocab.setdefault(tok, len(vocab)))
        indptr[i + 1] = len(ids)
    return vocab, indptr, np.asarray(ids, dtype=np.int32)


def write_generation(
    root: Path, manifest: Manifest, chunks: Sequence[Chunk], vectors: Vectors
) -> Path:
    """Write a complete generation and make it live atomically; returns its directory."""
    if len(chunks) != len(vectors):
        raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
    root.mkdir(parents=True, exist_ok=True)
    name = f"gen-{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"
    tmp = root / f".tmp-{name}"
    tmp.mkdir()
    try:
        _write_files(tmp, manifest, chunks, vectors)
        _fsync_dir(tmp)
        final = root / name
        os.rename(tmp, final)
        pointer_tmp = root / f".{CURRENT}.{name}"
        pointer_tmp.write_text(name + "\n")
        _fsync_file(pointer_tmp)
        os.replace(pointer_tmp, root / CURRENT)
        _fsync_dir(root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _collect_garbage(root, live=name)
    return final


def _write_files(gen: Path, manifest: Manifest, chunks: Sequence[Chunk], vectors: Vectors) -> None:
    with (gen / "chunks.jsonl").open("w", encoding="utf-8") as fh:
        for chunk in chunks:
            fh.write(json.dumps(asdict(chunk), ensure_ascii=False) + "\n")
    dense = faiss.IndexFlatIP(manifest.embedder.dimension)
    if len(vectors):
        dense.add(np.ascontiguousarray(vectors, dtype=np.float32))
    faiss.write_index(dense, str(gen / "dense.faiss"))
    vocab, indptr, ids = build_lexical([c.text for c in chunks])
    np.savez(gen / "lexical.npz", indptr=indptr, ids=ids)
    (gen / "lexical_vocab.json").write_text(json.dumps(vocab, ensure_ascii=False))
    (gen / "manifest.json").write_text(manifest.model_dump_json(indent=2))
    for fname in _FILES:
        _fsync_file(gen / fname)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem can fsync a directory
        _fsync_file(path)


def _collect_garbage(root: Path, live: str) -> None:
    """Drop interrupted temporaries and all but the newest previous generations."""
    for tmp in root.glob(".tmp-gen-*"):
        shutil.rmtree(tmp, ignore_errors=True)
    for stale in root.glob(f".{CURRENT}.gen-*"):
        stale.unlink(missing_ok=True)
    older = sorted((p for p in root.glob("gen-*") if p.name != live), key=lambda p: p.name)
    for old in older[: max(0, len(older) - _KEEP_PREVIOUS)]:
        shutil.rmtree(old, ignore_errors=True)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
