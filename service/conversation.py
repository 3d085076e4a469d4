"""A question with its earlier turns, answered: made standalone (`service.followup`), then
the one answer pipeline. `/ask`, `/v1/chat/completions`, MCP and the eval harness call these,
so a follow-up is handled the same way everywhere.

Without history nothing is rewritten and the response has no `followup`; with it, the
response (and the stream's `sources` and `done` events) carries `followup`: what was searched
and how it was obtained.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence

from service.errors import InvalidRequest
from service.pipeline import AnswerService, StreamEvent
from service.schemas import AskResponse, FollowUp, Turn

Rewrite = Callable[[str, Sequence[Turn]], FollowUp]


def check_size(question: str, history: Sequence[Turn] | None, limit: int) -> None:
    """RAG_MAX_QUESTION_CHARS for the question and every earlier user turn (InvalidRequest).

    Assistant turns are not limited here (the body limit bounds them): a rewrite reads only
    their start.
    """
    if len(question) > limit:
        raise InvalidRequest(
            f"question is {len(question)} characters; the limit is {limit}: shorten it"
        )
    for n, turn in enumerate(history or []):
        if turn.role == "user" and len(turn.content) > limit:
            raise InvalidRequest(
                f"history[{n}] is a user turn of {len(turn.content)} characters; the limit is "
                f"{limit}: shorten it"
            )


def answer(
    answerer: AnswerService,
    rewrite: Rewrite,
    question: str,
    history: Sequence[Turn] | None,
    request_id: str,
    top_k: int | None = None,
    documents: Sequence[str] | None = None,
    stop: threading.Event | None = None,
) -> AskResponse:
    """The checked answer; raises ClientGone like `AnswerService.ask` once `stop` is set."""
    if not history:
        return answerer.ask(question, request_id, top_k, documents, stop)
    followup = rewrite(question, history)
    response = answerer.ask(followup.question, request_id, top_k, documents, stop)
    response.followup = followup
    return response


def answer_stream(
    answerer: AnswerService,
    rewrite: Rewrite,
    question: str,
    history: Sequence[Turn] | None,
    request_id: str,
    top_k: int | None = None,
    documents: Sequence[str] | None = None,
    stop: threading.Event | None = None,
) -> Iterator[StreamEvent]:
    """The pipeline's events; the rewrite runs on the first `next`, off the event loop."""
    if not history:
        yield from answerer.ask_stream(question, request_id, top_k, documents, stop)
        return
    followup = rewrite(question, history)
    extra = {"followup": followup.model_dump()}
    events = answerer.ask_stream(followup.question, request_id, top_k, documents, stop)
    try:
        for event in events:
            if event.event in ("sources", "done"):
                event = StreamEvent(event.event, {**event.data, **extra})
            yield event
    finally:
        close = getattr(events, "close", None)
        if close is not None:  # the client left: let the pipeline close its LLM stream now
            close()
