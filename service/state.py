"""What the routes share, and the index it serves: loading, refusing, hot swapping.

Any failure to load a generation, whatever the exception, refuses that generation only: the
old one keeps serving (or, with none yet, the service says "not ready" with the reason), the
failure is logged once with its traceback, and the watcher keeps watching. A refused
generation is retried with backoff (a transient error, such as running out of file
descriptors, must not lock a good index out), without logging again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

import anyio
from fastapi import Request

from core.config import Settings
from core.embed import Embedder
from core.errors import IndexNotFound
from core.index import CURRENT
from service.errors import NotReady
from service.followup import FollowUpRewriter
from service.generate.base import Generator
from service.generate.factory import make_llm
from service.limits import ConcurrencyLimiter, RateLimiter
from service.pipeline import AnswerService
from service.rerank import Reranker, RerankerStatus, load_reranker
from service.runtime import load_retriever

log = logging.getLogger("service")

# CURRENT holds one short name; read no more than this of whatever is there.
_POINTER_BYTES = 256
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

    def __post_init__(self) -> None:
        s = self.settings
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
        """What CURRENT says (decoded leniently, at most 256 bytes), or None without one."""
        try:
            with (self.settings.index_dir / CURRENT).open("rb") as fh:
                raw = fh.read(_POINTER_BYTES)
        except OSError:
            return None
        return raw.decode("utf-8", "backslashreplace").strip() or None

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
                self.settings, self.reranker, old.retriever.embedder if old else self.embedder
            )
            answerer = AnswerService(retriever, self.settings, self.llm)
        except IndexNotFound as exc:
            if old is None:
                self.not_ready = str(exc)
            return False
        except Exception as exc:  # noqa: BLE001 - any failure refuses this generation only
            self._refuse(pointer or "(none)", exc)
            if old is None:
                self.not_ready = f"cannot load index generation {pointer!r}: {exc}"
            return False
        # One reference swap: a request holds either the old or the new index, never half.
        generation = retriever.index.path.name
        self.answerer, self.generation, self.not_ready = answerer, generation, ""
        self.refused.pop(generation, None)
        log.info("serving index %s (%d chunks)", generation, len(retriever.index.chunks))
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
        return answerer

    def redact(self, text: str) -> str:
        """`text` without the index directory's absolute path (for public endpoints)."""
        root = self.settings.index_dir
        for path in {str(root.resolve()), str(root.absolute())}:
            text = text.replace(path + "/", "").replace(path, "$RAG_INDEX_DIR")
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
            if state.should_load():
                log.info(
                    "index changed (%s -> %s): loading", state.generation, state.live_generation()
                )
                await anyio.to_thread.run_sync(state.load)
        except Exception as exc:  # noqa: BLE001 - a watcher that dies never loads again
            if repr(exc) != last_error:
                log.exception("index watcher error; still watching")
            last_error = repr(exc)
