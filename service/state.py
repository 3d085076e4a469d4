"""What the routes share, and the index it serves: loading, refusing, hot swapping.

The index comes from the configured store (`core.store`: files, or PostgreSQL, where any
number of replicas read one database). A database that cannot be reached is not a bad
generation: requests get 503 `unavailable` (with Retry-After) while it is down, and the
service picks up where it was once it is back, without a restart.

Any other failure to load a generation, whatever the exception, refuses that generation only:
the old one keeps serving (or, with none yet, the service says "not ready" with the reason), the
failure is logged once with its traceback, and the watcher keeps watching. A refused
generation is retried with backoff (a transient error, such as running out of file
descriptors, must not lock a good index out), without logging again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import anyio
from fastapi import Request

from core.config import Settings
from core.embed import Embedder
from core.errors import IndexError_, IndexNotFound, StoreUnavailable
from core.store import open_store
from core.store.protocol import Store
from service.errors import NotReady, Unavailable
from service.followup import FollowUpRewriter
from service.generate.base import Generator
from service.generate.factory import make_llm
from service.limits import ConcurrencyLimiter, RateLimiter
from service.pipeline import AnswerService
from service.rerank import Reranker, RerankerStatus, load_reranker
from service.runtime import load_retriever

log = logging.getLogger("service")

_MAX_BACKOFF_S = 300.0


@dataclass
class _Refused:
    reason: str
    attempts: int
    retry_at: float


@dataclass
class AppState:
    """Everything the routes share. `answerer` is replaced whole when the index changes."""

    settings: Settings
    answerer: AnswerService | None = None
    generation: str | None = None
    not_ready: str = "starting"
    reranker: tuple[Reranker | None, RerankerStatus] | None = None
    embedder: Embedder | None = None
    # The LLM generator outlives index swaps (one HTTP client per process); closed at shutdown.
    llm: Generator | None = None
    # Makes follow-up questions standalone (RAG_FOLLOWUP_REWRITE); may hold an HTTP client.
    followup: FollowUpRewriter = field(init=False)
    rate: RateLimiter = field(init=False)
    auth_failures: RateLimiter = field(init=False)
    slots: ConcurrencyLimiter = field(init=False)
    refused: dict[str, _Refused] = field(default_factory=dict)
    store: Store = field(init=False)
    # Why the store cannot be reached right now ("" when it can): requests get 503.
    unavailable: str = ""
    seen_live: str | None = None  # what live_generation() last found

    def __post_init__(self) -> None:
        s = self.settings
        self.store = open_store(s)
        self.rate = RateLimiter(s.rate_limit_per_minute, s.rate_limit_max_clients)
        self.auth_failures = RateLimiter(
            s.auth_failures_per_minute, s.rate_limit_max_clients, what="failed API keys"
        )
        self.slots = ConcurrencyLimiter(s.max_concurrency, s.max_queue, s.queue_timeout_s)
        self.llm = make_llm(s)
        self.followup = FollowUpRewriter.from_settings(s)

    def close(self) -> None:
        """Release what the state holds beyond the index (the LLM clients)."""
        if self.llm is not None:
            self.llm.close()
        self.followup.close()

    def live_generation(self) -> str | None:
        """The store's live generation (files: what CURRENT says), or None without one or
        while the store cannot be reached (`unavailable` then says why)."""
        try:
            live = self.store.live_generation()
        except StoreUnavailable as exc:
            self._unreachable(exc)
            return None
        except IndexError_:
            return None
        if self.unavailable:
            log.info("index store reachable again: %s", self.store.describe())
            self.unavailable = ""
        self.seen_live = live
        return live

    def _unreachable(self, exc: StoreUnavailable) -> None:
        if not self.unavailable:
            log.error("index store unavailable, answering 503 until it is back: %s", exc)
        self.unavailable = str(exc)

    def should_load(self) -> bool:
        live = self.live_generation()
        if live is None or live == self.generation:
            return False
        refused = self.refused.get(live)
        return refused is None or time.monotonic() >= refused.retry_at

    def load(self) -> bool:
        """(Re)load the live index; keeps serving the old one if the new one fails."""
        pointer = self.live_generation()
        old = self.answerer
        try:
            if self.reranker is None:
                self.reranker = load_reranker(self.settings)
            retriever = load_retriever(
                self.settings,
                self.reranker,
                old.retriever.embedder if old else self.embedder,
                self.store,
            )
            answerer = AnswerService(retriever, self.settings, self.llm)
        except IndexNotFound as exc:
            if old is None:
                self.not_ready = str(exc)
            return False
        except StoreUnavailable as exc:  # the database, not the generation: no refusal
            self._unreachable(exc)
            if old is None:
                self.not_ready = f"index store unavailable: {exc}"
            return False
        except Exception as exc:  # noqa: BLE001 - any failure refuses this generation only
            self._refuse(pointer or "(none)", exc)
            if old is None:
                self.not_ready = f"cannot load index generation {pointer!r}: {exc}"
            return False
        # One reference swap: a request holds either the old or the new index, never half.
        generation = retriever.index.generation
        self.answerer, self.generation, self.not_ready = answerer, generation, ""
        self.unavailable = ""
        self.refused.pop(generation, None)
        log.info("serving index %s (%d chunks)", generation, retriever.index.chunk_count)
        return True

    def _refuse(self, pointer: str, exc: Exception) -> None:
        now = time.monotonic()
        seen = self.refused.get(pointer)
        attempts = seen.attempts + 1 if seen else 1
        delay = min(_MAX_BACKOFF_S, max(self.settings.index_poll_s, 1.0) * 2**attempts)
        self.refused[pointer] = _Refused(f"{type(exc).__name__}: {exc}", attempts, now + delay)
        if seen is None:
            serving = f"still serving {self.generation}" if self.answerer else "not ready"
            log.error(
                "refusing index generation %r (%s): %s; will retry with backoff",
                pointer[:80],
                serving,
                exc,
                exc_info=exc,
            )
        else:
            log.debug("index generation %r still refused: %s", pointer[:80], exc)

    def require(self) -> AnswerService:
        answerer = self.answerer
        if answerer is None:
            raise NotReady(self.not_ready or "index not loaded yet", retry_after=5)
        if self.unavailable:
            raise Unavailable(self.redact(self.unavailable), retry_after=2)
        return answerer

    def redact(self, text: str) -> str:
        """`text` without the index directory's absolute path (for public endpoints)."""
        root = self.settings.index_dir
        for path in {str(root.resolve()), str(root.absolute())}:
            text = text.replace(path + "/", "").replace(path, "$RAG_INDEX_DIR")
        if self.store.kind != "files":
            text = text.replace(self.store.describe(), "$RAG_DATABASE_URL")
        return text


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.rag
    return state


async def watch_index(state: AppState) -> None:
    """Swap to a newly ingested index without a restart; nothing stops the watching."""
    last_error = ""
    while True:
        await asyncio.sleep(state.settings.index_poll_s)
        try:
            # Off the event loop: a database that does not answer must not stall requests.
            if await anyio.to_thread.run_sync(state.should_load):
                log.info("index changed (%s -> %s): loading", state.generation, state.seen_live)
                await anyio.to_thread.run_sync(state.load)
        except Exception as exc:  # noqa: BLE001 - a watcher that dies never loads again
            if repr(exc) != last_error:
                log.exception("index watcher error; still watching")
            last_error = repr(exc)


@contextlib.asynccontextmanager
async def serving(state: AppState) -> AsyncIterator[None]:
    """Load the index, watch for new ones while the block runs, then stop and close: the
    lifespan of the HTTP app and of the stdio MCP server alike."""
    await anyio.to_thread.run_sync(state.load)
    if state.answerer is None:
        log.warning("not ready: %s", state.not_ready)
    poll = state.settings.index_poll_s
    watcher = asyncio.create_task(watch_index(state)) if poll > 0 else None
    try:
        yield
    finally:
        if watcher:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        state.close()
