"""The generator the settings ask for, built once per process (it may hold an HTTP client)."""

from __future__ import annotations

from core.config import Settings
from service.generate.base import Generator
from service.generate.openai_compat import OpenAICompatibleGenerator


def make_llm(settings: Settings) -> Generator | None:
    """The LLM generator for `RAG_GENERATOR=openai`, or None for the extractive default.

    The caller owns it and calls `close()` when done (index swaps keep it).
    """
    if settings.generator != "openai":
        return None
    assert settings.llm_base_url  # Settings refuses generator=openai without it
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return OpenAICompatibleGenerator(
        settings.llm_base_url,
        settings.llm_model,
        key,
        timeout_s=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
        max_tokens=settings.llm_max_tokens,
        context_token_budget=settings.context_token_budget,
        max_sentences=settings.answer_max_sentences,
        backoff_s=settings.llm_backoff_s,
    )
