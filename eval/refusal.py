"""The refusal decision as a curve: ROC and precision/recall of refusing, from answerability.

A service that reports `checks.answerability` (its estimated probability that the documents
answer the question) and `checks.answerability_threshold` (it refuses below it) lets the
harness replay every threshold over one run. The positive class is "should refuse"
(unanswerable items): true-positive rate = refusal recall, false-positive rate = false-refusal
rate. The threshold is swept over the distinct answerability values with the service's own
rule, refuse iff answerability < threshold, which is the same as sweeping a cut over
1 - answerability. Numpy only.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from eval.runner import Record

Floats = npt.NDArray[np.float64]
# Operating points the report tabulates: the best refusal recall at each false-refusal rate.
FALSE_REFUSAL_TARGETS = (0.01, 0.02, 0.05, 0.10)
NOT_REPORTED = "not reported by this service"


@dataclass(frozen=True)
class Curve:
    """One point per threshold, ascending; the first refuses nothing, the last everything."""

    threshold: Floats
    refusal_recall: Floats  # TPR
    false_refusal: Floats  # FPR
    precision: Floats  # NaN where nothing is refused


def sweep(answerability: Sequence[float], unanswerable: Sequence[bool]) -> Curve:
    """Refusal rates at every threshold that changes the decision (refuse iff a < threshold)."""
    a = np.asarray(answerability, dtype=float)
    pos = np.asarray(unanswerable, dtype=bool)
    if not pos.any() or pos.all():
        raise ValueError("a refusal curve needs both answerable and unanswerable items")
    values = np.unique(a)
    # Past the largest value every item is refused; nextafter keeps the strict "<" rule exact.
    thresholds = np.append(values, np.nextafter(values[-1], math.inf))
    tp = np.searchsorted(np.sort(a[pos]), thresholds, side="left").astype(float)
    fp = np.searchsorted(np.sort(a[~pos]), thresholds, side="left").astype(float)
    refused = tp + fp
    precision = np.divide(tp, refused, out=np.full_like(tp, math.nan), where=refused > 0)
    return Curve(thresholds, tp / pos.sum(), fp / (~pos).sum(), precision)


def roc_auc(curve: Curve) -> float:
    """Trapezoidal area under (false refusal, refusal recall): ties count half, as in AUC."""
    x, y = curve.false_refusal, curve.refusal_recall
    return float(np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2))


def average_precision(curve: Curve) -> float:
    """Sum of precision times each rise in recall (the step area under the PR curve)."""
    rise = np.diff(curve.refusal_recall)
    return float(np.sum(np.where(rise > 0, rise * np.nan_to_num(curve.precision[1:]), 0.0)))


def best_at(curve: Curve, max_false_refusal: float) -> int:
    """Index of the highest refusal recall whose false-refusal rate stays within the target."""
    ok = np.flatnonzero(curve.false_refusal <= max_false_refusal + 1e-12)
    # Among the best recalls, the fewest false refusals.
    best = ok[curve.refusal_recall[ok] == curve.refusal_recall[ok].max()]
    return int(best[np.argmin(curve.false_refusal[best])])


def rates_at(
    answerability: Sequence[float], unanswerable: Sequence[bool], threshold: float
) -> dict[str, float | None]:
    a = np.asarray(answerability, dtype=float)
    pos = np.asarray(unanswerable, dtype=bool)
    refused = a < threshold
    n_refused = int(refused.sum())
    return {
        "threshold": threshold,
        "refusal_recall": float(refused[pos].mean()),
        "false_refusal": float(refused[~pos].mean()),
        "precision": float(refused[pos].sum() / n_refused) if n_refused else None,
    }


def _point(curve: Curve, i: int) -> dict[str, float | None]:
    p = float(curve.precision[i])
    return {
        "threshold": float(curve.threshold[i]),
        "refusal_recall": float(curve.refusal_recall[i]),
        "false_refusal": float(curve.false_refusal[i]),
        "precision": None if math.isnan(p) else p,
    }


def _number(value: Any) -> float | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if ok and math.isfinite(value) else None


def refusal_curve(records: Sequence[Record]) -> dict[str, Any]:
    """The summary's `refusal_curve`: `reported` False with a note when there is no score."""
    scored = [
        (r, a)
        for r in records
        if (a := _number((r.response.get("checks") or {}).get("answerability"))) is not None
    ]
    if not scored:
        return {"reported": False, "note": NOT_REPORTED}
    answerability = [a for _, a in scored]
    unanswerable = [not r.item.answerable for r, _ in scored]
    n_pos = sum(unanswerable)
    counts = {
        "n": len(scored),
        "n_unanswerable": n_pos,
        "n_answerable": len(scored) - n_pos,
        "n_missing": len(records) - len(scored),
    }
    if n_pos in (0, len(scored)):
        note = "needs both answerable and unanswerable items with an answerability score"
        return {"reported": True, "note": note, **counts}
    curve = sweep(answerability, unanswerable)
    used = Counter(
        t
        for r, _ in scored
        if (t := _number((r.response.get("checks") or {}).get("answerability_threshold")))
        is not None
    )
    operating = rates_at(answerability, unanswerable, used.most_common(1)[0][0]) if used else None
    refused = np.array([bool(r.response["abstained"]) for r, _ in scored])
    pos = np.array(unanswerable)
    return {
        "reported": True,
        "note": None,
        **counts,
        "roc_auc": roc_auc(curve),
        "average_precision": average_precision(curve),
        "operating_point": operating,
        # What the service actually did: it may refuse for other reasons too.
        "observed": {
            "refusal_recall": float(refused[pos].mean()),
            "false_refusal": float(refused[~pos].mean()),
        },
        "at_false_refusal": [
            {"target": t, **_point(curve, best_at(curve, t))} for t in FALSE_REFUSAL_TARGETS
        ],
        "curve": {
            "threshold": curve.threshold.tolist(),
            "refusal_recall": curve.refusal_recall.tolist(),
            "false_refusal": curve.false_refusal.tolist(),
            "precision": [None if math.isnan(p) else p for p in curve.precision.tolist()],
        },
    }
