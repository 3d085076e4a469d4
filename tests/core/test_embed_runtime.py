"""The OpenVINO runtime of the embedder: exported once into a cache keyed by the weights'
sha256, checked against torch fp32 at every load, and torch fp32 whenever it is missing,
broken or (for `auto`) not faster."""

from __future__ import annotations

import json
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from core import embed, embed_runtime
from core.config import DEFAULT_EMBEDDER, Settings
from core.embed import (
    MINILM_SHA256,
    Embedder,
    SentenceTransformerEmbedder,
    load_embedder,
    load_query_embedder,
)
from core.embed_runtime import MIN_COSINE, cache_root, export_dir
from core.hashing import file_sha256

MISSING = "openvino is not installed (pip install '.[openvino]')"
SPANS_TEXT = "Press the reset button. The LED blinks amber twice. Then release it."


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache holding one export, made by the first load (shared by this module's tests)."""
    pytest.importorskip("openvino")
    root = tmp_path_factory.mktemp("embed-cache")
    e = load_embedder(DEFAULT_EMBEDDER, "openvino-fp32", cache_dir=root)
    assert e.precision == "openvino-fp32", getattr(e, "report", None)
    return root


def _load(precision: str, cache_dir: Path) -> SentenceTransformerEmbedder:
    e = load_embedder(DEFAULT_EMBEDDER, precision, cache_dir=cache_dir)
    assert isinstance(e, SentenceTransformerEmbedder)
    return e


def test_export_is_cached_under_the_weights_sha256_and_a_second_load_does_not_export(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = export_dir(cache, MINILM_SHA256)
    meta = json.loads((target / "export.json").read_text())
    assert meta["weights_sha256"] == MINILM_SHA256
    assert meta["model_bin_sha256"] == file_sha256(target / "model.bin")

    def no_export(*args: object) -> None:
        raise AssertionError("a cached export must not be exported again")

    monkeypatch.setattr(embed_runtime, "_export", no_export)
    e = _load("openvino-fp32", cache)
    assert e.precision == "openvino-fp32" and e.runtime is not None
    assert e.report.reason.startswith("openvino ") and "agrees with torch fp32" in e.report.reason
    assert e.report.min_cosine is not None and e.report.min_cosine >= MIN_COSINE


def test_openvino_vectors_match_torch_for_embed_and_embed_with_spans(
    cache: Path, embedder: Embedder
) -> None:
    e = _load("openvino-fp32", cache)
    texts = ["How many days of annual leave?", SPANS_TEXT, "x " * 400]  # one truncated
    assert float(np.min(np.sum(e.embed(texts) * embedder.embed(texts), axis=1))) > 0.9999
    spans = [[(0, 10)], [(0, 23), (24, 50), (51, len(SPANS_TEXT))], [(0, 5)]]
    vecs, sents = e.embed_with_spans(texts, spans)
    ref_vecs, ref_sents = embedder.embed_with_spans(texts, spans)
    assert float(np.min(np.sum(vecs * ref_vecs, axis=1))) > 0.9999
    for got, ref in zip(sents, ref_sents, strict=True):
        assert got.shape == ref.shape
        assert float(np.min(np.sum(got * ref, axis=1))) > 0.9999
    assert e.embed([]).shape == (0, 384)
    assert e.tokenizer("a b")["input_ids"] == embedder.tokenizer("a b")["input_ids"]


def test_openvino_embedder_is_safe_to_share_across_threads(cache: Path) -> None:
    e = _load("openvino-fp32", cache)
    texts = [f"Question number {i} about the {w} setting?" for i, w in enumerate("abcdefgh")]
    alone = e.embed(texts)
    with ThreadPoolExecutor(max_workers=4) as pool:  # as the service's request threads do
        shared = np.concatenate(list(pool.map(lambda t: e.embed([t]), texts * 3)))
    assert np.allclose(shared, np.concatenate([alone] * 3), atol=1e-5)


def test_a_damaged_export_is_exported_again(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "cache"
    shutil.copytree(cache, root)
    binary = export_dir(root, MINILM_SHA256) / "model.bin"
    data = bytearray(binary.read_bytes())
    data[len(data) // 2] ^= 0xFF
    binary.write_bytes(bytes(data))
    calls = []
    real = embed_runtime._export
    monkeypatch.setattr(embed_runtime, "_export", lambda *a: calls.append(1) or real(*a))
    e = _load("openvino-fp32", root)
    assert calls == [1] and e.precision == "openvino-fp32"


def test_agreement_check_refuses_an_export_that_disagrees_with_torch(
    cache: Path, tmp_path: Path
) -> None:
    # A bad exporter: the cache is intact (digest matches) but the weights are wrong.
    root = tmp_path / "cache"
    shutil.copytree(cache, root)
    target = export_dir(root, MINILM_SHA256)
    data = bytearray((target / "model.bin").read_bytes())
    data[len(data) // 4 : len(data) // 2] = bytes(len(data) // 2 - len(data) // 4)
    (target / "model.bin").write_bytes(bytes(data))
    meta = json.loads((target / "export.json").read_text())
    meta["model_bin_sha256"] = file_sha256(target / "model.bin")
    (target / "export.json").write_text(json.dumps(meta))
    e = _load("openvino-fp32", root)
    assert (e.precision, e.runtime) == ("fp32", None)
    assert e.report.reason.startswith("openvino-fp32 not used: openvino-fp32 disagrees with")


def test_auto_takes_openvino_only_when_it_is_faster(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embed_runtime, "cpu_runs_bf16", lambda: False)
    monkeypatch.setattr(embed, "cpu_has_native_bf16", lambda: False)
    monkeypatch.setattr(embed_runtime, "_speedup", lambda *a: 1.05)
    slow = _load("auto", cache)
    assert (slow.precision, slow.runtime) == ("fp32", None)
    assert slow.report.reason == (
        "openvino-fp32 not faster than torch fp32 (x1.05); CPU has no native bf16 (AMX/AVX512-BF16)"
    )
    monkeypatch.setattr(embed_runtime, "_speedup", lambda *a: 3.0)
    fast = _load("auto", cache)
    assert fast.precision == "openvino-fp32" and fast.report.speedup == 3.0


def test_missing_openvino_falls_back_to_torch_fp32_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "openvino", None)  # import openvino -> ImportError
    e = _load("openvino-bf16", tmp_path)
    assert (e.precision, e.runtime) == ("fp32", None)
    assert e.report.reason == f"openvino-bf16 not used: {MISSING}"
    monkeypatch.setattr(embed, "cpu_has_native_bf16", lambda: False)
    auto = _load("auto", tmp_path)
    assert auto.precision == "fp32"
    assert auto.report.reason == f"{MISSING}; CPU has no native bf16 (AMX/AVX512-BF16)"
    assert not any(tmp_path.iterdir())  # nothing exported


def test_cache_root_falls_back_to_the_user_cache_when_the_model_folder_is_read_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    model = tmp_path / "model"
    model.mkdir()
    assert cache_root(model, None) == model / ".rag-runtime"
    assert cache_root(model, tmp_path / "mine") == tmp_path / "mine"
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")  # nothing can be created below a file, even by root
    assert cache_root(not_a_dir, None) == tmp_path / "xdg" / "rag-reference" / "embed"


def test_questions_are_embedded_by_the_configured_query_runtime(
    cache: Path, embedder: Embedder
) -> None:
    question = ["How many weeks of leave does the primary caregiver get?"]
    fast = load_query_embedder(Settings(_env_file=None, embed_cache_dir=cache))  # type: ignore[call-arg]
    assert fast.precision == "openvino-fp32"
    assert float(np.sum(fast.embed(question) * embedder.embed(question))) > 0.9999
    torch_only = load_query_embedder(
        Settings(_env_file=None, embed_cache_dir=cache, query_embed_precision="fp32")  # type: ignore[call-arg]
    )
    assert torch_only.precision == "fp32" and getattr(torch_only, "runtime", 0) is None
