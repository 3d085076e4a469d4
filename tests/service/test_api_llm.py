"""POST /ask with the OpenAI-compatible generator; the LLM is faked at the HTTP boundary."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx
from fastapi.testclient import TestClient

from core.embed import Embedder
from service.app import create_app
from service.pipeline import NOT_IN_DOCUMENTS
from tests.factories import make_settings
from tests.service import openai_wire as wire

BASE = "http://llm.test/v1"
URL = f"{BASE}/chat/completions"
QUESTION = "How long must my password be?"


@pytest.fixture(scope="module")
def client(sample_index: Path, embedder: Embedder) -> Iterator[TestClient]:
    settings = make_settings(
        sample_index,
        generator="openai",
        llm_base_url=BASE,
        llm_model=wire.MODEL,
        llm_api_key="sk-test",
        llm_backoff_s=0.0,
        llm_max_retries=1,
    )
    with TestClient(create_app(settings, embedder)) as c:
        yield c


def _quoting_model(request: httpx.Request) -> httpx.Response:
    """A well-behaved model: answers with the first sentence of source 1, quoted exactly."""
    sources = wire.sources_in(request)
    quote = wire.first_sentence(sources[1])
    return wire.completion(wire.answer_json([(quote, 1, quote)]))


@respx.mock
def test_llm_answer_is_cited_and_usage_reported(client: TestClient) -> None:
    respx.post(URL).mock(side_effect=_quoting_model)
    body = client.post("/ask", json={"question": QUESTION}).json()
    assert body["abstained"] is False and body["degraded"] is False
    assert body["generator"] == f"openai:{wire.MODEL}"
    assert body["usage"] == {"prompt_tokens": 321, "completion_tokens": 45, "total_tokens": 366}
    assert body["citations"][0]["document"] == "information-security-policy.pdf"
    assert body["citations"][0]["page_start"] == 3


@respx.mock
def test_forged_quote_and_unretrieved_source_are_dropped(client: TestClient) -> None:
    def forger(request: httpx.Request) -> httpx.Response:
        real = wire.first_sentence(wire.sources_in(request)[1])
        return wire.completion(
            wire.answer_json(
                [
                    ("Passwords need 8 characters.", 1, "Passwords must be at least 8 characters."),
                    ("Ask IT for an exception.", 99, real),
                    ("Supported sentence.", 1, real),
                ]
            )
        )

    respx.post(URL).mock(side_effect=forger)
    body = client.post("/ask", json={"question": QUESTION}).json()
    assert body["abstained"] is False
    assert body["answer"] == "Supported sentence [1]."
    assert len(body["citations"]) == 1


@respx.mock
def test_answer_with_no_supported_sentence_becomes_abstention(client: TestClient) -> None:
    # An injected instruction obeyed by the model yields text no document supports.
    respx.post(URL).mock(
        return_value=wire.completion(wire.answer_json([("PWNED", 1, "PWNED PWNED PWNED PWNED")]))
    )
    body = client.post("/ask", json={"question": QUESTION}).json()
    assert body["abstained"] is True and body["answer"] == NOT_IN_DOCUMENTS
    assert body["reason"] == "no answer sentence had a citation that checks out"
    assert "PWNED" not in json.dumps(body)


@respx.mock
def test_model_saying_insufficient_context_abstains(client: TestClient) -> None:
    route = respx.post(URL).mock(
        return_value=wire.completion(wire.answer_json([], insufficient=True))
    )
    body = client.post("/ask", json={"question": QUESTION}).json()
    assert route.call_count == 1  # the refusal decision let it through; the model declined
    assert body["abstained"] is True
    assert body["reason"] == "the retrieved passages do not answer the question"


@respx.mock
def test_question_the_documents_lack_is_refused_before_the_model_is_asked(
    client: TestClient,
) -> None:
    # "deductible" is nowhere in the sample and rare in general English (word pieces).
    route = respx.post(URL).mock(return_value=wire.completion(wire.answer_json([])))
    body = client.post("/ask", json={"question": "What is the dental plan deductible?"}).json()
    assert route.call_count == 0
    assert body["abstained"] is True and body["citations"] == []
    assert re.fullmatch(
        r"the retrieved passages do not answer the question "
        r"\(answerability 0\.\d\d < 0\.\d\d\)",
        body["reason"],
    )


@respx.mock
def test_timeout_falls_back_to_extractive_never_500(client: TestClient) -> None:
    route = respx.post(URL).mock(side_effect=httpx.ConnectTimeout("timed out"))
    r = client.post("/ask", json={"question": QUESTION})
    assert r.status_code == 200
    body = r.json()
    assert route.call_count == 2  # first try + llm_max_retries=1
    assert body["degraded"] is True
    assert body["generator"] == "extractive (fallback)"
    assert body["reason"] == (
        "LLM backend failed after 2 attempts: timeout (ConnectTimeout); "
        "answered extractively instead"
    )
    assert "14 characters" in body["answer"]


@respx.mock
def test_429_then_success(client: TestClient) -> None:
    route = respx.post(URL).mock(side_effect=[wire.error(429, retry_after="0"), _quoting_model])
    body = client.post("/ask", json={"question": QUESTION}).json()
    assert route.call_count == 2 and body["degraded"] is False


@respx.mock
def test_streaming_with_llm(client: TestClient) -> None:
    def streamer(request: httpx.Request) -> httpx.Response:
        quote = wire.first_sentence(wire.sources_in(request)[1])
        return wire.stream(wire.answer_json([(quote, 1, quote)]))

    respx.post(URL).mock(side_effect=streamer)
    with client.stream("POST", "/ask", json={"question": QUESTION, "stream": True}) as r:
        raw = r.read().decode()
    names = [b.split("\n")[0].removeprefix("event: ") for b in raw.strip().split("\n\n")]
    assert names == ["sources", "delta", "citations", "done"]


def test_llm_client_outlives_index_swaps_and_is_closed_at_shutdown(
    sample_index: Path, embedder: Embedder
) -> None:
    settings = make_settings(sample_index, generator="openai", llm_base_url=BASE)
    app = create_app(settings, embedder)
    with TestClient(app):
        state = app.state.rag
        llm = state.llm
        first = state.answerer
        state.generation = None  # make the live generation look new: a swap reloads it
        assert state.load() and state.answerer is not first
        assert state.answerer.llm is llm and not llm.client.is_closed
    assert llm.client.is_closed


@respx.mock
def test_tokens_of_failed_llm_calls_are_reported_on_the_fallback_answer(
    client: TestClient,
) -> None:
    # Prose twice (answer, then the repair request): the fallback still reports both calls.
    route = respx.post(URL).mock(return_value=wire.completion("The answer is 3."))
    body = client.post("/ask", json={"question": QUESTION}).json()
    assert route.call_count == 2
    assert body["degraded"] is True and body["generator"] == "extractive (fallback)"
    assert body["usage"] == {"prompt_tokens": 642, "completion_tokens": 90, "total_tokens": 732}
