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
    if series:
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


def _embed(ax: Any, sec: Section | None) -> None:
    """Embedding throughput per precision / runtime, labelled with the ratio to fp32."""
    if sec is None:
        return
    prec = sec.data["precisions"]
    names = list(prec)
    bars = ax.bar(names, [prec[n]["chunks_per_s"] for n in names])
    for bar, n in zip(bars, names, strict=True):
        label = f"x{prec[n]['vs_fp32']:.2f}\nmin cos {min(prec[n]['sentence_cos']):.4f}"
        x = bar.get_x() + bar.get_width() / 2
        ax.annotate(label, (x, bar.get_height()), ha="center", va="bottom", fontsize=8)
    ax.set_ylim(0, max(prec[n]["chunks_per_s"] for n in names) * 1.3)
    ax.set_title("embedder chunks/s (with sentence vectors)")
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


def _ask_configs(ax: Any, sec: Section | None) -> None:
    """Server-reported total and retrieval stages per /ask configuration (p50, log)."""
    if sec is None or "configs" not in sec.data:
        return
    configs = sec.data["configs"]
    stages = list(dict.fromkeys(s for c in configs.values() for s in c["stages"]))
    series = {
        name: [c["stages"].get(s, {}).get("p50", float("nan")) for s in stages]
        for name, c in configs.items()
    }
    _bars(ax, [s.removeprefix("retrieve_") for s in stages], series, log=True)
    ax.tick_params(axis="x", labelsize=7, labelrotation=30)
    ax.set_title("POST /ask server stages, p50 (ms, log)")


def _ingest(ax: Any, sec: Section | None) -> None:
    """Ingest wall time per pipeline and corpus, with ours / tutorial."""
    if sec is None:
        return
    corpora = [c for c in sec.data if c != "big"]
    variants = list(dict.fromkeys(v for c in corpora for v in sec.data[c]["stats"]))
    series = {
        v: [sec.data[c]["stats"].get(v, {}).get("wall_s", float("nan")) for c in corpora]
        for v in variants
    }
    _bars(ax, corpora, series, log=False)
    width = 0.8 / max(len(variants), 1)
    for i, c in enumerate(corpora):
        for j, v in enumerate(variants):
            st = sec.data[c]["stats"].get(v, {})
            r = st.get("wall_vs_tutorial", float("nan"))
            if isinstance(r, float) and r == r and st.get("wall_s"):
                x = i + (j - (len(variants) - 1) / 2) * width
                ax.annotate(f"x{r:.2f}", (x, st["wall_s"]), ha="center", va="bottom", fontsize=8)
    ax.set_title("ingest wall time from scratch (s); label: wall / tutorial")


def _ingest_stages(ax: Any, sec: Section | None) -> None:
    """Where ingest time goes: seconds per stage, stacked, per pipeline (largest corpus)."""
    if sec is None:
        return
    corpora = [c for c in sec.data if c != "big"]
    if not corpora:
        return
    corpus = corpora[-1]
    stats = sec.data[corpus]["stats"]
    names = list(stats)
    stages = list(dict.fromkeys(k for st in stats.values() for k in st["stages"]))
    left = np.zeros(len(names))
    for stage in stages:
        vals = np.array([stats[n]["stages"].get(stage, 0.0) or 0.0 for n in names])
        vals = np.nan_to_num(vals)
        ax.barh(names, vals, left=left, label=stage)
        left += vals
    ax.legend(fontsize=7, ncol=2)
    ax.set_title(f"ingest seconds per stage, {corpus} (median)")


def write_png(path: Path, sections: list[Section], caption: str) -> None:
    by_key = {s.key: s for s in sections if s.data}
    fig, axes = plt.subplots(4, 2, figsize=(13, 17))
    _stages(axes[0][0], by_key)
    _engines(axes[0][1], by_key.get("bm25_engines"))
    _precision(axes[1][0], by_key.get("rerank_precision"))
    _ask(axes[1][1], by_key.get("ask"))
    _ask_configs(axes[2][0], by_key.get("ask"))
    _embed(axes[2][1], by_key.get("embedding"))
    _ingest(axes[3][0], by_key.get("ingest_compare"))
    _ingest_stages(axes[3][1], by_key.get("ingest_compare"))
    axes[0][0].tick_params(axis="x", labelsize=8)
    for ax in axes.flat:
        if not ax.has_data():  # a section left out (--only) or skipped: say so, draw no axes
            ax.set_axis_off()
            ax.text(
                0.5,
                0.5,
                "(not run)",
                ha="center",
                va="center",
                color="grey",
                transform=ax.transAxes,
            )
    fig.suptitle(caption, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_store_png(path: Path, sec: Section, caption: str) -> None:
    """store.png (section 8): dense recall vs latency per search, hybrid latency per store,
    /ask throughput of the service setups, and build time and size."""
    data = sec.data
    n, d = next(iter(data["sizes"].items()))
    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    ax = axes[0][0]
    styles = {"files hnsw": ("tab:blue", "s"), "postgres hnsw": ("tab:orange", "o")}
    for size, one in data["sizes"].items():
        dashed = size != n
        for engine, (color, marker) in styles.items():
            efs = [k for k in one["recall"] if k.startswith(f"{engine} ef=")]
            xs = [int(k.split("ef=")[1]) for k in efs]
            ys = [one["recall"][k] for k in efs]
            label = f"{engine}, {int(size):,} chunks"
            style = "--" if dashed else "-"
            ax.plot(xs, ys, color=color, marker=marker, linestyle=style, label=label)
    ax.set_xscale("log")
    ticks = sorted({int(k.split("ef=")[1]) for k in d["recall"] if "hnsw ef=" in k})
    ax.set_xticks(ticks, [str(e) for e in ticks])
    ax.minorticks_off()
    ax.set_xlabel("ef_search (log)")
    ax.set_ylabel("recall@10 vs exact")
    ax.axhline(0.95, color="grey", linestyle=":", linewidth=1)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    ax.set_title("dense top-10: approximate search against exact, m=16, ef_construction=64")
    hy = {size: one["hybrid"] for size, one in data["sizes"].items()}
    stores = [k.split(" (")[0] for k in d["hybrid"]]
    _bars(axes[0][1], [f"{int(size):,}" for size in hy],
          {st: [list(h.values())[i]["p50"] for h in hy.values()] for i, st in enumerate(stores)},
          log=True)  # fmt: skip
    axes[0][1].set_title("hybrid retrieval p50, no reranker (ms, log), by chunks")
    runs = data["services"]["runs"]
    axes[1][0].bar(list(runs), [r["rps"] for r in runs.values()], color="tab:green")
    for i, r in enumerate(runs.values()):
        rss = " + ".join(f"{x:.0f}" for x in r["rss_mb"])
        axes[1][0].annotate(f"{r['rps']:.2f} req/s\nRSS {rss} MB", (i, r["rps"]),
                            ha="center", va="bottom", fontsize=8)  # fmt: skip
    axes[1][0].set_ylim(0, max(r["rps"] for r in runs.values()) * 1.4)
    axes[1][0].set_title("POST /ask throughput (4 clients)")
    pgd, info = d["postgres"], d["synthetic"]
    build = {
        "files: build + write": info["seconds_make"] + info["seconds_write_files"],
        "files: FAISS HNSW": d["seconds_faiss_hnsw"],
        "postgres: copy + publish": pgd["seconds_copy"],
        "postgres: HNSW build": pgd["seconds_hnsw"],
    }
    axes[1][1].barh(list(build), list(build.values()), color="tab:purple")
    axes[1][1].set_xlabel("seconds")
    mb = {k: v / 1e6 for k, v in pgd.items() if k.endswith("_bytes")}
    sizes = (f"on disk: files {info['files_bytes'] / 1e6:.0f} MB, postgres schema "
             f"{mb['schema_bytes']:.0f} MB (HNSW {mb['hnsw_bytes']:.0f} MB)")  # fmt: skip
    axes[1][1].set_title(f"build time, {int(n):,} chunks\n{sizes}", fontsize=9)
    fig.suptitle(caption, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
