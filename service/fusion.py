"""Rank fusion of lexical and dense result lists."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Literal

Ranked = Sequence[tuple[int, float]]  # (row, score), best first


def rrf(lists: Mapping[str, Ranked], k: int = 60) -> list[tuple[int, float]]:
    """Reciprocal-rank fusion: sum of 1 / (k + rank) over the lists a row appears in."""
    fused: dict[int, float] = {}
    best_rank: dict[int, int] = {}
    for ranked in lists.values():
        for rank, (row, _) in enumerate(ranked, start=1):
            fused[row] = fused.get(row, 0.0) + 1.0 / (k + rank)
            best_rank[row] = min(best_rank.get(row, rank), rank)
    # Ties: the better single-list rank first, then the lower row, so output is stable.
    return sorted(fused.items(), key=lambda kv: (-kv[1], best_rank[kv[0]], kv[0]))


def _normalise(ranked: Ranked, how: Literal["minmax", "zscore"]) -> dict[int, float]:
    if not ranked:
        return {}
    scores = [s for _, s in ranked]
    if how == "minmax":
        lo, hi = min(scores), max(scores)
        span = hi - lo
        return {row: (s - lo) / span if span > 0 else 1.0 for row, s in ranked}
    mean = sum(scores) / len(scores)
    std = math.sqrt(sum((s - mean) ** 2 for s in scores) / len(scores))
    return {row: (s - mean) / std if std > 0 else 0.0 for row, s in ranked}


def weighted(
    lists: Mapping[str, Ranked],
    weights: Mapping[str, float],
    how: Literal["minmax", "zscore"] = "minmax",
) -> list[tuple[int, float]]:
    """Weighted sum of per-list normalised scores; a row missing from a list gets its floor."""
    normed = {name: _normalise(ranked, how) for name, ranked in lists.items()}
    rows = {row for n in normed.values() for row in n}
    floors = {name: min(n.values(), default=0.0) for name, n in normed.items()}
    fused = {
        row: sum(weights.get(name, 0.0) * n.get(row, floors[name]) for name, n in normed.items())
        for row in rows
    }
    return sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))
