"""The FastAPI app: `create_app(settings)` wires state, middleware, error handlers and routes;
the index and models are loaded once, in the lifespan, and swapped by the watcher.

Pieces: `state` (index, limits, watcher), `security` (key, rate limits), `middleware`
(request id, catch-all 500, body limit), `handlers` (errors to HTTP, in one place), `routes`,
`sse` (streaming with its slot), `server` (how uvicorn runs it), `openai_api` (/v1,
OpenAI-compatible), `mcp` (/mcp, the MCP tools).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from core.config import Settings, load_settings
from core.embed import Embedder
from service import documents, handlers, openai_api, ui
from service.mcp import http as mcp_http
from service.middleware import BodyLimit, RequestContext
from service.routes import docs_router, router
from service.state import AppState, serving

log = logging.getLogger("service")

__all__ = ["AppState", "create_app"]


def create_app(settings: Settings | None = None, embedder: Embedder | None = None) -> FastAPI:
    """The app; pass an already loaded embedder to share it (tests, eval)."""
    settings = settings or load_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state: AppState = app.state.rag
        async with serving(state), app.state.mcp.running():  # /mcp's session manager
            yield

    app = FastAPI(
        title="RAG reference service",
        summary="Answers questions over ingested PDFs with citations a reader can check.",
        version="0.1.0",
        lifespan=lifespan,
        # Served by docs_router instead, behind the API key when one is set.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.rag = AppState(settings, embedder=embedder)
    handlers.install(app)
    app.include_router(router)
    app.include_router(docs_router)
    app.include_router(documents.router)
    app.include_router(ui.router)
    app.include_router(openai_api.router)
    app.state.mcp = mcp_http.mount(app, app.state.rag)
    # Outermost last: CORS -> RequestContext -> BodyLimit -> app.
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(RequestContext)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
        )
    return app
