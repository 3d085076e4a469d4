"""The store seam without a database: which store the settings open, what a missing
`postgres` extra says, how concurrent ingests' manifests merge, and how shards split names."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from core.config import Settings, load_settings
from core.errors import ConfigError, IndexConflict
from core.manifest import (
    SCHEMA_VERSION,
    ChunkerInfo,
    DocumentRecord,
    EmbedderInfo,
    Manifest,
    SkippedFile,
)
from core.store import open_store
from core.store.files import FilesStore
from core.store.merge import build_key, rebase
from ingest.scope import Shard, in_shard, make_scope


def _manifest(*paths: str, weights: str = "w", skipped: tuple[str, ...] = ()) -> Manifest:
    docs = [
        DocumentRecord(doc_id=p[-8:], path=p, sha256=f"sha-{p}", size=1, pages=2, chunks=3)
        for p in paths
    ]
    return Manifest(
        schema_version=SCHEMA_VERSION,
        created_at="now",
        embedder=EmbedderInfo(
            name="e", dimension=4, max_seq_length=8, weights_sha256=weights, precision="fp32"
        ),  # fmt: skip
        chunker=ChunkerInfo(chunk_tokens=200, chunk_overlap=0),
        documents=docs,
        skipped=[SkippedFile(path=p, code="corrupt", error="bad") for p in skipped],
        chunk_count=3 * len(docs),
        page_count=2 * len(docs),
    )


def test_files_is_the_default_store(tmp_path: Path) -> None:
    store = open_store(Settings(index_dir=tmp_path, _env_file=None))  # type: ignore[call-arg]
    assert isinstance(store, FilesStore) and store.describe() == str(tmp_path)
    assert store.live_generation() is None and store.documents() == []


def test_postgres_without_the_extra_fails_with_the_pip_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg_pool", None)
    settings = Settings(store="postgres", database_url="postgresql://x/y", _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ConfigError, match=r"pip install -e '\.\[postgres\]'"):
        open_store(settings)


def test_postgres_needs_a_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_STORE", "postgres")
    monkeypatch.delenv("RAG_DATABASE_URL", raising=False)
    with pytest.raises(ConfigError, match="RAG_DATABASE_URL"):
        load_settings(_env_file=None)


def test_a_publish_keeps_what_another_ingest_published_outside_its_scope() -> None:
    scope = make_scope([Path("a")], None)
    base = _manifest("a/1.pdf", "a/2.pdf")
    mine = _manifest("a/1.pdf", "a/3.pdf")  # planned on `base`: 2 gone, 3 new
    live = _manifest("a/2.pdf", "b/9.pdf", skipped=("b/bad.pdf",))  # meanwhile: b ingested
    merged = rebase(mine, live, scope, planned_on="gen-base", live_name="gen-b")
    assert [d.path for d in merged.documents] == ["a/1.pdf", "a/3.pdf", "b/9.pdf"]
    assert [s.path for s in merged.skipped] == ["b/bad.pdf"]
    assert merged.chunk_count == 9 and merged.page_count == 6
    assert rebase(mine, base, scope, planned_on="g", live_name="g") is mine


def test_content_already_under_another_scope_is_skipped_as_a_duplicate() -> None:
    mine = _manifest("a/1.pdf")
    live = _manifest("b/1.pdf").model_copy()
    live.documents[0].sha256 = "sha-a/1.pdf"
    merged = rebase(mine, live, make_scope([Path("a")], None), planned_on=None, live_name="g")
    assert [d.path for d in merged.documents] == ["b/1.pdf"]
    assert [(s.path, s.code) for s in merged.skipped] == [("a/1.pdf", "duplicate")]


def test_a_live_generation_rebuilt_with_other_weights_since_the_plan_is_a_conflict() -> None:
    mine, live = _manifest("a/1.pdf"), _manifest("b/1.pdf", weights="other")
    assert build_key(mine.embedder, mine.chunker) != build_key(live.embedder, live.chunker)
    with pytest.raises(IndexConflict, match="run the ingest again"):
        rebase(mine, live, make_scope([Path("a")], None), planned_on="g1", live_name="g2")


def test_shards_split_names_between_them_and_scopes_follow_paths() -> None:
    names = [f"docs/{i}.pdf" for i in range(200)]
    shards = [Shard(i, 3) for i in range(3)]
    owners = [[s for s in shards if in_shard(n, s)] for n in names]
    assert all(len(o) == 1 for o in owners)
    assert all(30 < sum(o[0] == s for o in owners) < 110 for s in shards)
    assert Shard.parse("1/3") == Shard(1, 3) and str(Shard(1, 3)) == "1/3"
    assert Shard(1, 2).split(2) == [Shard(2, 4), Shard(3, 4)]
    with pytest.raises(ValueError, match="I/N"):
        Shard.parse("3")
    scope = make_scope([Path("docs/"), Path("./more")], Shard(0, 1))
    assert scope("docs/a.pdf") and scope("more/x/b.pdf") and not scope("docsx/a.pdf")
    assert make_scope([Path(".")], None)("a/b.pdf") and not make_scope([Path(".")], None)("/abs")
