"""The FastAPI app: `create_app(settings)` loads the index and models once, in the lifespan.

Routes: POST /ask, GET /documents, GET /healthz, GET /readyz. Errors are mapped to HTTP in one
place (`_service_error`); a failing LLM backend degrades an answer, it never becomes a 500.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import iterate_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ingest.embed import Embedder
from ingest.errors import IndexError_, IndexNotFound
from ingest.index import CURRENT
from ingest.settings import Settings
from service.answer import AnswerService, StreamEvent
from service.errors import (
    InvalidRequest,
    NotReady,
    PayloadTooLarge,
    ServiceError,
    Unauthorized,
)
from service.limits import ConcurrencyLimiter, RateLimiter
from service.logs import request_id_var
from service.rerank import Reranker, RerankerStatus, load_reranker
from service.retriever import UnknownDocument
from service.runtime import load_retriever
from service.schemas import (
    AskRequest,
    AskResponse,
    DocumentInfo,
    DocumentsResponse,
    ErrorBody,
    ReadyResponse,
    SkippedInfo,
)

log = logging.getLogger("service")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (401, 413, 422, 429, 503)
}


@dataclass
class AppState:
    """Everything the routes share. `answerer` is replaced whole when the index changes."""

    settings: Settings
    answerer: AnswerService | None = None
    generation: str | None = None
    not_ready: str = "starting"
    reranker: tuple[Reranker | None, RerankerStatus] | None = None
    embedder: Embedder | None = None
    rate: RateLimiter = field(init=False)
    slots: ConcurrencyLimiter = field(init=False)

    def __post_init__(self) -> None:
        self.rate = RateLimiter(self.settings.rate_limit_per_minute)
        self.slots = ConcurrencyLimiter(
            self.settings.max_concurrency, self.settings.max_queue, self.settings.queue_timeout_s
        )

    def live_generation(self) -> str | None:
        try:
            return (self.settings.index_dir / CURRENT).read_text().strip() or None
        except OSError:
            return None

    def load(self) -> None:
        """(Re)load the live index; keeps serving the old one if the new one fails."""
        generation = self.live_generation()
        old = self.answerer
        try:
            if self.reranker is None:
                self.reranker = load_reranker(self.settings)
            retriever = load_retriever(
                self.settings, self.reranker, old.retriever.embedder if old else self.embedder
            )
            answerer = AnswerService(retriever, self.settings)
        except IndexNotFound as exc:
            self.not_ready = str(exc)
            return
        except (IndexError_, ValueError) as exc:
            log.error("cannot load index: %s", exc)
            if old is None:
                self.not_ready = str(exc)
            return
        # One reference swap: a request holds either the old or the new index, never half.
        self.answerer, self.generation, self.not_ready = answerer, generation, ""
        log.info("serving index %s (%d chunks)", generation, len(retriever.index.chunks))

    def require(self) -> AnswerService:
        answerer = self.answerer
        if answerer is None:
            raise NotReady(self.not_ready or "index not loaded yet", retry_after=5)
        return answerer


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.rag
    return state


State = Annotated[AppState, Depends(get_state)]


def client_id(request: Request) -> str:
    auth = request.headers.get("authorization", "")
    if auth:
        return "key:" + auth[-12:]
    return "ip:" + (request.client.host if request.client else "unknown")


async def authorize(request: Request, state: State) -> None:
    key = state.settings.api_key
    if key is None:
        return
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(
        token.encode(), key.get_secret_value().encode()
    ):
        raise Unauthorized("missing or wrong API key: send 'Authorization: Bearer <RAG_API_KEY>'")


async def rate_limit(request: Request, state: State) -> None:
    state.rate.check(client_id(request))


Guarded = [Depends(authorize), Depends(rate_limit)]


class BodyLimit:
    """Reject bodies over `limit` bytes before they are read into memory."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await _send_error(send, PayloadTooLarge(self._detail()))
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise PayloadTooLarge(self._detail())
            return message

        await self.app(scope, limited, send)

    def _detail(self) -> str:
        return f"request body over {self.limit} bytes: send a shorter question"


async def _send_error(send: Send, exc: ServiceError) -> None:
    body = ErrorBody(error=exc.code, detail=exc.detail, request_id=request_id_var.get())
    payload = body.model_dump_json().encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
    ]
    headers += [(k.lower().encode(), v.encode()) for k, v in exc.headers().items()]
    await send({"type": "http.response.start", "status": exc.status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def create_app(settings: Settings | None = None, embedder: Embedder | None = None) -> FastAPI:
    """The app; pass an already loaded embedder to share it (tests, eval)."""
    settings = settings or Settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state: AppState = app.state.rag
        await anyio.to_thread.run_sync(state.load)
        if state.answerer is None:
            log.warning("not ready: %s", state.not_ready)
        watcher = asyncio.create_task(_watch_index(state)) if settings.index_poll_s > 0 else None
        try:
            yield
        finally:
            if watcher:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher

    app = FastAPI(
        title="RAG reference service",
        summary="Answers questions over ingested PDFs with citations a reader can check.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.rag = AppState(settings, embedder=embedder)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
        )
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)

    @app.middleware("http")
    async def request_context(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        given = request.headers.get("x-request-id", "")
        rid = given if _REQUEST_ID.match(given) else uuid.uuid4().hex[:16]
        token = request_id_var.set(rid)
        start = time.perf_counter()
        try:
            response = await call_next(request)
        except PayloadTooLarge as exc:
            response = _error_response(exc)
        finally:
            request_id_var.reset(token)
        response.headers["X-Request-ID"] = rid
        token = request_id_var.set(rid)
        log.info(
            "%s %s %d",
            request.method,
            request.url.path,
            response.status_code,
            extra={"status": response.status_code, "duration_ms": _ms(start)},
        )
        request_id_var.reset(token)
        return response

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError) -> JSONResponse:
        return _error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "field": ".".join(str(p) for p in err["loc"] if p != "body") or "body",
                "problem": str(err["msg"]).removeprefix("Value error, "),
            }
            for err in exc.errors()
        ]
        body = ErrorBody(error="invalid_request", detail=problems, request_id=request_id_var.get())
        return JSONResponse(body.model_dump(), status_code=422)

    @app.get("/healthz", summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        response_model=ReadyResponse,
        responses={503: {"model": ReadyResponse}},
        summary="Index loaded; which embedder, reranker and generator are active",
    )
    async def readyz(state: State) -> JSONResponse:
        answerer = state.answerer
        if answerer is None:
            body = ReadyResponse(ready=False, index=str(settings.index_dir), detail=state.not_ready)
            return JSONResponse(body.model_dump(), status_code=503)
        r = answerer.retriever
        body = ReadyResponse(
            ready=True,
            index=str(r.index.path),
            embedder=f"{r.embedder.name} ({r.embedder.precision})",
            reranker=r.reranker_status.describe(),
            generator=answerer.generator.name,
            chunks=len(r.index.chunks),
            documents=len(r.index.manifest.documents),
        )
        return JSONResponse(body.model_dump())

    @app.get(
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
                )
                for d in manifest.documents
            ],
            skipped=[SkippedInfo(**s.model_dump(exclude={"sha256"})) for s in manifest.skipped],
        )

    @app.post(
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
    async def ask(body: AskRequest, state: State) -> Response:
        if len(body.question) > settings.max_question_chars:
            raise InvalidRequest(
                f"question is {len(body.question)} characters; the limit is "
                f"{settings.max_question_chars}: shorten it"
            )
        answerer = state.require()  # hold this index for the whole request
        rid = request_id_var.get() or uuid.uuid4().hex[:16]
        if body.documents:
            try:
                answerer.retriever.resolve_documents(body.documents)
            except UnknownDocument as exc:
                raise InvalidRequest(str(exc)) from exc
        if body.stream:
            return await _stream(state, answerer, body, rid)
        async with state.slots.slot():
            response = await anyio.to_thread.run_sync(
                lambda: answerer.ask(body.question, rid, body.top_k, body.documents)
            )
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

    return app


async def _stream(
    state: AppState, answerer: AnswerService, body: AskRequest, rid: str
) -> StreamingResponse:
    slot = state.slots.slot()
    await slot.__aenter__()  # admission errors (503) must surface before the stream starts

    async def events() -> AsyncIterator[str]:
        try:
            iterator: Iterator[StreamEvent] = answerer.ask_stream(
                body.question, rid, body.top_k, body.documents
            )
            async for event in iterate_in_threadpool(iterator):
                yield _sse(event.event, event.data)
        except Exception as exc:  # noqa: BLE001 - headers are sent: report in-band
            log.exception("stream failed")
            yield _sse("error", {"error": "internal_error", "detail": str(exc), "request_id": rid})
        finally:
            await slot.__aexit__(None, None, None)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Request-ID": rid},
    )


def _sse(event: str, data: object) -> str:
    return f"event: {event}\ndata: {json.dumps(data, default=str)}\n\n"


def _error_response(exc: ServiceError) -> JSONResponse:
    body = ErrorBody(error=exc.code, detail=exc.detail, request_id=request_id_var.get())
    return JSONResponse(body.model_dump(), status_code=exc.status, headers=exc.headers())


async def _watch_index(state: AppState) -> None:
    """Swap to a newly ingested index without a restart."""
    while True:
        await asyncio.sleep(state.settings.index_poll_s)
        live = state.live_generation()
        if live and live != state.generation:
            log.info("index changed (%s -> %s): loading", state.generation, live)
            await anyio.to_thread.run_sync(state.load)


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)
