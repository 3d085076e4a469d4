"""The regression gate: a paired bootstrap over the same questions against the baseline.

A metric fails when its mean falls by more than its tolerance AND the 95% interval of the
paired per-question difference lies wholly below zero: a drop that is both material and
not noise. The failure names the questions that flipped.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from eval.catalog import TOLERANCE


@dataclass
class MetricCheck:
    name: str
    baseline: float
    current: float
    delta: float
    low: float
    high: float
    n: int
    failed: bool
    flipped: list[str] = field(default_factory=list)


def paired_delta(
    base: dict[str, float], cur: dict[str, float], iters: int = 2000, seed: int = 0
) -> tuple[float, float, float, int]:
    ids = [i for i in base if i in cur and not math.isnan(base[i]) and not math.isnan(cur[i])]
    if not ids:
        return math.nan, math.nan, math.nan, 0
    d = np.array([cur[i] - base[i] for i in ids])
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, d.size, size=(iters, d.size))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(d.mean()), float(low), float(high), len(ids)


def _nanmean(values: list[float]) -> float:
    ok = [v for v in values if not math.isnan(v)]
    return sum(ok) / len(ok) if ok else math.nan


def _floats(values: dict[str, float | None]) -> dict[str, float]:
    # baseline.json stores "not applicable" as null (JSON has no NaN).
    return {k: math.nan if v is None else float(v) for k, v in values.items()}


def check(baseline: dict[str, Any], current: dict[str, dict[str, float]]) -> list[MetricCheck]:
    out = []
    for name, tol in TOLERANCE.items():
        raw = baseline.get("per_question", {}).get(name)
        cur_q = current.get(name)
        if raw is None or cur_q is None:
            continue
        base_q = _floats(raw)
        delta, low, high, n = paired_delta(base_q, cur_q)
        failed = n > 0 and delta < -tol and high < 0
        flipped = sorted(
            i
            for i in base_q
            if i in cur_q
            and not math.isnan(base_q[i])
            and not math.isnan(cur_q[i])
            and base_q[i] >= 0.5 > cur_q[i]
        )
        # Means over the questions both runs scored, the same ones the paired delta uses.
        common = [i for i in cur_q if i in base_q and not math.isnan(base_q[i] + cur_q[i])]
        out.append(
            MetricCheck(
                name,
                _nanmean([base_q[i] for i in common]),
                _nanmean([cur_q[i] for i in common]),
                delta,
                low,
                high,
                n,
                failed,
                flipped,
            )
        )
    return out


def load_baseline(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text()) if path.exists() else None


def write_baseline(
    path: Path, summary: dict[str, Any], per_question: dict[str, dict[str, float]]
) -> None:
    """The baseline a later run is gated against: the summary and every per-question value."""
    body = {"meta": summary["meta"], "metrics": summary["metrics"], "per_question": per_question}
    # JSON has no NaN: "not applicable" is stored as null (read back by _floats).
    path.write_text(json.dumps(body, indent=1, default=str).replace("NaN", "null") + "\n")
