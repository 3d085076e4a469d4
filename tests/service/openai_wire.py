"""Responses in the exact wire format of OpenAI's Chat Completions API, errors included."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

MODEL = "gpt-4o-mini"


def completion(
    content: str, prompt_tokens: int = 321, completion_tokens: int = 45
) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "id": "chatcmpl-9x8Yz1AbCdEfGhIj",
            "object": "chat.completion",
            "created": 1763800000,
            "model": f"{MODEL}-2024-07-18",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": None},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
            "system_fingerprint": "fp_0ba0d124f1",
        },
    )


def stream(content: str, pieces: int = 7, prompt_tokens: int = 321) -> httpx.Response:
    """A `stream: true` reply: role chunk, content deltas, finish chunk, usage chunk, [DONE]."""
    base = {
        "id": "chatcmpl-9x8Yz1AbCdEfGhIj",
        "object": "chat.completion.chunk",
        "created": 1763800000,
        "model": f"{MODEL}-2024-07-18",
        "system_fingerprint": "fp_0ba0d124f1",
    }
    size = max(1, len(content) // pieces)
    deltas = [content[i : i + size] for i in range(0, len(content), size)]
    events: list[dict[str, Any]] = [
        {
            **base,
            "choices": [
                {
                    "index": 0,
                    "delta": {"role": "assistant", "content": ""},
                    "logprobs": None,
                    "finish_reason": None,
                }
            ],
        }
    ]
    events += [
        {
            **base,
            "choices": [
                {"index": 0, "delta": {"content": d}, "logprobs": None, "finish_reason": None}
            ],
        }
        for d in deltas
    ]
    events.append(
        {**base, "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}]}
    )
    events.append(
        {
            **base,
            "choices": [],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": len(deltas),
                "total_tokens": prompt_tokens + len(deltas),
            },
        }
    )
    body = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    return httpx.Response(200, content=body.encode(), headers={"content-type": "text/event-stream"})


def error(status: int, retry_after: str | None = None) -> httpx.Response:
    bodies = {
        401: (
            "Incorrect API key provided: sk-test. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
            "invalid_request_error",
            "invalid_api_key",
        ),
        429: (
            "Rate limit reached for gpt-4o-mini in organization org-test on requests per min "
            "(RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.",
            "requests",
            "rate_limit_exceeded",
        ),
        500: (
            "The server had an error while processing your request. Sorry about that!",
            "server_error",
            None,
        ),
        503: ("The engine is currently overloaded, please try again later", "server_error", None),
    }
    message, kind, code = bodies[status]
    headers = {"retry-after": retry_after} if retry_after is not None else {}
    return httpx.Response(
        status,
        json={"error": {"message": message, "type": kind, "param": None, "code": code}},
        headers=headers,
    )


def answer_json(sentences: list[tuple[str, int, str]], insufficient: bool = False) -> str:
    return json.dumps(
        {
            "insufficient_context": insufficient,
            "sentences": [
                {"text": t, "citations": [{"source": n, "quote": q}]} for t, n, q in sentences
            ],
        }
    )


def sources_in(request: httpx.Request) -> dict[int, str]:
    """The numbered source texts the service put into the prompt."""
    body = json.loads(request.content)
    user = next(m["content"] for m in body["messages"] if m["role"] == "user")
    return {
        int(m.group(1)): m.group(2)
        for m in re.finditer(r'<source id="(\d+)"[^>]*>\n(.*?)\n</source>', user, re.S)
    }


def first_sentence(text: str) -> str:
    flat = " ".join(text.split())
    end = flat.find(". ")
    return flat[: end + 1] if end > 20 else flat[:120]
