"""Write a run's report: summary.json, report.md, per_question.jsonl and plot.png."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.catalog import label
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
) -> None:
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
                        "expected_pages": sorted(r.item.page_ids()),
                        "answer": resp["answer"],
                        "abstained": resp["abstained"],
                        "evidence_score": (resp.get("checks") or {}).get("evidence_score"),
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
    (out / "report.md").write_text(markdown(summary, checks))
    plot(out / "plot.png", summary, baseline)


def markdown(summary: dict[str, Any], checks: list[MetricCheck]) -> str:
    meta = summary["meta"]
    lines = [
        f"# Evaluation {meta['run']}",
        "",
        f"- commit `{meta['git_commit']}`{' (dirty)' if meta['git_dirty'] else ''}, golden set "
        f"`{meta['golden']}` (sha256 `{meta['golden_sha256'][:12]}`), {summary['n_items']} items",
        f"- embedder `{meta['embedder']}`, reranker `{meta['reranker']}`, "
        f"generator `{meta['generator']}`",
        f"- answered {summary['answered']}, abstained {summary['n_items'] - summary['answered']}, "
        f"degraded {summary['degraded']}",
        "",
        "## Metrics (mean, 95% bootstrap interval, items scored)",
        "",
        "| metric | value |",
        "|---|---|",
    ]
    for name, est in summary["metrics"].items():
        lines.append(f"| {label(name)} | {_fmt(est)} |")
    lines += ["", "## By kind", ""]
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
    lines += ["", "## Latency (ms)", "", "| stage | p50 | p95 |", "|---|---|---|"]
    for stage, p in summary["latency_ms"].items():
        lines.append(f"| {stage} | {p['p50']:.1f} | {p['p95']:.1f} |")
    if checks:
        lines += ["", "## Gate against baseline (paired bootstrap)", ""]
        lines += ["| metric | baseline | now | delta [95% CI] | result |", "|---|---|---|---|---|"]
        for c in checks:
            verdict = "**FAIL**" if c.failed else "ok"
            lines.append(
                f"| {c.name} | {c.baseline:.3f} | {c.current:.3f} | "
                f"{c.delta:+.3f} [{c.low:+.3f}, {c.high:+.3f}] | {verdict} |"
            )
        for c in checks:
            if c.failed and c.flipped:
                lines.append(f"\n{c.name} flipped on: {', '.join(c.flipped[:20])}")
    lines += ["", "Settings:", "", "```json", json.dumps(meta["settings"], indent=2), "```", ""]
    return "\n".join(lines)


def plot(path: Path, summary: dict[str, Any], baseline: dict[str, Any] | None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [n for n, e in summary["metrics"].items() if e["n"] and not math.isnan(e["mean"])]
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(names) + 1.5))
    ys = list(range(len(names)))
    cur = [summary["metrics"][n] for n in names]
    ax.errorbar(
        [e["mean"] for e in cur],
        [y + 0.15 for y in ys],
        xerr=[[e["mean"] - e["low"] for e in cur], [e["high"] - e["mean"] for e in cur]],
        fmt="o",
        color="tab:blue",
        label="this run",
        capsize=3,
    )
    if baseline:
        pts = [
            (y, baseline["metrics"][n])
            for y, n in zip(ys, names, strict=True)
            if n in baseline["metrics"]
        ]
        ax.errorbar(
            [e["mean"] for _, e in pts],
            [y - 0.15 for y, _ in pts],
            xerr=[[e["mean"] - e["low"] for _, e in pts], [e["high"] - e["mean"] for _, e in pts]],
            fmt="s",
            color="tab:gray",
            label="baseline",
            capsize=3,
        )
    ax.set_yticks(ys, names)
    ax.set_xlim(0, 1.02)
    ax.invert_yaxis()
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(f"Evaluation {summary['meta']['run']} (95% bootstrap intervals)")
    ax.legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
