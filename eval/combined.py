"""The report of a run over several suites: `<run>/report.md` and `<run>/plot.png`.

Each suite keeps its own folder (`<run>/<suite>/`, written by `eval.report`); this page puts
the suites side by side first, then dev against test, the refusal curves and the gate, then
each suite's details.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval import plots, report
from eval.catalog import HEADLINE, higher_is_better, is_fraction, label, ordered
from eval.gate import MetricCheck


@dataclass
class SuiteOutcome:
    """One suite's part of a run: its summary and what the gate made of it."""

    name: str
    summary: dict[str, Any]
    checks: list[MetricCheck] = field(default_factory=list)
    # Why no gate ran (no baseline; a different reranker or generator), else None.
    gate_note: str | None = None

    @property
    def regressions(self) -> list[MetricCheck]:
        return [c for c in self.checks if c.failed]


def cell(e: dict[str, Any] | None, name: str = "") -> str:
    """mean [95% CI] (n scored); ms without decimals."""
    if not e or e["n"] == 0 or math.isnan(e["mean"]):
        return "n/a"
    f = "{:.3f}" if is_fraction(name) else "{:.0f}"
    return f"{f.format(e['mean'])} [{f.format(e['low'])}, {f.format(e['high'])}] ({e['n']})"


def _row_label(name: str) -> str:
    return label(name) if higher_is_better(name) else f"{label(name)} ↓"


def side_by_side(outcomes: Sequence[SuiteOutcome]) -> list[str]:
    """One row per metric, one column per suite: mean [95% CI] (n)."""
    names: dict[str, None] = {}
    for o in outcomes:
        names.update(dict.fromkeys(o.summary["metrics"]))
    lines = [
        "| metric | " + " | ".join(o.name for o in outcomes) + " |",
        "|---|" + "---|" * len(outcomes),
    ]
    for name in ordered(list(names)):
        cells = [cell(o.summary["metrics"].get(name), name) for o in outcomes]
        lines.append(f"| {_row_label(name)} | " + " | ".join(cells) + " |")
    return lines


def split_view(outcomes: Sequence[SuiteOutcome]) -> list[str]:
    """The headline metrics on dev and on test, per suite: tune on dev, report test."""
    cols = [(o, s) for o in outcomes for s in ("dev", "test") if s in o.summary.get("by_split", {})]
    if not cols:
        return ["No split recorded."]
    head = [f"{o.name} {s} ({o.summary['by_split'][s]['n_items']} items)" for o, s in cols]
    lines = ["| metric | " + " | ".join(head) + " |", "|---|" + "---|" * len(cols)]
    for name in HEADLINE:
        cells = [cell(o.summary["by_split"][s].get(name), name) for o, s in cols]
        if any(c != "n/a" for c in cells):
            lines.append(f"| {_row_label(name)} | " + " | ".join(cells) + " |")
    return lines


def _gate_line(o: SuiteOutcome) -> str:
    if o.gate_note:
        return f"| {o.name} | not compared: {o.gate_note} |"
    if not o.checks:
        return f"| {o.name} | not compared |"
    bad = o.regressions
    if not bad:
        return f"| {o.name} | passed ({len(o.checks)} metrics) |"
    return f"| {o.name} | **{len(bad)} regression(s)**: {', '.join(c.name for c in bad)} |"


def _refusal_line(o: SuiteOutcome) -> str:
    curve = o.summary.get("refusal_curve") or {}
    if not curve.get("reported"):
        return f"| {o.name} | not reported by this service | | | |"
    if "curve" not in curve:
        return f"| {o.name} | {curve['note']} | | | |"
    op = curve.get("operating_point")
    point = (
        f"threshold {op['threshold']:.3f}: recall {op['refusal_recall']:.3f}, "
        f"false refusals {op['false_refusal']:.3f}"
        if op
        else "threshold not reported"
    )
    at = ", ".join(
        f"{p['target']:.0%}: {p['refusal_recall']:.3f}" for p in curve["at_false_refusal"]
    )
    return (
        f"| {o.name} | {curve['roc_auc']:.3f} | {curve['average_precision']:.3f} | {point} | {at} |"
    )


def markdown(run: str, outcomes: Sequence[SuiteOutcome]) -> str:
    lines = [
        f"# Evaluation {run}: {', '.join(o.name for o in outcomes)}",
        "",
        "| suite | golden set | items | split | embedder | reranker | generator |",
        "|---|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        m = o.summary["meta"]
        lines.append(
            f"| {o.name} | `{m['golden']}` | {o.summary['n_items']} | {m['split']} "
            f"| `{m['embedder']}` | `{m['reranker']}` | `{m['generator']}` |"
        )
    lines += [
        "",
        "## Suites side by side",
        "",
        "Mean [95% bootstrap interval] (items scored). ↓: lower is better. Answer hit and "
        "the false-refusal rate are over answerable items, refusal recall over unanswerable "
        "ones; the definitions are in the README's Evaluation section.",
        "",
        *side_by_side(outcomes),
        "",
        "![suites side by side](plot.png)",
        "",
        "## Dev and test",
        "",
        "Defaults are tuned on dev; test is the number to report.",
        "",
        *split_view(outcomes),
        "",
        "## Refusal decision",
        "",
        "| suite | ROC AUC | average precision | operating point | best refusal recall "
        "at a false-refusal rate of |",
        "|---|---|---|---|---|",
        *(_refusal_line(o) for o in outcomes),
        "",
        "## Gate against each suite's baseline",
        "",
        "| suite | result |",
        "|---|---|",
        *(_gate_line(o) for o in outcomes),
    ]
    for o in outcomes:
        lines += [
            "",
            report.markdown(
                o.summary,
                o.checks,
                o.gate_note,
                level=2,
                title=f"Suite `{o.name}` ([folder]({o.name}/))",
                images=f"{o.name}/",
            ),
        ]
    return "\n".join(lines)


def write(out: Path, run: str, outcomes: Sequence[SuiteOutcome]) -> None:
    """`out/report.md` and `out/plot.png`; the suites' own folders are written beforehand."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.md").write_text(markdown(run, outcomes))
    plots.side_by_side(out / "plot.png", run, {o.name: o.summary for o in outcomes})
