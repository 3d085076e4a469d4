"""Answers from any OpenAI-compatible chat endpoint (OpenAI, Azure, Ollama, vLLM,
llama.cpp server, `transformers serve`), with structured output, one repair retry, and
retries with exponential backoff and jitter on 429, 5xx and timeouts."""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import httpx

from service.generate.base import Context, Draft, DraftSentence, GeneratorError
from service.generate.llm_answer import (
    build_messages,
    complete_sentences,
    parse_answer,
    prompt,
)
from service.text import escape_attr, escape_data

log = logging.getLogger(__name__)

__all__ = ["OpenAICompatibleGenerator", "complete_sentences", "escape_attr", "escape_data"]

_RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504}
_MAX_BACKOFF_S = 8.0


class OpenAICompatibleGenerator:
    name = "openai"

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        *,
        timeout_s: float = 30.0,
        max_retries: int = 3,
        max_tokens: int = 512,
        context_token_budget: int = 3000,
        max_sentences: int = 3,
        backoff_s: float = 0.5,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.model = model
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.max_tokens = max_tokens
        self.context_token_budget = context_token_budget
        self.max_sentences = max_sentences
        self.backoff_s = backoff_s
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers=headers,
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 10.0)),
            transport=transport,
        )
        self.name = f"openai:{model}"

    def close(self) -> None:
        """Release the HTTP connection pool."""
        self.client.close()

    def messages(self, question: str, contexts: Sequence[Context]) -> list[dict[str, str]]:
        return build_messages(question, contexts, self.context_token_budget, self.max_sentences)

    # -- transport --------------------------------------------------------------------------
    def _body(self, messages: list[dict[str, str]], stream: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": 0,
            # Some local servers ignore max_completion_tokens: send the classic field.
            "max_tokens": self.max_tokens,
            "response_format": {"type": "json_object"},
        }
        if stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        return body

    def _sleep_before_retry(self, attempt: int, retry_after: str | None) -> None:
        delay = self.backoff_s * (2**attempt)
        if retry_after:
            try:
                delay = max(delay, float(retry_after))
            except ValueError:
                pass
        delay = min(delay, _MAX_BACKOFF_S)
        time.sleep(delay + random.uniform(0, delay / 4))

    def _send(self, messages: list[dict[str, str]], stream: bool) -> httpx.Response:
        """POST with retries; the returned response is open (streaming) and status 200."""
        last = "no attempt made"
        for attempt in range(self.max_retries + 1):
            retry_after = None
            try:
                request = self.client.build_request(
                    "POST", "/chat/completions", json=self._body(messages, stream)
                )
                response = self.client.send(request, stream=True)
            except httpx.TimeoutException as exc:
                last = f"timeout ({type(exc).__name__})"
            except httpx.TransportError as exc:
                last = f"connection failed ({type(exc).__name__}: {exc})"
            else:
                if response.status_code == 200:
                    return response
                response.read()
                response.close()
                last = f"HTTP {response.status_code}: {_error_message(response)}"
                if response.status_code not in _RETRY_STATUS:
                    raise GeneratorError(f"LLM backend refused the request: {last}")
                retry_after = response.headers.get("retry-after")
            if attempt < self.max_retries:
                log.warning(
                    "LLM call failed (%s); retry %d/%d", last, attempt + 1, self.max_retries
                )
                self._sleep_before_retry(attempt, retry_after)
        raise GeneratorError(
            f"LLM backend failed after {self.max_retries + 1} attempts: {last}", retryable=True
        )

    def _complete(self, messages: list[dict[str, str]]) -> tuple[str, int, int]:
        response = self._send(messages, stream=False)
        try:
            response.read()
            data = response.json()
            content = data["choices"][0]["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise GeneratorError(f"LLM backend sent an unexpected body: {exc}") from exc
        finally:
            response.close()
        usage = data.get("usage") or {}
        return content, int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0))

    # -- generator protocol -----------------------------------------------------------------
    def generate(self, question: str, contexts: Sequence[Context]) -> Draft:
        if not contexts:
            return Draft(sentences=[], insufficient=True, notes=["no context retrieved"])
        messages = self.messages(question, contexts)
        content, p_tok, c_tok = self._complete(messages)
        return self._finish(messages, content, p_tok, c_tok)

    def _finish(
        self, messages: list[dict[str, str]], content: str, p_tok: int, c_tok: int
    ) -> Draft:
        try:
            answer = parse_answer(content)
        except ValueError as exc:
            log.warning("LLM output malformed (%s); asking once for a repair", exc)
            repair = [
                *messages,
                {"role": "assistant", "content": content},
                {"role": "user", "content": prompt("repair.txt").format(error=exc)},
            ]
            content, p2, c2 = self._complete(repair)
            p_tok, c_tok = p_tok + p2, c_tok + c2
            try:
                answer = parse_answer(content)
            except ValueError as exc2:
                raise GeneratorError(
                    f"LLM output malformed after one repair: {exc2}",
                    prompt_tokens=p_tok,
                    completion_tokens=c_tok,
                ) from exc2
        return Draft(
            sentences=[
                DraftSentence(s.text, [(q.source, q.quote) for q in s.citations])
                for s in answer.sentences
            ],
            insufficient=answer.insufficient_context,
            prompt_tokens=p_tok,
            completion_tokens=c_tok,
        )

    def stream(
        self, question: str, contexts: Sequence[Context], stop: threading.Event | None = None
    ) -> Iterator[str | Draft]:
        if not contexts:
            yield Draft(sentences=[], insufficient=True, notes=["no context retrieved"])
            return
        messages = self.messages(question, contexts)
        response = self._send(messages, stream=True)
        # httpx's timeout bounds each read, and a server streaming tokens never trips it: bound
        # the whole stream too, like a non-streamed request that sends nothing until done.
        deadline = time.monotonic() + self.timeout_s
        content = ""
        p_tok = c_tok = 0
        emitted = 0
        try:
            for line in response.iter_lines():
                if stop is not None and stop.is_set():
                    return  # the client hung up: stop reading, close the backend stream
                if time.monotonic() > deadline:
                    raise GeneratorError(
                        f"LLM stream still running after {self.timeout_s:g} s (timeout)",
                        retryable=True,
                    )
                if not line.startswith("data:"):
                    continue
                payload = line[5:].strip()
                if payload == "[DONE]":
                    break
                try:
                    event = json.loads(payload)
                except ValueError as exc:
                    raise GeneratorError(f"LLM stream sent invalid JSON: {payload[:80]}") from exc
                if event.get("error"):
                    raise GeneratorError(f"LLM stream error: {event['error']}")
                usage = event.get("usage") or {}
                p_tok = int(usage.get("prompt_tokens", p_tok))
                c_tok = int(usage.get("completion_tokens", c_tok))
                for choice in event.get("choices") or []:
                    content += (choice.get("delta") or {}).get("content") or ""
                for text in complete_sentences(content)[emitted:]:
                    emitted += 1
                    yield text
        except httpx.HTTPError as exc:
            raise GeneratorError(f"LLM stream broke off: {type(exc).__name__}: {exc}") from exc
        finally:
            response.close()
        yield self._finish(messages, content, p_tok, c_tok)


def _error_message(response: httpx.Response) -> str:
    try:
        body = response.json()
        err = body.get("error") if isinstance(body, dict) else None
        if isinstance(err, dict):
            return str(err.get("message") or err)
        if err:
            return str(err)
    except ValueError:
        pass
    return response.text[:200] or response.reason_phrase
