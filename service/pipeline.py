"""The answer pipeline: retrieve, decide whether the evidence suffices (`refusal`), generate,
check every citation (`citations`), and shape the response (`compose`). One pipeline serves
every adapter: the HTTP routes, server-sent events and the eval harness."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from core.config import Settings
from service import citations
from service.compose import compose, retrieval_summary
from service.errors import ClientGone
from service.evidence import Evidence, gather
from service.generate.base import Context, Draft, Generator, GeneratorError
from service.generate.extractive import ExtractiveGenerator
from service.refusal import CorpusStats, Decision, RefusalModel, decide, load_model
from service.retriever import HybridRetriever, SearchParams, SearchResult
from service.schemas import AskResponse, Checks, Retrieval, Usage
from service.text import NOT_IN_DOCUMENTS, clean_sentence

log = logging.getLogger(__name__)

__all__ = ["NOT_IN_DOCUMENTS", "AnswerService", "StreamEvent"]


@dataclass
class StreamEvent:
    """One server-sent event: `sources`, `delta`, `citations`, `done` or `error`."""

    event: str
    data: dict[str, object]


class AnswerService:
    """Stateless apart from its retriever and generators; one instance serves all requests.

    `llm` is the configured LLM generator, owned (and closed) by the caller; without one the
    extractive generator answers. Both answer only after the same refusal decision.
    """

    def __init__(
        self,
        retriever: HybridRetriever,
        settings: Settings,
        llm: Generator | None = None,
        refusal: RefusalModel | None = None,
    ) -> None:
        self.retriever = retriever
        self.settings = settings
        self.llm = llm
        self.extractive = ExtractiveGenerator(settings.answer_max_sentences)
        self.refusal = refusal or load_model(settings.refusal_model)
        if settings.refusal_threshold is not None:
            self.refusal = replace(self.refusal, threshold=settings.refusal_threshold)
        self.stats = CorpusStats(retriever.index, retriever.embedder.tokenizer)

    @property
    def generator_name(self) -> str:
        return self.llm.name if self.llm is not None else self.extractive.name

    def assess(
        self, question: str, top_k: int | None = None
    ) -> tuple[SearchResult, Evidence, Decision]:
        """Retrieval, its scored evidence and the refusal decision, without an answer."""
        params = SearchParams.from_settings(self.settings, top_k=top_k)
        result = self.retriever.search(question, params)
        evidence = self._evidence(question, result)
        return result, evidence, decide(evidence, result, self.stats, self.refusal, self.settings)

    def _evidence(self, question: str, result: SearchResult) -> Evidence:
        contexts = [Context(i, hit) for i, hit in enumerate(result.hits, start=1)]
        return gather(question, result.query_vector, contexts, self.retriever.index)

    # -- public -----------------------------------------------------------------------------
    def ask(
        self,
        question: str,
        request_id: str,
        top_k: int | None = None,
        documents: Sequence[str] | None = None,
        stop: threading.Event | None = None,
    ) -> AskResponse:
        """The answer; raises ClientGone if `stop` is set (the client left) before the end."""
        events = list(self._run(question, request_id, top_k, documents, False, stop))
        if not events or events[-1].event != "done":
            raise ClientGone("the client closed the connection; the answer was abandoned")
        return AskResponse.model_validate(events[-1].data)

    def ask_stream(
        self,
        question: str,
        request_id: str,
        top_k: int | None = None,
        documents: Sequence[str] | None = None,
        stop: threading.Event | None = None,
    ) -> Iterator[StreamEvent]:
        """Events as they happen; ends early, without `done`, once `stop` is set."""
        return self._run(question, request_id, top_k, documents, True, stop)

    # -- pipeline ---------------------------------------------------------------------------
    def _run(
        self,
        question: str,
        request_id: str,
        top_k: int | None,
        documents: Sequence[str] | None,
        stream: bool,
        stop: threading.Event | None = None,
    ) -> Iterator[StreamEvent]:
        stopped = stop.is_set if stop is not None else lambda: False
        start = time.perf_counter()
        params = SearchParams.from_settings(self.settings, top_k=top_k)
        result = self.retriever.search(question, params, documents)
        timings = {f"retrieve_{k}": v for k, v in result.timings_ms.items()}
        retrieval = retrieval_summary(result, params)
        yield StreamEvent(
            "sources", {"request_id": request_id, "retrieval": retrieval.model_dump()}
        )
        if stopped():
            return

        t = time.perf_counter()
        evidence = self._evidence(question, result)
        contexts = evidence.contexts
        decision = decide(evidence, result, self.stats, self.refusal, self.settings)
        timings["assess"] = _ms(t)

        t = time.perf_counter()
        degraded_reason: str | None = None
        spent = (0, 0)
        generator_name = self.generator_name
        draft: Draft | None = None
        if decision.refuse:
            draft = Draft(sentences=[], insufficient=True, notes=[decision.reason or ""])
        elif self.llm is not None:
            try:
                for item in self._generate(self.llm, question, contexts, stream, stop):
                    if isinstance(item, str):
                        if text := clean_sentence(item):
                            yield StreamEvent("delta", {"text": text})
                    else:
                        draft = item
            except GeneratorError as exc:
                log.warning("generator %s failed: %s; answering extractively", generator_name, exc)
                degraded_reason = f"{exc}; answered extractively instead"
                generator_name = f"{self.extractive.name} (fallback)"
                spent = (exc.prompt_tokens, exc.completion_tokens)
            if stopped():
                return
        if draft is None:
            draft = self.extractive.answer(evidence)
            # Failed LLM calls still cost tokens: report them.
            draft.prompt_tokens, draft.completion_tokens = spent
            for s in draft.sentences if stream else []:
                yield StreamEvent("delta", {"text": clean_sentence(s.text)})
        timings["generate"] = _ms(t)
        if stopped():
            return

        t = time.perf_counter()
        checked = citations.check(draft, contexts)
        if checked.rejected:
            log.info("dropped citations: %s", "; ".join(checked.rejected))
        timings["check_citations"] = _ms(t)
        response = self._response(
            question, request_id, draft, checked, contexts, retrieval, generator_name
        )
        best = evidence.best()
        response.checks = Checks(
            sentences_kept=len(checked.sentences),
            sentences_dropped=len(draft.sentences) - len(checked.sentences),
            citations_rejected=len(checked.rejected),
            evidence_score=round(best.cosine, 6) if best else None,
            answerability=None
            if decision.answerability is None
            else round(decision.answerability, 6),
            answerability_threshold=round(decision.threshold, 6) if decision.threshold else None,
        )
        response.degraded = degraded_reason is not None
        if degraded_reason:
            response.reason = (
                f"{response.reason}; {degraded_reason}" if response.reason else degraded_reason
            )
        timings["total"] = _ms(start)
        response.timings_ms = timings
        body = response.model_dump()
        if stream:
            yield StreamEvent(
                "citations",
                {
                    "answer": body["answer"],
                    "citations": body["citations"],
                    "abstained": body["abstained"],
                },
            )
        yield StreamEvent("done", body)

    @staticmethod
    def _generate(
        generator: Generator,
        question: str,
        contexts: list[Context],
        stream: bool,
        stop: threading.Event | None,
    ) -> Iterator[str | Draft]:
        if stream:
            yield from generator.stream(question, contexts, stop)
        else:
            yield generator.generate(question, contexts)

    def _response(
        self,
        question: str,
        request_id: str,
        draft: Draft,
        checked: citations.CheckResult,
        contexts: list[Context],
        retrieval: Retrieval,
        generator_name: str,
    ) -> AskResponse:
        usage = Usage(
            prompt_tokens=draft.prompt_tokens,
            completion_tokens=draft.completion_tokens,
            total_tokens=draft.prompt_tokens + draft.completion_tokens,
        )
        composed = compose(draft, checked, contexts)
        return AskResponse(
            answer=composed.answer,
            citations=composed.citations,
            abstained=composed.reason is not None,
            reason=composed.reason,
            generator=generator_name,
            closest=composed.closest,
            retrieval=retrieval,
            usage=usage,
            timings_ms={},
            request_id=request_id,
        )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)
