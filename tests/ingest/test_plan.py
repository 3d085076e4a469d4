"""The ingest plan: what is reused, parsed, carried as a known skip, or rebuilt, and why."""

from __future__ import annotations

import shutil
from pathlib import Path

from core.config import Settings
from core.embed import Embedder
from ingest.inputs import discover
from ingest.pipeline import run_ingest
from ingest.plan import Plan, plan_ingest


def _plan(settings: Settings, embedder: Embedder, folder: Path, **kw: bool) -> Plan:
    inputs, _ = discover([folder], settings.max_file_bytes)
    return plan_ingest(
        settings.index_dir, settings, inputs, [], fingerprint=embedder.fingerprint, **kw
    )


def _names(items: object) -> list[str]:
    return sorted(Path(getattr(i, "name", i)).name for i in items)  # type: ignore[attr-defined]


def _corpus(fixture_dir: Path, *names: str) -> Path:
    folder = fixture_dir.parent / "corpus"
    folder.mkdir()
    for name in names:
        shutil.copy(fixture_dir / name, folder / name)
    return folder


def test_plan_of_an_unchanged_corpus_is_up_to_date_and_parses_nothing(
    fixture_dir: Path, settings: Settings, embedder: Embedder
) -> None:
    folder = _corpus(fixture_dir, "clean.pdf", "not_a_pdf.pdf")
    run_ingest(settings, [folder], embedder=embedder)
    plan = _plan(settings, embedder, folder)
    assert plan.up_to_date and plan.parse == [] and plan.rebuild_reason is None
    assert _names(plan.reuse.values()) == ["clean.pdf"]
    assert [(Path(s.path).name, s.code) for s in plan.skipped] == [("not_a_pdf.pdf", "not_a_pdf")]


def test_known_bad_bytes_under_a_new_name_are_not_parsed_again(
    fixture_dir: Path, settings: Settings, embedder: Embedder
) -> None:
    folder = _corpus(fixture_dir, "clean.pdf", "not_a_pdf.pdf")
    run_ingest(settings, [folder], embedder=embedder)
    (folder / "not_a_pdf.pdf").rename(folder / "renamed.pdf")
    (folder / "clean.pdf").rename(folder / "moved.pdf")
    plan = _plan(settings, embedder, folder)
    assert plan.parse == [] and not plan.up_to_date  # names changed: a new generation
    assert _names(plan.reuse.values()) == ["moved.pdf"]
    assert [(Path(s.path).name, s.code) for s in plan.skipped] == [("renamed.pdf", "not_a_pdf")]
    report = run_ingest(settings, [folder], embedder=embedder)
    assert report.written and report.pages_parsed == 0 and report.chunks_embedded == 0
    assert _names(report.reused) == ["moved.pdf"] and report.removed == []


def test_changed_chunker_settings_reparse_everything_and_say_why(
    fixture_dir: Path, settings: Settings, embedder: Embedder
) -> None:
    folder = _corpus(fixture_dir, "clean.pdf", "labels.pdf")
    run_ingest(settings, [folder], embedder=embedder)
    other = settings.model_copy(update={"chunk_tokens": 120})
    plan = _plan(other, embedder, folder)
    assert plan.live is None and plan.rebuild_reason == "chunker or parser settings changed"
    assert _names(plan.parse) == ["clean.pdf", "labels.pdf"]
    assert _plan(settings, embedder, folder, rebuild=True).rebuild_reason == "--rebuild"


def test_auto_precision_embeds_new_files_at_the_live_index_precision(
    fixture_dir: Path, settings: Settings, embedder: Embedder
) -> None:
    folder = _corpus(fixture_dir, "clean.pdf")
    run_ingest(settings, [folder], embedder=embedder)  # the fixture embedder is fp32
    shutil.copy(fixture_dir / "labels.pdf", folder / "labels.pdf")
    plan = _plan(settings.model_copy(update={"embed_precision": "auto"}), embedder, folder)
    assert plan.precision == "fp32" and _names(plan.parse) == ["labels.pdf"]
    bf16 = _plan(settings.model_copy(update={"embed_precision": "bf16"}), embedder, folder)
    assert bf16.rebuild_reason == "embedding precision changed"
