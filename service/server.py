"""How `python -m service` runs the app under uvicorn; tests start exactly this config.

What uvicorn 0.55's h11 protocol leaves open, and what is added here:

* It has a keep-alive timeout (idle time *after* a response) but none for a connection that
  never completes a request: a client sending half a header line, or nothing, holds its
  connection (and a file descriptor) forever. `GuardedH11Protocol` closes any connection
  that has not delivered a complete request, headers and body, within
  RAG_HTTP_HEADER_TIMEOUT_S of its first byte (or of connecting).
* Its `limit_concurrency` still accepts every connection and answers text/plain. Here a
  connection beyond RAG_MAX_CONNECTIONS gets the documented JSON 503 with Retry-After as
  soon as its request head arrives (or is closed after a second without one).
* It trusts X-Forwarded-For from 127.0.0.1 by default; here only RAG_TRUSTED_PROXIES are.
* At the descriptor limit asyncio logs "socket.accept() out of system resource" on every
  retry; `AcceptErrorLogFilter` lets it through once a minute with a count of the rest.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import h11
import uvicorn
from fastapi import FastAPI
from starlette.types import Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from core.config import Settings
from service.errors import Overloaded
from service.handlers import error_response

log = logging.getLogger("service")

_REQUEST_COMPLETE = (h11.DONE, h11.MUST_CLOSE, h11.CLOSED, h11.ERROR, h11.SWITCHED_PROTOCOL)
# A connection over the limit gets at most this long to send its request head.
_OVER_LIMIT_GRACE_S = 1.0


async def _too_many_connections(scope: Scope, receive: Receive, send: Send) -> None:
    exc = Overloaded("too many open connections: retry shortly", retry_after=1)
    response = error_response(exc)
    response.headers["Connection"] = "close"
    await response(scope, receive, send)


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a request timeout and a connection limit."""

    header_timeout_s: float = 10.0
    max_connections: int = 256

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._request_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        timeout = self.header_timeout_s
        if len(self.connections) > self.max_connections:
            self.app = _too_many_connections
            timeout = min(timeout, _OVER_LIMIT_GRACE_S)
        self._arm(timeout)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state in _REQUEST_COMPLETE:
            self._disarm()
        elif self._request_timer is None:  # the first bytes of a new request
            self._arm(self.header_timeout_s)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self, timeout: float) -> None:
        self._disarm()
        self._request_timer = self.loop.call_later(timeout, self._request_timed_out)

    def _disarm(self) -> None:
        if self._request_timer is not None:
            self._request_timer.cancel()
            self._request_timer = None

    def _request_timed_out(self) -> None:
        self._request_timer = None
        if self.conn.their_state not in _REQUEST_COMPLETE and not self.transport.is_closing():
            log.info("closing a connection that sent no complete request in time")
            self.transport.close()


class AcceptErrorLogFilter(logging.Filter):
    """Lets "socket.accept() out of system resource" through at most once per `interval_s`,
    saying how many were suppressed since; every other record passes untouched."""

    MESSAGE = "socket.accept() out of system resource"

    def __init__(self, interval_s: float = 60.0, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self.interval_s = interval_s
        self.clock = clock
        self._last: float | None = None
        self._suppressed = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.getMessage().startswith(self.MESSAGE):
            return True
        now = self.clock()
        if self._last is not None and now - self._last < self.interval_s:
            self._suppressed += 1
            return False
        if self._suppressed:
            record.msg = (
                f"{record.getMessage()}\n({self._suppressed} similar messages suppressed in "
                f"the last {now - self._last if self._last is not None else 0:.0f}s)"
            )
            record.args = ()
        self._last, self._suppressed = now, 0
        return True


def install_log_filters() -> None:
    logger = logging.getLogger("asyncio")
    if not any(isinstance(f, AcceptErrorLogFilter) for f in logger.filters):
        logger.addFilter(AcceptErrorLogFilter())


def build_config(settings: Settings, app: FastAPI) -> uvicorn.Config:
    install_log_filters()
    protocol = type(
        "GuardedH11Protocol",
        (GuardedH11Protocol,),
        {
            "header_timeout_s": settings.http_header_timeout_s,
            "max_connections": settings.max_connections,
        },
    )
    trusted = settings.trusted_proxies
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        http=protocol,
        log_config=None,
        proxy_headers=bool(trusted),
        forwarded_allow_ips=",".join(trusted) if trusted else "",
        timeout_keep_alive=settings.http_keepalive_s,
        # Admission is ours (RAG_MAX_CONCURRENCY, RAG_MAX_CONNECTIONS): not uvicorn's
        # text/plain limit_concurrency.
        limit_concurrency=None,
    )


def serve(settings: Settings, app: FastAPI) -> None:
    uvicorn.Server(build_config(settings, app)).run()
