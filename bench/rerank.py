"""Section 4: cross-encoder precision, fp32 vs int8 (vs bf16 where the CPU has it natively).

Each query reranks its 20 real fused candidates. A candidate's text is its chunk followed by
the next chunk, so every (query, passage) pair fills the 256-token budget: throughput is
measured at the configured worst case, not at whatever length chunks happen to have.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
from rich.progress import Progress
from scipy.stats import spearmanr

from bench.common import Section, Table, elapsed_ms, ms, ratio, summarize, timer
from bench.fixtures import RERANK_MAX_TOKENS
from core.config import Settings
from core.embed import cpu_has_native_bf16
from service.rerank import CrossEncoderReranker
from service.retriever import HybridRetriever, SearchParams


def _candidates(
    retriever: HybridRetriever, settings: Settings, questions: list[str]
) -> list[tuple[str, list[str]]]:
    params = SearchParams.from_settings(settings, rerank=False, top_k=settings.fused_k)
    chunks = retriever.index.chunks_at(range(retriever.index.chunk_count))
    out = []
    for q in questions:
        rows = [h.row for h in retriever.search(q, params).candidates]
        out.append((q, [chunks[r].text + " " + chunks[(r + 1) % len(chunks)].text for r in rows]))
    return out


def _load(path: Path, precision: str) -> CrossEncoderReranker:
    with warnings.catch_warnings():
        # torch warns that its quantized tensor creation is deprecated; int8 still runs.
        warnings.simplefilter("ignore", UserWarning)
        return CrossEncoderReranker(str(path), RERANK_MAX_TOKENS, precision)


def _pair_tokens(model: CrossEncoderReranker, sets: list[tuple[str, list[str]]]) -> float:
    tok: Any = model.model.tokenizer
    lens = [
        len(tok(q, p, truncation=True, max_length=RERANK_MAX_TOKENS)["input_ids"])
        for q, ps in sets
        for p in ps
    ]
    return float(np.mean(lens))


def _top5_overlap(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> float:
    return len(set(np.argsort(-a)[:5].tolist()) & set(np.argsort(-b)[:5].tolist())) / 5


def section(
    retriever: HybridRetriever,
    settings: Settings,
    fp32: CrossEncoderReranker,
    reranker_path: Path,
    questions: list[str],
    progress: Progress,
) -> Section:
    sec = Section("rerank_precision", "4. Reranker precision: throughput and agreement with fp32")
    sets = _candidates(retriever, settings, questions)
    models = {"fp32": fp32, "int8": _load(reranker_path, "int8")}
    if cpu_has_native_bf16():
        models["bf16"] = _load(reranker_path, "bf16")
    else:
        sec.notes.append(
            "bf16: skipped, no native bf16 on this CPU (emulated bf16 is ~100x slower than fp32)."
        )
    for model in models.values():
        model.score(*sets[0])  # warm-up: first call allocates and picks kernels
    per_query: dict[str, list[float]] = {p: [] for p in models}
    scores: dict[str, list[np.ndarray[Any, Any]]] = {p: [] for p in models}
    task = progress.add_task("reranker precisions", total=len(sets))
    for i, (query, passages) in enumerate(sets):
        order = list(models.items())
        order = order[i % len(order) :] + order[: i % len(order)]  # rotate who goes first
        for name, model in order:
            start = timer()
            scores[name].append(model.score(query, passages))
            per_query[name].append(elapsed_ms(start))
        progress.advance(task)
    progress.remove_task(task)

    pairs = sum(len(p) for _, p in sets)
    rows: list[list[str]] = []
    data: dict[str, Any] = {}
    base_rate = pairs / (sum(per_query["fp32"]) / 1000)
    for name in models:
        rate = pairs / (sum(per_query[name]) / 1000)
        both = list(zip(scores["fp32"], scores[name], strict=True))
        rho = [float(spearmanr(f, s).statistic) for f, s in both]
        top5 = [_top5_overlap(f, s) for f, s in both]
        diff = [float(np.mean(np.abs(f - s))) for f, s in both]
        st = summarize(per_query[name])
        data[name] = {
            "pairs_per_s": rate,
            "per_query_ms": st,
            "spearman": float(np.mean(rho)),
            "top5_overlap": float(np.mean(top5)),
            "mean_abs_diff": float(np.mean(diff)),
        }
        rows.append(
            [
                name,
                f"{rate:.1f}",
                ms(st["p50"]),
                ms(st["p95"]),
                ratio(rate, base_rate),
                f"{np.mean(rho):.3f}",
                f"{np.mean(top5):.2f}",
                f"{np.mean(diff):.4f}",
            ]
        )
    spread = float(np.mean([np.std(s) for s in scores["fp32"]]))
    tokens = _pair_tokens(fp32, sets)
    sec.tables.append(
        Table(
            f"{len(sets)} queries x {settings.fused_k} candidates, "
            f"{tokens:.0f} tokens per pair (budget {RERANK_MAX_TOKENS})",
            [
                "precision",
                "pairs/s",
                "ms/query p50",
                "p95",
                "vs fp32",
                "Spearman rho",
                "top-5 overlap",
                "mean |Δscore|",
            ],
            rows,
        )
    )
    sec.notes += [
        "Agreement with random weights is a pessimistic lower bound: the scores carry no "
        f"signal, so candidates sit close together (fp32 score std per query {spread:.4f}) "
        "and small quantization noise reorders them; a trained model's margins are larger.",
        "Precisions run interleaved on every query, rotating which goes first.",
    ]
    sec.data = {
        "precisions": data,
        "queries": len(sets),
        "pairs": pairs,
        "tokens_per_pair": tokens,
        "fp32_score_std": spread,
        "bf16": "measured" if "bf16" in models else "skipped: no native bf16",
    }
    return sec
