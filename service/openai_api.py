"""The OpenAI-compatible API: POST /v1/chat/completions, GET /v1/models.

A thin adapter over the one answer pipeline (`service.conversation`): the last user message
is the question, the earlier user and assistant messages its history (made standalone as
for /ask). Same key, rate limit, body and question limits, and answer slots as /ask; errors
in OpenAI's shape (`service.handlers`). A stream sends the role first, then the *checked*
answer and a final chunk carrying the citations: OpenAI streams cannot take text back, so the
pipeline's draft sentences (which the citation check may still drop) are never sent.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
import weakref
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from core.config import Settings
from core.errors import StoreUnavailable
from service import conversation
from service.admission import admit
from service.errors import InternalError, InvalidRequest, ModelNotFound, Unsupported
from service.logs import request_id_var
from service.openai_schemas import (
    AssistantMessage,
    ChatCompletion,
    ChatCompletionRequest,
    ChatMessage,
    Choice,
    Model,
    ModelList,
    OpenAIError,
    Usage,
)
from service.pipeline import AnswerService, StreamEvent
from service.schemas import MAX_HISTORY_TURNS, AskResponse, Turn, visible_text
from service.security import Guarded, State
from service.sse import SlotStream, relay
from service.state import AppState

log = logging.getLogger("service")

EXTRACTIVE_MODEL = "rag-extractive"
# Fields of the /ask response that the message carries itself (answer is its content).
_ON_MESSAGE = {"answer", "citations", "abstained", "reason", "closest", "usage"}
_SENTENCE_END = re.compile(r"(?<=[.!?])(?=\s)")
_STARTED = int(time.time())
# The extractive twin of an LLM-backed pipeline, for `rag-extractive`: one per index.
_twins: weakref.WeakKeyDictionary[AnswerService, AnswerService] = weakref.WeakKeyDictionary()

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": OpenAIError} for code in (400, 401, 404, 413, 429, 500, 503)
}
router = APIRouter(prefix="/v1", tags=["OpenAI-compatible"])


def model_ids(settings: Settings) -> list[str]:
    """The models /v1/models lists: the configured generator's first."""
    if settings.generator == "openai":
        return [f"rag-{settings.llm_model}", EXTRACTIVE_MODEL]
    return [EXTRACTIVE_MODEL]


def _answerer(state: AppState, model: str) -> AnswerService:
    ids = model_ids(state.settings)
    if model not in ids:
        raise ModelNotFound(
            f"The model {model!r} does not exist here; GET /v1/models lists {', '.join(ids)}"
        )
    answerer = state.require()
    if model != EXTRACTIVE_MODEL or state.settings.generator != "openai":
        return answerer
    twin = _twins.get(answerer)
    if twin is None:
        twin = _twins[answerer] = AnswerService(answerer.retriever, answerer.settings)
    return twin


def _unsupported(body: ChatCompletionRequest) -> None:
    """Unsupported: what this service does not do, said plainly (never silently ignored)."""
    for name in ("tools", "tool_choice", "functions", "function_call"):
        if getattr(body, name) is not None:
            raise Unsupported(
                f"{name}: tool and function calls are not supported; this model answers "
                "questions about the documents with citations",
                param=name,
            )
    if body.n not in (None, 1):
        raise Unsupported("n: only one choice (n=1) is supported", param="n")
    kind = (body.response_format or {}).get("type", "text")
    if kind != "text":
        raise Unsupported(
            f"response_format {kind!r} is not supported: answers are text with [n] markers; "
            "the structured citations are in message.citations",
            param="response_format",
        )


def _text(message: ChatMessage, n: int) -> str:
    if isinstance(message.content, list):
        kinds = sorted({p.type for p in message.content if p.type != "text"})
        if kinds:
            raise Unsupported(
                f"messages[{n}].content: only text parts are supported, not {', '.join(kinds)}",
                param=f"messages[{n}].content",
            )
        return visible_text(" ".join(p.text or "" for p in message.content))
    return visible_text(message.content or "")


def split_messages(messages: list[ChatMessage]) -> tuple[str, list[Turn]]:
    """(question, history): the last user message and the user/assistant turns before it."""
    for n, m in enumerate(messages):
        if m.role in ("tool", "function") or m.tool_calls or m.function_call:
            raise Unsupported(
                f"messages[{n}]: tool and function calls are not supported", param=f"messages[{n}]"
            )
    if not any(m.role == "user" for m in messages):
        raise InvalidRequest("messages holds no user message: send the question as role 'user'")
    if messages[-1].role != "user":
        raise InvalidRequest(
            f"the last message is from {messages[-1].role!r}; it must be the user's question"
        )
    question = _text(messages[-1], len(messages) - 1)
    if not question:
        raise InvalidRequest("the last user message is empty: send a question in plain text")
    turns = [
        Turn(role=m.role, content=text)
        for n, m in enumerate(messages[:-1])
        if m.role in ("user", "assistant") and (text := _text(m, n))
    ]
    return question, turns[-MAX_HISTORY_TURNS:]


def _message(response: AskResponse) -> AssistantMessage:
    body = response.model_dump()
    return AssistantMessage(
        content=response.answer,
        citations=response.citations,
        abstained=response.abstained,
        reason=response.reason,
        closest=response.closest,
        rag={k: v for k, v in body.items() if k not in _ON_MESSAGE},
    )


def _usage(response: AskResponse) -> Usage:
    return Usage(**response.usage.model_dump())


@router.get("/models", response_model=ModelList, responses=ERRORS, dependencies=Guarded)
async def list_models(state: State) -> ModelList:
    """One model per generator: `rag-extractive`, and `rag-<RAG_LLM_MODEL>` with an LLM."""
    return ModelList(data=[Model(id=m, created=_STARTED) for m in model_ids(state.settings)])


@router.get("/models/{model:path}", response_model=Model, responses=ERRORS, dependencies=Guarded)
async def get_model(model: str, state: State) -> Model:
    if model not in model_ids(state.settings):
        raise ModelNotFound(f"The model {model!r} does not exist here: see GET /v1/models")
    return Model(id=model, created=_STARTED)


@router.post(
    "/chat/completions",
    response_model=ChatCompletion,
    responses={
        **ERRORS,
        200: {
            "content": {
                "text/event-stream": {
                    "description": "with stream=true: chat.completion.chunk events (role, the "
                    "checked answer, a final chunk whose delta carries the citations), then "
                    "`data: [DONE]`"
                }
            }
        },
    },
    dependencies=Guarded,
    summary="OpenAI Chat Completions: a cited answer to the last user message",
)
async def chat_completions(body: ChatCompletionRequest, state: State, request: Request) -> Response:
    _unsupported(body)
    question, history = split_messages(body.messages)
    conversation.check_size(question, history, state.settings.max_question_chars)
    answerer = _answerer(state, body.model)
    rid = request_id_var.get() or uuid.uuid4().hex[:16]
    stop = threading.Event()
    slot, watcher = await admit(state.slots, request, stop)
    if body.stream:
        watcher.cancel()  # the stream listens for the disconnect itself
        try:
            events = conversation.answer_stream(
                answerer, state.followup, question, history, rid, stop=stop
            )
            usage = bool(body.stream_options and body.stream_options.include_usage)
            return SlotStream(chunks(events, body.model, rid, stop, usage), slot, stop, rid)
        except BaseException:
            slot.release()
            raise
    try:
        response = await anyio.to_thread.run_sync(
            lambda: conversation.answer(answerer, state.followup, question, history, rid, stop=stop)
        )
    finally:
        watcher.cancel()
        slot.release()
    log.info(
        "answered",
        extra={
            "api": "openai",
            "model": body.model,
            "user": body.user,
            "abstained": response.abstained,
            "degraded": response.degraded,
            "citations": len(response.citations),
            "timings_ms": response.timings_ms,
        },
    )
    completion = ChatCompletion(
        id=f"chatcmpl-{rid}",
        created=int(time.time()),
        model=body.model,
        choices=[Choice(message=_message(response))],
        usage=_usage(response),
    )
    return JSONResponse(completion.model_dump())


def _data(payload: object) -> str:
    return f"data: {json.dumps(payload, default=str)}\n\n"


async def chunks(
    events: Iterator[StreamEvent], model: str, rid: str, stop: threading.Event, usage: bool
) -> AsyncIterator[str]:
    """The pipeline's events as OpenAI `chat.completion.chunk`s, ending with [DONE]."""
    base = {
        "id": f"chatcmpl-{rid}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
    }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return _data({**base, "choices": [choice]})

    stream = relay(events, stop)
    try:
        async for event in stream:
            if event.event == "sources":
                yield chunk({"role": "assistant", "content": ""})
            elif event.event == "done":
                response = AskResponse.model_validate(event.data)
                for piece in _SENTENCE_END.split(response.answer):
                    yield chunk({"content": piece})
                extension = _message(response).model_dump(exclude={"role", "content", "refusal"})
                yield chunk(extension, finish="stop")
                if usage:
                    yield _data({**base, "choices": [], "usage": _usage(response).model_dump()})
                yield "data: [DONE]\n\n"
    except StoreUnavailable as exc:  # the index's database went away: retry later
        log.warning("stream failed, index store unavailable: %s", exc)
        gone = {"message": str(exc), "type": "server_error", "code": "unavailable"}
        yield _data({"error": {**gone, "param": None}})
    except Exception:  # noqa: BLE001 - headers are sent: report in-band, details in the log
        log.exception("stream failed")
        error = {
            "message": InternalError().detail,
            "type": "server_error",
            "code": "internal_error",
        }
        yield _data({"error": {**error, "param": None}})
    finally:
        await stream.aclose()
