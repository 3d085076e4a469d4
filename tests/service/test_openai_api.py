"""The OpenAI-compatible API with the official `openai` SDK (sync, async, streaming) against the
real app served by uvicorn over HTTP; bad inputs are answered in OpenAI's error format."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import respx
from fastapi.testclient import TestClient

from core.embed import Embedder
from service.app import create_app
from service.openai_api import split_messages
from service.openai_schemas import ChatMessage
from service.text import NOT_IN_DOCUMENTS
from tests.factories import make_settings
from tests.service import openai_wire as wire
from tests.service.live_server import Live, live_server

MODEL = "rag-extractive"
E4012 = "What does error E-4012 mean?"
WORKERS = [
    {"role": "user", "content": "Which environment variable sets the number of worker processes?"},
    {"role": "assistant", "content": "TFC_MAX_WORKERS [1]."},
]


@pytest.fixture(scope="module")
def live(sample_index: Path, embedder: Embedder) -> Iterator[Live]:
    # One slot, no queue: a stream that kept its slot would make the next request a 503.
    settings = make_settings(sample_index, max_concurrency=1, max_queue=0)
    with live_server(settings, embedder) as server:
        yield server


@pytest.fixture(scope="module")
def client(live: Live) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=f"{live.url}/v1", api_key="unused", max_retries=0) as c:
        yield c


def _pages(citations: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(c["document"], c["page_start"]) for c in citations]


# -- models ----------------------------------------------------------------------------------


def test_models_lists_one_model_per_generator(client: openai.OpenAI) -> None:
    assert [m.id for m in client.models.list()] == [MODEL]
    assert client.models.retrieve(MODEL).owned_by == "rag-reference"
    with pytest.raises(openai.NotFoundError) as err:
        client.models.retrieve("gpt-4o")
    assert (err.value.code, err.value.type, err.value.param) == (
        "model_not_found",
        "invalid_request_error",
        "model",
    )


def test_llm_generator_adds_its_model_and_keeps_extractive(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, generator="openai", llm_base_url="http://llm.test/v1", llm_model="llama3.1"
    )
    with TestClient(create_app(settings)) as c:
        ids = [m["id"] for m in c.get("/v1/models").json()["data"]]
    assert ids == ["rag-llama3.1", MODEL]


@respx.mock
def test_each_model_answers_with_its_generator(sample_index: Path, embedder: Embedder) -> None:
    def quoting_model(request: httpx.Request) -> httpx.Response:
        quote = wire.first_sentence(wire.sources_in(request)[1])
        return wire.completion(wire.answer_json([(quote, 1, quote)]))

    llm = respx.post("http://llm.test/v1/chat/completions").mock(side_effect=quoting_model)
    settings = make_settings(
        sample_index, generator="openai", llm_base_url="http://llm.test/v1", llm_model=wire.MODEL
    )
    body = {"messages": [{"role": "user", "content": E4012}]}
    with TestClient(create_app(settings, embedder)) as c:
        extractive = c.post("/v1/chat/completions", json={**body, "model": MODEL}).json()
        assert llm.call_count == 0
        answered = c.post("/v1/chat/completions", json={**body, "model": f"rag-{wire.MODEL}"})
    assert extractive["choices"][0]["message"]["rag"]["generator"] == "extractive"
    assert llm.call_count == 1
    message = answered.json()["choices"][0]["message"]
    assert message["rag"]["generator"] == f"openai:{wire.MODEL}"
    assert answered.json()["usage"]["prompt_tokens"] == 321


# -- answers ---------------------------------------------------------------------------------


def test_sync_completion_carries_markers_and_readable_citations(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": E4012}], user="alice"
    )
    assert completion.object == "chat.completion" and completion.model == MODEL
    choice = completion.choices[0]
    assert choice.finish_reason == "stop" and choice.message.role == "assistant"
    message = choice.message
    assert "E-4012" in (message.content or "") and "[1]" in (message.content or "")
    # The extension fields, through the SDK: attribute access and model_extra.
    citations = message.citations  # type: ignore[attr-defined]
    assert citations == message.model_extra["citations"]
    assert _pages(citations)[0] == ("conduit-admin-guide.pdf", 24)
    first = citations[0]
    assert first["id"] == 1 and first["page_label"] and first["quote"]
    assert first["char_start"] is not None and first["char_end"] > first["char_start"]
    assert message.abstained is False  # type: ignore[attr-defined]
    assert message.rag["generator"] == "extractive"  # type: ignore[attr-defined]
    assert message.rag["request_id"] == completion.id.removeprefix("chatcmpl-")  # type: ignore[attr-defined]
    assert completion.usage is not None and completion.usage.total_tokens == 0


def test_abstention_is_a_normal_message_with_the_flag(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "What is the capital of Mongolia?"}]
    )
    message = completion.choices[0].message
    assert message.content == NOT_IN_DOCUMENTS
    assert message.abstained is True and message.citations == []  # type: ignore[attr-defined]
    assert message.reason  # type: ignore[attr-defined]


def test_three_turn_conversation_retrieves_the_page_the_follow_up_needs(
    client: openai.OpenAI,
) -> None:
    messages: list[Any] = [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "What are the two Conduit Edge models?"},
        {"role": "assistant", "content": "The CE-240 and the CE-480 [1]."},
        *WORKERS,
        {"role": "user", "content": "What are its default and maximum?"},
    ]
    completion = client.chat.completions.create(model=MODEL, messages=messages)
    rag = completion.choices[0].message.rag  # type: ignore[attr-defined]
    assert rag["followup"]["method"] == "terms"
    assert rag["followup"]["question"].startswith("What are its default and maximum? (")
    top = _pages(rag["retrieval"]["candidates"][:5])
    assert ("conduit-admin-guide.pdf", 13) in top


def test_stream_sends_role_checked_answer_citations_usage_then_done(
    client: openai.OpenAI,
) -> None:
    stream = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": E4012}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert len({c.id for c in chunks}) == 1
    first, final, usage = chunks[0], chunks[-2], chunks[-1]
    assert first.choices[0].delta.role == "assistant"
    content = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert final.choices[0].finish_reason == "stop"
    extra = final.choices[0].delta.model_extra or {}
    assert _pages(extra["citations"])[0] == ("conduit-admin-guide.pdf", 24)
    assert extra["abstained"] is False and "[1]" in content
    assert usage.choices == [] and usage.usage is not None
    # The same answer as without streaming.
    plain = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": E4012}]
    )
    assert content == plain.choices[0].message.content


def test_raw_stream_is_openai_sse_ending_with_done(live: Live) -> None:
    body = {"model": MODEL, "messages": [{"role": "user", "content": E4012}], "stream": True}
    with httpx.stream("POST", f"{live.url}/v1/chat/completions", json=body, timeout=60) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        raw = r.read().decode()
    blocks = raw.split("\n\n")
    assert blocks[-2:] == ["data: [DONE]", ""]
    assert all(b.startswith("data: {") for b in blocks[:-2])
    assert json.loads(blocks[-3][6:])["choices"][0]["finish_reason"] == "stop"


def test_async_client_answers_and_streams(live: Live) -> None:
    async def run() -> tuple[str, str, list[dict[str, Any]]]:
        async with openai.AsyncOpenAI(base_url=f"{live.url}/v1", api_key="unused") as c:
            messages: list[Any] = [{"role": "user", "content": E4012}]
            completion = await c.chat.completions.create(model=MODEL, messages=messages)
            stream = await c.chat.completions.create(model=MODEL, messages=messages, stream=True)
            text, extra = "", {}
            async for chunk in stream:
                text += chunk.choices[0].delta.content or ""
                extra = chunk.choices[0].delta.model_extra or extra
            return completion.choices[0].message.content or "", text, extra["citations"]

    plain, streamed, citations = asyncio.run(run())
    assert plain == streamed and "[1]" in plain
    assert _pages(citations)[0] == ("conduit-admin-guide.pdf", 24)


def test_hanging_up_mid_stream_gives_the_slot_back(live: Live, client: openai.OpenAI) -> None:
    body = json.dumps(
        {"model": MODEL, "messages": [{"role": "user", "content": E4012}], "stream": True}
    ).encode()
    head = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
        f"\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", live.port), timeout=30) as sock:
        sock.sendall(head + body)
        seen = b""
        while b"data: " not in seen:  # the stream started, holding the only slot
            chunk = sock.recv(65536)
            assert chunk, seen
            seen += chunk
    deadline = time.monotonic() + 10
    while True:  # max_queue=0: a slot still held would make this a 503
        try:
            client.chat.completions.create(
                model=MODEL, messages=[{"role": "user", "content": E4012}]
            )
            break
        except openai.InternalServerError:
            assert time.monotonic() < deadline, "the slot was not given back"
            time.sleep(0.2)


# -- bad inputs: a clear 4xx in OpenAI's format, never a 500 ----------------------------------


def _post(live: Live, body: object, **headers: str) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(
        f"{live.url}/v1/chat/completions",
        content=content,
        headers={"content-type": "application/json", **headers},
        timeout=60,
    )


USER = {"role": "user", "content": E4012}
BAD = {
    "empty messages": ({"model": MODEL, "messages": []}, 400, "invalid_request", "messages"),
    "no user message": (
        {"model": MODEL, "messages": [{"role": "system", "content": "be brief"}]},
        400,
        "invalid_request",
        None,
    ),
    "last message not the user's": (
        {"model": MODEL, "messages": [USER, {"role": "assistant", "content": "E-4012 [1]."}]},
        400,
        "invalid_request",
        None,
    ),
    "unknown model": ({"model": "gpt-4o", "messages": [USER]}, 404, "model_not_found", "model"),
    "missing model": ({"messages": [USER]}, 400, "invalid_request", "model"),
    "wrong role": (
        {"model": MODEL, "messages": [{"role": "robot", "content": "hi"}]},
        400,
        "invalid_request",
        "messages.0.role",
    ),
    "oversized content": (
        {"model": MODEL, "messages": [{"role": "user", "content": "x" * 2001}]},
        400,
        "invalid_request",
        None,
    ),
    "empty question": (
        {"model": MODEL, "messages": [{"role": "user", "content": " \u200b"}]},
        400,
        "invalid_request",
        None,
    ),
    "tools": (
        {
            "model": MODEL,
            "messages": [USER],
            "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}],
        },
        400,
        "unsupported",
        "tools",
    ),
    "tool message": (
        {
            "model": MODEL,
            "messages": [
                {"role": "assistant", "content": None, "tool_calls": [{"id": "c1"}]},
                {"role": "tool", "tool_call_id": "c1", "content": "42"},
                USER,
            ],
        },
        400,
        "unsupported",
        "messages[0]",
    ),
    "image part": (
        {
            "model": MODEL,
            "messages": [
                {
                    "role": "user",
                    "content": [{"type": "image_url", "image_url": {"url": "data:,"}}],
                }
            ],
        },
        400,
        "unsupported",
        "messages[0].content",
    ),
    "n above 1": ({"model": MODEL, "messages": [USER], "n": 2}, 400, "unsupported", "n"),
    "json output": (
        {"model": MODEL, "messages": [USER], "response_format": {"type": "json_object"}},
        400,
        "unsupported",
        "response_format",
    ),
    "malformed json": (b'{"model": "rag-extractive", "messages": [', 400, "invalid_request", None),
    "lone surrogate": (
        b'{"model": "rag-extractive", "messages": [{"role": "user", "content": "\\ud800"}]}',
        400,
        "invalid_request",
        "messages.0.content",
    ),
}


@pytest.mark.parametrize(("body", "status", "code", "param"), BAD.values(), ids=BAD.keys())
def test_bad_request_is_a_4xx_in_openai_error_format(
    live: Live, body: object, status: int, code: str, param: str | None
) -> None:
    r = _post(live, body)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert (error["type"], error["code"], error["param"]) == ("invalid_request_error", code, param)
    assert error["message"]


def test_oversized_body_is_413_in_openai_format(live: Live) -> None:
    history = [{"role": "assistant", "content": "y" * 1000}] * 20
    r = _post(live, {"model": MODEL, "messages": [*history, USER]})
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"


def test_sdk_raises_its_usual_errors(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(model=MODEL, messages=[])
    assert err.value.code == "invalid_request" and "messages" in err.value.message
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="gpt-4o", messages=[USER])  # type: ignore[list-item]
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(
            model=MODEL,
            messages=[USER],  # type: ignore[list-item]
            tools=[{"type": "function", "function": {"name": "f"}}],
        )
    assert err.value.code == "unsupported" and "not supported" in err.value.message


def test_key_and_rate_limit_answer_in_openai_format(sample_index: Path, embedder: Embedder) -> None:
    settings = make_settings(sample_index, api_key="s3cret", rate_limit_per_minute=2)
    with TestClient(create_app(settings, embedder)) as c:
        r = c.get("/v1/models")
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        assert r.json()["error"]["code"] == "invalid_api_key"
        auth = {"Authorization": "Bearer s3cret"}
        assert c.get("/v1/models", headers=auth).status_code == 200
        assert c.get("/v1/models", headers=auth).status_code == 200
        r = c.get("/v1/models", headers=auth)
        assert r.status_code == 429 and "retry-after" in r.headers
        assert r.json()["error"]["type"] == "requests"
        assert r.json()["error"]["code"] == "rate_limit_exceeded"
        # The rest of the API keeps its own error shape.
        assert set(c.get("/documents").json()) == {"error", "detail", "request_id"}


def test_no_index_is_503_server_error(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path / "none"))) as c:
        r = c.post("/v1/chat/completions", json={"model": MODEL, "messages": [USER]})
    assert r.status_code == 503
    assert (r.json()["error"]["type"], r.json()["error"]["code"]) == ("server_error", "not_ready")


def test_split_messages_drops_system_messages_and_keeps_the_latest_turns() -> None:
    raw = [{"role": "system", "content": "be brief"}]
    raw += [{"role": "user" if i % 2 == 0 else "assistant", "content": f"m{i}"} for i in range(25)]
    question, history = split_messages([ChatMessage.model_validate(m) for m in raw])
    assert question == "m24"
    assert [t.content for t in history] == [f"m{i}" for i in range(4, 24)]
    parts = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What does"},
                {"type": "text", "text": "E-4012 mean?"},
            ],
        }
    ]
    assert split_messages([ChatMessage.model_validate(m) for m in parts]) == (
        "What does E-4012 mean?",
        [],
    )
