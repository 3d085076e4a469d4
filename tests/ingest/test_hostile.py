"""Hostile inputs (the hardening issue): each costs one skipped file with a reason, never the
run, never a hang. Real files from tests/fixtures/make_hostile.py, real pypdf, real workers."""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

from core.config import Settings
from core.embed import Embedder
from core.index import load_index
from ingest import pipeline
from tests.conftest import FIXTURES
from tests.fixtures import make_hostile
from tests.ingest import procs
from tests.polling import wait_for


def _ingest(
    settings: Settings, embedder: Embedder, *paths: Path, **updates: object
) -> pipeline.IngestReport:
    settings = settings.model_copy(update=updates) if updates else settings
    return pipeline.run_ingest(settings, list(paths), embedder=embedder)


def _skips(report: pipeline.IngestReport) -> dict[str, tuple[str, str]]:
    return {Path(s.path).name: (s.code, s.error) for s in report.skipped}


def _names(paths: list[str]) -> list[str]:
    return sorted(Path(p).name for p in paths)


def _with_deadline(
    fn: Callable[[], pipeline.IngestReport], seconds: float
) -> pipeline.IngestReport:
    """Run `fn` in a daemon thread: a hang fails the test instead of blocking the suite."""
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["report"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"ingest still running after {seconds} s (hung)"
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    report = box["report"]
    assert isinstance(report, pipeline.IngestReport)
    return report


def test_hardening_02_pypdf_limit_errors_are_per_file_skips(
    tmp_path: Path, settings: Settings, embedder: Embedder
) -> None:
    bomb = make_hostile.bomb_pdf(tmp_path / "bomb.pdf")
    tree = make_hostile.page_tree_pdf(tmp_path / "tree.pdf")
    clean = shutil.copy(FIXTURES / "clean.pdf", tmp_path / "clean.pdf")
    # Two files: the small incremental run that used to parse in the main process.
    report = _ingest(settings, embedder, bomb, Path(clean))
    assert _names(report.added) == ["clean.pdf"]
    code, reason = _skips(report)["bomb.pdf"]
    assert code == "unsafe_pdf" and "safety limit" in reason
    report = _ingest(settings, embedder, tree, Path(clean))
    code, reason = _skips(report)["tree.pdf"]
    assert code == "unsafe_pdf" and "page tree" in reason
    assert report.exit_code == 1 and report.written


def test_hardening_02_unexpected_parser_exception_is_a_per_file_skip(
    tmp_path: Path, settings: Settings, embedder: Embedder
) -> None:
    deep = make_hostile.deep_pdf(tmp_path / "deep.pdf")  # RecursionError inside pypdf
    clean = Path(shutil.copy(FIXTURES / "clean.pdf", tmp_path / "clean.pdf"))
    report = _ingest(settings, embedder, deep, clean)
    code, reason = _skips(report)["deep.pdf"]
    assert code == "parser_crashed" and reason.startswith("parser failed: RecursionError")
    assert _names(report.added) == ["clean.pdf"] and report.written


def test_hardening_03_slow_pdf_times_out_and_the_run_goes_on(
    tmp_path: Path, settings: Settings, embedder: Embedder
) -> None:
    slow = make_hostile.slow_pdf(tmp_path / "slow.pdf")  # ~80 s of parsing unbounded
    clean = Path(shutil.copy(FIXTURES / "clean.pdf", tmp_path / "clean.pdf"))
    start = time.monotonic()
    report = _ingest(settings, embedder, slow, clean, parse_timeout_s=1.0)
    assert time.monotonic() - start < 30
    assert _skips(report)["slow.pdf"] == (
        "timeout",
        "parse took longer than 1 s (RAG_PARSE_TIMEOUT_S)",
    )
    assert _names(report.added) == ["clean.pdf"]
    assert procs.spawn_workers(os.getpid()) == []  # the stuck worker was killed


def test_hardening_03_killed_workers_are_replaced_and_pending_files_parsed(
    tmp_path: Path, settings: Settings, embedder: Embedder
) -> None:
    make_hostile.slow_pdf(tmp_path / "a_slow.pdf", seed=1)
    shutil.copy(FIXTURES / "clean.pdf", tmp_path / "b_clean.pdf")
    make_hostile.slow_pdf(tmp_path / "c_slow.pdf", seed=2)
    shutil.copy(FIXTURES / "labels.pdf", tmp_path / "d_labels.pdf")
    report = _ingest(settings, embedder, tmp_path, parse_timeout_s=1.0, parse_workers=1)
    assert _names(report.added) == ["b_clean.pdf", "d_labels.pdf"]
    assert {n: c for n, (c, _) in _skips(report).items()} == {
        "a_slow.pdf": "timeout",
        "c_slow.pdf": "timeout",
    }


def test_hardening_04_fifo_and_link_to_device_are_skipped_not_read(
    tmp_path: Path, settings: Settings, embedder: Embedder
) -> None:
    folder = tmp_path / "pdfs"
    folder.mkdir()
    make_hostile.fifo(folder / "pipe.pdf")
    make_hostile.link_to(folder / "zero.pdf", "/dev/zero")
    shutil.copy(FIXTURES / "clean.pdf", folder / "clean.pdf")
    report = _with_deadline(lambda: _ingest(settings, embedder, folder), 60)
    skips = _skips(report)
    assert skips["pipe.pdf"] == ("not_regular", "not a regular file (a FIFO): nothing to read")
    assert skips["zero.pdf"] == (
        "not_regular",
        "not a regular file (a character device): nothing to read",
    )
    assert _names(report.added) == ["clean.pdf"]


def test_hardening_04_file_over_the_byte_limit_is_skipped(
    fixture_dir: Path, settings: Settings, embedder: Embedder
) -> None:
    clean, labels = fixture_dir / "clean.pdf", fixture_dir / "injection.pdf"
    report = _ingest(settings, embedder, clean, labels, max_file_bytes=2500)
    assert _skips(report)["clean.pdf"] == (
        "too_large",
        "file is 2601 bytes, over the 2500-byte limit (RAG_MAX_FILE_BYTES)",
    )
    assert _names(report.added) == ["injection.pdf"]


def test_hardening_05_symlink_loop_is_skipped(
    tmp_path: Path, settings: Settings, embedder: Embedder
) -> None:
    folder = tmp_path / "pdfs"
    folder.mkdir()
    make_hostile.symlink_loop(folder / "loop.pdf")
    shutil.copy(FIXTURES / "clean.pdf", folder / "clean.pdf")
    report = _ingest(settings, embedder, folder)
    assert _skips(report)["loop.pdf"] == ("broken_link", "symbolic link loop")
    assert _names(report.added) == ["clean.pdf"]
    # Named explicitly, too.
    report = _ingest(settings, embedder, folder / "loop.pdf", folder / "clean.pdf")
    assert _skips(report)["loop.pdf"][0] == "broken_link"


def test_hardening_05_non_utf8_name_survives_into_the_manifest(
    tmp_path: Path, settings: Settings, embedder: Embedder
) -> None:
    from ingest.inputs import path_from_stored

    folder = tmp_path / "pdfs"
    folder.mkdir()
    odd = Path(os.fsdecode(bytes(folder) + b"/caf\xe9 \\ notes.pdf"))
    shutil.copy(FIXTURES / "labels.pdf", odd)
    shutil.copy(FIXTURES / "clean.pdf", folder / "clean.pdf")
    report = _ingest(settings, embedder, folder)
    assert report.written and report.exit_code == 0
    stored = f"{folder}/caf\\xe9 \\\\ notes.pdf"  # bytes as \xNN, backslash doubled
    assert stored in report.added
    idx = load_index(settings.index_dir)
    manifest = json.loads((idx.path / "manifest.json").read_text(encoding="utf-8"))
    assert stored in [d["path"] for d in manifest["documents"]]
    assert {c.source for c in idx.chunks} == {stored, str(folder / "clean.pdf")}
    assert path_from_stored(stored) == odd  # round-trips to the exact file name
    assert path_from_stored(str(folder / "clean.pdf")) == folder / "clean.pdf"
    assert _ingest(settings, embedder, folder).up_to_date


def test_hardening_08_document_over_the_character_cap_is_skipped(
    tmp_path: Path, settings: Settings, embedder: Embedder
) -> None:
    big = make_hostile.text_heavy_pdf(tmp_path / "big.pdf", chars=200_000)
    clean = Path(shutil.copy(FIXTURES / "clean.pdf", tmp_path / "clean.pdf"))
    report = _ingest(settings, embedder, big, clean, max_document_chars=50_000)
    assert _skips(report)["big.pdf"] == (
        "too_large",
        "more than 50000 characters of text (RAG_MAX_DOCUMENT_CHARS): split the document "
        "or raise the limit",
    )
    assert _names(report.added) == ["clean.pdf"]


def _kill_worker_busy_for(seconds: float, exclude: set[int], timeout: float) -> int | None:
    """Wait for a parse worker of this process that has burnt `seconds` of CPU, kill it."""

    def busy() -> int | None:
        for pid in procs.spawn_workers(os.getpid()):
            if pid not in exclude and procs.cpu_seconds(pid) >= seconds:
                return pid
        return None

    pid = wait_for(busy, timeout)
    if pid is not None:
        os.kill(pid, signal.SIGKILL)
    return pid


def test_hardening_12_crashed_worker_costs_one_file_and_is_retried_next_run(
    tmp_path: Path, settings: Settings, embedder: Embedder
) -> None:
    folder = tmp_path / "pdfs"
    folder.mkdir()
    make_hostile.slow_pdf(folder / "a_slow.pdf")
    shutil.copy(FIXTURES / "clean.pdf", folder / "b_clean.pdf")
    shutil.copy(FIXTURES / "labels.pdf", folder / "c_labels.pdf")
    killed: list[int | None] = []

    def killer() -> None:
        # Kill the worker parsing a_slow.pdf, then the one retrying it (as an OOM kill would).
        first = _kill_worker_busy_for(1.0, set(), 60)
        killed.append(first)
        killed.append(_kill_worker_busy_for(1.0, {first} if first else set(), 30))

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    report = _ingest(settings, embedder, folder, parse_workers=1, parse_timeout_s=60.0)
    thread.join(60)
    assert None not in killed, killed
    assert _names(report.added) == ["b_clean.pdf", "c_labels.pdf"]  # pending files parsed
    code, reason = _skips(report)["a_slow.pdf"]
    assert code == "parser_crashed" and "killed by SIGKILL" in reason
    # A crash is transient: no sha256 recorded, so the next run tries the file again.
    manifest = load_index(settings.index_dir).manifest
    assert [s.sha256 for s in manifest.skipped] == [None]
    again = _ingest(settings, embedder, folder, parse_timeout_s=1.0)
    assert not again.up_to_date
    assert _skips(again)["a_slow.pdf"][0] == "timeout"  # parsed again, not "up to date"


def test_hardening_15_dangling_symlink_is_a_broken_link(
    tmp_path: Path, settings: Settings, embedder: Embedder
) -> None:
    folder = tmp_path / "pdfs"
    folder.mkdir()
    make_hostile.link_to(folder / "gone.pdf", tmp_path / "deleted.pdf")
    shutil.copy(FIXTURES / "clean.pdf", folder / "clean.pdf")
    for inputs in ([folder], [folder / "gone.pdf", folder / "clean.pdf"]):
        report = _ingest(settings, embedder, *inputs)
        assert _skips(report)["gone.pdf"] == (
            "broken_link",
            f"broken symbolic link: {tmp_path / 'deleted.pdf'} does not exist",
        )
