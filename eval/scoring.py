"""Turn records into per-question metric values and a summary with intervals."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from eval import metrics as m
from eval.catalog import RETRIEVAL_K
from eval.refusal import refusal_curve
from eval.runner import Record


def per_question(
    records: Sequence[Record],
    embed: Callable[[list[str]], Any],
    ragas_recall: tuple[list[float], list[float]],
    faithfulness: list[float] | None,
) -> dict[str, list[float]]:
    grounded = m.Groundedness(embed)
    values: dict[str, list[float]] = {
        "context_recall": ragas_recall[0],
        "context_recall_ids": ragas_recall[1],
        "excerpt_recall": [m.excerpt_recall(r) for r in records],
        f"page_hit@{RETRIEVAL_K}": [m.page_hit_at(r, RETRIEVAL_K) for r in records],
        "mrr@10": [m.mrr_at(r, 10) for r in records],
        "ndcg@10": [m.ndcg_at(r, 10) for r in records],
        "groundedness": [grounded(r) for r in records],
        "citation_page_accuracy": [m.citation_page_accuracy(r) for r in records],
        "citation_support": [m.citation_support(r) for r in records],
        "answer_hit": [m.answer_hit(r) for r in records],
        "refusal_recall": [m.refusal_recall(r) for r in records],
        "false_refusal": [m.false_refusal(r) for r in records],
        "abstention_accuracy": [m.abstention_correct(r) for r in records],
        "answer_similarity": [m.answer_similarity(r, embed) for r in records],
        "latency_ms": [m.latency_ms(r) for r in records],
    }
    if faithfulness is not None:
        values["faithfulness"] = faithfulness
    return values


def summarize(
    records: Sequence[Record], values: dict[str, list[float]], answers: bool = True
) -> dict[str, Any]:
    overall = {name: m.bootstrap(v).as_dict() for name, v in values.items()}
    if answers:
        overall.update({k: e.as_dict() for k, e in m.abstention_prf(records).items()})
    stages: dict[str, list[float]] = {}
    for r in records:
        for stage, ms in r.response["timings_ms"].items():
            stages.setdefault(stage, []).append(ms)
    return {
        "n_items": len(records),
        "answered": sum(r.answered for r in records),
        "degraded": sum(bool(r.response.get("degraded")) for r in records),
        "metrics": overall,
        "by_kind": _groups(records, values, lambda r: r.item.kind),
        # The project tunes on dev and reports test: both, side by side in the report.
        "by_split": _groups(records, values, lambda r: r.item.split),
        "latency_ms": {stage: m.percentiles(v) for stage, v in stages.items()},
        "refusal_curve": refusal_curve(records),
    }


def _groups(
    records: Sequence[Record], values: dict[str, list[float]], key: Callable[[Record], str]
) -> dict[str, dict[str, Any]]:
    """Every metric with an interval per group of items (kind, split), where it applies."""
    out: dict[str, dict[str, Any]] = {}
    for group in sorted({key(r) for r in records}):
        idx = [i for i, r in enumerate(records) if key(r) == group]
        out[group] = {
            name: m.bootstrap([v[i] for i in idx]).as_dict()
            for name, v in values.items()
            if any(not math.isnan(v[i]) for i in idx)
        }
        out[group]["n_items"] = len(idx)
    return out
