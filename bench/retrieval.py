"""Sections 1 and 2: per-stage retrieval latency, reranker on and off, sample and synthetic.

The on and off runs share one loop: every question runs with reranking off, and the
evenly spaced subset also runs with it on, right after, so both see the same machine state.
"""

from __future__ import annotations

from typing import Any

from rich.progress import Progress

from bench.common import Section, Table, elapsed_ms, ms, ratio, summarize, timer
from core.config import Settings
from service.retriever import HybridRetriever, SearchParams

STAGES = ("embed_query", "bm25", "dense", "fusion", "rerank", "total")


def run_stages(
    retriever: HybridRetriever,
    settings: Settings,
    questions: list[str],
    rerank_subset: list[str],
    progress: Progress,
    label: str,
) -> dict[str, dict[str, list[float]]]:
    """Per-stage samples (ms) for reranking 'on' (subset) and 'off' (all questions)."""
    on_params = SearchParams.from_settings(settings, rerank=True)
    off_params = SearchParams.from_settings(settings, rerank=False)
    samples: dict[str, dict[str, list[float]]] = {
        mode: {s: [] for s in STAGES} for mode in ("on", "off")
    }
    wanted = set(rerank_subset)
    retriever.warm_up()
    task = progress.add_task(label, total=len(questions))
    for question in questions:
        runs = [("off", off_params)] + ([("on", on_params)] if question in wanted else [])
        for mode, params in runs:
            start = timer()
            result = retriever.search(question, params)
            total = elapsed_ms(start)
            for stage in STAGES[:-1]:
                samples[mode][stage].append(result.timings_ms.get(stage, 0.0))
            samples[mode]["total"].append(total)
        progress.advance(task)
    progress.remove_task(task)
    return samples


def stats(samples: dict[str, dict[str, list[float]]]) -> dict[str, dict[str, dict[str, float]]]:
    return {mode: {s: summarize(v) for s, v in stages.items()} for mode, stages in samples.items()}


def stage_table(title: str, st: dict[str, dict[str, dict[str, float]]]) -> Table:
    on, off = st["on"], st["off"]
    rows = [
        [
            stage,
            ms(on[stage]["p50"]),
            ms(on[stage]["p95"]),
            ms(off[stage]["p50"]),
            ms(off[stage]["p95"]),
        ]
        for stage in STAGES
    ]
    return Table(
        f"{title} (ms; reranker on n={on['total']['n']}, off n={off['total']['n']})",
        ["stage", "on p50", "on p95", "off p50", "off p95"],
        rows,
    )


def ratio_rows(st: dict[str, dict[str, dict[str, float]]]) -> list[str]:
    on, off = st["on"], st["off"]
    share = on["rerank"]["p50"] / on["total"]["p50"] if on["total"]["p50"] else float("nan")
    return [
        f"total p50, reranker on / off: {ratio(on['total']['p50'], off['total']['p50'])}; "
        f"p95: {ratio(on['total']['p95'], off['total']['p95'])}; rerank is "
        f"{share:.0%} of the total p50 with it on."
    ]


def section_sample(
    retriever: HybridRetriever,
    settings: Settings,
    questions: list[str],
    subset: list[str],
    progress: Progress,
    meta: dict[str, Any],
) -> Section:
    samples = run_stages(retriever, settings, questions, subset, progress, "sample retrieval")
    st = stats(samples)
    sec = Section("retrieval_sample", "1. Retrieval latency per stage, sample index")
    sec.tables.append(stage_table(f"sample index, {retriever.index.chunk_count} chunks", st))
    sec.notes += ratio_rows(st)
    sec.notes.append(
        f"Reranker: random-weight cross-encoder of ms-marco-MiniLM-L6's exact shape, fp32, "
        f"fused_k={settings.fused_k}, rerank_max_tokens={settings.rerank_max_tokens}; "
        "its latency equals the real model's (no real reranker weights can be installed here)."
    )
    sec.notes.append(
        f"Reranker on: {len(subset)} evenly spaced golden questions (reranking dominates the "
        f"run time); off: all {len(questions)}. 'total' is wall time around search()."
    )
    sec.data = {"stats": st, "samples": samples, **meta}
    return sec


def section_synthetic(
    retriever: HybridRetriever,
    settings: Settings,
    questions: list[str],
    subset: list[str],
    progress: Progress,
    sample_stats: dict[str, dict[str, dict[str, float]]],
    notes: list[str],
    meta: dict[str, Any],
) -> Section:
    n = retriever.index.chunk_count
    samples = run_stages(retriever, settings, questions, subset, progress, f"{n:,}-chunk retrieval")
    st = stats(samples)
    sec = Section("retrieval_synthetic", f"2. Retrieval latency per stage, synthetic {n:,} chunks")
    sec.tables.append(stage_table(f"synthetic index, {n:,} chunks", st))
    rows = [
        [
            stage,
            ms(sample_stats["off"][stage]["p50"]),
            ms(st["off"][stage]["p50"]),
            ratio(st["off"][stage]["p50"], sample_stats["off"][stage]["p50"]),
        ]
        for stage in STAGES
        if stage != "rerank"
    ]
    rows.append(
        [
            "total (reranker on)",
            ms(sample_stats["on"]["total"]["p50"]),
            ms(st["on"]["total"]["p50"]),
            ratio(st["on"]["total"]["p50"], sample_stats["on"]["total"]["p50"]),
        ]
    )
    sec.tables.append(
        Table(
            f"p50 ms, synthetic {n:,} vs sample (reranker off unless noted)",
            ["stage", "sample", f"{n:,}", "ratio"],
            rows,
        )
    )
    info = meta["synthetic"]
    sec.tables.append(
        Table(
            "building the synthetic index (s, not part of query latency)",
            ["texts", "build_lexical", "vectors + FAISS", "bm25s index"],
            [
                [
                    f"{info['seconds_texts']:.1f}",
                    f"{info['seconds_build_lexical']:.1f}",
                    f"{info['seconds_vectors_faiss']:.1f}",
                    f"{info['seconds_bm25s_index']:.1f}",
                ]
            ],
        )
    )
    sec.notes += ratio_rows(st) + notes
    sec.notes.append(
        f"Reranker on: {len(subset)} evenly spaced golden questions; off: all {len(questions)}."
    )
    sec.data = {"stats": st, "samples": samples, **meta}
    return sec
