"""Loading an index: clear errors for what users can get wrong."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pytest

from core.config import Settings
from core.embed import Embedder
from core.errors import IndexCorrupt, IndexIncompatible, IndexNotFound
from core.index import check_embedder, load_index
from ingest.pipeline import run_ingest
from tests.conftest import FIXTURES


@pytest.fixture
def built(settings: Settings, embedder: Embedder) -> Path:
    run_ingest(settings, [FIXTURES / "clean.pdf"], embedder=embedder)
    return settings.index_dir


def test_load_without_index_says_run_make_ingest(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFound, match=r"no index at .*: run `make ingest`"):
        load_index(tmp_path / "index")


def test_load_refuses_other_embedder(built: Path, embedder: Embedder) -> None:
    manifest = load_index(built).manifest
    with pytest.raises(IndexIncompatible, match="RAG_EMBEDDER=sentence-transformers/all-MiniLM"):
        check_embedder(manifest, "BAAI/bge-small-en-v1.5", None, built)
    with pytest.raises(IndexIncompatible, match="other weights"):
        check_embedder(manifest, manifest.embedder.name, "0" * 64, built)
    check_embedder(manifest, manifest.embedder.name, embedder.fingerprint, built)


def test_load_refuses_other_schema_version(built: Path) -> None:
    path = load_index(built).path / "manifest.json"
    data = json.loads(path.read_text())
    data["schema_version"] = 99
    path.write_text(json.dumps(data))
    with pytest.raises(IndexIncompatible, match="schema version 99.*--rebuild"):
        load_index(built)


def test_load_detects_missing_and_inconsistent_files(built: Path) -> None:
    gen = load_index(built).path
    rows = _chunk_lines(gen)
    _rewrite(gen, "chunks.jsonl", _jsonl([*rows, {**rows[0], "id": "extra:00000"}]))
    with pytest.raises(IndexCorrupt, match="inconsistent"):
        load_index(built)
    (gen / "dense.faiss").unlink()
    with pytest.raises(IndexCorrupt, match="lacks dense.faiss"):
        load_index(built)


def test_lexical_arrays_load_without_pickle(built: Path) -> None:
    import numpy as np

    gen = load_index(built).path
    with np.load(gen / "lexical.npz", allow_pickle=False) as data:
        assert sorted(data.files) == ["ids", "indptr"]


def _rewrite(gen: Path, fname: str, payload: bytes) -> None:
    """Replace a generation file and record its new digest, as a buggy writer would: the
    damage must then be caught by validation, not by the digest."""
    import hashlib

    target = gen / fname
    if target.is_dir():
        target.rmdir()
    target.write_bytes(payload)
    manifest_path = gen / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    if "files" in manifest:
        manifest["files"][fname] = hashlib.sha256(payload).hexdigest()
    manifest_path.write_text(json.dumps(manifest))


def _chunk_lines(gen: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (gen / "chunks.jsonl").read_text().splitlines()]


def _jsonl(rows: list[dict[str, object]]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


@pytest.mark.parametrize(
    "damage",
    [
        "truncated lexical.npz",
        "empty lexical.npz",
        "dense.faiss is a directory",
        "chunks.jsonl not UTF-8",
        "chunk line is a list",
        "vocab is a list",
        "token id out of range",
        "truncated dense.faiss",
    ],
)
def test_hardening_06_any_malformed_generation_file_is_refused_as_corrupt(
    built: Path, damage: str
) -> None:
    import io

    import numpy as np

    gen = load_index(built).path
    if damage == "truncated lexical.npz":
        _rewrite(gen, "lexical.npz", (gen / "lexical.npz").read_bytes()[:100])
    elif damage == "empty lexical.npz":
        _rewrite(gen, "lexical.npz", b"")
    elif damage == "dense.faiss is a directory":
        (gen / "dense.faiss").unlink()
        (gen / "dense.faiss").mkdir()
    elif damage == "chunks.jsonl not UTF-8":
        _rewrite(gen, "chunks.jsonl", b'{"id": "\xff\xfe"}\n')
    elif damage == "chunk line is a list":
        _rewrite(gen, "chunks.jsonl", b"[1, 2, 3]\n")
    elif damage == "vocab is a list":
        _rewrite(gen, "lexical_vocab.json", b'["a", "b"]')
    elif damage == "token id out of range":
        with np.load(gen / "lexical.npz") as lex:
            indptr, ids = lex["indptr"], lex["ids"].copy()
        ids[0] = 10_000_000
        buf = io.BytesIO()
        np.savez(buf, indptr=indptr, ids=ids)
        _rewrite(gen, "lexical.npz", buf.getvalue())
    elif damage == "truncated dense.faiss":
        _rewrite(gen, "dense.faiss", (gen / "dense.faiss").read_bytes()[:60])
    with pytest.raises(IndexCorrupt):
        load_index(built)


@pytest.mark.parametrize(
    "pointer",
    [b"", b"../../etc\n", b"gen-20260101T000000-abcdef\n", b"\xff\xfe", b"gen-" + b"x" * 5000],
)
def test_hardening_06_a_current_pointer_that_names_no_generation_is_corrupt(
    built: Path, pointer: bytes
) -> None:
    (built / "CURRENT").write_bytes(pointer)
    with pytest.raises(IndexCorrupt, match="CURRENT"):
        load_index(built)


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("page_start", "3", "page_start: Input should be a valid integer"),
        ("text", None, "text: Input should be a valid string"),
        ("page_breaks", [[5, "x", 0]], "page_breaks.0.1: Input should be a valid integer"),
        (
            "sentences",
            [[4, 2]],
            "line: Value error, sentence span (4, 2) out of order or out of range",
        ),
        ("page_end", 0, "page_end: Input should be greater than or equal to 1"),
        ("colour", "red", "colour: Extra inputs are not permitted"),
    ],
)
def test_hardening_07_corrupt_chunk_fields_are_refused_at_load(
    built: Path, field: str, value: object, problem: str
) -> None:
    gen = load_index(built).path
    rows = _chunk_lines(gen)
    rows[0][field] = value
    _rewrite(gen, "chunks.jsonl", _jsonl(rows))
    with pytest.raises(IndexCorrupt, match=re.escape(f"chunks.jsonl line 1: {problem}")):
        load_index(built)


def test_hardening_07_page_breaks_out_of_range_are_refused(built: Path) -> None:
    gen = load_index(built).path
    rows = _chunk_lines(gen)
    rows[0]["page_breaks"] = [[10_000, 2, 0]]
    _rewrite(gen, "chunks.jsonl", _jsonl(rows))
    with pytest.raises(IndexCorrupt, match="page break"):
        load_index(built)


def test_hardening_22_an_edited_chunk_is_refused_by_its_digest(built: Path) -> None:
    from core.index import verify_live

    gen = load_index(built).path
    verify_live(built)  # a generation as written passes
    text = (gen / "chunks.jsonl").read_text()
    # Same length, same JSON shape: only the digest can tell.
    (gen / "chunks.jsonl").write_text(text.replace("42 concurrent", "99 concurrent"))
    with pytest.raises(IndexCorrupt, match="chunks.jsonl does not match"):
        load_index(built)
    with pytest.raises(IndexCorrupt, match="chunks.jsonl does not match"):
        verify_live(built)


def test_hardening_22_a_manifest_without_digests_is_refused(built: Path) -> None:
    gen = load_index(built).path
    manifest = json.loads((gen / "manifest.json").read_text())
    manifest.pop("files", None)
    (gen / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexCorrupt, match="digest"):
        load_index(built)


def test_sentence_vectors_of_another_shape_are_refused(built: Path) -> None:
    gen = load_index(built).path
    buf = io.BytesIO()
    np.save(buf, np.zeros((3, 384), dtype=np.float16), allow_pickle=False)
    _rewrite(gen, "sentences.npy", buf.getvalue())
    with pytest.raises(IndexCorrupt, match=r"sentences.npy holds \(3, 384\) float16, not \d+"):
        load_index(built)


def test_a_missing_page_text_is_refused(built: Path) -> None:
    gen = load_index(built).path
    lines = (gen / "pages.jsonl").read_bytes().splitlines(keepends=True)
    _rewrite(gen, "pages.jsonl", b"".join(lines[1:]))
    with pytest.raises(IndexCorrupt, match="pages.jsonl does not hold every page"):
        load_index(built)


def test_sentence_vectors_and_page_texts_round_trip(built: Path) -> None:
    idx = load_index(built)
    for row, chunk in enumerate(idx.chunks):
        assert idx.sentence_vecs(row).shape == (len(chunk.sentences), 384)
        for start, end in chunk.sentences:
            page, at = chunk.page_offset(start)
            text = idx.page_text(chunk.doc_id, page)
            assert text is not None
            assert text[at : at + end - start] == chunk.text[start:end]
