"""Every metric the harness reports, defined once: its label, gate tolerance and sweep column.

The scoring code, the gate, the report and the sweep all read this table, so a metric is
added or renamed in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

RETRIEVAL_K = 5


@dataclass(frozen=True)
class MetricInfo:
    label: str
    # Material drop (absolute) the gate tolerates before the paired test decides; None: the
    # metric is reported but never gated.
    tolerance: float | None = None
    in_sweep: bool = False


METRICS: dict[str, MetricInfo] = {
    "context_recall": MetricInfo("Context recall (ragas NonLLMContextRecall)", 0.03, True),
    "context_recall_ids": MetricInfo("Context recall, page ids (ragas IDBasedContextRecall)"),
    "excerpt_recall": MetricInfo(
        "Excerpt recall (reference excerpt contained in a context)", 0.03, True
    ),
    f"page_hit@{RETRIEVAL_K}": MetricInfo(f"Page hit@{RETRIEVAL_K}", 0.03, True),
    "mrr@10": MetricInfo("MRR@10", 0.03, True),
    "ndcg@10": MetricInfo("nDCG@10 (golden pages)", 0.03, True),
    "groundedness": MetricInfo("Groundedness (offline: sentence vs cited quote; not ragas)", 0.03),
    "faithfulness": MetricInfo("Faithfulness (ragas, LLM judge)", 0.05),
    "citation_page_accuracy": MetricInfo("Citations on a golden document page", 0.03, True),
    "citation_support": MetricInfo("Drafted sentences whose citation checked out"),
    "abstention_accuracy": MetricInfo("Abstention decision correct", 0.03, True),
    "answer_similarity": MetricInfo("Answer similarity to reference (MiniLM cosine)", 0.02, True),
    "abstain_precision": MetricInfo("Abstention precision (unanswerable class)"),
    "abstain_recall": MetricInfo("Abstention recall (unanswerable class)"),
    "abstain_f1": MetricInfo("Abstention F1 (unanswerable class)"),
}

TOLERANCE = {name: m.tolerance for name, m in METRICS.items() if m.tolerance is not None}
SWEEP_COLUMNS = [name for name, m in METRICS.items() if m.in_sweep]


def label(name: str) -> str:
    info = METRICS.get(name)
    return info.label if info else name
