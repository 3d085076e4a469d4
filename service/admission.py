"""Admitting a request to an answer slot, and noticing when its client hangs up.

A request that waits in the queue while its client disconnects gives up its place instead of
taking a slot later for no one; once admitted, `stop` is set the moment the disconnect
arrives so the pipeline can stop between stages.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

from fastapi import Request

from service.errors import ClientGone
from service.limits import ConcurrencyLimiter, Slot


async def stop_on_disconnect(request: Request, stop: threading.Event) -> None:
    """Set `stop` when the client hangs up (call only after the body was read)."""
    with contextlib.suppress(Exception):
        while (await request.receive())["type"] != "http.disconnect":
            pass
        stop.set()


async def admit(
    slots: ConcurrencyLimiter, request: Request, stop: threading.Event
) -> tuple[Slot, asyncio.Task[None]]:
    """A slot and the running disconnect watcher (cancel it when done with `receive`).

    Raises Overloaded (503) like `ConcurrencyLimiter.acquire`, or ClientGone if the client
    left while waiting.
    """
    watcher = asyncio.ensure_future(stop_on_disconnect(request, stop))
    acquiring = asyncio.ensure_future(slots.acquire())
    try:
        await asyncio.wait({acquiring, watcher}, return_when=asyncio.FIRST_COMPLETED)
    except BaseException:
        watcher.cancel()
        raise
    finally:
        if not acquiring.done():
            acquiring.cancel()
            with contextlib.suppress(BaseException):
                await acquiring
    if acquiring.cancelled() or stop.is_set():
        watcher.cancel()
        if not acquiring.cancelled() and acquiring.exception() is None:
            acquiring.result().release()
        raise ClientGone("the client left while waiting for an answer slot")
    try:
        return acquiring.result(), watcher  # raises Overloaded when refused
    except BaseException:
        watcher.cancel()
        raise
