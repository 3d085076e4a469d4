"""Per-question metric values and bootstrap confidence intervals.

Every metric is a value per golden item (NaN where it does not apply, e.g. page-hit on an
unanswerable question), so runs can be compared question by question (see `gate.py`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.tokenize import STOPWORDS, tokenize
from eval.golden import GoldenItem
from eval.runner import Record

NAN = float("nan")
# The markers that end an answer sentence: " [1][2]" then its stop, if any.
_MARKERS = re.compile(r"\s((?:\[\d+\])+)[.!?]?(?=\s|$)")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


# -- retrieval ---------------------------------------------------------------------------------
def _covers(item: GoldenItem, cand: dict[str, Any]) -> set[str]:
    """The golden page ids a retrieved candidate covers."""
    out = set()
    for src in item.source:
        if Path(cand["document"]).name != src.document:
            continue
        out |= {
            f"{src.document}#p{p}" for p in src.pages if cand["page_start"] <= p <= cand["page_end"]
        }
    return out


def page_hit_at(record: Record, k: int) -> float:
    if not record.item.answerable:
        return NAN
    cands = record.response["retrieval"]["candidates"][:k]
    return float(any(_covers(record.item, c) for c in cands))


def mrr_at(record: Record, k: int) -> float:
    if not record.item.answerable:
        return NAN
    for rank, cand in enumerate(record.response["retrieval"]["candidates"][:k], start=1):
        if _covers(record.item, cand):
            return 1.0 / rank
    return 0.0


def ndcg_at(record: Record, k: int) -> float:
    """Binary gain for each golden page the first time a candidate covers it."""
    if not record.item.answerable:
        return NAN
    wanted = record.item.page_ids()
    seen: set[str] = set()
    dcg = 0.0
    for rank, cand in enumerate(record.response["retrieval"]["candidates"][:k], start=1):
        new = _covers(record.item, cand) - seen
        if new:
            dcg += len(new) / math.log2(rank + 1)
            seen |= new
    ideal = sum(1.0 / math.log2(r + 1) for r in range(1, min(len(wanted), k) + 1))
    return dcg / ideal if ideal else NAN


def excerpt_recall(record: Record) -> float:
    """Share of reference excerpts contained (whitespace-normalised) in some context."""
    if not record.item.answerable:
        return NAN
    texts = [" ".join(c["text"].split()) for c in record.contexts()]
    excerpts = [" ".join(e.split()) for e in record.item.reference_contexts]
    return sum(any(e in t for t in texts) for e in excerpts) / len(excerpts)


# -- answers -----------------------------------------------------------------------------------
def answer_sentences(record: Record) -> list[tuple[str, list[str]]]:
    """(sentence without markers, quotes it cites) for an answered record."""
    quotes = {c["id"]: c["quote"] for c in record.response["citations"]}
    out = []
    # The service joins sentences with a space and puts " [n]" markers before the final stop;
    # brackets glued to a word (ARGV[1], xrange [1:0]) are the document's, not markers.
    answer = record.response["answer"]
    pos = 0
    for m in _MARKERS.finditer(answer):
        ids = [int(i) for i in re.findall(r"\d+", m[1])]
        text = answer[pos : m.start()].strip()
        if text:
            out.append((text, [quotes[i] for i in ids if i in quotes]))
        pos = m.end()
    if tail := answer[pos:].strip():
        out.append((tail, []))
    return out


def _content(text: str) -> set[str]:
    return {t for t in tokenize(text) if t not in STOPWORDS and len(t) > 1}


@dataclass
class Groundedness:
    """Offline groundedness: is each answer sentence supported by the quotes it cites?

    A sentence is supported when (1) every number in it appears in its quotes, (2) at least
    `min_overlap` of its content words appear in its quotes, and (3) its embedding is at least
    `min_cosine` similar to its best quote. Not ragas Faithfulness: no LLM judges entailment.
    """

    embed: Callable[[list[str]], Any]
    min_overlap: float = 0.6
    min_cosine: float = 0.6

    def sentence_supported(self, sentence: str, quotes: Sequence[str]) -> bool:
        if not quotes:
            return False
        joined = " ".join(quotes)
        if not set(_NUMBER.findall(sentence)) <= set(_NUMBER.findall(joined)):
            return False
        words = _content(sentence)
        if words and len(words & _content(joined)) / len(words) < self.min_overlap:
            return False
        vecs = self.embed([sentence, *quotes])
        return bool(float(np.max(vecs[1:] @ vecs[0])) >= self.min_cosine)

    def __call__(self, record: Record) -> float:
        if not record.answered:
            return NAN
        sentences = answer_sentences(record)
        if not sentences:
            return 0.0
        return sum(self.sentence_supported(s, q) for s, q in sentences) / len(sentences)


def citation_page_accuracy(record: Record) -> float:
    """Share of an answer's citations whose document and page hold a golden excerpt."""
    if not record.answered or not record.item.answerable or not record.response["citations"]:
        return NAN
    cites = record.response["citations"]
    return sum(bool(_covers(record.item, c)) for c in cites) / len(cites)


def citation_support(record: Record) -> float:
    """Share of drafted sentences whose citation passed the check (kept / drafted)."""
    checks = record.response.get("checks") or {}
    drafted = checks.get("sentences_kept", 0) + checks.get("sentences_dropped", 0)
    return checks.get("sentences_kept", 0) / drafted if drafted else NAN


def abstention_correct(record: Record) -> float:
    return float(record.response["abstained"] == (not record.item.answerable))


def answer_hit(record: Record) -> float:
    """Answerable only: answered, and some citation's document and pages hold a golden page."""
    if not record.item.answerable:
        return NAN
    if not record.answered:
        return 0.0
    return float(any(_covers(record.item, c) for c in record.response["citations"]))


def refusal_recall(record: Record) -> float:
    """Unanswerable only: 1 if refused. Its mean is the recall of refusals."""
    return float(record.response["abstained"]) if not record.item.answerable else NAN


def false_refusal(record: Record) -> float:
    """Answerable only: 1 if refused. Its mean is the false-refusal rate (lower is better)."""
    return float(record.response["abstained"]) if record.item.answerable else NAN


def latency_ms(record: Record) -> float:
    """The /ask total as the service timed it; NaN where it reports none (retrieval only)."""
    total = record.response.get("timings_ms", {}).get("total")
    return NAN if total is None else float(total)


def answer_similarity(record: Record, embed: Callable[[list[str]], Any]) -> float:
    if not record.answered or not record.item.answerable:
        return NAN
    text = _MARKERS.sub("", record.response["answer"])
    vecs = embed([text, record.item.reference_answer])
    return float(vecs[0] @ vecs[1])


# -- aggregation -------------------------------------------------------------------------------
@dataclass
class Estimate:
    mean: float
    low: float
    high: float
    n: int  # items scored (NaN excluded)
    of: int  # items considered

    def as_dict(self) -> dict[str, float | int]:
        return {"mean": self.mean, "low": self.low, "high": self.high, "n": self.n, "of": self.of}


def bootstrap(values: Sequence[float], iters: int = 2000, seed: int = 0) -> Estimate:
    arr = np.asarray(values, dtype=float)
    ok = arr[~np.isnan(arr)]
    if ok.size == 0:
        return Estimate(NAN, NAN, NAN, 0, len(arr))
    rng = np.random.default_rng(seed)
    means = ok[rng.integers(0, ok.size, size=(iters, ok.size))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return Estimate(float(ok.mean()), float(low), float(high), int(ok.size), len(arr))


def abstention_prf(
    records: Sequence[Record], iters: int = 2000, seed: int = 0
) -> dict[str, Estimate]:
    """Precision, recall and F1 of `abstained` for the unanswerable class, bootstrapped."""
    truth = np.array([not r.item.answerable for r in records])
    pred = np.array([bool(r.response["abstained"]) for r in records])

    def prf(t: np.ndarray, p: np.ndarray) -> tuple[float, float, float]:
        tp = float(np.sum(t & p))
        prec = tp / p.sum() if p.sum() else NAN
        rec = tp / t.sum() if t.sum() else NAN
        f1 = 2 * prec * rec / (prec + rec) if prec + rec > 0 else 0.0
        return prec, rec, f1

    point = prf(truth, pred)
    rng = np.random.default_rng(seed)
    samples = np.array(
        [prf(truth[idx], pred[idx]) for idx in rng.integers(0, len(records), (iters, len(records)))]
    )
    out = {}
    for j, name in enumerate(("abstain_precision", "abstain_recall", "abstain_f1")):
        col = samples[:, j][~np.isnan(samples[:, j])]
        low, high = np.percentile(col, [2.5, 97.5]) if col.size else (NAN, NAN)
        out[name] = Estimate(point[j], float(low), float(high), len(records), len(records))
    return out


def percentiles(values: Sequence[float]) -> dict[str, float]:
    arr = np.asarray([v for v in values if v is not None], dtype=float)
    if arr.size == 0:
        return {"p50": NAN, "p95": NAN}
    return {"p50": float(np.percentile(arr, 50)), "p95": float(np.percentile(arr, 95))}
