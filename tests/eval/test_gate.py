"""The regression gate: paired bootstrap on unit data, and the real harness end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from eval.gate import check

ROOT = Path(__file__).resolve().parents[2]


def _baseline(values: dict[str, float]) -> dict[str, object]:
    mean = sum(values.values()) / len(values)
    return {"metrics": {"page_hit@5": {"mean": mean}}, "per_question": {"page_hit@5": values}}


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
    summary = json.loads((tmp_path / "report" / "summary.json").read_text())
    assert summary["meta"]["settings"]["retrieval_mode"] == "bm25"
    assert (tmp_path / "report" / "plot.png").stat().st_size > 10_000


def test_committed_configuration_passes_the_gate(tmp_path: Path) -> None:
    result = _eval(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "REGRESSION" not in result.stdout
    report = (tmp_path / "report" / "report.md").read_text()
    assert "## Gate against baseline (paired bootstrap)" in report
