"""The evaluation as a library: `evaluate(EvalConfig) -> EvalResult`.

The CLI (`python -m eval`), the sweep and the tests call this one function; it answers every
golden question through the real pipeline (in process, or over HTTP with `url`), scores the
answers and returns per-question values and a summary with intervals. Writing reports and
gating against a baseline are the caller's choice (`eval.report`, `eval.gate`).
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from core.config import Settings, load_settings
from core.embed import Embedder, load_query_embedder
from eval.catalog import OF_ANSWER
from eval.golden import GoldenItem, golden_hash, load_golden
from eval.runner import Record, http_asker, in_process_asker, retrieval_asker, run
from eval.scoring import per_question, summarize

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "eval" / "golden" / "sample.jsonl"
SAMPLE = ROOT / "data" / "sample"
BASELINES = ROOT / "eval" / "baselines"
REPORTS = ROOT / "eval" / "reports"
EVAL_INDEX = ROOT / "build" / "eval-index"

Split = Literal["all", "dev", "test"]


@dataclass(frozen=True)
class EvalConfig:
    """What to evaluate. `overrides` are Settings fields.

    `index` evaluates an index built beforehand, as it is; with `index=None` the harness first
    brings `eval_index` in line with `corpus` (ingesting what changed) and evaluates that.
    """

    golden: Path = GOLDEN
    split: Split = "all"
    overrides: Mapping[str, Any] = field(default_factory=dict)
    index: Path | None = None
    corpus: Path = SAMPLE
    eval_index: Path = EVAL_INDEX
    url: str | None = None
    api_key: str | None = None
    # Retrieval only: no answers, so answer metrics are empty; ~20x faster for sweeps.
    retrieval_only: bool = False

    def settings(self) -> Settings:
        # fp32 unless overridden: a baseline must not depend on which CPU features a runner has.
        index = self.index or self.eval_index
        values = {"index_dir": index, "embed_precision": "fp32"}
        settings = load_settings(**{**values, **self.overrides})
        if settings.store == "postgres" and "pg_schema" not in self.overrides:
            # RAG_STORE=postgres: one schema per evaluation index (build/eval-index ->
            # eval_index), so suites never share or overwrite each other's generations.
            schema = re.sub(r"[^a-z0-9_]", "_", index.name.lower())[:62] or "eval"
            schema = f"_{schema}" if schema[0].isdigit() else schema
            settings = load_settings(**{**values, **self.overrides, "pg_schema": schema})
        return settings


@dataclass
class EvalResult:
    config: EvalConfig
    settings: Settings
    records: list[Record]
    values: dict[str, list[float]]
    summary: dict[str, Any]

    @property
    def per_question(self) -> dict[str, dict[str, float]]:
        ids = [r.item.id for r in self.records]
        return {name: dict(zip(ids, v, strict=True)) for name, v in self.values.items()}


@dataclass
class Hooks:
    """Progress callbacks for a display; all optional."""

    on_start: Callable[[int], None] = lambda total: None
    on_answered: Callable[[int], None] = lambda n: None
    on_note: Callable[[str], None] = lambda text: None


def select(config: EvalConfig) -> list[GoldenItem]:
    items = load_golden(config.golden)
    return items if config.split == "all" else [i for i in items if i.split == config.split]


def evaluate(
    config: EvalConfig, hooks: Hooks | None = None, embedder: Embedder | None = None
) -> EvalResult:
    """Answer and score every selected golden question; pass `embedder` to share one."""
    hooks = hooks or Hooks()
    items = select(config)
    settings = config.settings()
    embedder = embedder or load_eval_embedder(settings)

    llm = followup = None
    if config.url:
        ask = http_asker(config.url, config.api_key)
        models = {"embedder": "(remote)", "reranker": "(remote)", "generator": "(remote)"}
    else:
        from service.followup import FollowUpRewriter
        from service.generate.factory import make_llm
        from service.pipeline import AnswerService
        from service.runtime import load_retriever

        if config.index is None:
            ensure_index(settings, config.corpus, embedder, hooks)
        retriever = load_retriever(settings, embedder=embedder)
        llm = make_llm(settings)
        answerer = AnswerService(retriever, settings, llm)
        # Multi-turn items: the service's own follow-up rewrite (RAG_FOLLOWUP_REWRITE).
        followup = FollowUpRewriter.from_settings(settings)
        asker = retrieval_asker if config.retrieval_only else in_process_asker
        ask = asker(answerer, followup)
        models = {
            "embedder": f"{settings.embedder} sha256:{embedder.fingerprint[:12]} "
            f"({retriever.embedder.precision})",
            "reranker": retriever.reranker_status.describe(),
            "generator": answerer.generator_name,
        }

    hooks.on_start(len(items))
    start = time.perf_counter()
    try:
        records = run(items, ask, hooks.on_answered)
    finally:
        if llm is not None:
            llm.close()
        if followup is not None:
            followup.close()
    answer_s = time.perf_counter() - start
    if config.url:  # the service says in every response which reranker and generator ran
        models |= _reported_models(records)

    t = time.perf_counter()
    from eval import ragas_scores  # seconds to import: only once there is something to score

    recall = ragas_scores.context_recall(records)
    faithfulness = ragas_scores.judge_faithfulness(records, settings)
    hooks.on_note(f"ragas scored in {time.perf_counter() - t:.1f}s")

    values = per_question(records, embedder.embed, recall, faithfulness)
    if config.retrieval_only:  # nothing was answered: answer metrics do not apply
        values = {k: [math.nan] * len(v) if k in OF_ANSWER else v for k, v in values.items()}
    summary = summarize(records, values, answers=not config.retrieval_only)
    summary["meta"] = _meta(config, settings, answer_s, models)
    return EvalResult(config, settings, records, values, summary)


def load_eval_embedder(settings: Settings) -> Embedder:
    """The embedder a run scores with; load it once and pass it to `evaluate` for many runs."""
    return load_query_embedder(settings)


def _reported_models(records: list[Record]) -> dict[str, str]:
    """The reranker and generator most responses of a remote service reported."""
    seen = {
        "reranker": [r.response.get("retrieval", {}).get("reranker") for r in records],
        "generator": [r.response.get("generator") for r in records],
    }
    counts = {part: Counter(str(v) for v in values if v) for part, values in seen.items()}
    return {part: c.most_common(1)[0][0] for part, c in counts.items() if c}


def ensure_index(settings: Settings, corpus: Path, embedder: Embedder, hooks: Hooks) -> None:
    """Bring the evaluation index in line with the corpus (a no-op when it already is)."""
    from ingest.pipeline import run_ingest

    report = run_ingest(settings, [corpus], embedder=embedder)
    if report.written:
        hooks.on_note(f"ingested {report.documents} PDFs from {corpus} into {settings.index_dir}")


def _meta(
    config: EvalConfig, settings: Settings, answer_s: float, models: dict[str, str]
) -> dict[str, Any]:
    commit, dirty = _git()
    golden = config.golden
    return {
        "run": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"),
        "git_commit": commit,
        "git_dirty": dirty,
        "golden": str(golden.relative_to(ROOT) if golden.is_relative_to(ROOT) else golden),
        "golden_sha256": golden_hash(golden),
        "split": config.split,
        "url": config.url,
        "retrieval_only": config.retrieval_only,
        "settings": json.loads(settings.model_dump_json()),
        "seconds_answering": round(answer_s, 1),
        "judge": settings.judge_model if settings.judge_base_url else None,
        **models,
    }


def _git() -> tuple[str, bool]:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
        return done.stdout.strip()

    try:
        return git("rev-parse", "HEAD"), bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.CalledProcessError):
        return "unknown", False
