"""Write one suite's report: summary.json, report.md, per_question.jsonl, plot.png and,
when the service reports answerability, refusal_curve.png."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval import plots
from eval.catalog import higher_is_better, label
from eval.gate import MetricCheck
from eval.runner import Record


def _fmt(e: dict[str, Any]) -> str:
    if e["n"] == 0 or math.isnan(e["mean"]):
        return "n/a (0 scored)"
    return f"{e['mean']:.3f} [{e['low']:.3f}, {e['high']:.3f}] (n={e['n']}/{e['of']})"


def write(
    out: Path,
    summary: dict[str, Any],
    records: Sequence[Record],
    values: dict[str, list[float]],
    checks: list[MetricCheck],
    baseline: dict[str, Any] | None,
    gate_note: str | None = None,
) -> None:
    """`gate_note` says why no gate ran (no baseline, different models), if none did."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    with (out / "per_question.jsonl").open("w") as fh:
        for i, r in enumerate(records):
            resp = r.response
            fh.write(
                json.dumps(
                    {
                        "id": r.item.id,
                        "kind": r.item.kind,
                        "split": r.item.split,
                        "question": r.item.question,
                        # multi-turn items: what the service searched, and how it got there
                        "followup": resp.get("followup"),
                        "expected_pages": sorted(r.item.page_ids()),
                        "answer": resp["answer"],
                        "abstained": resp["abstained"],
                        "evidence_score": (resp.get("checks") or {}).get("evidence_score"),
                        "answerability": (resp.get("checks") or {}).get("answerability"),
                        "reason": resp.get("reason"),
                        "citations": [
                            {k: c[k] for k in ("document", "page_start", "page_end", "quote")}
                            for c in resp["citations"]
                        ],
                        "retrieved": [
                            {k: c[k] for k in ("document", "page_start", "page_end", "score")}
                            for c in resp["retrieval"]["candidates"][:10]
                        ],
                        "metrics": {
                            k: (None if math.isnan(v[i]) else v[i]) for k, v in values.items()
                        },
                    },
                    default=str,
                )
                + "\n"
            )
    (out / "report.md").write_text(markdown(summary, checks, gate_note))
    plots.run_vs_baseline(out / "plot.png", summary, baseline)
    curve = summary.get("refusal_curve") or {}
    if "curve" in curve:
        plots.refusal_curve(out / "refusal_curve.png", out.name, curve)


def markdown(
    summary: dict[str, Any],
    checks: list[MetricCheck],
    gate_note: str | None = None,
    level: int = 1,
    title: str | None = None,
    images: str = "",
) -> str:
    """The suite's report; `level` and `images` (a folder prefix) nest it in another report."""
    meta = summary["meta"]
    h1, h2 = "#" * level, "#" * (level + 1)
    lines = [
        f"{h1} {title or 'Evaluation ' + meta['run']}",
        "",
        f"- commit `{meta['git_commit']}`{' (dirty)' if meta['git_dirty'] else ''}, golden set "
        f"`{meta['golden']}` (sha256 `{meta['golden_sha256'][:12]}`), {summary['n_items']} items",
        f"- embedder `{meta['embedder']}`, reranker `{meta['reranker']}`, "
        f"generator `{meta['generator']}`",
        f"- answered {summary['answered']}, abstained {summary['n_items'] - summary['answered']}, "
        f"degraded {summary['degraded']}",
        "",
        f"{h2} Metrics (mean, 95% bootstrap interval, items scored)",
        "",
        "| metric | value |",
        "|---|---|",
    ]
    for name, est in summary["metrics"].items():
        lines.append(f"| {label(name)} | {_fmt(est)} |")
    lines += ["", f"{h2} By kind", ""]
    kinds = list(summary["by_kind"])
    names = [n for n in summary["metrics"] if any(n in summary["by_kind"][k] for k in kinds)]
    lines.append(
        "| metric | "
        + " | ".join(f"{k} (n={summary['by_kind'][k]['n_items']})" for k in kinds)
        + " |"
    )
    lines.append("|---|" + "---|" * len(kinds))
    for name in names:
        cells = []
        for k in kinds:
            est = summary["by_kind"][k].get(name)
            cells.append(
                "-" if est is None else f"{est['mean']:.3f} ±{(est['high'] - est['low']) / 2:.3f}"
            )
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", f"{h2} Latency (ms)", "", "| stage | p50 | p95 |", "|---|---|---|"]
    for stage, p in summary["latency_ms"].items():
        lines.append(f"| {stage} | {p['p50']:.1f} | {p['p95']:.1f} |")
    lines += ["", *refusal_section(summary.get("refusal_curve"), h2, images)]
    if gate_note:
        lines += ["", f"{h2} Gate against baseline", "", gate_note]
    if checks:
        lines += ["", f"{h2} Gate against baseline (paired bootstrap)", ""]
        lines += ["| metric | baseline | now | delta [95% CI] | result |", "|---|---|---|---|---|"]
        for c in checks:
            verdict = "**FAIL**" if c.failed else "ok"
            name = c.name if higher_is_better(c.name) else f"{c.name} (lower is better)"
            lines.append(
                f"| {name} | {c.baseline:.3f} | {c.current:.3f} | "
                f"{c.delta:+.3f} [{c.low:+.3f}, {c.high:+.3f}] | {verdict} |"
            )
        for c in checks:
            if c.failed and c.flipped:
                lines.append(f"\n{c.name} flipped on: {', '.join(c.flipped[:20])}")
    lines += ["", "Settings:", "", "```json", json.dumps(meta["settings"], indent=2), "```", ""]
    return "\n".join(lines)


def refusal_section(curve: dict[str, Any] | None, h2: str = "##", images: str = "") -> list[str]:
    """The refusal decision as a curve: AUC, the operating point, recall at fixed FR rates."""
    lines = [f"{h2} Refusal decision (ROC / precision-recall over answerability)", ""]
    if not curve or not curve.get("reported"):
        return [*lines, "Answerability: not reported by this service."]
    if "curve" not in curve:
        return [*lines, f"Not computed: {curve['note']}."]
    lines.append(
        f"Over {curve['n']} items with an answerability score ({curve['n_unanswerable']} "
        f"unanswerable, {curve['n_answerable']} answerable; {curve['n_missing']} without): "
        f"ROC AUC **{curve['roc_auc']:.3f}**, average precision "
        f"{curve['average_precision']:.3f}. Refuse when answerability < threshold."
    )
    lines += [
        "",
        "| operating point | threshold | refusal recall | false-refusal rate (lower is better) |",
        "|---|---|---|---|",
    ]
    op = curve.get("operating_point")
    if op:
        row = f"{op['threshold']:.3f} | {op['refusal_recall']:.3f} | {op['false_refusal']:.3f}"
        lines.append(f"| **the service's threshold** | {row} |")
    obs = curve["observed"]
    lines.append(
        f"| what it did (refusals for any reason) | - | {obs['refusal_recall']:.3f} "
        f"| {obs['false_refusal']:.3f} |"
    )
    for p in curve["at_false_refusal"]:
        lines.append(
            f"| best with false refusals <= {p['target']:.0%} | {p['threshold']:.3f} | "
            f"{p['refusal_recall']:.3f} | {p['false_refusal']:.3f} |"
        )
    return [*lines, "", f"![refusal curve]({images}refusal_curve.png)"]
