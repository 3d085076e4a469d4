"""Writing index generations: build every file in a temporary directory, fsync, rename into
place, then switch `CURRENT` atomically (the layout is drawn in `core.index`)."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import secrets
import shutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

from core.chunk import Chunk
from core.embed import Vectors
from core.errors import IndexLocked
from core.index import CURRENT, FILES
from core.manifest import Manifest, PageRecord
from core.tokenize import tokenize

# Generations kept besides the live one, so a server still reading the previous one is safe.
_KEEP_PREVIOUS = 1


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


@dataclass
class Generation:
    """Everything a generation holds besides its manifest, rows in chunk order."""

    chunks: Sequence[Chunk]
    vectors: Vectors
    # One row per sentence, chunk after chunk, in the order of each chunk's `sentences`.
    sentence_vectors: Vectors
    pages: Sequence[PageRecord]

    def check(self) -> None:
        if len(self.chunks) != len(self.vectors):
            raise ValueError(f"{len(self.chunks)} chunks but {len(self.vectors)} vectors")
        sentences = sum(len(c.sentences) for c in self.chunks)
        if sentences != len(self.sentence_vectors):
            raise ValueError(f"{sentences} sentences but {len(self.sentence_vectors)} vectors")


def write_generation(root: Path, manifest: Manifest, data: Generation) -> Path:
    """Write a complete generation and make it live atomically; returns its directory."""
    data.check()
    root.mkdir(parents=True, exist_ok=True)
    name = f"gen-{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"
    tmp = root / f".tmp-{name}"
    tmp.mkdir()
    try:
        _write_files(tmp, manifest, data)
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
    collect_garbage(root, live=name)
    return final


def _write_files(gen: Path, manifest: Manifest, generation: Generation) -> None:
    dense = faiss.IndexFlatIP(manifest.embedder.dimension)
    if len(generation.vectors):
        dense.add(np.ascontiguousarray(generation.vectors, dtype=np.float32))
    vocab, indptr, ids = build_lexical([c.text for c in generation.chunks])
    lexical = io.BytesIO()
    np.savez(lexical, indptr=indptr, ids=ids)
    sentences = io.BytesIO()
    # float16 halves the file; cosines move by ~1e-3, far below any decision margin.
    vecs = np.asarray(generation.sentence_vectors, dtype=np.float16).reshape(
        -1, manifest.embedder.dimension
    )
    np.save(sentences, vecs, allow_pickle=False)
    data = {
        "chunks.jsonl": _jsonl(asdict(c) for c in generation.chunks),
        "dense.faiss": faiss.serialize_index(dense).tobytes(),
        "sentences.npy": sentences.getvalue(),
        "lexical.npz": lexical.getvalue(),
        "lexical_vocab.json": json.dumps(vocab, ensure_ascii=False).encode("utf-8"),
        "pages.jsonl": _jsonl(p.model_dump() for p in generation.pages),
    }
    for fname, payload in data.items():
        (gen / fname).write_bytes(payload)
    digests = {fname: hashlib.sha256(payload).hexdigest() for fname, payload in data.items()}
    manifest = manifest.model_copy(update={"files": digests})
    (gen / "manifest.json").write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
    for fname in FILES:
        _fsync_file(gen / fname)


def _jsonl(rows: Iterable[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem can fsync a directory
        _fsync_file(path)


def collect_garbage(root: Path, live: str) -> int:
    """Drop interrupted temporaries and all but the newest previous generations; returns
    how many generations went."""
    for tmp in root.glob(".tmp-gen-*"):
        shutil.rmtree(tmp, ignore_errors=True)
    for stale in root.glob(f".{CURRENT}.gen-*"):
        stale.unlink(missing_ok=True)
    older = sorted((p for p in root.glob("gen-*") if p.name != live), key=lambda p: p.name)
    doomed = older[: max(0, len(older) - _KEEP_PREVIOUS)]
    for old in doomed:
        shutil.rmtree(old, ignore_errors=True)
    return len(doomed)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
