"""Shared fixtures: committed PDFs and the real packaged embedder, loaded once per session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from core.config import DEFAULT_EMBEDDER, Settings  # noqa: E402
from core.embed import Embedder, load_embedder  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures" / "pdfs"
SAMPLE = Path(__file__).parent.parent / "data" / "sample"
GOOD_FIXTURES = [
    "clean.pdf",
    "encrypted_empty.pdf",
    "injection.pdf",
    "labels.pdf",
    "ligatures.pdf",
    "partly_scanned.pdf",
    "two_column.pdf",
]
BAD_FIXTURES = {
    "empty.pdf": "empty",
    "encrypted_secret.pdf": "encrypted",
    "garbage.pdf": "corrupt",
    "not_a_pdf.pdf": "not_a_pdf",
    "scanned.pdf": "no_text_layer",
    "truncated.pdf": "corrupt",
}


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    # fp32: exact, and the same on every CPU the tests run on.
    return load_embedder(DEFAULT_EMBEDDER, precision="fp32")


@pytest.fixture
def fixture_dir(tmp_path: Path) -> Path:
    """A private copy of the fixture PDFs that a test may change."""
    dest = tmp_path / "pdfs"
    dest.mkdir()
    for pdf in FIXTURES.glob("*.pdf"):
        shutil.copy(pdf, dest / pdf.name)
    return dest


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(index_dir=tmp_path / "index", parse_workers=1, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """The bundled sample plus the prompt-injection memo, ingested once per test session."""
    from ingest.pipeline import run_ingest

    corpus = tmp_path_factory.mktemp("corpus")
    for pdf in SAMPLE.glob("*.pdf"):
        shutil.copy(pdf, corpus / pdf.name)
    shutil.copy(FIXTURES / "injection.pdf", corpus / "injection.pdf")
    root = tmp_path_factory.mktemp("sample") / "index"
    settings = Settings(index_dir=root, _env_file=None)  # type: ignore[call-arg]
    report = run_ingest(settings, [corpus], embedder=embedder)
    assert report.exit_code == 0, report.skipped
    return root
