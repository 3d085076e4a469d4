"""Admission control: per-client token buckets and bounded concurrency with a short queue."""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from service.errors import Overloaded, RateLimited

# When the table is full, this many least recently used buckets are looked at for one to drop.
_EVICTION_SCAN = 64
OVERFLOW = "overflow"


class RateLimiter:
    """Token bucket per client: `per_minute` requests, refilled continuously.

    The table holds at most `max_clients` buckets. To make room it drops, among the least
    recently used ones, the bucket with the most tokens (a refilled bucket is the same as a
    new one, so dropping it changes nothing). A throttled bucket is never dropped: when every
    candidate is throttled, clients without a bucket share one overflow bucket instead. So no
    flood of new identities can reset anyone's limit, and memory stays bounded.
    """

    def __init__(self, per_minute: int, max_clients: int = 10_000, what: str = "requests") -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(per_minute)
        self.max_clients = max_clients
        self.what = what
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._overflow: tuple[float, float] | None = None

    def __len__(self) -> int:
        return len(self._buckets)

    def __contains__(self, client: object) -> bool:
        return client in self._buckets

    def check(self, client: str) -> None:
        """Take one token for `client`, or raise RateLimited with Retry-After."""
        self._take(client, spend=True)

    def ensure_allowed(self, client: str) -> None:
        """Raise RateLimited if `client` has no token left, without taking one."""
        self._take(client, spend=False)

    def spend(self, client: str) -> None:
        """Take a token if there is one; never raises."""
        try:
            self._take(client, spend=True)
        except RateLimited:
            pass

    def _take(self, client: str, spend: bool) -> None:
        if self.capacity <= 0:
            return
        now = time.monotonic()
        key = client if client in self._buckets or self._make_room(now) else OVERFLOW
        tokens = self._tokens(key, now)
        if tokens < 1.0:
            self._store(key, tokens, now)
            wait = max(1, math.ceil((1.0 - tokens) / self.rate))
            raise RateLimited(
                f"rate limit of {int(self.capacity)} {self.what} per minute reached",
                retry_after=wait,
            )
        self._store(key, tokens - 1.0 if spend else tokens, now)

    def _tokens(self, key: str, now: float) -> float:
        state = self._overflow if key == OVERFLOW else self._buckets.get(key)
        tokens, last = state if state is not None else (self.capacity, now)
        return min(self.capacity, tokens + (now - last) * self.rate)

    def _store(self, key: str, tokens: float, now: float) -> None:
        if key == OVERFLOW:
            self._overflow = (tokens, now)
            return
        self._buckets[key] = (tokens, now)
        self._buckets.move_to_end(key)

    def _make_room(self, now: float) -> bool:
        """Free one place if the table is full; False when only throttled buckets are left."""
        if len(self._buckets) < self.max_clients:
            return True
        best: str | None = None
        best_tokens = -1.0
        for i, key in enumerate(self._buckets):
            if i == _EVICTION_SCAN:
                break
            tokens = self._tokens(key, now)
            if tokens > best_tokens:
                best, best_tokens = key, tokens
            if tokens >= self.capacity:
                break  # refilled: dropping it loses nothing
        if best is None or best_tokens < 1.0:
            return False
        del self._buckets[best]
        return True


class Slot:
    """One held answer slot; `release` is idempotent, so every exit path may call it."""

    def __init__(self, sem: asyncio.Semaphore) -> None:
        self._sem: asyncio.Semaphore | None = sem

    def release(self) -> None:
        sem, self._sem = self._sem, None
        if sem is not None:
            sem.release()

    @property
    def held(self) -> bool:
        return self._sem is not None


class ConcurrencyLimiter:
    """At most `limit` answers at once; up to `max_queue` wait, each at most `timeout_s`."""

    def __init__(self, limit: int, max_queue: int, timeout_s: float) -> None:
        self._sem = asyncio.Semaphore(limit)
        self.limit = limit
        self.max_queue = max_queue
        self.timeout_s = timeout_s
        self.waiting = 0

    async def acquire(self) -> Slot:
        """A slot, or Overloaded (503) when the queue is full or the wait times out."""
        if not self._sem.locked():
            await self._sem.acquire()  # a free slot is taken without suspending
            return Slot(self._sem)
        if self.waiting >= self.max_queue:
            raise Overloaded(
                f"server busy: {self.limit} answers running and {self.waiting} queued",
                retry_after=2,
            )
        self.waiting += 1
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can time out after the
            # semaphore was acquired and lose that slot for good.
            async with asyncio.timeout(self.timeout_s):
                await self._sem.acquire()
        except TimeoutError:
            raise Overloaded(
                f"server busy: no slot freed within {self.timeout_s:.0f}s", retry_after=5
            ) from None
        finally:
            self.waiting -= 1
        return Slot(self._sem)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[Slot]:
        held = await self.acquire()
        try:
            yield held
        finally:
            held.release()
