"""The /ask pipeline: retrieve, decide whether the evidence suffices, generate, check every
citation, and shape the response. Used by the HTTP app, `make ask` and the eval harness."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from core.chunk import Chunk
from core.config import Settings
from service import citations
from service.errors import ClientGone
from service.generate.base import Context, Draft, Generator, GeneratorError
from service.generate.extractive import ExtractiveGenerator
from service.generate.openai_compat import OpenAICompatibleGenerator
from service.retriever import HybridRetriever, SearchParams, SearchResult
from service.schemas import AskResponse, Candidate, Checks, Citation, Retrieval, Usage
from service.text import NOT_IN_DOCUMENTS, clean_quote, clean_sentence

log = logging.getLogger(__name__)

__all__ = ["NOT_IN_DOCUMENTS", "AnswerService", "StreamEvent", "make_generator"]


@dataclass
class StreamEvent:
    """One server-sent event: `sources`, `delta`, `citations`, `done` or `error`."""

    event: str
    data: dict[str, object]


def make_generator(settings: Settings, extractive: ExtractiveGenerator) -> Generator:
    if settings.generator == "openai":
        if not settings.llm_base_url:
            raise ValueError(
                "RAG_GENERATOR=openai needs RAG_LLM_BASE_URL (e.g. http://localhost:11434/v1)"
            )
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        return OpenAICompatibleGenerator(
            settings.llm_base_url,
            settings.llm_model,
            key,
            timeout_s=settings.llm_timeout_s,
            max_retries=settings.llm_max_retries,
            max_tokens=settings.llm_max_tokens,
            context_token_budget=settings.context_token_budget,
            max_sentences=settings.answer_max_sentences,
            backoff_s=settings.llm_backoff_s,
        )
    return extractive


class AnswerService:
    """Stateless apart from its retriever and generators; one instance serves all requests."""

    def __init__(
        self,
        retriever: HybridRetriever,
        settings: Settings,
        generator: Generator | None = None,
    ) -> None:
        self.retriever = retriever
        self.settings = settings
        self.extractive = ExtractiveGenerator(
            retriever.embedder, settings.answer_max_sentences, settings.abstain_min_similarity
        )
        self.generator = generator or make_generator(settings, self.extractive)

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
        retrieval = self.retrieval_summary(result, params)
        contexts = [Context(i, hit) for i, hit in enumerate(result.hits, start=1)]
        yield StreamEvent(
            "sources", {"request_id": request_id, "retrieval": retrieval.model_dump()}
        )
        if stopped():
            return

        t = time.perf_counter()
        weak = self._weak_evidence(result)
        degraded_reason: str | None = None
        generator_name = self.generator.name
        draft: Draft | None = None
        if weak:
            draft = Draft(sentences=[], insufficient=True, notes=[weak])
        else:
            try:
                for item in self._generate(self.generator, question, contexts, stream, stop):
                    if isinstance(item, str):
                        if text := clean_sentence(item):
                            yield StreamEvent("delta", {"text": text})
                    else:
                        draft = item
            except GeneratorError as exc:
                log.warning("generator %s failed: %s; answering extractively", generator_name, exc)
                degraded_reason = f"{exc}; answered extractively instead"
                generator_name = f"{self.extractive.name} (fallback)"
                draft = None
            if stopped():
                return
            if draft is None:
                draft = self.extractive.generate(question, contexts)
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
        response.checks = Checks(
            sentences_kept=len(checked.sentences),
            sentences_dropped=len(draft.sentences) - len(checked.sentences),
            citations_rejected=len(checked.rejected),
            evidence_score=draft.evidence_score,
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

    def _weak_evidence(self, result: SearchResult) -> str | None:
        if not result.hits:
            return "nothing was retrieved"
        top = result.hits[0]
        if top.rerank_score is not None and top.rerank_score < self.settings.abstain_min_rerank:
            return (
                f"best rerank score {top.rerank_score:.2f} < {self.settings.abstain_min_rerank:.2f}"
            )
        return None

    def retrieval_summary(self, result: SearchResult, params: SearchParams) -> Retrieval:
        return Retrieval(
            reranker=result.reranker,
            fusion=params.fusion,
            mode=params.mode,
            candidates=[
                Candidate(
                    chunk_id=h.chunk.id,
                    document=Path(h.chunk.source).name,
                    page_start=h.chunk.page_start,
                    page_end=h.chunk.page_end,
                    bm25_rank=h.bm25_rank,
                    dense_rank=h.dense_rank,
                    fused_rank=h.fused_rank,
                    rerank_rank=h.rerank_rank,
                    score=round(h.score, 6),
                    text=h.chunk.text if i < len(result.hits) else None,
                )
                for i, h in enumerate(result.candidates)
            ],
        )

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
        answer, cites, reason = self._compose(draft, checked, contexts)
        return AskResponse(
            answer=answer,
            citations=cites,
            abstained=reason is not None,
            reason=reason,
            generator=generator_name,
            retrieval=retrieval,
            usage=usage,
            timings_ms={},
            request_id=request_id,
        )

    def _compose(
        self, draft: Draft, checked: citations.CheckResult, contexts: list[Context]
    ) -> tuple[str, list[Citation], str | None]:
        """(answer text with [n] markers, citations, abstention reason or None)."""
        if draft.insufficient or not checked.sentences:
            if draft.insufficient:
                reason = "the retrieved passages do not answer the question"
                if draft.notes:
                    reason += f" ({'; '.join(draft.notes)})"
            else:
                reason = "no answer sentence had a citation that checks out"
            # The closest sources, so a reader can look for themselves.
            closest = [
                self._citation(i, ctx, clean_quote(" ".join(ctx.text.split()))[:300])
                for i, ctx in enumerate(contexts[:3], 1)
            ]
            return NOT_IN_DOCUMENTS, closest, reason
        cites: list[Citation] = []
        ids: dict[tuple[int, str], int] = {}
        parts: list[str] = []
        for sentence in checked.sentences:
            markers = []
            for ctx, quote in sentence.citations:
                key = (ctx.number, quote)
                if key not in ids:
                    ids[key] = len(cites) + 1
                    cites.append(self._citation(ids[key], ctx, quote))
                markers.append(f"[{ids[key]}]")
            parts.append(_with_markers(sentence.text, "".join(markers)))
        return " ".join(parts), cites, None

    @staticmethod
    def _citation(cid: int, ctx: Context, quote: str) -> Citation:
        c = ctx.hit.chunk
        span = citations.locate(c.text, quote)
        # The pages the quote itself sits on, which may be fewer than the chunk's.
        first, last = (
            (c.page_at(span[0]), c.page_at(span[1] - 1))
            if span
            else (
                c.page_start,
                c.page_end,
            )
        )
        return Citation(
            id=cid,
            chunk_id=c.id,
            document=Path(c.source).name,
            path=c.source,
            page_start=first,
            page_end=last,
            page_label=_label(c, first),
            quote=quote,
            score=round(ctx.hit.score, 6),
        )


def _label(chunk: Chunk, page: int) -> str:
    if page == chunk.page_start:
        return chunk.label_start
    return chunk.label_end if page == chunk.page_end else str(page)


def _with_markers(sentence: str, markers: str) -> str:
    """Put citation markers before the sentence's closing punctuation: 'text [1].'"""
    s = sentence.rstrip()
    if s and s[-1] in ".!?":
        return f"{s[:-1]} {markers}{s[-1]}"
    return f"{s} {markers}"


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)
