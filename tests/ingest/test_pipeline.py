"""End-to-end ingest on real fixture PDFs with the packaged embedder and real FAISS."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from core import index_writer as index_mod
from core.config import Settings
from core.embed import Embedder
from core.errors import ConfigError, IndexLocked
from core.index import load_index
from core.index_writer import writer_lock
from ingest import pipeline, plan
from tests.conftest import BAD_FIXTURES, FIXTURES, GOOD_FIXTURES


def _ingest(settings: Settings, embedder: Embedder, *paths: Path, rebuild: bool = False):
    return pipeline.run_ingest(settings, list(paths), rebuild=rebuild, embedder=embedder)


def test_ingest_indexes_good_files_and_reports_each_bad_one(
    fixture_dir: Path, settings: Settings, embedder: Embedder, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere"
    report = _ingest(settings, embedder, fixture_dir, missing)
    assert sorted(Path(p).name for p in report.added) == GOOD_FIXTURES
    skipped = {Path(s.path).name: s.code for s in report.skipped}
    assert skipped == {**BAD_FIXTURES, "nowhere": "missing"}
    assert report.exit_code == 1
    assert report.written

    idx = load_index(settings.index_dir)
    manifest = idx.manifest
    assert sorted(Path(d.path).name for d in manifest.documents) == GOOD_FIXTURES
    assert {Path(s.path).name: s.code for s in manifest.skipped} == skipped
    assert manifest.embedder.name == settings.embedder
    assert manifest.embedder.weights_sha256 == embedder.fingerprint
    assert manifest.chunk_count == len(idx.chunks) == idx.dense.ntotal
    partly = next(d for d in manifest.documents if d.path.endswith("partly_scanned.pdf"))
    assert (partly.pages, partly.pages_without_text) == (3, 1)


def test_report_times_each_stage_of_a_run(
    fixture_dir: Path, settings: Settings, embedder: Embedder
) -> None:
    report = _ingest(settings, embedder, fixture_dir)
    stages = ["plan", "load_model", "parse_wait", "chunk", "embed", "write"]
    assert list(report.stages) == stages
    assert all(v >= 0 for v in report.stages.values())
    assert sum(report.stages.values()) <= report.seconds


def test_index_round_trip_returns_the_written_chunks_and_vectors(
    fixture_dir: Path, settings: Settings, embedder: Embedder
) -> None:
    _ingest(settings, embedder, fixture_dir / "clean.pdf", fixture_dir / "labels.pdf")
    idx = load_index(settings.index_dir)
    expected = embedder.embed([c.text for c in idx.chunks])
    np.testing.assert_allclose(idx.vectors(), expected, atol=1e-5)
    # Each chunk's own vector finds that chunk first in the dense index.
    _, rows = idx.dense.search(expected, 1)
    assert rows[:, 0].tolist() == list(range(len(idx.chunks)))
    labels = next(c for c in idx.chunks if c.source.endswith("labels.pdf"))
    assert (labels.page_start, labels.label_start) == (1, "i")
    assert idx.lexical_vocab["err_conn_reset"] >= 0
    row = next(i for i, c in enumerate(idx.chunks) if "ERR_CONN_RESET" in c.text)
    assert idx.lexical_vocab["err_conn_reset"] in idx.lexical_tokens(row).tolist()


def test_second_run_over_unchanged_folder_writes_nothing(
    fixture_dir: Path, settings: Settings, embedder: Embedder
) -> None:
    _ingest(settings, embedder, fixture_dir)
    before = (settings.index_dir / "CURRENT").read_text()
    report = _ingest(settings, embedder, fixture_dir)
    assert report.up_to_date and not report.written
    assert report.chunks_embedded == 0 and report.pages_parsed == 0
    assert len(report.reused) == len(GOOD_FIXTURES)
    assert (settings.index_dir / "CURRENT").read_text() == before


def test_incremental_add_change_and_delete(
    fixture_dir: Path, settings: Settings, embedder: Embedder
) -> None:
    for name in BAD_FIXTURES:
        (fixture_dir / name).unlink()
    (fixture_dir / "injection.pdf").unlink()
    (fixture_dir / "partly_scanned.pdf").unlink()
    _ingest(settings, embedder, fixture_dir)
    first = load_index(settings.index_dir)
    clean_ids = [c.id for c in first.chunks if c.source.endswith("clean.pdf")]

    shutil.copy(FIXTURES / "injection.pdf", fixture_dir / "injection.pdf")  # add
    shutil.copy(FIXTURES / "partly_scanned.pdf", fixture_dir / "two_column.pdf")  # change
    (fixture_dir / "labels.pdf").unlink()  # delete
    report = _ingest(settings, embedder, fixture_dir)

    assert [Path(p).name for p in report.added] == ["injection.pdf"]
    assert [Path(p).name for p in report.changed] == ["two_column.pdf"]
    assert [Path(p).name for p in report.removed] == ["labels.pdf"]
    assert report.pages_parsed == 4  # only the new (1 page) and changed (3) files were parsed
    second = load_index(settings.index_dir)
    sources = {Path(c.source).name for c in second.chunks}
    assert "labels.pdf" not in sources and "injection.pdf" in sources
    assert [c.id for c in second.chunks if c.source.endswith("clean.pdf")] == clean_ids
    two_col = [c.text for c in second.chunks if c.source.endswith("two_column.pdf")]
    assert two_col == ["Text page one.\nText page three."]
    # Reused vectors are carried over exactly.
    np.testing.assert_array_equal(
        second.vectors([i for i, c in enumerate(second.chunks) if c.id in clean_ids]),
        first.vectors([i for i, c in enumerate(first.chunks) if c.id in clean_ids]),
    )


def test_rebuild_reembeds_everything(
    fixture_dir: Path, settings: Settings, embedder: Embedder
) -> None:
    _ingest(settings, embedder, fixture_dir / "clean.pdf")
    report = _ingest(settings, embedder, fixture_dir / "clean.pdf", rebuild=True)
    assert report.written and report.chunks_embedded == report.chunks > 0
    assert report.rebuild_reason == "--rebuild"


def test_crash_mid_write_leaves_previous_index_loadable(
    fixture_dir: Path, settings: Settings, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ingest(settings, embedder, fixture_dir / "clean.pdf")
    before = load_index(settings.index_dir)

    def explode(*args: object) -> None:
        raise KeyboardInterrupt  # Ctrl-C while the FAISS file is being written

    monkeypatch.setattr(index_mod.faiss, "write_index", explode)
    with pytest.raises(KeyboardInterrupt):
        _ingest(settings, embedder, fixture_dir / "clean.pdf", fixture_dir / "labels.pdf")
    monkeypatch.undo()

    after = load_index(settings.index_dir)
    assert after.path == before.path
    assert [c.id for c in after.chunks] == [c.id for c in before.chunks]
    query = embedder.embed(["How many concurrent sessions does the widget support?"])
    _, rows = after.dense.search(query, 1)
    assert "42 concurrent sessions" in after.chunks[rows[0][0]].text
    assert not list(settings.index_dir.glob(".tmp-*"))


def test_crash_before_pointer_switch_keeps_old_generation(
    fixture_dir: Path, settings: Settings, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ingest(settings, embedder, fixture_dir / "clean.pdf")
    before = load_index(settings.index_dir)

    def fail_replace(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(index_mod.os, "replace", fail_replace)
    with pytest.raises(OSError, match="disk full"):
        _ingest(settings, embedder, fixture_dir / "labels.pdf")
    monkeypatch.undo()
    assert load_index(settings.index_dir).path == before.path
    # The next successful run cleans up what the failed one left behind.
    _ingest(settings, embedder, fixture_dir / "labels.pdf")
    assert len(list(settings.index_dir.glob("gen-*"))) == 2  # live + one previous


def test_nothing_usable_keeps_existing_index(
    fixture_dir: Path, settings: Settings, embedder: Embedder
) -> None:
    _ingest(settings, embedder, fixture_dir / "clean.pdf")
    before = (settings.index_dir / "CURRENT").read_text()
    report = _ingest(settings, embedder, fixture_dir / "empty.pdf", fixture_dir / "scanned.pdf")
    assert report.exit_code == 2 and not report.written
    assert (settings.index_dir / "CURRENT").read_text() == before


def test_file_vanishing_mid_run_is_skipped(
    fixture_dir: Path, settings: Settings, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_hash = plan.file_sha256

    def hash_then_delete(path: Path, *limit: int) -> str:
        digest = real_hash(path, *limit)
        if path.name == "labels.pdf":
            path.unlink()  # gone between hashing and parsing
        return digest

    monkeypatch.setattr(plan, "file_sha256", hash_then_delete)
    report = _ingest(settings, embedder, fixture_dir / "clean.pdf", fixture_dir / "labels.pdf")
    assert [(Path(s.path).name, s.code) for s in report.skipped] == [("labels.pdf", "missing")]
    assert [Path(p).name for p in report.added] == ["clean.pdf"]


def test_duplicate_content_is_skipped(
    fixture_dir: Path, settings: Settings, embedder: Embedder
) -> None:
    shutil.copy(fixture_dir / "clean.pdf", fixture_dir / "clean_copy.pdf")
    report = _ingest(settings, embedder, fixture_dir / "clean.pdf", fixture_dir / "clean_copy.pdf")
    assert [(Path(s.path).name, s.code) for s in report.skipped] == [
        ("clean_copy.pdf", "duplicate")
    ]


def test_changed_chunker_settings_force_full_rebuild(
    fixture_dir: Path, settings: Settings, embedder: Embedder
) -> None:
    _ingest(settings, embedder, fixture_dir / "clean.pdf")
    smaller = settings.model_copy(update={"chunk_tokens": 64, "chunk_overlap": 16})
    report = _ingest(smaller, embedder, fixture_dir / "clean.pdf")
    assert report.rebuild_reason == "chunker or parser settings changed"
    assert report.chunks_embedded == report.chunks


def test_chunk_budget_above_embedder_limit_is_refused(
    fixture_dir: Path, settings: Settings, embedder: Embedder
) -> None:
    too_big = settings.model_copy(update={"chunk_tokens": 300})
    with pytest.raises(ConfigError, match="lower RAG_CHUNK_TOKENS"):
        _ingest(too_big, embedder, fixture_dir / "clean.pdf")


def test_concurrent_ingest_is_refused(
    fixture_dir: Path, settings: Settings, embedder: Embedder
) -> None:
    with writer_lock(settings.index_dir), pytest.raises(IndexLocked, match="wait"):
        _ingest(settings, embedder, fixture_dir / "clean.pdf")


def test_parse_runs_in_worker_processes(
    fixture_dir: Path, settings: Settings, embedder: Embedder
) -> None:
    two = settings.model_copy(update={"parse_workers": 2})
    report = _ingest(two, embedder, fixture_dir)
    assert len(report.added) == len(GOOD_FIXTURES)
    manifest = json.loads((load_index(settings.index_dir).path / "manifest.json").read_text())
    assert [Path(d["path"]).name for d in manifest["documents"]] == GOOD_FIXTURES


def test_unchanged_corpus_is_recognised_without_loading_the_model(
    fixture_dir: Path, settings: Settings, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ingest(settings, embedder, fixture_dir)

    def no_model(*args: object, **kwargs: object) -> Embedder:
        raise AssertionError("an unchanged corpus must not load the embedder")

    monkeypatch.setattr(pipeline, "load_embedder", no_model)
    report = pipeline.run_ingest(settings, [fixture_dir])
    assert report.up_to_date and not report.written and report.exit_code == 1
    assert sorted(Path(p).name for p in report.reused) == GOOD_FIXTURES
    assert {Path(s.path).name: s.code for s in report.skipped} == BAD_FIXTURES
    # Any change to a file brings the model back.
    shutil.copy(FIXTURES / "clean.pdf", fixture_dir / "empty.pdf")
    with pytest.raises(AssertionError, match="must not load"):
        pipeline.run_ingest(settings, [fixture_dir])


def _counts_add_up(report: pipeline.IngestReport, documents_in_index: int) -> None:
    """The summary's accounting: every input lands in exactly one of new / changed /
    unchanged / skipped; the index holds those documents plus the kept ones."""
    assert report.files == (
        len(report.added) + len(report.changed) + len(report.reused) + len(report.skipped)
    )
    assert documents_in_index == (
        len(report.added) + len(report.changed) + len(report.reused) + len(report.kept)
    )
    assert set(report.kept) <= {s.path for s in report.skipped}


def test_hardening_13_broken_overwrite_keeps_last_good_version_and_counts_add_up(
    fixture_dir: Path, settings: Settings, embedder: Embedder
) -> None:
    corpus = fixture_dir.parent / "corpus"
    corpus.mkdir()
    for name in ("clean.pdf", "labels.pdf", "injection.pdf"):
        shutil.copy(fixture_dir / name, corpus / name)
    _ingest(settings, embedder, corpus)
    labels_before = [c.text for c in load_index(settings.index_dir).chunks if "labels" in c.source]

    shutil.copy(FIXTURES / "truncated.pdf", corpus / "labels.pdf")  # overwritten, broken
    (corpus / "injection.pdf").unlink()  # removed from disk
    shutil.copy(FIXTURES / "two_column.pdf", corpus / "two_column.pdf")  # new
    report = _ingest(settings, embedder, corpus)

    idx = load_index(settings.index_dir)
    # The last good version stays searchable, and the run says so.
    assert [c.text for c in idx.chunks if "labels" in c.source] == labels_before
    labels = str(corpus / "labels.pdf")
    assert report.kept == [labels]
    assert [(s.path, s.code) for s in report.skipped] == [(labels, "corrupt")]
    assert "previous version kept" in report.skipped[0].error
    assert [Path(p).name for p in report.added] == ["two_column.pdf"]
    assert [Path(p).name for p in report.removed] == ["injection.pdf"]
    assert [Path(p).name for p in report.reused] == ["clean.pdf"]
    assert report.changed == [] and report.exit_code == 1
    _counts_add_up(report, len(idx.manifest.documents))
    # Unchanged since: up to date, and still the same accounting.
    again = _ingest(settings, embedder, corpus)
    assert again.up_to_date and again.kept == [labels]
    _counts_add_up(again, len(idx.manifest.documents))
    # A good copy replaces the kept version as an ordinary change.
    shutil.copy(FIXTURES / "ligatures.pdf", corpus / "labels.pdf")
    fixed = _ingest(settings, embedder, corpus)
    assert fixed.changed == [labels] and fixed.kept == [] and fixed.exit_code == 0
    _counts_add_up(fixed, len(load_index(settings.index_dir).manifest.documents))


def test_hardening_14_corrupt_live_index_is_rebuilt_not_up_to_date(
    fixture_dir: Path, settings: Settings, embedder: Embedder
) -> None:
    _ingest(settings, embedder, fixture_dir / "clean.pdf")
    gen = load_index(settings.index_dir).path
    chunks = gen / "chunks.jsonl"
    chunks.write_bytes(chunks.read_bytes().replace(b"42 concurrent", b"43 concurrent"))
    report = _ingest(settings, embedder, fixture_dir / "clean.pdf")
    assert not report.up_to_date and report.written
    assert report.rebuild_reason is not None and "digest" in report.rebuild_reason
    assert report.exit_code == 0
    texts = [c.text for c in load_index(settings.index_dir).chunks]
    assert any("42 concurrent sessions" in t for t in texts)


def test_hardening_20_hidden_sentences_are_not_in_the_index(
    settings: Settings, embedder: Embedder
) -> None:
    from tests.fixtures.make_fixtures import BANNER_SENTENCE, HIDDEN_SENTENCES, HIDDEN_VISIBLE

    report = _ingest(settings, embedder, FIXTURES / "hidden")
    assert report.exit_code == 0 and len(report.added) == 3
    text = "\n".join(c.text for c in load_index(settings.index_dir).chunks)
    for sentence in (*HIDDEN_VISIBLE, BANNER_SENTENCE):
        assert sentence in text
    for hidden in HIDDEN_SENTENCES.values():
        for sentence in hidden:
            assert sentence not in text
