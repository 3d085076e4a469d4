"""The ragas metrics. ragas takes seconds to import, so only the eval harness imports it."""

from __future__ import annotations

import asyncio
import logging
import math
import os
from collections.abc import Callable, Sequence
from typing import Any

from core.config import Settings
from eval.metrics import NAN, _covers
from eval.runner import Record

os.environ.setdefault("RAGAS_DO_NOT_TRACK", "true")  # no usage telemetry from CI
log = logging.getLogger(__name__)


# Sentence windows up to this long stand in for each retrieved chunk (see context_recall).
_WINDOW_SENTENCES = 3


def sentence_windows(text: str) -> list[str]:
    """Every run of 1.._WINDOW_SENTENCES consecutive sentences of a chunk."""
    from core.segment import segment_page

    spans = segment_page(text)
    return [
        " ".join(text[spans[i][0] : spans[j][1]].split())
        for i in range(len(spans))
        for j in range(i, min(i + _WINDOW_SENTENCES, len(spans)))
    ]


def context_recall(records: Sequence[Record]) -> tuple[list[float], list[float]]:
    """ragas NonLLMContextRecall (texts) and IDBasedContextRecall (page ids), per record.

    NonLLMContextRecall compares each reference excerpt with each retrieved context by
    normalised Levenshtein similarity (threshold 0.5). A 1-3 sentence excerpt scores ~0.1
    against a whole 200-token chunk even when the chunk contains it verbatim, so the chunks
    are handed to ragas as their sentence windows: same text, comparable lengths.
    """
    from ragas.dataset_schema import SingleTurnSample
    from ragas.metrics._context_recall import IDBasedContextRecall, NonLLMContextRecall

    text_metric, id_metric = NonLLMContextRecall(), IDBasedContextRecall()
    texts: list[float] = []
    ids: list[float] = []
    for r in records:
        if not r.item.answerable:
            texts.append(NAN)
            ids.append(NAN)
            continue
        contexts = r.contexts()
        sample = SingleTurnSample(
            user_input=r.item.question,
            retrieved_contexts=[w for c in contexts for w in sentence_windows(c["text"])] or [""],
            reference_contexts=r.item.reference_contexts,
            retrieved_context_ids=sorted({p for c in contexts for p in _covers(r.item, c)})
            or ["none"],
            reference_context_ids=sorted(r.item.page_ids()),
        )
        texts.append(float(text_metric.single_turn_score(sample)))
        ids.append(float(id_metric.single_turn_score(sample)))
    return texts, ids


def judge_faithfulness(
    records: Sequence[Record], settings: Settings, progress: Callable[[int], None] | None = None
) -> list[float] | None:
    """ragas Faithfulness with the configured judge; None when no judge is configured.

    A judge that cannot produce ragas' structured output yields NaN for that item: the report
    counts those as unscored, never as zero and never silently dropped.
    """
    if not settings.judge_base_url:
        return None
    from openai import AsyncOpenAI
    from ragas.llms import llm_factory
    from ragas.metrics.collections import Faithfulness

    key = settings.judge_api_key.get_secret_value() if settings.judge_api_key else "none"
    client = AsyncOpenAI(base_url=settings.judge_base_url, api_key=key, timeout=120, max_retries=1)
    # max_tokens explicitly: some local servers ignore max_completion_tokens.
    metric = Faithfulness(llm=llm_factory(settings.judge_model, client=client, max_tokens=1024))
    scores: list[float] = []
    for r in records:
        if not r.answered:
            scores.append(NAN)
        else:
            try:
                result: Any = asyncio.run(
                    metric.ascore(
                        user_input=r.item.question,
                        response=r.response["answer"],
                        retrieved_contexts=[c["text"] for c in r.contexts()],
                    )
                )
                value = getattr(result, "value", result)
                scores.append(float(value) if value is not None else NAN)
            except Exception as exc:  # noqa: BLE001 - an unscorable item is reported as such
                log.warning("judge could not score %s: %s", r.item.id, exc)
                scores.append(NAN)
        if progress:
            progress(1)
    unscored = sum(1 for s, r in zip(scores, records, strict=True) if r.answered and math.isnan(s))
    if unscored:
        log.warning(
            "judge left %d of %d answers unscored", unscored, sum(r.answered for r in records)
        )
    return scores
