"""The combined report of a run over several suites, on hand-made suite summaries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eval import combined, refusal, report
from eval.combined import SuiteOutcome
from eval.gate import MetricCheck
from tests.factories import make_item, make_record


def est(mean: float, low: float, high: float, n: int, of: int = 20) -> dict[str, Any]:
    return {"mean": mean, "low": low, "high": high, "n": n, "of": of}


def summary(name: str, metrics: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A suite summary with just enough of every section for the report."""
    return {
        "n_items": 20,
        "answered": 15,
        "degraded": 0,
        "metrics": metrics,
        "by_kind": {"lookup": {**metrics, "n_items": 20}},
        "by_split": extra.pop("by_split", {}),
        "latency_ms": {"total": {"p50": 500.0, "p95": 900.0}},
        "refusal_curve": extra.pop("refusal_curve", {"reported": False, "note": "x"}),
        "meta": {
            "run": "20261206T000000Z",
            "suite": name,
            "git_commit": "abc",
            "git_dirty": False,
            "golden": f"eval/golden/{name}.jsonl",
            "golden_sha256": "0" * 64,
            "split": "all",
            "embedder": "minilm",
            "reranker": "none (offline)",
            "generator": "extractive",
            "settings": {},
        },
    }


SAMPLE = summary(
    "sample",
    {
        "page_hit@5": est(0.95, 0.9, 1.0, 16),
        "answer_hit": est(0.5, 0.25, 0.75, 16),
        "false_refusal": est(0.125, 0.0, 0.3125, 16),
        "latency_ms": est(512.4, 480.0, 560.6, 20),
    },
    by_split={
        "dev": {"answer_hit": est(0.625, 0.25, 1.0, 8), "n_items": 10},
        "test": {"answer_hit": est(0.375, 0.0, 0.75, 8), "n_items": 10},
    },
)
REAL = summary(
    "real",
    {
        "page_hit@5": est(0.8, 0.7, 0.9, 16),
        "answer_hit": est(0.4375, 0.1875, 0.6875, 16),
        "false_refusal": est(float("nan"), float("nan"), float("nan"), 0),
    },
    by_split={"test": {"answer_hit": est(0.25, 0.0, 0.5, 8), "n_items": 10}},
)


def test_side_by_side_puts_one_suite_per_column_headline_metrics_first() -> None:
    lines = combined.side_by_side([SuiteOutcome("sample", SAMPLE), SuiteOutcome("real", REAL)])
    assert lines == [
        "| metric | sample | real |",
        "|---|---|---|",
        "| Answer hit (answerable: answered, a citation on a golden page) "
        "| 0.500 [0.250, 0.750] (16) | 0.438 [0.188, 0.688] (16) |",
        "| False-refusal rate (answerable items refused; lower is better) ↓ "
        "| 0.125 [0.000, 0.312] (16) | n/a |",
        "| Latency per question, /ask total (ms; lower is better) ↓ | 512 [480, 561] (20) | n/a |",
        "| Page hit@5 | 0.950 [0.900, 1.000] (16) | 0.800 [0.700, 0.900] (16) |",
    ]


def test_split_view_shows_dev_and_test_of_each_suite() -> None:
    lines = combined.split_view([SuiteOutcome("sample", SAMPLE), SuiteOutcome("real", REAL)])
    assert lines == [
        "| metric | sample dev (10 items) | sample test (10 items) | real test (10 items) |",
        "|---|---|---|---|",
        "| Answer hit (answerable: answered, a citation on a golden page) "
        "| 0.625 [0.250, 1.000] (8) | 0.375 [0.000, 0.750] (8) | 0.250 [0.000, 0.500] (8) |",
    ]


def _curve() -> dict[str, Any]:
    records = [
        make_record(
            make_item("unanswerable" if unanswerable else "lookup"),
            [],
            abstained=score < 0.5,
            checks={"answerability": score, "answerability_threshold": 0.5},
        )
        for score, unanswerable in [(0.1, 1), (0.3, 1), (0.6, 1), (0.2, 0), (0.7, 0), (0.9, 0)]
    ]
    return refusal.refusal_curve(records)


def test_combined_report_shows_gate_and_refusal_curve_per_suite(tmp_path: Path) -> None:
    real = summary("real", REAL["metrics"], refusal_curve=_curve())
    drop = MetricCheck("answer_hit", 0.7, 0.5, -0.2, -0.3, -0.1, 16, True, ["q1"])
    outcomes = [
        SuiteOutcome("sample", SAMPLE, gate_note="refused: the baseline ran reranker 'a'"),
        SuiteOutcome("real", real, checks=[drop]),
    ]
    text = combined.markdown("20261206T000000Z", outcomes)
    assert text.startswith("# Evaluation 20261206T000000Z: sample, real\n")
    assert "| sample | not reported by this service | | | |" in text
    assert (
        "| real | 0.778 | 0.806 | threshold 0.500: recall 0.667, false refusals 0.333 "
        "| 1%: 0.333, 2%: 0.333, 5%: 0.333, 10%: 0.333 |"
    ) in text
    assert "| sample | not compared: refused: the baseline ran reranker 'a' |" in text
    assert "| real | **1 regression(s)**: answer_hit |" in text
    # Each suite's details follow, nested one level down, images under its folder.
    assert "## Suite `sample` ([folder](sample/))" in text
    assert "### Metrics (mean, 95% bootstrap interval, items scored)" in text
    assert "![refusal curve](real/refusal_curve.png)" in text
    assert "Answerability: not reported by this service." in text

    combined.write(tmp_path, "20261206T000000Z", outcomes)
    assert (tmp_path / "report.md").read_text() == text
    assert (tmp_path / "plot.png").stat().st_size > 10_000


def test_suite_report_plots_the_refusal_curve_when_answerability_is_reported(
    tmp_path: Path,
) -> None:
    real = summary("real", REAL["metrics"], refusal_curve=_curve())
    report.write(tmp_path / "real", real, [], {}, [], None)
    assert (tmp_path / "real" / "refusal_curve.png").stat().st_size > 10_000
    text = (tmp_path / "real" / "report.md").read_text()
    assert "| **the service's threshold** | 0.500 | 0.667 | 0.333 |" in text
    assert "| best with false refusals <= 5% | 0.200 | 0.333 | 0.000 |" in text
    report.write(tmp_path / "sample", SAMPLE, [], {}, [], None)
    assert not (tmp_path / "sample" / "refusal_curve.png").exists()
