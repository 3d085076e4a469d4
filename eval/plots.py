"""The report's figures: a run against its baseline, suites side by side, the refusal curve."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from eval.catalog import higher_is_better, is_fraction, ordered

COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:red")


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _scored(e: dict[str, Any] | None) -> bool:
    # A baseline file stores "not applicable" as null (JSON has no NaN).
    return bool(e and e["n"] and e["mean"] is not None and not math.isnan(e["mean"]))


def _tick(name: str) -> str:
    return name if higher_is_better(name) else f"{name} (lower is better)"


def _whiskers(points: list[dict[str, Any]]) -> list[list[float]]:
    return [[e["mean"] - e["low"] for e in points], [e["high"] - e["mean"] for e in points]]


def run_vs_baseline(path: Path, summary: dict[str, Any], baseline: dict[str, Any] | None) -> None:
    """One suite: every 0-1 metric of this run, and of the baseline, with 95% intervals."""
    plt = _pyplot()
    names = [n for n, e in summary["metrics"].items() if _scored(e) and is_fraction(n)]
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(names) + 1.5))
    ys = list(range(len(names)))
    cur = [summary["metrics"][n] for n in names]
    ax.errorbar(
        [e["mean"] for e in cur],
        [y + 0.15 for y in ys],
        xerr=_whiskers(cur),
        fmt="o",
        color="tab:blue",
        label="this run",
        capsize=3,
    )
    if baseline:
        pts = [
            (y, baseline["metrics"][n])
            for y, n in zip(ys, names, strict=True)
            if _scored(baseline["metrics"].get(n))
        ]
        ax.errorbar(
            [e["mean"] for _, e in pts],
            [y - 0.15 for y, _ in pts],
            xerr=_whiskers([e for _, e in pts]),
            fmt="s",
            color="tab:gray",
            label="baseline",
            capsize=3,
        )
    ax.set_yticks(ys, [_tick(n) for n in names])
    ax.set_xlim(0, 1.02)
    ax.invert_yaxis()
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(f"Evaluation {summary['meta']['run']} (95% bootstrap intervals)")
    ax.legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def side_by_side(path: Path, run: str, summaries: dict[str, dict[str, Any]]) -> None:
    """All suites on one figure: a row per metric, a coloured point per suite, 95% whiskers."""
    plt = _pyplot()
    names = [
        n
        for n in _metric_order(summaries)
        if is_fraction(n) and any(_scored(s["metrics"].get(n)) for s in summaries.values())
    ]
    latency = any(_scored(s["metrics"].get("latency_ms")) for s in summaries.values())
    fig, axes = plt.subplots(
        1,
        2 if latency else 1,
        figsize=(12 if latency else 9, 0.5 * len(names) + 1.8),
        gridspec_kw={"width_ratios": [4, 1]} if latency else None,
        squeeze=False,
    )
    ax = axes[0][0]
    k = len(summaries)
    for j, (suite, s) in enumerate(summaries.items()):
        offset = (j - (k - 1) / 2) * min(0.25, 0.8 / k)
        pts = [(y, s["metrics"][n]) for y, n in enumerate(names) if _scored(s["metrics"].get(n))]
        ax.errorbar(
            [e["mean"] for _, e in pts],
            [y + offset for y, _ in pts],
            xerr=_whiskers([e for _, e in pts]),
            fmt="o",
            color=COLORS[j % len(COLORS)],
            label=f"{suite} (n={s['n_items']})",
            capsize=3,
        )
    ax.set_yticks(range(len(names)), [_tick(n) for n in names])
    ax.set_xlim(0, 1.02)
    ax.invert_yaxis()
    ax.grid(axis="x", alpha=0.3)
    # Below the axis: inside it would hide points near 0 or 1.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.03), ncol=k, frameon=False)
    ax.set_title(f"Evaluation {run}: suites side by side (mean, 95% bootstrap interval)")
    if latency:
        lat = axes[0][1]
        for j, s in enumerate(summaries.values()):
            e = s["metrics"].get("latency_ms")
            if _scored(e):
                assert e is not None
                lat.errorbar(
                    [j], [e["mean"]], yerr=_whiskers([e]), fmt="o", color=COLORS[j], capsize=4
                )
        lat.set_xticks(range(k), list(summaries))
        lat.set_xlim(-0.5, k - 0.5)
        lat.set_ylim(bottom=0)
        lat.set_title("latency per question (ms)\nlower is better")
        lat.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _metric_order(summaries: dict[str, dict[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for s in summaries.values():
        seen.update(dict.fromkeys(s["metrics"]))
    return ordered(list(seen))


def refusal_curve(path: Path, suite: str, curve: dict[str, Any]) -> None:
    """ROC and precision/recall of refusing, the service's operating point marked."""
    plt = _pyplot()
    points = curve["curve"]
    op = curve.get("operating_point")
    fig, (roc, pr) = plt.subplots(1, 2, figsize=(11, 4.8))
    roc.plot(points["false_refusal"], points["refusal_recall"], marker=".")
    roc.plot([0, 1], [0, 1], color="tab:gray", linestyle=":", label="chance")
    roc.set_xlabel("false-refusal rate (answerable items refused)")
    roc.set_ylabel("refusal recall (unanswerable items refused)")
    roc.set_title(f"{suite}: ROC of refusing, AUC {curve['roc_auc']:.3f}")
    # The first threshold refuses nothing: precision is undefined there.
    pairs = [
        (r, p)
        for r, p in zip(points["refusal_recall"], points["precision"], strict=True)
        if p is not None
    ]
    pr.plot([r for r, _ in pairs], [p for _, p in pairs], marker=".")
    prevalence = curve["n_unanswerable"] / curve["n"]
    pr.axhline(prevalence, color="tab:gray", linestyle=":", label="chance (share unanswerable)")
    pr.set_xlabel("refusal recall")
    pr.set_ylabel("refusal precision")
    pr.set_title(f"{suite}: precision/recall of refusing, AP {curve['average_precision']:.3f}")
    if op:
        mark = f"operating point (threshold {op['threshold']:.3g})"
        roc.plot(op["false_refusal"], op["refusal_recall"], "r*", markersize=14, label=mark)
        if op["precision"] is not None:
            pr.plot(op["refusal_recall"], op["precision"], "r*", markersize=14, label=mark)
    for ax in (roc, pr):
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
