"""The MCP tools: `search` (ranked passages), `ask` (the checked answer with citations) and
`list_documents`, over the same state, limits and pipeline as the HTTP API.

Arguments are validated against each tool's input schema by the SDK, then as /ask validates
them (question cleaning and length, known documents). Every failure comes back as an MCP tool
error (`isError: true`) whose text says what to fix: a bad argument, an unknown document, no
index loaded, no answer slot free. An unexpected exception is logged with its traceback and
reaches the client only as a generic error.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field, ValidationError

from service import conversation, routes
from service.errors import ServiceError
from service.pipeline import AnswerService
from service.retriever import SearchParams, UnknownDocument
from service.schemas import MAX_HISTORY_TURNS, AskRequest, AskResponse, DocumentsResponse, Turn
from service.state import AppState

log = logging.getLogger("service")

T = TypeVar("T")
StateGetter = Callable[[], AppState]

INSTRUCTIONS = (
    "Answers questions about an indexed set of PDF documents with citations (document, page, "
    "verbatim quote). Use `ask` for an answer whose every sentence is checked against the "
    "documents (it says so when they do not answer), `search` for the ranked passages "
    "themselves, and `list_documents` to see what is indexed."
)


class Passage(BaseModel):
    rank: int = Field(description="1-based position in the final ranking")
    chunk_id: str
    doc_id: str
    document: str = Field(description="file name of the source PDF")
    page_start: int = Field(description="physical page, 1-based")
    page_end: int
    page_label: str = Field(description="the page label printed in the PDF")
    text: str
    score: float = Field(description="the score that ordered the list: reranker, else fused")
    bm25_rank: int | None = None
    bm25_score: float | None = None
    dense_rank: int | None = None
    dense_score: float | None = None
    fused_rank: int | None = None
    fused_score: float | None = None
    rerank_rank: int | None = None
    rerank_score: float | None = None


class SearchResults(BaseModel):
    query: str
    reranker: str = Field(description='the active reranker, or "none (reason)"')
    passages: list[Passage]
    timings_ms: dict[str, float]


Question = Annotated[str, Field(description="the question, in plain words", min_length=1)]
TopK = Annotated[int | None, Field(ge=1, le=20, description="passages to use (default: RAG_TOP_K)")]
Documents = Annotated[
    list[str] | None,
    Field(max_length=50, description="restrict to these documents (id, path or file name)"),
]
History = Annotated[
    list[Turn] | None,
    Field(
        max_length=MAX_HISTORY_TURNS,
        description="earlier turns, oldest first: the question is made standalone from them",
    ),
]


def _problem(exc: ServiceError | ValidationError) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {str(e['msg']).removeprefix('Value error, ')}"
            for e in exc.errors()
        )
    detail = exc.detail
    if isinstance(detail, list):
        detail = "; ".join(f"{p['field']}: {p['problem']}" for p in detail)
    return f"{exc.code}: {detail}"


def _request(
    question: str,
    history: list[Turn] | None,
    top_k: int | None,
    documents: list[str] | None,
    state: AppState,
) -> tuple[AskRequest, AnswerService]:
    """The arguments validated as /ask validates them, and the index that answers them."""
    try:
        body = AskRequest(question=question, history=history, top_k=top_k, documents=documents)
        conversation.check_size(body.question, body.history, state.settings.max_question_chars)
        answerer = state.require()
        if body.documents:
            answerer.retriever.resolve_documents(body.documents)
    except (ValidationError, ServiceError) as exc:
        raise ToolError(_problem(exc)) from exc
    except UnknownDocument as exc:
        raise ToolError(f"invalid_request: {exc}") from exc
    return body, answerer


async def _in_slot(state: AppState, work: Callable[[threading.Event], T]) -> T:
    """`work` off the event loop, holding an answer slot like an /ask request."""
    stop = threading.Event()
    try:
        async with state.slots.slot():
            return await anyio.to_thread.run_sync(lambda: work(stop))
    except ServiceError as exc:
        raise ToolError(_problem(exc)) from exc
    finally:
        stop.set()


def build_server(get_state: StateGetter, **options: object) -> MCPServer:
    """The MCP server with its three tools; `options` go to MCPServer (e.g. a lifespan)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    server: MCPServer = MCPServer(
        "rag-reference",
        instructions=INSTRUCTIONS,
        version="0.1.0",
        **options,  # type: ignore[arg-type]
    )
    if not handlers:  # MCPServer() calls logging.basicConfig: the service logs its own way
        root.handlers = handlers
        root.setLevel(level)

    @server.tool()
    async def search(
        query: Question, top_k: TopK = None, documents: Documents = None
    ) -> SearchResults:
        """Ranked passages for a query, with document, pages and every stage's rank and score."""
        state = get_state()
        body, answerer = _request(query, None, top_k, documents, state)

        def run(stop: threading.Event) -> SearchResults:
            params = SearchParams.from_settings(state.settings, top_k=body.top_k)
            result = answerer.retriever.search(body.question, params, body.documents)
            return SearchResults(
                query=body.question,
                reranker=result.reranker,
                passages=[
                    Passage(
                        rank=n,
                        chunk_id=h.chunk.id,
                        doc_id=h.chunk.doc_id,
                        document=Path(h.chunk.source).name,
                        page_start=h.chunk.page_start,
                        page_end=h.chunk.page_end,
                        page_label=h.chunk.label_start,
                        text=h.chunk.text,
                        score=round(h.score, 6),
                        bm25_rank=h.bm25_rank,
                        bm25_score=h.bm25_score,
                        dense_rank=h.dense_rank,
                        dense_score=h.dense_score,
                        fused_rank=h.fused_rank,
                        fused_score=h.fused_score,
                        rerank_rank=h.rerank_rank,
                        rerank_score=h.rerank_score,
                    )
                    for n, h in enumerate(result.hits, start=1)
                ],
                timings_ms=result.timings_ms,
            )

        return await _in_slot(state, run)

    @server.tool()
    async def ask(
        question: Question,
        history: History = None,
        top_k: TopK = None,
        documents: Documents = None,
    ) -> AskResponse:
        """A checked answer with [n] citation markers and the citations (document, page,
        printed label, verbatim quote, offsets, score); `abstained` when the documents do not
        answer the question."""
        state = get_state()
        body, answerer = _request(question, history, top_k, documents, state)
        rid = uuid.uuid4().hex[:16]
        return await _in_slot(
            state,
            lambda stop: conversation.answer(
                answerer,
                state.followup,
                body.question,
                body.history,
                rid,
                body.top_k,
                body.documents,
                stop,
            ),
        )

    @server.tool()
    async def list_documents() -> DocumentsResponse:
        """The indexed documents (pages, chunks) and the files the last ingest skipped."""
        try:
            return await routes.documents(get_state())  # the same body as GET /documents
        except ServiceError as exc:
            raise ToolError(_problem(exc)) from exc

    return server
