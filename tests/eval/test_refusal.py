"""The refusal curve: ROC, precision/recall and AUC on a hand-made example with exact values."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from eval import refusal
from eval.runner import Record
from tests.factories import make_item, make_record

# Three unanswerable items (should refuse) and three answerable ones, by answerability.
UNANSWERABLE = [0.1, 0.3, 0.6]
ANSWERABLE = [0.2, 0.7, 0.9]
SCORES = UNANSWERABLE + ANSWERABLE
POSITIVE = [True] * 3 + [False] * 3


def test_sweep_refuses_below_each_threshold() -> None:
    curve = refusal.sweep(SCORES, POSITIVE)
    assert curve.threshold[:-1].tolist() == [0.1, 0.2, 0.3, 0.6, 0.7, 0.9]
    assert curve.threshold[-1] == np.nextafter(0.9, 1.0)  # past the largest: refuse all
    assert curve.refusal_recall.tolist() == pytest.approx([0, 1 / 3, 1 / 3, 2 / 3, 1, 1, 1])
    assert curve.false_refusal.tolist() == pytest.approx([0, 0, 1 / 3, 1 / 3, 1 / 3, 2 / 3, 1])
    assert np.isnan(curve.precision[0])  # nothing refused
    assert curve.precision[1:].tolist() == pytest.approx([1, 1 / 2, 2 / 3, 3 / 4, 3 / 5, 1 / 2])


def test_auc_equals_the_share_of_correctly_ordered_pairs() -> None:
    curve = refusal.sweep(SCORES, POSITIVE)
    # 7 of the 9 (unanswerable, answerable) pairs have the unanswerable item scored lower.
    assert refusal.roc_auc(curve) == pytest.approx(7 / 9)
    assert refusal.average_precision(curve) == pytest.approx(1 / 3 + 2 / 9 + 1 / 4)


def test_ties_count_half_and_a_perfect_ranking_scores_one() -> None:
    tied = refusal.sweep([0.5, 0.5], [True, False])
    assert tied.false_refusal.tolist() == [0.0, 1.0] and tied.refusal_recall.tolist() == [0, 1]
    assert refusal.roc_auc(tied) == 0.5
    perfect = refusal.sweep([0.1, 0.2, 0.8, 0.9], [True, True, False, False])
    assert refusal.roc_auc(perfect) == 1.0 and refusal.average_precision(perfect) == 1.0


def test_sweep_needs_both_classes() -> None:
    with pytest.raises(ValueError, match="both answerable and unanswerable"):
        refusal.sweep([0.2, 0.4], [True, True])


def test_best_at_picks_the_highest_recall_within_the_false_refusal_budget() -> None:
    curve = refusal.sweep(SCORES, POSITIVE)
    assert refusal.best_at(curve, 0.05) == 1  # threshold 0.2: recall 1/3, no false refusal
    assert refusal.best_at(curve, 0.5) == 4  # threshold 0.7: recall 1, false refusals 1/3
    assert curve.threshold[refusal.best_at(curve, 1.0)] == 0.7  # full recall at fewest FR


def _record(answerable: bool, score: float | None, refused: bool, **checks: Any) -> Record:
    item = make_item("lookup" if answerable else "unanswerable")
    return make_record(item, [], abstained=refused, checks={"answerability": score, **checks})


def test_refusal_curve_summary_marks_the_services_operating_point() -> None:
    records = [
        _record(a, s, refused=s < 0.5, answerability_threshold=0.5)
        for s, a in zip(SCORES, [not p for p in POSITIVE], strict=True)
    ]
    records.append(_record(True, None, refused=False))  # a response without a score
    out = refusal.refusal_curve(records)
    assert out["reported"] is True and out["note"] is None
    assert (out["n"], out["n_unanswerable"], out["n_answerable"], out["n_missing"]) == (6, 3, 3, 1)
    assert out["roc_auc"] == pytest.approx(7 / 9)
    assert out["operating_point"] == {
        "threshold": 0.5,
        "refusal_recall": pytest.approx(2 / 3),
        "false_refusal": pytest.approx(1 / 3),
        "precision": pytest.approx(2 / 3),
    }
    assert out["observed"] == {
        "refusal_recall": pytest.approx(2 / 3),
        "false_refusal": pytest.approx(1 / 3),
    }
    assert [p["target"] for p in out["at_false_refusal"]] == [0.01, 0.02, 0.05, 0.10]
    assert [p["threshold"] for p in out["at_false_refusal"]] == [0.2] * 4
    assert [p["refusal_recall"] for p in out["at_false_refusal"]] == pytest.approx([1 / 3] * 4)
    assert out["curve"]["precision"][0] is None  # JSON-friendly: no NaN


def test_refusal_curve_says_not_reported_when_the_service_gives_no_score() -> None:
    records = [make_record(make_item(), []), make_record(make_item("unanswerable"), [])]
    assert refusal.refusal_curve(records) == {
        "reported": False,
        "note": "not reported by this service",
    }
    nulls = [_record(True, None, refused=True, answerability_threshold=None)]
    assert refusal.refusal_curve(nulls)["reported"] is False


def test_refusal_curve_without_an_unanswerable_item_is_not_computed() -> None:
    out = refusal.refusal_curve([_record(True, 0.9, False), _record(True, 0.2, True)])
    assert out["reported"] is True and "curve" not in out
    assert out["note"] == "needs both answerable and unanswerable items with an answerability score"
