"""bench.png: stage latency, BM25 engines, reranker precision throughput, /ask latency."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # headless: no display on servers and CI

import matplotlib.pyplot as plt  # noqa: E402 - must follow the backend choice
import numpy as np  # noqa: E402

from bench.common import Section  # noqa: E402
from bench.retrieval import STAGES  # noqa: E402


def _bars(ax: Any, groups: list[str], series: dict[str, list[float]], log: bool) -> None:
    width = 0.8 / max(len(series), 1)
    x = np.arange(len(groups))
    for i, (label, values) in enumerate(series.items()):
        clean = [v if v == v and v > 0 else 0.0 for v in values]  # NaN/0: no bar
        ax.bar(x + (i - (len(series) - 1) / 2) * width, clean, width, label=label)
    ax.set_xticks(x, groups)
    if log:
        ax.set_yscale("log")
    ax.legend(fontsize=7)
    ax.grid(axis="y", alpha=0.3)


def _stages(ax: Any, by_key: dict[str, Section]) -> None:
    series: dict[str, list[float]] = {}
    for key, label in (("retrieval_sample", "sample"), ("retrieval_synthetic", "synthetic")):
        if key in by_key:
            st = by_key[key].data["stats"]["on"]
            n = by_key[key].data.get("chunks", "")
            n = f"{n:,}" if isinstance(n, int) else n
            series[f"{label} {n} p50"] = [st[s]["p50"] for s in STAGES]
            series[f"{label} {n} p95"] = [st[s]["p95"] for s in STAGES]
    _bars(ax, list(STAGES), series, log=True)
    ax.set_title("retrieval per stage, reranker on (ms, log)")


def _engines(ax: Any, sec: Section | None) -> None:
    if sec is None:
        return
    lat = sec.data["latency"]
    groups = list(lat)
    series = {
        f"{engine} {p}": [lat[g]["stats"][engine][p] for g in groups]
        for engine in ("rank-bm25", "bm25s")
        for p in ("p50", "p95")
    }
    _bars(ax, [f"{g} chunks" for g in groups], series, log=True)
    for i, g in enumerate(groups):
        st = lat[g]["stats"]
        speed = st["rank-bm25"]["p50"] / st["bm25s"]["p50"]
        top = max(st["rank-bm25"]["p95"], st["bm25s"]["p95"]) * 1.4
        ax.annotate(f"bm25s x{speed:.0f} faster (p50)", (i, top), ha="center", fontsize=8)
    ax.set_ylim(top=ax.get_ylim()[1] * 3)
    ax.set_title("BM25 per query (ms, log)")


def _precision(ax: Any, sec: Section | None) -> None:
    if sec is None:
        return
    prec = sec.data["precisions"]
    names = list(prec)
    rates = [prec[n]["pairs_per_s"] for n in names]
    bars = ax.bar(names, rates, color=["tab:blue", "tab:orange", "tab:green"][: len(names)])
    for bar, name in zip(bars, names, strict=True):
        label = f"x{prec[name]['pairs_per_s'] / prec['fp32']['pairs_per_s']:.2f}"
        label += f"\nrho {prec[name]['spearman']:.2f}"
        ax.annotate(
            label,
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    if "bf16" not in prec:
        ax.text(
            0.98,
            0.95,
            "bf16 skipped:\nno native bf16",
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=8,
        )
    ax.set_ylim(0, max(rates) * 1.35)
    ax.set_title(f"reranker pairs/s ({sec.data['tokens_per_pair']:.0f} tokens/pair)")
    ax.grid(axis="y", alpha=0.3)


def _ask(ax: Any, sec: Section | None) -> None:
    if sec is None:
        return
    d = sec.data
    series = {
        "p50": [d["sequential"]["p50"], d["load"]["p50"]],
        "p95": [d["sequential"]["p95"], d["load"]["p95"]],
    }
    _bars(ax, ["sequential", f"{d['clients']} clients"], series, log=False)
    peak = max(d["sequential"]["p95"], d["load"]["p95"], 1.0)
    for i, (rps, run) in enumerate(((d["sequential_rps"], "sequential"), (d["load_rps"], "load"))):
        y = max(d[run]["p50"], d[run]["p95"]) + peak * 0.03
        ax.annotate(f"{rps:.2f} req/s", (i, y), ha="center", fontsize=9)
    ax.set_ylim(0, peak * 1.15)
    ax.set_title("POST /ask latency (ms)")


def write_png(path: Path, sections: list[Section], caption: str) -> None:
    by_key = {s.key: s for s in sections if s.data}
    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    _stages(axes[0][0], by_key)
    _engines(axes[0][1], by_key.get("bm25_engines"))
    _precision(axes[1][0], by_key.get("rerank_precision"))
    _ask(axes[1][1], by_key.get("ask"))
    axes[0][0].tick_params(axis="x", labelsize=8)
    fig.suptitle(caption, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
