"""The HTTP routes: POST /ask, GET /documents, GET /readyz, GET /healthz, and the API docs."""

from __future__ import annotations

import logging
import threading
import uuid
from pathlib import Path
from typing import Any

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response

from service import conversation
from service.admission import admit
from service.errors import InvalidRequest, NotFound
from service.logs import request_id_var
from service.retriever import UnknownDocument
from service.schemas import (
    AskRequest,
    AskResponse,
    DocumentInfo,
    DocumentsResponse,
    ErrorBody,
    PageText,
    ReadyResponse,
    SkippedInfo,
)
from service.security import Guarded, State, docs_access
from service.sse import SlotStream, events
from service.uploads import is_uploaded

log = logging.getLogger("service")

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (401, 413, 422, 429, 500, 503)
}
router = APIRouter()
docs_router = APIRouter(dependencies=[Depends(docs_access)], include_in_schema=False)


@router.get("/healthz", summary="The process is alive")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=ReadyResponse,
    responses={503: {"model": ReadyResponse}},
    summary="Index loaded; which generation, embedder, reranker and generator are active",
)
async def readyz(state: State) -> JSONResponse:
    answerer = state.answerer
    if answerer is None or state.unavailable:
        why = state.not_ready if answerer is None else f"index store {state.unavailable}"
        body = ReadyResponse(ready=False, index=None, detail=state.redact(why))
        headers = {"Retry-After": "2"} if state.unavailable else None
        return JSONResponse(body.model_dump(), status_code=503, headers=headers)
    r = answerer.retriever
    # A database is not read on the event loop: the watcher's last look is recent enough.
    live = state.live_generation() if state.store.kind == "files" else state.seen_live
    refused = state.refused.get(live or "") if state.refused else None
    body = ReadyResponse(
        ready=True,
        index=r.index.generation,
        detail=state.redact(f"newer generation refused: {refused.reason}") if refused else None,
        embedder=f"{r.embedder.name} ({r.embedder.precision})",
        reranker=r.reranker_status.describe(),
        generator=answerer.generator_name,
        chunks=r.index.chunk_count,
        documents=len(r.index.manifest.documents),
    )
    return JSONResponse(body.model_dump())


@router.get(
    "/documents",
    response_model=DocumentsResponse,
    responses=ERROR_RESPONSES,
    dependencies=Guarded,
    summary="Ingested documents, and files the last ingest skipped",
)
async def documents(state: State) -> DocumentsResponse:
    manifest = state.require().retriever.index.manifest
    return DocumentsResponse(
        documents=[
            DocumentInfo(
                doc_id=d.doc_id,
                document=Path(d.path).name,
                path=d.path,
                pages=d.pages,
                chunks=d.chunks,
                pages_without_text=d.pages_without_text,
                status=d.status,
                uploaded=is_uploaded(state.settings, d.path),
            )
            for d in manifest.documents
        ],
        skipped=[
            SkippedInfo(
                **s.model_dump(exclude={"sha256"}), uploaded=is_uploaded(state.settings, s.path)
            )
            for s in manifest.skipped
        ],
    )


@router.get(
    "/documents/{doc_id}/pages/{page}",
    response_model=PageText,
    responses={**ERROR_RESPONSES, 404: {"model": ErrorBody}},
    dependencies=Guarded,
    summary="A page's cleaned text: what a citation's char_start / char_end index into",
)
async def page_text(doc_id: str, page: int, state: State) -> PageText:
    index = state.require().retriever.index
    record = await anyio.to_thread.run_sync(index.page, doc_id, page)
    doc = next((d for d in index.manifest.documents if d.doc_id == doc_id), None)
    if record is None or doc is None:
        raise NotFound(f"no page {page} of a document {doc_id!r}: see GET /documents")
    return PageText(
        doc_id=doc_id, document=Path(doc.path).name, page=page, label=record.label, text=record.text
    )


@router.post(
    "/ask",
    response_model=AskResponse,
    responses={
        **ERROR_RESPONSES,
        200: {
            "content": {
                "text/event-stream": {
                    "description": "with stream=true: events sources, delta*, citations, "
                    "done (or error); each `data:` is JSON"
                }
            }
        },
    },
    dependencies=Guarded,
    summary="Answer a question with page citations, or say the documents don't answer it",
)
async def ask(body: AskRequest, state: State, request: Request) -> Response:
    conversation.check_size(body.question, body.history, state.settings.max_question_chars)
    answerer = state.require()  # hold this index for the whole request
    rid = request_id_var.get() or uuid.uuid4().hex[:16]
    if body.documents:
        try:
            answerer.retriever.resolve_documents(body.documents)
        except UnknownDocument as exc:
            raise InvalidRequest(str(exc)) from exc
    stop = threading.Event()
    # 503 Overloaded here, before any byte is sent; a client gone while queued frees its place.
    slot, watcher = await admit(state.slots, request, stop)
    if body.stream:
        watcher.cancel()  # the stream listens for the disconnect itself
        try:
            stream = conversation.answer_stream(
                answerer,
                state.followup,
                body.question,
                body.history,
                rid,
                body.top_k,
                body.documents,
                stop,
            )
            return SlotStream(events(stream, rid, stop), slot, stop, rid)
        except BaseException:
            slot.release()
            raise
    try:
        response = await anyio.to_thread.run_sync(
            lambda: conversation.answer(
                answerer,
                state.followup,
                body.question,
                body.history,
                rid,
                body.top_k,
                body.documents,
                stop,
            )
        )
    finally:
        watcher.cancel()
        slot.release()
    log.info(
        "answered",
        extra={
            "abstained": response.abstained,
            "degraded": response.degraded,
            "citations": len(response.citations),
            "timings_ms": response.timings_ms,
        },
    )
    return JSONResponse(response.model_dump())


@docs_router.get("/openapi.json")
async def openapi(request: Request) -> JSONResponse:
    return JSONResponse(request.app.openapi())


@docs_router.get("/docs")
async def swagger(request: Request) -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{request.app.title} - docs")


@docs_router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    return get_redoc_html(openapi_url="/openapi.json", title=f"{request.app.title} - ReDoc")
