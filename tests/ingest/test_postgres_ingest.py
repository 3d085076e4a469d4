"""Ingests into one PostgreSQL database at once (RAG_STORE=postgres), as separate processes
the way several machines would run them: folders merge, the same bytes are stored once, a
killed ingest leaves the previous generation serving, and `--workers` / `--shard` split one
corpus."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import psycopg
import pytest

from core.config import Settings
from core.embed import Embedder
from core.store import open_store
from ingest.pipeline import run_ingest
from ingest.scope import Shard, in_shard
from tests.conftest import FIXTURES, PgServer

pytestmark = pytest.mark.postgres
REPO = Path(__file__).parents[2]


def _folder(root: Path, name: str, *pdfs: str) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    for pdf in pdfs:
        shutil.copy(FIXTURES / pdf, folder / pdf)
    return folder


def _ingest(pg: PgServer, settings: Settings, *args: str | Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "ingest", "--quiet", *map(str, args)],
        cwd=settings.index_dir.parent,
        env=pg.env(settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait(procs: Sequence[subprocess.Popen[str]]) -> list[int]:
    codes = []
    for proc in procs:
        out, _ = proc.communicate(timeout=240)
        assert proc.returncode in (0, 1), out
        codes.append(proc.returncode)
    return codes


def _count(pg: PgServer, settings: Settings, sql: str) -> int:
    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute(f"SET search_path TO {settings.pg_schema}, public")
        row = conn.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def _live_docs(settings: Settings) -> list[str]:
    return sorted(d.path for d in open_store(settings).documents())


def test_two_ingests_of_different_folders_merge(pg_server: PgServer, tmp_path: Path) -> None:
    settings = pg_server.settings(tmp_path / "index")
    _folder(tmp_path, "a", "clean.pdf", "labels.pdf")
    _folder(tmp_path, "b", "ligatures.pdf", "two_column.pdf")
    assert _wait([_ingest(pg_server, settings, "a"), _ingest(pg_server, settings, "b")]) == [0, 0]
    assert _live_docs(settings) == [
        "a/clean.pdf", "a/labels.pdf", "b/ligatures.pdf", "b/two_column.pdf",
    ]  # fmt: skip
    index = open_store(settings).load()
    assert index.chunk_count == sum(d.chunks for d in index.manifest.documents)
    assert _count(pg_server, settings, "SELECT count(*) FROM documents") == 4
    # A later ingest of one folder keeps the other's documents, and drops only its own gone ones.
    (tmp_path / "a" / "labels.pdf").unlink()
    assert _wait([_ingest(pg_server, settings, "a")]) == [0]
    assert _live_docs(settings) == ["a/clean.pdf", "b/ligatures.pdf", "b/two_column.pdf"]


def test_two_ingests_of_the_same_documents_store_each_once(
    pg_server: PgServer, tmp_path: Path
) -> None:
    settings = pg_server.settings(tmp_path / "index")
    _folder(tmp_path, "docs", "clean.pdf", "labels.pdf", "ligatures.pdf")
    assert _wait([_ingest(pg_server, settings, "docs") for _ in range(2)]) == [0, 0]
    assert _live_docs(settings) == ["docs/clean.pdf", "docs/labels.pdf", "docs/ligatures.pdf"]
    index = open_store(settings).load()
    chunks = sum(d.chunks for d in index.manifest.documents)
    assert index.chunk_count == chunks
    assert _count(pg_server, settings, "SELECT count(*) FROM documents") == 3
    assert _count(pg_server, settings, "SELECT count(*) FROM chunks") == chunks
    ids = [c.id for c in index.chunks_at(range(index.chunk_count))]
    assert len(ids) == len(set(ids))


def test_a_killed_ingest_leaves_the_previous_generation_serving(
    pg_server: PgServer, tmp_path: Path, embedder: Embedder
) -> None:
    settings = pg_server.settings(tmp_path / "index")
    folder = _folder(tmp_path, "docs", "clean.pdf")
    with _chdir(tmp_path):
        assert run_ingest(settings, [Path("docs")], embedder=embedder).exit_code == 0
    before = open_store(settings).live_generation()
    shutil.copy(FIXTURES / "labels.pdf", folder / "labels.pdf")
    key = f"rag:{settings.pg_schema}:publish"
    with psycopg.connect(pg_server.url, autocommit=True) as blocker:
        # Hold the publish lock: the ingest stages its rows, then waits to switch; kill it there.
        blocker.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (key,))
        proc = _ingest(pg_server, settings, "docs")
        deadline = time.monotonic() + 180
        while _count(pg_server, settings, "SELECT count(*) FROM documents") < 2:
            assert proc.poll() is None and time.monotonic() < deadline, "ingest never staged"
            time.sleep(0.2)
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
        blocker.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (key,))
    store = open_store(settings)
    assert store.live_generation() == before
    assert _live_docs(settings) == ["docs/clean.pdf"]
    assert store.load().generation == before
    # The next run publishes; its rows were staged already, so nothing is stored twice.
    with _chdir(tmp_path):
        report = run_ingest(settings, [Path("docs")], embedder=embedder)
    assert report.written and report.added == ["docs/labels.pdf"]
    assert _count(pg_server, settings, "SELECT count(*) FROM documents") == 2
    assert _live_docs(settings) == ["docs/clean.pdf", "docs/labels.pdf"]


def test_workers_split_one_folder_into_shards_that_publish_into_one_index(
    pg_server: PgServer, tmp_path: Path
) -> None:
    settings = pg_server.settings(tmp_path / "index")
    pdfs = ("clean.pdf", "labels.pdf", "ligatures.pdf", "two_column.pdf", "not_a_pdf.pdf")
    _folder(tmp_path, "docs", *pdfs)
    proc = _ingest(pg_server, settings, "docs", "--workers", "2")
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 1, out  # not_a_pdf.pdf is skipped by its shard
    assert "worker 0/2: exit" in out and "worker 1/2: exit" in out
    assert _live_docs(settings) == [f"docs/{p}" for p in pdfs if p != "not_a_pdf.pdf"]
    skipped = open_store(settings).live_manifest().skipped
    assert [(s.path, s.code) for s in skipped] == [("docs/not_a_pdf.pdf", "not_a_pdf")]
    shards = {p: in_shard(f"docs/{p}", Shard(1, 2)) for p in pdfs}
    assert len(set(shards.values())) == 2, shards  # both shards had work


def test_shard_needs_the_postgres_store(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    done = subprocess.run(
        [sys.executable, "-m", "ingest", str(tmp_path), "--shard", "0/2"],
        cwd=REPO,
        env={**env, "RAG_INDEX_DIR": str(tmp_path / "index")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "--shard needs RAG_STORE=postgres" in done.stderr


class _chdir:
    """Stored paths are relative to the folder an ingest runs in: run it from `path`."""

    def __init__(self, path: Path) -> None:
        self.path, self.old = path, Path.cwd()

    def __enter__(self) -> None:
        os.chdir(self.path)

    def __exit__(self, *exc: object) -> None:
        os.chdir(self.old)
