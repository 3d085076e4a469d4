from __future__ import annotations

import pytest

from service.fusion import rrf, weighted


def test_rrf_sums_reciprocal_ranks() -> None:
    fused = rrf({"bm25": [(7, 9.0), (3, 5.0)], "dense": [(3, 0.9), (1, 0.8)]}, k=60)
    assert [row for row, _ in fused] == [3, 7, 1]
    assert fused[0][1] == pytest.approx(1 / 62 + 1 / 61)
    assert fused[1][1] == pytest.approx(1 / 61)
    assert fused[2][1] == pytest.approx(1 / 62)


def test_rrf_breaks_ties_by_best_rank_then_row() -> None:
    fused = rrf({"bm25": [(5, 1.0), (2, 0.5)], "dense": [(4, 0.9), (9, 0.1)]}, k=60)
    # 5 and 4 tie (both rank 1), 2 and 9 tie (both rank 2): lower row first.
    assert [row for row, _ in fused] == [4, 5, 2, 9]


def test_rrf_of_empty_lists_is_empty() -> None:
    assert rrf({"bm25": [], "dense": []}) == []
    assert [r for r, _ in rrf({"bm25": [], "dense": [(1, 0.3)]})] == [1]


def test_weighted_minmax_fusion() -> None:
    fused = weighted(
        {"bm25": [(1, 10.0), (2, 5.0), (3, 0.0)], "dense": [(2, 0.9), (4, 0.5)]},
        {"bm25": 0.5, "dense": 0.5},
        "minmax",
    )
    # bm25 norm: 1->1, 2->0.5, 3->0; dense norm: 2->1, 4->0; missing rows get the floor 0.
    assert fused == [(2, pytest.approx(0.75)), (1, pytest.approx(0.5)), (3, 0.0), (4, 0.0)]


def test_weighted_zscore_fusion_uses_list_floor_for_missing_rows() -> None:
    fused = weighted(
        {"bm25": [(1, 3.0), (2, 1.0)], "dense": [(2, 0.8), (3, 0.2)]},
        {"bm25": 1.0, "dense": 1.0},
        "zscore",
    )
    # Each list z-scores to +1/-1; a row missing from a list takes that list's minimum (-1).
    assert dict(fused) == {1: pytest.approx(0.0), 2: pytest.approx(0.0), 3: pytest.approx(-2.0)}
    assert [r for r, _ in fused] == [1, 2, 3]
