"""Server-sent events for `stream: true`, holding an answer slot that is always given back.

The slot is taken before the response is returned, so "busy" is a real 503 with Retry-After
before any event (what a client expects; an in-band overload event after a 200 would look
like a failed answer). `SlotStream` releases it however the response ends: finished, failed,
cancelled, or never started because the client had already gone (Starlette then cancels the
body before its first step, so a release inside the generator would never run).

A client that hangs up sets `stop` the moment its disconnect arrives; the pipeline checks it
between stages and between the LLM's stream lines, so the worker thread is freed at once.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Iterator

import anyio
from fastapi.responses import StreamingResponse
from starlette.types import Message, Receive, Scope, Send

from core.errors import StoreUnavailable
from service.errors import InternalError
from service.limits import Slot
from service.pipeline import StreamEvent

log = logging.getLogger("service")


def sse(event: str, data: object) -> str:
    return f"event: {event}\ndata: {json.dumps(data, default=str)}\n\n"


def _next(iterator: Iterator[StreamEvent]) -> StreamEvent | None:
    return next(iterator, None)


async def relay(
    iterator: Iterator[StreamEvent], stop: threading.Event
) -> AsyncGenerator[StreamEvent, None]:
    """The pipeline's events, each computed off the event loop; however the relay ends, `stop`
    is set and the pipeline's own cleanup (closing an LLM stream) runs, also off the loop."""
    try:
        while (event := await anyio.to_thread.run_sync(_next, iterator)) is not None:
            yield event
    finally:
        stop.set()
        with anyio.CancelScope(shield=True):
            close = getattr(iterator, "close", None)
            if close is not None:
                await anyio.to_thread.run_sync(close)


async def events(
    iterator: Iterator[StreamEvent], rid: str, stop: threading.Event
) -> AsyncIterator[str]:
    """/ask's server-sent events for the pipeline's `iterator` (`service.conversation`)."""
    stream = relay(iterator, stop)
    try:
        async for event in stream:
            yield sse(event.event, event.data)
    except StoreUnavailable as exc:  # the database went away mid-answer: retry later
        log.warning("stream failed, index store unavailable: %s", exc)
        yield sse("error", {"error": "unavailable", "detail": str(exc), "request_id": rid})
    except Exception:  # noqa: BLE001 - headers are sent: report in-band, details in the log
        log.exception("stream failed")
        yield sse(
            "error",
            {"error": "internal_error", "detail": InternalError().detail, "request_id": rid},
        )
    finally:
        await stream.aclose()


class SlotStream(StreamingResponse):
    """An event stream that owns `slot` and sets `stop` once the client is gone."""

    def __init__(
        self, content: AsyncIterator[str], slot: Slot, stop: threading.Event, rid: str
    ) -> None:
        super().__init__(
            content,
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Request-ID": rid},
        )
        self.slot = slot
        self.stop = stop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def watched() -> Message:
            message = await receive()
            if message["type"] == "http.disconnect":
                self.stop.set()
            return message

        try:
            await super().__call__(scope, watched, send)
        finally:
            self.stop.set()
            self.slot.release()
            aclose = getattr(self.body_iterator, "aclose", None)
            if aclose is not None:  # a body cancelled before it started never ran; close it
                with anyio.CancelScope(shield=True):
                    await aclose()
