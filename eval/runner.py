"""Run every golden question through the real pipeline, in process or over HTTP.

A multi-turn item's earlier turns go along: in process they are made standalone by the
service's own rewrite (`service.conversation`), over HTTP they are sent as /ask's `history`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from eval.golden import GoldenItem


@dataclass
class Record:
    """One question's outcome: the /ask response body plus the golden item it answers."""

    item: GoldenItem
    response: dict[str, Any]

    @property
    def answered(self) -> bool:
        return not self.response["abstained"]

    def contexts(self) -> list[dict[str, Any]]:
        """The candidates the answer was generated from (those with text)."""
        return [c for c in self.response["retrieval"]["candidates"] if c.get("text") is not None]


# (question, earlier turns as /ask's `history`: [] for a single question) -> /ask body
Asker = Callable[[str, list[dict[str, str]]], dict[str, Any]]
Rewrite = Callable[[str, Sequence[Any]], Any]


def _rewrite(answerer: Any, rewrite: Rewrite | None) -> Rewrite:
    from service.followup import FollowUpRewriter

    return rewrite or FollowUpRewriter.from_settings(answerer.settings)


def _turns(history: list[dict[str, str]]) -> list[Any]:
    from service.schemas import Turn

    return [Turn.model_validate(t) for t in history]


def in_process_asker(answerer: Any, rewrite: Rewrite | None = None) -> Asker:
    """Answers through `service.conversation`, as /ask does; `rewrite` as the settings say."""
    from service import conversation

    rewrite = _rewrite(answerer, rewrite)

    def ask(question: str, history: list[dict[str, str]]) -> dict[str, Any]:
        response = conversation.answer(
            answerer, rewrite, question, _turns(history), uuid.uuid4().hex[:16]
        )
        body: dict[str, Any] = response.model_dump()
        return body

    return ask


def retrieval_asker(answerer: Any, rewrite: Rewrite | None = None) -> Asker:
    """Retrieval only, shaped like an /ask response with an empty answer: for fast sweeps."""
    from service.compose import retrieval_summary
    from service.retriever import SearchParams

    rewrite = _rewrite(answerer, rewrite)

    def ask(question: str, history: list[dict[str, str]]) -> dict[str, Any]:
        followup = rewrite(question, _turns(history)) if history else None
        params = SearchParams.from_settings(answerer.settings)
        result = answerer.retriever.search(followup.question if followup else question, params)
        return {
            "answer": "",
            "abstained": False,
            "citations": [],
            "followup": followup.model_dump() if followup else None,
            "retrieval": retrieval_summary(result, params).model_dump(),
            "checks": {},
            "timings_ms": {f"retrieve_{k}": v for k, v in result.timings_ms.items()},
        }

    return ask


def http_asker(url: str, api_key: str | None = None, timeout: float = 120.0) -> Asker:
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    client = httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=timeout)

    def ask(question: str, history: list[dict[str, str]]) -> dict[str, Any]:
        payload: dict[str, Any] = {"question": question}
        if history:
            payload["history"] = history
        r = client.post("/ask", json=payload)
        r.raise_for_status()
        body: dict[str, Any] = r.json()
        return body

    return ask


def run(
    items: Sequence[GoldenItem], ask: Asker, progress: Callable[[int], None] | None = None
) -> list[Record]:
    records = []
    for item in items:
        records.append(Record(item, ask(item.question, item.turns())))
        if progress:
            progress(1)
    return records
