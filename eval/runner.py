"""Run every golden question through the real pipeline, in process or over HTTP."""

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


Asker = Callable[[str], dict[str, Any]]


def in_process_asker(answerer: Any) -> Asker:
    def ask(question: str) -> dict[str, Any]:
        body: dict[str, Any] = answerer.ask(question, uuid.uuid4().hex[:16]).model_dump()
        return body

    return ask


def retrieval_asker(answerer: Any) -> Asker:
    """Retrieval only, shaped like an /ask response with an empty answer: for fast sweeps."""
    from service.compose import retrieval_summary
    from service.retriever import SearchParams

    def ask(question: str) -> dict[str, Any]:
        params = SearchParams.from_settings(answerer.settings)
        result = answerer.retriever.search(question, params)
        return {
            "answer": "",
            "abstained": False,
            "citations": [],
            "retrieval": retrieval_summary(result, params).model_dump(),
            "checks": {},
            "timings_ms": {f"retrieve_{k}": v for k, v in result.timings_ms.items()},
        }

    return ask


def http_asker(url: str, api_key: str | None = None, timeout: float = 120.0) -> Asker:
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    client = httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=timeout)

    def ask(question: str) -> dict[str, Any]:
        r = client.post("/ask", json={"question": question})
        r.raise_for_status()
        body: dict[str, Any] = r.json()
        return body

    return ask


def run(
    items: Sequence[GoldenItem], ask: Asker, progress: Callable[[int], None] | None = None
) -> list[Record]:
    records = []
    for item in items:
        records.append(Record(item, ask(item.question)))
        if progress:
            progress(1)
    return records
