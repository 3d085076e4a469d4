"""Section 5: embedder precisions and runtimes side by side: torch fp32, torch bf16 (native
bf16 only), OpenVINO fp32 and bf16 (the `openvino` extra; bf16 only with native bf16).

Each embeds the same chunks with their sentence spans, as ingest does (`embed_with_spans`),
batch by batch in turn (so a change in machine load hits all alike); chunks/s is the best
round, the ratio the median of per-round ratios to torch fp32. Agreement: cosine to torch
fp32 of the chunk and the sentence vectors, and of single-query vectors. Emulated bf16 (no
AMX / AVX512-BF16) is far slower than fp32, so it is skipped where the CPU lacks it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rich.progress import Progress

from bench.common import Section, Table, elapsed_ms, ms, summarize, timer
from bench.fixtures import CACHE
from core.chunk import Chunk
from core.config import DEFAULT_EMBEDDER
from core.embed import Embedder, cpu_has_native_bf16, load_embedder

ROUNDS = 2
BATCH = 32  # chunks per timed call: one embedder batch


def _embedders(sec: Section) -> dict[str, Embedder]:
    out = {"fp32": load_embedder(DEFAULT_EMBEDDER, "fp32")}
    wanted = ["openvino-fp32"]
    if cpu_has_native_bf16():
        wanted = ["bf16", *wanted, "openvino-bf16"]
    else:
        sec.notes.append(
            "bf16: skipped, no native bf16 on this CPU (emulated bf16 is ~100x slower than fp32)."
        )
    for name in wanted:
        e = load_embedder(DEFAULT_EMBEDDER, name, cache_dir=CACHE / "embed-runtime")
        if e.precision == name:
            out[name] = e
        else:  # a runtime that is missing or disagrees: the reason, not a torch duplicate
            sec.notes.append(f"{name}: not measured: {getattr(e, 'report', None)}")
    return out


def section(chunks: list[Chunk], questions: list[str], progress: Progress) -> Section:
    sec = Section("embedding", "5. Embedder precisions and runtimes")
    runs = _embedders(sec)
    # Longest first, as ingest batches them; then batch by batch, every runtime in turn (the
    # order rotated per batch), so load that changes over seconds hits all of them alike.
    ordered = sorted(chunks, key=lambda c: -len(c.text))
    texts = [c.text for c in ordered]
    spans = [c.sentences for c in ordered]
    names = list(runs)
    seconds: dict[str, list[float]] = {k: [0.0] * ROUNDS for k in names}
    parts: dict[str, list[Any]] = {k: [] for k in names}
    batches = range(0, len(texts), BATCH)
    task = progress.add_task(f"embed {len(texts)} chunks", total=ROUNDS * len(batches))
    for e in runs.values():
        e.embed_with_spans(texts[:16], spans[:16])  # warm-up
    for r in range(ROUNDS):
        for i, start in enumerate(batches):
            k = (i + r) % len(names)
            for name in names[k:] + names[:k]:
                t = timer()
                part = slice(start, start + BATCH)
                got = runs[name].embed_with_spans(texts[part], spans[part])
                seconds[name][r] += elapsed_ms(t) / 1000
                if r == 0:
                    parts[name].append(got)
            progress.advance(task)
    progress.remove_task(task)
    vecs = {
        k: (np.concatenate([c for c, _ in v]), [s for _, ss in v for s in ss])
        for k, v in parts.items()
    }
    qvecs: dict[str, Any] = {}
    lat: dict[str, list[float]] = {k: [] for k in runs}
    for q in questions:
        for name, e in runs.items():
            t0 = timer()
            qvecs.setdefault(name, []).append(e.embed([q])[0])
            lat[name].append(elapsed_ms(t0))
    base_c, base_s = vecs["fp32"]
    rows: list[list[str]] = []
    data: dict[str, dict[str, Any]] = {}
    for name in runs:
        c, s = vecs[name]
        cc = np.sum(c * base_c, axis=1)
        sc = np.concatenate([np.sum(a * b, axis=1) for a, b in zip(s, base_s, strict=True)])
        qc = np.sum(np.stack(qvecs[name]) * np.stack(qvecs["fp32"]), axis=1)
        ratios = [f / x for f, x in zip(seconds["fp32"], seconds[name], strict=True)]
        qstat = summarize(lat[name])
        d: dict[str, Any] = {
            "chunks_per_s": len(texts) / min(seconds[name]),
            "vs_fp32": float(np.median(ratios)),
            "ratios": ratios,
            "query_ms": qstat,
            "chunk_cos": (float(cc.mean()), float(cc.min())),
            "sentence_cos": (float(sc.mean()), float(sc.min())),
            "query_cos_min": float(qc.min()),
            "reason": getattr(getattr(runs[name], "report", None), "reason", ""),
        }
        data[name] = d
        rows.append(
            [
                name,
                f"{d['chunks_per_s']:.1f}",
                f"x{d['vs_fp32']:.2f}",
                ms(qstat["p50"]),
                ms(qstat["p95"]),
                "{:.4f} / {:.4f}".format(*d["chunk_cos"]),
                "{:.4f} / {:.4f}".format(*d["sentence_cos"]),
                f"{d['query_cos_min']:.4f}",
            ]
        )
    sec.tables.append(
        Table(
            f"{DEFAULT_EMBEDDER}: {len(texts)} chunks with {sum(len(s) for s in spans)} "
            f"sentences (embed_with_spans, batch {BATCH}, alternating batch by batch, "
            f"{ROUNDS} rounds); "
            f"{len(questions)} single-query calls",
            [
                "precision",
                "chunks/s",
                "vs fp32",
                "query p50 ms",
                "query p95 ms",
                "chunk cos mean / min",
                "sentence cos mean / min",
                "query cos min",
            ],  # fmt: skip
            rows,
        )
    )
    sec.notes.append(
        "Cosines are to torch fp32. `auto` picks at load the first OpenVINO precision that "
        "agrees (min cosine >= 0.99 on calibration passages) and is x1.1 faster, else bf16 "
        "under the same rule, else fp32; the service embeds questions in torch fp32."
    )
    sec.data = {"precisions": data, "chunks": len(texts), "queries": len(questions)}
    return sec
