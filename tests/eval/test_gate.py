"""The regression gate: paired bootstrap on unit data, and the real harness end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from eval.gate import check, incompatible, model_identity

ROOT = Path(__file__).resolve().parents[2]


def _baseline(values: dict[str, float], name: str = "page_hit@5") -> dict[str, object]:
    mean = sum(values.values()) / len(values)
    return {"metrics": {name: {"mean": mean}}, "per_question": {name: values}}


def test_material_paired_drop_fails_and_names_flipped_questions() -> None:
    base = {f"q{i}": 1.0 for i in range(40)}
    cur = {**base, **{f"q{i}": 0.0 for i in range(8)}}
    [result] = check(_baseline(base), {"page_hit@5": cur})
    assert result.failed
    assert result.delta == -0.2 and result.high < 0
    assert result.flipped == [f"q{i}" for i in range(8)]


def test_small_drop_within_tolerance_passes() -> None:
    base = {f"q{i}": 1.0 for i in range(100)}
    cur = {**base, "q0": 0.0, "q1": 0.0}  # -0.02, below the 0.03 tolerance
    [result] = check(_baseline(base), {"page_hit@5": cur})
    assert not result.failed and result.flipped == ["q0", "q1"]


def test_identical_run_passes() -> None:
    base = {f"q{i}": float(i % 2) for i in range(30)}
    [result] = check(_baseline(base), {"page_hit@5": dict(base)})
    assert not result.failed and result.delta == 0.0


def test_false_refusal_fails_when_it_rises_not_when_it_falls() -> None:
    # Lower is better: 8 of 40 answerable items newly refused is the regression...
    base = {f"q{i}": 0.0 for i in range(40)}
    worse = {**base, **{f"q{i}": 1.0 for i in range(8)}}
    [rising] = check(_baseline(base, "false_refusal"), {"false_refusal": worse})
    assert rising.failed and rising.delta == 0.2 and rising.low > 0
    assert rising.flipped == [f"q{i}" for i in range(8)]
    # ...and 8 fewer refusals is an improvement, however large.
    [falling] = check(_baseline(worse, "false_refusal"), {"false_refusal": base})
    assert not falling.failed and falling.delta == -0.2 and falling.flipped == []


def test_small_rise_in_false_refusals_within_tolerance_passes() -> None:
    base = {f"q{i}": 0.0 for i in range(100)}
    [result] = check(_baseline(base, "false_refusal"), {"false_refusal": {**base, "q0": 1.0}})
    assert not result.failed and result.delta == 0.01 and result.flipped == ["q0"]


@pytest.mark.parametrize(
    ("described", "identity"),
    [
        ("none (disabled by RAG_RERANKER=none)", "none"),
        ("none (cannot load 'x': OSError: no (network) access)", "none"),
        ("cross-encoder/ms-marco-MiniLM-L6-v2 (bf16)", "cross-encoder/ms-marco-MiniLM-L6-v2"),
        ("extractive (fallback)", "extractive"),
        ("openai:qwen2.5-7b", "openai:qwen2.5-7b"),
        (None, "unknown"),
    ],
)
def test_model_identity_drops_the_trailing_detail(described: str | None, identity: str) -> None:
    assert model_identity(described) == identity


def test_gate_refuses_runs_with_a_different_reranker_or_generator() -> None:
    base = {"reranker": "none (cannot load 'x': offline)", "generator": "extractive"}
    same = {"reranker": "none (disabled by RAG_RERANKER=none)", "generator": "extractive"}
    assert incompatible(base, same) is None
    reranked = {**same, "reranker": "cross-encoder/ms-marco-MiniLM-L6-v2 (fp32)"}
    assert incompatible(base, reranked) == (
        "the baseline ran reranker \"none (cannot load 'x': offline)\", "
        "this run 'cross-encoder/ms-marco-MiniLM-L6-v2 (fp32)'"
    )
    llm = {**same, "generator": "openai:qwen2.5-7b"}
    assert incompatible(base, llm) == (
        "the baseline ran generator 'extractive', this run 'openai:qwen2.5-7b'"
    )


def _subset(tmp_path: Path, n: int = 40) -> Path:
    lines = (ROOT / "eval" / "golden" / "sample.jsonl").read_text().splitlines()
    path = tmp_path / "subset.jsonl"
    path.write_text("\n".join(lines[:n]) + "\n")
    return path


def _eval(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "RAG_RERANKER": "none"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "eval",
            "run",
            "--golden",
            str(_subset(tmp_path)),
            "--out",
            str(tmp_path / "report"),
            *args,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_degraded_configuration_fails_the_gate(tmp_path: Path) -> None:
    result = _eval(tmp_path, "--set", "retrieval_mode=bm25", "--set", "top_k=1")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "REGRESSION excerpt_recall" in result.stdout
    assert "REGRESSION mrr@10" in result.stdout
    assert "flipped: " in result.stdout
    # A custom golden set is one suite named after its file, gated against sample's baseline.
    summary = json.loads((tmp_path / "report" / "subset" / "summary.json").read_text())
    assert summary["meta"]["settings"]["retrieval_mode"] == "bm25"
    assert summary["meta"]["suite"] == "subset"
    assert (tmp_path / "report" / "subset" / "plot.png").stat().st_size > 10_000
    assert (tmp_path / "report" / "plot.png").stat().st_size > 10_000


def test_committed_configuration_passes_the_gate(tmp_path: Path) -> None:
    result = _eval(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "REGRESSION" not in result.stdout
    report = (tmp_path / "report" / "subset" / "report.md").read_text()
    assert "## Gate against baseline (paired bootstrap)" in report
    combined = (tmp_path / "report" / "report.md").read_text()
    assert "| subset | passed (" in combined
