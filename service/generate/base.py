"""What every generator takes and returns."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from service.retriever import Hit


@dataclass(frozen=True)
class Context:
    """A retrieved chunk as shown to a generator, numbered from 1 as its citation marker."""

    number: int
    hit: Hit

    @property
    def text(self) -> str:
        return self.hit.chunk.text


@dataclass
class DraftSentence:
    """One answer sentence and the (context number, verbatim quote) pairs it cites."""

    text: str
    citations: list[tuple[int, str]]
    score: float = 0.0


@dataclass
class Draft:
    """A generator's unchecked answer; citations are validated before anyone sees them."""

    sentences: list[DraftSentence]
    insufficient: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0
    notes: list[str] = field(default_factory=list)
    evidence_score: float | None = None


class GeneratorError(Exception):
    """The generator could not produce an answer; the caller falls back to extractive.

    `retryable` says whether the same call could succeed later (timeouts, 429, 5xx);
    `prompt_tokens` / `completion_tokens` what the failed calls cost, still reported.
    """

    def __init__(
        self,
        message: str,
        retryable: bool = False,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.prompt_tokens = prompt_tokens
        self.completion_tokens = completion_tokens


class Generator(Protocol):
    """Turns a question and numbered contexts into a draft answer.

    `generate` with no contexts returns an insufficient draft. `stream` yields text deltas
    (str) as they are produced and ends with the complete Draft; once `stop` is set (the
    client hung up) it may end early without a Draft. `close` releases what the generator
    holds (connections); it is called once, at shutdown.
    """

    name: str

    def generate(self, question: str, contexts: Sequence[Context]) -> Draft: ...

    def stream(
        self, question: str, contexts: Sequence[Context], stop: threading.Event | None = None
    ) -> Iterator[str | Draft]: ...

    def close(self) -> None: ...
