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
    # Material worsening (absolute) the gate tolerates before the paired test decides; None:
    # the metric is reported but never gated.
    tolerance: float | None = None
    in_sweep: bool = False
    # Scores the answer, not the retrieval: empty in a retrieval-only run.
    of_answer: bool = False
    # False for rates of a failure (false refusals) and for latency: the gate fails a rise.
    higher_is_better: bool = True
    # One of the few numbers the combined report's split view shows per suite and split.
    headline: bool = False
    # "fraction" (0..1, plotted on one axis) or "ms".
    unit: str = "fraction"


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
        "Groundedness (offline: sentence vs cited quote; not ragas)",
        0.03,
        of_answer=True,
        headline=True,
    ),
    "faithfulness": MetricInfo("Faithfulness (ragas, LLM judge)", 0.05, of_answer=True),
    "citation_page_accuracy": MetricInfo(
        "Citations on a golden document page", 0.03, True, of_answer=True, headline=True
    ),
    "answer_hit": MetricInfo(
        "Answer hit (answerable: answered, a citation on a golden page)",
        0.03,
        of_answer=True,
        headline=True,
    ),
    "refusal_recall": MetricInfo(
        "Refusal recall (unanswerable items refused)", 0.03, of_answer=True, headline=True
    ),
    "false_refusal": MetricInfo(
        "False-refusal rate (answerable items refused; lower is better)",
        0.03,
        of_answer=True,
        higher_is_better=False,
        headline=True,
    ),
    "citation_support": MetricInfo("Drafted sentences whose citation checked out", of_answer=True),
    "abstention_accuracy": MetricInfo("Abstention decision correct", 0.03, True, True),
    "answer_similarity": MetricInfo(
        "Answer similarity to reference (MiniLM cosine)", 0.02, True, of_answer=True
    ),
    "abstain_precision": MetricInfo("Abstention precision (unanswerable class)", of_answer=True),
    "abstain_recall": MetricInfo("Abstention recall (unanswerable class)", of_answer=True),
    "abstain_f1": MetricInfo("Abstention F1 (unanswerable class)", of_answer=True),
    # latency: never gated, the CPU is shared and timings are noisy
    "latency_ms": MetricInfo(
        "Latency per question, /ask total (ms; lower is better)",
        higher_is_better=False,
        headline=True,
        unit="ms",
    ),
}

TOLERANCE = {name: m.tolerance for name, m in METRICS.items() if m.tolerance is not None}
SWEEP_COLUMNS = [name for name, m in METRICS.items() if m.in_sweep]
OF_ANSWER = frozenset(name for name, m in METRICS.items() if m.of_answer)
HEADLINE = [name for name, m in METRICS.items() if m.headline]


def label(name: str) -> str:
    info = METRICS.get(name)
    return info.label if info else name


def higher_is_better(name: str) -> bool:
    info = METRICS.get(name)
    return info.higher_is_better if info else True


def is_fraction(name: str) -> bool:
    info = METRICS.get(name)
    return info is None or info.unit == "fraction"


def ordered(names: list[str]) -> list[str]:
    """`names` with the headline metrics first, in the catalog's order; the rest as given."""
    return [n for n in HEADLINE if n in names] + [n for n in names if n not in HEADLINE]
