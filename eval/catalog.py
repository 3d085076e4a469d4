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
    # Scores the answer, not the retrieval: empty in a retrieval-only run.
    of_answer: bool = False


_K = RETRIEVAL_K
METRICS: dict[str, MetricInfo] = {
    # retrieval
    "context_recall": MetricInfo("Context recall (ragas NonLLMContextRecall)", 0.03, True),
    "context_recall_ids": MetricInfo("Context recall, page ids (ragas IDBasedContextRecall)"),
    "excerpt_recall": MetricInfo("Excerpt recall (reference excerpt in a context)", 0.03, True),
    f"page_hit@{_K}": MetricInfo(f"Page hit@{_K}", 0.03, True),
    "mrr@10": MetricInfo("MRR@10", 0.03, True),
    "ndcg@10": MetricInfo("nDCG@10 (golden pages)", 0.03, True),
    # answers
    "groundedness": MetricInfo(
        "Groundedness (offline: sentence vs cited quote; not ragas)", 0.03, of_answer=True
    ),
    "faithfulness": MetricInfo("Faithfulness (ragas, LLM judge)", 0.05, of_answer=True),
    "citation_page_accuracy": MetricInfo(
        "Citations on a golden document page", 0.03, True, of_answer=True
    ),
    "citation_support": MetricInfo("Drafted sentences whose citation checked out", of_answer=True),
    "abstention_accuracy": MetricInfo("Abstention decision correct", 0.03, True, True),
    "answer_similarity": MetricInfo(
        "Answer similarity to reference (MiniLM cosine)", 0.02, True, of_answer=True
    ),
    "abstain_precision": MetricInfo("Abstention precision (unanswerable class)", of_answer=True),
    "abstain_recall": MetricInfo("Abstention recall (unanswerable class)", of_answer=True),
    "abstain_f1": MetricInfo("Abstention F1 (unanswerable class)", of_answer=True),
}

TOLERANCE = {name: m.tolerance for name, m in METRICS.items() if m.tolerance is not None}
SWEEP_COLUMNS = [name for name, m in METRICS.items() if m.in_sweep]
OF_ANSWER = frozenset(name for name, m in METRICS.items() if m.of_answer)


def label(name: str) -> str:
    info = METRICS.get(name)
    return info.label if info else name
