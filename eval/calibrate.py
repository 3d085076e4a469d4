"""`python -m eval calibrate`: fit the refusal model on the dev splits of every golden suite.

For each dev item: retrieval and evidence through the service's own code
(`AnswerService.assess`), the features the service decides on (`service.refusal.features`)
and the label (answerable or not). A logistic regression with an L2 penalty on standardised
features (Newton's method) gives the weights. The threshold is the highest answerability
that keeps the false-refusal rate of the dev answerable items at or below the target (4% by
default: under the 5% the project promises, since the test split is unseen). Writes
`service/refusal_model.json` (or `--out`) and prints the dev figures; `make eval` reports the
held-out test split.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from core.embed import Embedder
from eval.golden import golden_hash, load_golden
from eval.harness import ROOT, EvalConfig, Hooks, ensure_index, load_eval_embedder
from eval.suites import SUITES

MODEL_PATH = ROOT / "service" / "refusal_model.json"
TARGET_FALSE_REFUSAL = 0.04
# L2 penalty on the (standardised) weights: a few hundred items, a handful of features.
_L2 = 1.0
_NEWTON_STEPS = 50


@dataclass
class Example:
    suite: str
    item: str
    answerable: bool
    features: dict[str, float]


def collect(suites: list[str], split: str, embedder: Embedder | None = None) -> list[Example]:
    """The service's refusal features for every item of `split` in each suite."""
    from service.pipeline import AnswerService
    from service.runtime import load_retriever

    examples: list[Example] = []
    for name in suites:
        suite = SUITES[name]
        if suite.prepare is not None:
            suite.prepare()
        config = suite.config(EvalConfig(split=split))  # type: ignore[arg-type]
        settings = config.settings()
        embedder = embedder or load_eval_embedder(settings)
        ensure_index(settings, suite.corpus, embedder, Hooks())
        answerer = AnswerService(load_retriever(settings, embedder=embedder), settings)
        for item in load_golden(suite.golden):
            # A follow-up is only answerable with its history: not a refusal example.
            if (split != "all" and item.split != split) or item.kind == "multi_turn":
                continue
            _, _, decision = answerer.assess(item.question)
            examples.append(Example(name, item.id, item.answerable, decision.features))
    return examples


def fit(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], float]:
    """Weights and bias of an L2-penalised logistic regression (x already standardised)."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    penalty = np.diag([_L2] * x.shape[1] + [0.0])  # the bias is not penalised
    for _ in range(_NEWTON_STEPS):
        p = 1.0 / (1.0 + np.exp(-(xb @ w)))
        grad = xb.T @ (p - y) + penalty @ w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + penalty
        w = w - np.linalg.solve(hess, grad)
    return w[:-1], float(w[-1])


def threshold_for(answerable_scores: list[float], target: float) -> float:
    """The highest threshold that refuses at most `target` of the answerable items."""
    scores = sorted(answerable_scores)
    allowed = math.floor(target * len(scores))
    return scores[allowed] if scores else 0.5


def calibrate(
    suites: list[str], target: float = TARGET_FALSE_REFUSAL, out: Path = MODEL_PATH
) -> dict[str, Any]:
    from service.refusal import FEATURES, RefusalModel

    examples = collect(suites, "dev")
    x = np.array([[e.features[f] for f in FEATURES] for e in examples], dtype=float)
    y = np.array([e.answerable for e in examples], dtype=float)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    weights, bias = fit((x - mean) / scale, y)
    provisional = RefusalModel(FEATURES, tuple(mean), tuple(scale), tuple(weights), bias, 0.5, {})
    scores = [provisional.answerability(e.features) for e in examples]
    threshold = threshold_for(
        [s for s, e in zip(scores, examples, strict=True) if e.answerable], target
    )
    model = RefusalModel(
        FEATURES,
        tuple(float(v) for v in mean),
        tuple(float(v) for v in scale),
        tuple(float(v) for v in weights),
        bias,
        threshold,
        {
            "fitted": datetime.now(UTC).isoformat(timespec="seconds"),
            "how": "python -m eval calibrate (eval/calibrate.py)",
            "split": "dev",
            "target_false_refusal": target,
            "suites": {
                name: {
                    "golden": str(SUITES[name].golden.relative_to(ROOT)),
                    "golden_sha256": golden_hash(SUITES[name].golden),
                    "items": sum(e.suite == name for e in examples),
                    "unanswerable": sum(e.suite == name and not e.answerable for e in examples),
                }
                for name in suites
            },
        },
    )
    out.write_text(json.dumps(model.to_json(), indent=2) + "\n", encoding="utf-8")
    return {"model": model.to_json(), "dev": dev_figures(examples, scores, threshold)}


def dev_figures(
    examples: list[Example], scores: list[float], threshold: float
) -> dict[str, dict[str, float]]:
    """Refusal recall and false-refusal rate per suite on the data the model was fitted on."""
    out: dict[str, dict[str, float]] = {}
    for name in sorted({e.suite for e in examples}):
        pairs = [(s, e) for s, e in zip(scores, examples, strict=True) if e.suite == name]
        ans = [s < threshold for s, e in pairs if e.answerable]
        unans = [s < threshold for s, e in pairs if not e.answerable]
        out[name] = {
            "false_refusal": sum(ans) / len(ans) if ans else math.nan,
            "refusal_recall": sum(unans) / len(unans) if unans else math.nan,
            "items": len(pairs),
        }
    return out
