"""Fitting the refusal model: the regression and the threshold for a false-refusal target."""

from __future__ import annotations

import numpy as np

from eval.calibrate import fit, threshold_for


def test_fit_separates_a_separable_sample_with_the_right_sign() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 2))
    y = (x[:, 0] > 0).astype(float)  # only the first feature matters
    weights, bias = fit(x, y)
    p = 1 / (1 + np.exp(-(x @ weights + bias)))
    assert weights[0] > 3 * abs(weights[1]) and weights[0] > 0
    assert np.mean((p > 0.5) == (y == 1)) > 0.95


def test_threshold_refuses_at_most_the_target_share_of_answerable_items() -> None:
    scores = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0] * 5  # 50 answerable
    t = threshold_for(scores, 0.04)  # 2 of 50 may be refused
    assert t == 0.1
    assert sum(s < t for s in scores) == 0
    assert threshold_for(scores, 0.1) == 0.2  # the five 0.1s, exactly 10%
    assert threshold_for(scores, 0.2) == 0.3
    assert sum(s < threshold_for(scores, 0.2) for s in scores) == 10
