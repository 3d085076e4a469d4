"""Loading an index: clear errors for what users can get wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.embed import Embedder
from ingest.errors import IndexCorrupt, IndexIncompatible, IndexNotFound
from ingest.index import check_embedder, load_index
from ingest.pipeline import run_ingest
from ingest.settings import Settings
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
    with (gen / "chunks.jsonl").open("a") as fh:
        fh.write((gen / "chunks.jsonl").read_text().splitlines()[0] + "\n")
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
