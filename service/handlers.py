"""Errors to HTTP, in one place: every error response is `{error, detail, request_id}`,
except under /v1, the OpenAI-compatible API, where it is OpenAI's
`{"error": {message, type, param, code}}` (422 becomes 400 there, as OpenAI answers).

`error_response` maps any exception: a ServiceError to its status, the store's
`StoreUnavailable` (the database is down) to 503 `unavailable`, anything else to a generic
500 (the traceback goes to the log, never to the client). The handlers installed here route
FastAPI's and Starlette's own errors (validation, 404, 405, unreadable bodies) through it;
`service.middleware.RequestContext` sends it for exceptions nothing else handled.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.errors import StoreUnavailable
from service.errors import (
    ClientGone,
    HttpError,
    InternalError,
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
    RateLimited,
    ServiceError,
    Unauthorized,
    Unavailable,
)
from service.logs import request_id_var
from service.schemas import ErrorBody

log = logging.getLogger("service")
# What a client is told to wait when the database is down: the pool retries meanwhile.
UNAVAILABLE_RETRY_S = 2


class ErrorJSON(JSONResponse):
    """ASCII-escaped JSON: even a lone surrogate echoed in a field name cannot break it."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode()


def error_response(exc: Exception, path: str | None = None) -> JSONResponse:
    """The response for `exc`; `path` (the request's) picks OpenAI's shape under /v1."""
    if isinstance(exc, StoreUnavailable):
        err: ServiceError = Unavailable(str(exc), retry_after=UNAVAILABLE_RETRY_S)
    else:
        err = exc if isinstance(exc, ServiceError) else InternalError()
    if path is not None and (path == "/v1" or path.startswith("/v1/")):
        return _openai_error(err)
    body = ErrorBody(error=err.code, detail=err.detail, request_id=request_id_var.get())
    return ErrorJSON(body.model_dump(), status_code=err.status, headers=err.headers())


def _openai_error(err: ServiceError) -> JSONResponse:
    """OpenAI's error body, so its SDKs raise their usual exception with our message."""
    status = 400 if isinstance(err, InvalidRequest) else err.status
    kind = "server_error" if status >= 500 else "invalid_request_error"
    code = err.code
    if isinstance(err, Unauthorized):
        code = "invalid_api_key"
    elif isinstance(err, RateLimited):
        kind, code = "requests", "rate_limit_exceeded"
    param: str | None = getattr(err, "param", None)  # Unsupported, ModelNotFound
    message = err.detail
    if isinstance(message, list):  # validation problems: [{field, problem}, ...]
        field = next((p["field"] for p in message if isinstance(p, dict)), None)
        # A JSON syntax error's "field" is the character position: no parameter to name.
        param = param or (field if field and not field.isdigit() else None)
        message = "; ".join(
            f"{p['field']}: {p['problem']}" if isinstance(p, dict) else str(p) for p in message
        )
    body = {"error": {"message": str(message), "type": kind, "param": param, "code": code}}
    return ErrorJSON(body, status_code=status, headers=err.headers())


def _validation(exc: RequestValidationError) -> InvalidRequest:
    problems = [
        {
            "field": ".".join(str(p) for p in err["loc"] if p != "body") or "body",
            "problem": str(err["msg"]).removeprefix("Value error, "),
        }
        for err in exc.errors()
    ]
    return InvalidRequest(problems)


def _http(exc: StarletteHTTPException) -> ServiceError:
    if exc.status_code == 404:
        return NotFound("no such route: the API is listed at /docs")
    if exc.status_code == 405:
        allow = (exc.headers or {}).get("Allow", "")
        return MethodNotAllowed(f"method not allowed here; allowed: {allow}", allow=allow)
    if exc.status_code == 400:
        # FastAPI's "There was an error parsing the body": not UTF-8, nested too deep, ...
        cause = exc.__cause__
        why = f" ({type(cause).__name__})" if cause else ""
        return InvalidRequest(
            [{"field": "body", "problem": f"body is not valid UTF-8 JSON{why}: send a JSON object"}]
        )
    return HttpError(exc.status_code, str(exc.detail))


def install(app: FastAPI) -> None:
    """Route every error FastAPI or Starlette would answer itself through `error_response`."""

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError) -> JSONResponse:
        if isinstance(exc, ClientGone):
            log.info("client gone: %s", exc.detail)
        return error_response(exc, request.url.path)

    @app.exception_handler(StoreUnavailable)
    async def _store_error(request: Request, exc: StoreUnavailable) -> JSONResponse:
        log.warning("index store unavailable: %s", exc)
        return error_response(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(_validation(exc), request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(_http(exc), request.url.path)
