"""Section 5: embedder precision, fp32 vs bf16: chunk throughput, query latency, agreement.

bf16 runs only where the CPU has native bf16 (AMX / AVX512-BF16); elsewhere PyTorch
emulates it and it is far slower than fp32, so measuring it would only show that.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rich.progress import Progress

from bench.common import Section, Table, elapsed_ms, ms, ratio, summarize, timer
from core.config import DEFAULT_EMBEDDER
from core.embed import Embedder, cpu_has_native_bf16, load_embedder


def _measure(
    embedder: Embedder, chunks: list[str], questions: list[str], progress: Progress
) -> dict[str, Any]:
    embedder.embed(chunks[:16])  # warm-up
    task = progress.add_task(f"embed {len(chunks)} chunks ({embedder.precision})", total=None)
    start = timer()
    docs = embedder.embed(chunks)
    doc_s = elapsed_ms(start) / 1000
    progress.remove_task(task)
    lat: list[float] = []
    qvecs = []
    task = progress.add_task(f"embed queries ({embedder.precision})", total=len(questions))
    for q in questions:
        start = timer()
        qvecs.append(embedder.embed([q])[0])
        lat.append(elapsed_ms(start))
        progress.advance(task)
    progress.remove_task(task)
    return {
        "chunks_per_s": len(chunks) / doc_s,
        "query_ms": summarize(lat),
        "docs": docs,
        "queries": np.stack(qvecs),
    }


def section(fp32: Embedder, chunks: list[str], questions: list[str], progress: Progress) -> Section:
    sec = Section("embedding", "5. Embedder precision: fp32 vs bf16")
    if fp32.precision != "fp32":
        fp32 = load_embedder(DEFAULT_EMBEDDER, "fp32")
    runs = {"fp32": _measure(fp32, chunks, questions, progress)}
    if cpu_has_native_bf16():
        bf16 = load_embedder(DEFAULT_EMBEDDER, "bf16")
        runs["bf16"] = _measure(bf16, chunks, questions, progress)
    else:
        sec.notes.append(
            "bf16: skipped, no native bf16 on this CPU (emulated bf16 is ~100x slower than fp32)."
        )
    base = runs["fp32"]
    rows = []
    data: dict[str, Any] = {}
    for name, run in runs.items():
        doc_cos = np.sum(run["docs"] * base["docs"], axis=1)
        q_cos = np.sum(run["queries"] * base["queries"], axis=1)
        data[name] = {
            "chunks_per_s": run["chunks_per_s"],
            "query_ms": run["query_ms"],
            "min_cosine_vs_fp32": float(min(doc_cos.min(), q_cos.min())),
            "mean_cosine_vs_fp32": float(np.concatenate([doc_cos, q_cos]).mean()),
        }
        rows.append(
            [
                name,
                f"{run['chunks_per_s']:.1f}",
                ratio(run["chunks_per_s"], base["chunks_per_s"]),
                ms(run["query_ms"]["p50"]),
                ms(run["query_ms"]["p95"]),
                f"{data[name]['min_cosine_vs_fp32']:.4f}",
                f"{data[name]['mean_cosine_vs_fp32']:.4f}",
            ]
        )
    sec.tables.append(
        Table(
            f"{DEFAULT_EMBEDDER}: {len(chunks)} sample chunks (batch {fp32_batch(fp32)}), "
            f"{len(questions)} single-query calls",
            [
                "precision",
                "chunks/s",
                "vs fp32",
                "query p50 ms",
                "query p95 ms",
                "min cos vs fp32",
                "mean cos vs fp32",
            ],
            rows,
        )
    )
    sec.data = {"precisions": data, "chunks": len(chunks), "queries": len(questions)}
    return sec


def fp32_batch(embedder: Embedder) -> int:
    return int(getattr(embedder, "batch_size", 0))
