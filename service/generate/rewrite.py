"""A follow-up question made standalone by the configured OpenAI-compatible LLM.

One short chat completion (prompt: `prompts/rewrite.txt`), no retries: within
RAG_FOLLOWUP_TIMEOUT_S in total or not at all. The reply is checked before it is searched
(one line, not empty, not too long, no markup of our prompt, no citation markers, a question
if the follow-up was one); anything else raises RewriteError and the caller falls back to
the non-LLM method (`service.followup`).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence

import httpx

from service.generate.llm_answer import prompt
from service.schemas import Turn
from service.text import escape_attr, escape_data, strip_markers

# The latest turns shown to the model, each cut to this many characters: a rewrite needs
# the recent topic, not the whole chat, and the prompt stays small for a fast reply.
PROMPT_TURNS = 6
TURN_CHARS = 600
# A standalone question longer than this is not a question but the model rambling.
MAX_REWRITE_CHARS = 400
_COMPLETION_TOKENS = 128
_LABEL = re.compile(
    r"^\s*(?:standalone|rewritten|search)?\s*(?:question|query)\s*:\s*", re.IGNORECASE
)
# Tag-like text (<question>, </turn>, <data ...>): the model echoing the prompt's fences.
_MARKUP = re.compile(r"</?\s*[A-Za-z][\w-]*[^<>]*>|[\u2039\u203a]")
_QUOTES = "\"'`\u201c\u201d\u2018\u2019"


class RewriteError(Exception):
    """The LLM gave no usable standalone question (timeout, HTTP error, bad reply)."""


def clean_rewrite(content: str, question: str = "", limit: int = MAX_REWRITE_CHARS) -> str:
    """The model's reply as a search query for `question`; RewriteError says why it cannot be."""
    text = _LABEL.sub("", content.strip(), count=1).strip().strip(_QUOTES).strip()
    if not text:
        raise RewriteError("the reply was empty")
    if "\n" in text:
        raise RewriteError("the reply was more than one line")
    if len(text) > limit:
        raise RewriteError(f"the reply was {len(text)} characters, over {limit}")
    if _MARKUP.search(text):
        raise RewriteError("the reply contained markup from the prompt")
    if strip_markers(text) != text:  # copied from an assistant turn: an answer, not a question
        raise RewriteError("the reply contained citation markers such as [1]")
    # A question stays a question: a small model often answers it instead (SmolLM2-135M did).
    if question.rstrip().endswith("?") and not text.endswith("?"):
        raise RewriteError("the reply was not a question")
    return text


class LLMRewriter:
    """Rewrites follow-up questions through one OpenAI-compatible chat endpoint."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        *,
        timeout_s: float = 5.0,
        max_chars: int = MAX_REWRITE_CHARS,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.model = model
        self.timeout_s = timeout_s
        self.max_chars = max_chars
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers=headers,
            # Connecting and waiting for the reply share the budget: never more in total.
            timeout=httpx.Timeout(timeout_s * 0.75, connect=timeout_s * 0.25),
            transport=transport,
        )

    def close(self) -> None:
        self.client.close()

    def messages(self, question: str, history: Sequence[Turn]) -> list[dict[str, str]]:
        turns = "\n".join(
            f'<turn role="{escape_attr(t.role)}">{escape_data(t.content[:TURN_CHARS])}</turn>'
            for t in history[-PROMPT_TURNS:]
        )
        user = (
            f"<conversation>\n{turns}\n</conversation>\n\n"
            f"<question>\n{escape_data(question)}\n</question>\n\n"
            "Reply with the standalone question only."
        )
        return [
            {"role": "system", "content": prompt("rewrite.txt")},
            {"role": "user", "content": user},
        ]

    def rewrite(self, question: str, history: Sequence[Turn]) -> str:
        """The standalone question; RewriteError on a timeout, an HTTP error or a bad reply."""
        body = {
            "model": self.model,
            "messages": self.messages(question, history),
            "temperature": 0,
            "max_tokens": _COMPLETION_TOKENS,
        }
        deadline = time.monotonic() + self.timeout_s
        raw = b""
        try:
            with self.client.stream("POST", "/chat/completions", json=body) as response:
                # httpx bounds each read; a server trickling bytes is bounded here as a whole.
                for chunk in response.iter_bytes():
                    raw += chunk
                    if time.monotonic() > deadline:
                        raise RewriteError(f"timeout after {self.timeout_s:g} s")
                status = response.status_code
        except httpx.TimeoutException as exc:
            why = f"timeout after {self.timeout_s:g} s ({type(exc).__name__})"
            raise RewriteError(why) from exc
        except httpx.HTTPError as exc:
            raise RewriteError(f"LLM endpoint unreachable ({type(exc).__name__})") from exc
        if status != 200:
            raise RewriteError(f"LLM endpoint answered HTTP {status}")
        try:
            content = json.loads(raw)["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise RewriteError(f"unexpected response body ({type(exc).__name__})") from exc
        if not isinstance(content, str):
            raise RewriteError("the reply had no text")
        return clean_rewrite(content, question, self.max_chars)
