"""Where the reranker comes from: decided once, in order, and quickly when offline."""

from __future__ import annotations

import shutil
import socket
import time
from pathlib import Path

import pytest

from core.hashing import file_sha256
from service.models import prefetched_path, resolve, verify
from service.rerank import load_reranker
from tests.factories import make_settings

NAME = "cross-encoder/ms-marco-MiniLM-L6-v2"


def test_a_local_folder_is_loaded_as_it_is(tiny_cross_encoder: Path, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, reranker=str(tiny_cross_encoder))
    model, status = load_reranker(settings)
    assert model is not None and status.active and status.name == str(tiny_cross_encoder)
    assert resolve(str(tiny_cross_encoder), settings).source == "local folder"


def test_a_copy_fetched_by_make_models_is_found_by_hub_name(
    tiny_cross_encoder: Path, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, reranker=NAME, models_dir=tmp_path / "models")
    shutil.copytree(tiny_cross_encoder, prefetched_path(NAME, settings.models_dir))
    model, status = load_reranker(settings)
    assert model is not None and status.describe().startswith(f"{NAME} (")
    resolved = resolve(NAME, settings)
    assert (
        resolved.source
        == f"make models ({settings.models_dir / 'cross-encoder--ms-marco-MiniLM-L6-v2'})"
    )


def test_offline_without_a_copy_is_off_at_once_and_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    settings = make_settings(tmp_path, reranker=NAME, models_dir=tmp_path / "models")
    model, status = load_reranker(settings)
    assert model is None
    assert status.describe() == (
        "none (HF_HUB_OFFLINE is set and it is not cached; run `make models` once online)"
    )


def test_a_silent_hub_costs_at_most_the_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A hub that accepts the connection and never answers: the worst case for start-up.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub-cache"))  # nothing cached
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{silent.getsockname()[1]}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    settings = make_settings(tmp_path, reranker=NAME, hub_timeout_s=0.5)
    start = time.monotonic()
    try:
        resolved = resolve(NAME, settings)
    finally:
        silent.close()
    assert time.monotonic() - start < 3
    assert resolved.path is None
    assert resolved.source == (
        "the model hub did not answer (ReadTimeout within 0.5 s); run `make models` once online"
    )


def test_weights_are_checked_against_the_published_sha256(
    tiny_cross_encoder: Path, tmp_path: Path
) -> None:
    folder = Path(shutil.copytree(tiny_cross_encoder, tmp_path / "model"))
    weights = folder / "model.safetensors"
    verify(folder, {"model.safetensors": file_sha256(weights)})
    with pytest.raises(ValueError, match="does not match the sha256 the hub publishes"):
        verify(folder, {"model.safetensors": "0" * 64})
    with pytest.raises(ValueError, match="publishes no sha256 for model.safetensors"):
        verify(folder, {})
