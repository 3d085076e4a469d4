"""The regression gate: a paired bootstrap over the same questions against the baseline.

A metric fails when its mean worsens by more than its tolerance AND the 95% interval of the
paired per-question difference lies wholly on the worse side of zero: a change that is both
material and not noise. Worse is lower, except for metrics the catalog marks
`higher_is_better=False` (the false-refusal rate), where worse is higher. The failure names
the questions that flipped.

Runs made with different rerankers or generators are not compared at all (`incompatible`):
their difference is the point of the change, not a regression, and the baseline is renewed.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from eval.catalog import TOLERANCE, higher_is_better


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
    # A baseline file stores "not applicable" as null (JSON has no NaN).
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
        up = higher_is_better(name)
        failed = n > 0 and (delta < -tol and high < 0 if up else delta > tol and low > 0)
        # A flip goes from the good side of 0.5 to the bad side.
        flipped = sorted(
            i
            for i in base_q
            if i in cur_q
            and not math.isnan(base_q[i])
            and not math.isnan(cur_q[i])
            and (base_q[i] >= 0.5 > cur_q[i] if up else base_q[i] < 0.5 <= cur_q[i])
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


def model_identity(described: str | None) -> str:
    """A reranker or generator as it matters to the gate: without its trailing detail.

    "none (disabled by RAG_RERANKER=none)" and "none (cannot load ...)" are the same
    reranker; "cross-encoder/x (bf16)" and "cross-encoder/x (fp32)" are the same model.
    """
    return re.sub(r"\s*\(.*\)\s*$", "", described or "").strip() or "unknown"


def incompatible(baseline_meta: dict[str, Any], current_meta: dict[str, Any]) -> str | None:
    """Why this run cannot be gated against the baseline (a different reranker or generator)."""
    for part in ("reranker", "generator"):
        base, cur = baseline_meta.get(part), current_meta.get(part)
        if model_identity(base) != model_identity(cur):
            return f"the baseline ran {part} {base!r}, this run {cur!r}"
    return None


def load_baseline(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text()) if path.exists() else None


def write_baseline(
    path: Path, summary: dict[str, Any], per_question: dict[str, dict[str, float]]
) -> None:
    """The baseline a later run is gated against: the summary and every per-question value."""
    body = {"meta": summary["meta"], "metrics": summary["metrics"], "per_question": per_question}
    # JSON has no NaN: "not applicable" is stored as null (read back by _floats).
    path.write_text(json.dumps(body, indent=1, default=str).replace("NaN", "null") + "\n")
