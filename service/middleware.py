"""Pure ASGI middleware: request id, access log and the catch-all 500; the body limit.

Pure ASGI rather than `@app.middleware("http")`: an exception below reaches `RequestContext`
with the request id still set, and it answers with the documented JSON itself instead of
letting Starlette's ServerErrorMiddleware send text/plain and re-raise into the server.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import PayloadTooLarge, ServiceError
from service.handlers import error_response
from service.logs import request_id_var

log = logging.getLogger("service")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Routes that stream their body to disk under a limit of their own (uploads:
# RAG_MAX_UPLOAD_BYTES, enforced by service.uploads); BodyLimit leaves them alone.
OWN_BODY_LIMIT = frozenset({("POST", "/documents")})


class RequestContext:
    """Give each request an id (the client's X-Request-ID if sane), log it with its status
    and duration, and turn any exception nothing else handled into a JSON 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get("x-request-id", "")
        rid = given if _REQUEST_ID.match(given) else uuid.uuid4().hex[:16]
        token = request_id_var.set(rid)
        start = time.perf_counter()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:  # noqa: BLE001 - the catch-all: log it, answer JSON
            if not isinstance(exc, ServiceError):
                log.exception("unhandled error in %s %s", scope["method"], scope["path"])
            if status == 0:
                await error_response(exc, scope.get("path"))(scope, receive, send_with_id)
            # else: the response had started; the server ends the connection.
        finally:
            log.info(
                "%s %s %d",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "status": status,
                    "duration_ms": round((time.perf_counter() - start) * 1000, 3),
                },
            )
            request_id_var.reset(token)


class BodyLimit:
    """Read the body before the app does, refusing it with 413 as soon as it passes `limit`
    bytes, whether announced by Content-Length or sent chunked. At most `limit` bytes are
    ever buffered; the app then reads the buffered body."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (scope["method"], scope["path"]) in OWN_BODY_LIMIT:
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await self._too_large(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left before sending its body: no one to answer
            body = message.get("body", b"")
            size += len(body)
            if size > self.limit:
                await self._too_large(scope, receive, send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: disconnect notices
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        exc = PayloadTooLarge(f"request body over {self.limit} bytes: send a shorter question")
        response = error_response(exc, scope.get("path"))
        response.headers["Connection"] = "close"
        await response(scope, receive, send)
