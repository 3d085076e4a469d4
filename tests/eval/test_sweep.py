"""The settings sweep, in process on a slice of the golden set."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from core.config import Settings
from eval.harness import GOLDEN
from eval.sweep import configurations, sweep


def test_sweep_labels_its_first_configuration_from_the_defaults() -> None:
    name, overrides = configurations(quick=True)[0]
    d = Settings.model_fields
    assert overrides == {}
    assert name == f"default ({d['fusion'].default} {d['fusion_norm'].default}, k=5)"
    # No alternative repeats the defaults: it would measure nothing new.
    for _, alt in configurations(quick=False)[1:]:
        assert any(d[k].default != v for k, v in alt.items()), alt


def test_sweep_writes_every_configuration_and_a_replayed_abstention_curve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAG_RERANKER", "none")
    golden = tmp_path / "golden.jsonl"
    golden.write_text("\n".join(GOLDEN.read_text().splitlines()[:30]) + "\n")
    out = tmp_path / "sweep"
    assert sweep(golden, "all", True, Console(file=io.StringIO()), out) == 0

    data = json.loads((out / "sweep.json").read_text())
    assert [c["name"] for c in data["configs"]] == [n for n, _ in configurations(quick=True)]
    default, bm25 = data["configs"][0]["metrics"], data["configs"][1]["metrics"]
    assert default["mrr@10"]["n"] == bm25["mrr@10"]["n"] > 0
    # Only the first run answers; the others score retrieval alone.
    assert default["answer_similarity"]["n"] > 0 and bm25["answer_similarity"]["n"] == 0
    curve = data["abstention"]
    recalls = [row["recall"] for row in curve]
    assert recalls == sorted(recalls), "a higher threshold can only abstain on more questions"
    assert (out / "sweep.png").stat().st_size > 10_000
