"""Admission control: per-client rate limit and bounded concurrency with a short queue."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from service.errors import Overloaded, RateLimited


class RateLimiter:
    """Token bucket per client: `per_minute` requests, refilled continuously."""

    def __init__(self, per_minute: int, max_clients: int = 10_000) -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(per_minute)
        self.max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}

    def check(self, client: str) -> None:
        if self.capacity <= 0:
            return
        now = time.monotonic()
        tokens, last = self._buckets.get(client, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - last) * self.rate)
        if tokens < 1.0:
            self._buckets[client] = (tokens, now)
            wait = math.ceil((1.0 - tokens) / self.rate)
            raise RateLimited(
                f"rate limit of {int(self.capacity)} requests per minute reached", retry_after=wait
            )
        if len(self._buckets) >= self.max_clients and client not in self._buckets:
            self._buckets.clear()  # bounded memory; a reset only ever lets clients through
        self._buckets[client] = (tokens - 1.0, now)


class ConcurrencyLimiter:
    """At most `limit` answers at once; up to `max_queue` wait, each at most `timeout_s`."""

    def __init__(self, limit: int, max_queue: int, timeout_s: float) -> None:
        self._sem = asyncio.Semaphore(limit)
        self.limit = limit
        self.max_queue = max_queue
        self.timeout_s = timeout_s
        self.waiting = 0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if not self._sem.locked():
            await self._sem.acquire()  # a free slot is taken without suspending
        elif self.waiting >= self.max_queue:
            raise Overloaded(
                f"server busy: {self.limit} answers running and {self.waiting} queued",
                retry_after=2,
            )
        else:
            self.waiting += 1
            try:
                await asyncio.wait_for(self._sem.acquire(), self.timeout_s)
            except TimeoutError:
                raise Overloaded(
                    f"server busy: no slot freed within {self.timeout_s:.0f}s", retry_after=5
                ) from None
            finally:
                self.waiting -= 1
        try:
            yield
        finally:
            self._sem.release()
