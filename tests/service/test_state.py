"""The index watcher and loading: a bad generation is refused, the old one keeps serving, the
watcher keeps watching; at start-up a bad index means 503 with the reason, not a crash.

Real indexes written by the real pipeline; broken generations are copies with one file damaged.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from core.config import Settings
from core.embed import Embedder
from ingest.pipeline import run_ingest
from service.app import create_app
from tests.conftest import FIXTURES
from tests.factories import make_settings
from tests.polling import wait_for

POLL_S = 0.05


def _live(root: Path) -> str:
    return (root / "CURRENT").read_text().strip()


def _point(root: Path, content: bytes) -> None:
    tmp = root / ".CURRENT.test"
    tmp.write_bytes(content)
    os.replace(tmp, root / "CURRENT")


def _publish(root: Path, name: str, damage: Callable[[Path], None], source: str) -> None:
    gen = root / name
    shutil.copytree(root / source, gen)
    damage(gen)
    _point(root, name.encode() + b"\n")


def _truncate_npz(gen: Path) -> None:
    data = (gen / "lexical.npz").read_bytes()
    (gen / "lexical.npz").write_bytes(data[: len(data) // 2])


def _faiss_is_a_directory(gen: Path) -> None:
    (gen / "dense.faiss").unlink()
    (gen / "dense.faiss").mkdir()


def _garbage_chunks(gen: Path) -> None:
    (gen / "chunks.jsonl").write_bytes(b"\xff\xfe\x00garbage\n{not json\n")


def _chunks_not_objects(gen: Path) -> None:
    (gen / "chunks.jsonl").write_text("[1, 2]\n")


def _vocab_is_a_directory(gen: Path) -> None:
    (gen / "lexical_vocab.json").unlink()
    (gen / "lexical_vocab.json").mkdir()


def _empty_manifest(gen: Path) -> None:
    (gen / "manifest.json").write_bytes(b"")


DAMAGE = {
    "gen-20990101T000001-00000a": _truncate_npz,
    "gen-20990101T000002-00000b": _faiss_is_a_directory,
    "gen-20990101T000003-00000c": _garbage_chunks,
    "gen-20990101T000004-00000d": _chunks_not_objects,
    "gen-20990101T000005-00000e": _vocab_is_a_directory,
    "gen-20990101T000006-00000f": _empty_manifest,
}
WEIRD_POINTERS = [b"\xff\xfe\x00\x01", b"../../../etc\n", b"manifest.json\n", b"x" * 5000, b"\n"]


class Boom(Exception):
    """Stands for any exception nobody thought of."""


def _index(tmp_path: Path, embedder: Embedder) -> tuple[Settings, Path]:
    settings = make_settings(tmp_path / "index", index_poll_s=POLL_S)
    corpus = tmp_path / "pdfs"
    corpus.mkdir()
    shutil.copy(FIXTURES / "clean.pdf", corpus / "clean.pdf")
    assert run_ingest(settings, [corpus], embedder=embedder).exit_code == 0
    return settings, corpus


def _documents(c: TestClient) -> list[str]:
    return [d["document"] for d in c.get("/documents").json()["documents"]]


def _errors_naming(caplog: pytest.LogCaptureFixture, text: str) -> int:
    return sum(1 for r in caplog.records if r.levelno >= logging.ERROR and text in r.getMessage())


def test_hardening_06_bad_generations_are_refused_and_watching_goes_on(
    tmp_path: Path,
    embedder: Embedder,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings, corpus = _index(tmp_path, embedder)
    root = settings.index_dir
    good = _live(root)
    import core.store.files

    real_load = core.store.files.load_index

    def load_index(path: Path) -> object:
        if _live(path).endswith("-0000ff"):
            raise Boom("nobody expected this")
        return real_load(path)

    monkeypatch.setattr(core.store.files, "load_index", load_index)
    caplog.set_level(logging.INFO)
    with TestClient(create_app(settings, embedder)) as c:
        bad = {**DAMAGE, "gen-20990101T000007-0000ff": lambda gen: None}
        for name, damage in bad.items():
            _publish(root, name, damage, source=good)
            time.sleep(10 * POLL_S)
            ready = c.get("/readyz").json()
            assert ready["ready"] is True and Path(ready["index"]).name == good, name
            assert c.post("/ask", json={"question": "How many sessions?"}).status_code == 200
        for pointer in WEIRD_POINTERS:
            _point(root, pointer)
            time.sleep(6 * POLL_S)
            assert Path(c.get("/readyz").json()["index"]).name == good, pointer
        for name in bad:
            # Logged once with its traceback, not once per poll.
            assert _errors_naming(caplog, name) == 1, name
        shutil.copy(FIXTURES / "labels.pdf", corpus / "labels.pdf")
        assert run_ingest(settings, [corpus], embedder=embedder).exit_code == 0
        assert wait_for(lambda: len(_documents(c)) == 2, 20, POLL_S), (
            "a good generation was never served"
        )
        assert Path(c.get("/readyz").json()["index"]).name == _live(root)
    traced = [r for r in caplog.records if r.exc_info and isinstance(r.exc_info[1], Boom)]
    assert len(traced) == 1


@pytest.mark.parametrize("damage", [*DAMAGE.values(), None], ids=[*DAMAGE, "weird-pointer"])
def test_hardening_06_bad_index_at_start_up_is_503_then_recovers(
    tmp_path: Path, embedder: Embedder, damage: Callable[[Path], None] | None
) -> None:
    settings, _ = _index(tmp_path, embedder)
    root = settings.index_dir
    good = _live(root)
    if damage is None:
        _point(root, b"\xff\xfe\x00\x01")
    else:
        _publish(root, "gen-20990101T000001-0000aa", damage, source=good)
    with TestClient(create_app(settings, embedder)) as c:
        r = c.get("/readyz")
        assert r.status_code == 503 and r.json()["ready"] is False
        assert r.json()["detail"]
        ask = c.post("/ask", json={"question": "How many sessions?"})
        assert ask.status_code == 503 and ask.json()["error"] == "not_ready"
        _publish(root, "gen-20990101T000009-0000bb", lambda gen: None, source=good)
        ready = wait_for(lambda: c.get("/readyz").status_code == 200, 20, POLL_S)
        assert ready, c.get("/readyz").text
        assert c.post("/ask", json={"question": "How many sessions?"}).status_code == 200
