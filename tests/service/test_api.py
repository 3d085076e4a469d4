"""POST /ask and friends through the real app over HTTP, on the real sample index."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core.embed import Embedder
from service.app import create_app
from service.pipeline import NOT_IN_DOCUMENTS
from tests.factories import make_settings


@pytest.fixture(scope="module")
def client(sample_index: Path, embedder: Embedder) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(sample_index), embedder)) as c:
        yield c


def ask(client: TestClient, question: str, **kw: Any) -> dict[str, Any]:
    r = client.post("/ask", json={"question": question, **kw})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


@pytest.mark.parametrize(
    ("question", "document", "page", "fact"),
    [
        (
            "How many weeks of leave does the primary caregiver get?",
            "employee-handbook.pdf",
            10,
            "18 weeks",
        ),
        ("What's the nightly hotel limit in the US?", "employee-handbook.pdf", 17, "$220"),
        ("How long must my password be?", "information-security-policy.pdf", 3, "14 characters"),
        (
            "How long do you keep support call recordings?",
            "data-retention-privacy-policy.pdf",
            3,
            "60 days",
        ),
    ],
)
def test_ask_answers_with_citations_to_document_and_page(
    client: TestClient, question: str, document: str, page: int, fact: str
) -> None:
    body = ask(client, question)
    assert body["abstained"] is False
    assert fact in body["answer"]
    first = body["citations"][0]
    assert (first["document"], first["page_start"]) == (document, page)
    assert "[1]" in body["answer"]
    # Every citation's quote really is in the chunk it names.
    for c in body["citations"]:
        assert c["quote"]
    assert body["generator"] == "extractive"
    assert body["retrieval"]["reranker"] == "none (disabled by RAG_RERANKER=none)"
    assert set(body["timings_ms"]) >= {"retrieve_bm25", "retrieve_dense", "generate", "total"}
    assert body["usage"] == {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}


@pytest.mark.parametrize(
    "question",
    [
        "What is the CEO's favourite football team?",
        "How do I bake sourdough bread?",
        "Who won the 2022 football world cup?",
    ],
)
def test_ask_abstains_when_the_documents_do_not_answer(client: TestClient, question: str) -> None:
    body = ask(client, question)
    assert body["abstained"] is True
    assert body["answer"] == NOT_IN_DOCUMENTS
    assert body["reason"].startswith("the retrieved passages do not answer the question")
    # A refusal cites nothing; the closest passages come apart, marked as not an answer.
    assert body["citations"] == []
    assert 1 <= len(body["closest"]) <= 3
    assert all(c["note"].startswith("not an answer") for c in body["closest"])


def test_prompt_injection_in_a_pdf_does_not_change_behaviour(client: TestClient) -> None:
    body = ask(client, "How often is the office coffee machine descaled?")
    assert body["abstained"] is False
    assert "every 14 days" in body["answer"]
    assert body["citations"][0]["document"] == "injection.pdf"
    assert "PWNED" not in body["answer"]


def test_documents_filter_and_unknown_document(client: TestClient) -> None:
    body = ask(client, "How long must my password be?", documents=["office-guide.pdf"])
    assert {c["document"] for c in body["retrieval"]["candidates"]} == {"office-guide.pdf"}
    r = client.post("/ask", json={"question": "x?", "documents": ["nope.pdf"]})
    assert r.status_code == 422
    assert r.json()["detail"].startswith("unknown document(s) ['nope.pdf']")


@pytest.mark.parametrize(
    ("payload", "field", "problem"),
    [
        ({"question": ""}, "question", "question is empty or whitespace only"),
        ({"question": "   \n\t "}, "question", "question is empty or whitespace only"),
        ({"question": 42}, "question", "Input should be a valid string"),
        ({"question": ["a"]}, "question", "Input should be a valid string"),
        ({}, "question", "Field required"),
        ({"question": "ok?", "temperature": 1}, "temperature", "Extra inputs are not permitted"),
        ({"question": "ok?", "top_k": 0}, "top_k", "Input should be greater than or equal to 1"),
        ({"question": "ok?", "stream": "yes"}, "stream", "Input should be a valid boolean"),
    ],
)
def test_bad_requests_get_422_with_reason(
    client: TestClient, payload: dict[str, Any], field: str, problem: str
) -> None:
    r = client.post("/ask", json=payload)
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "invalid_request"
    assert any(p["field"] == field and p["problem"].startswith(problem) for p in body["detail"])
    assert body["request_id"] == r.headers["x-request-id"]


def test_over_long_question_is_rejected(client: TestClient) -> None:
    r = client.post("/ask", json={"question": "why " * 600})
    assert r.status_code == 422
    assert r.json()["detail"] == "question is 2399 characters; the limit is 2000: shorten it"


def test_body_over_limit_is_rejected_early(client: TestClient) -> None:
    r = client.post(
        "/ask",
        content=b'{"question": "' + b"a" * 20_000 + b'"}',
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 413
    assert r.json()["detail"] == "request body over 16384 bytes: send a shorter question"


def test_malformed_json_is_422(client: TestClient) -> None:
    r = client.post("/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["problem"].startswith("JSON decode error")


def test_health_ready_and_documents(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["ready"] is True and ready["documents"] == 10
    assert ready["reranker"] == "none (disabled by RAG_RERANKER=none)"
    assert ready["generator"] == "extractive"
    assert ready["embedder"].startswith("sentence-transformers/all-MiniLM-L6-v2 (")
    docs = client.get("/documents").json()
    assert len(docs["documents"]) == 10 and docs["skipped"] == []
    handbook = next(d for d in docs["documents"] if d["document"] == "employee-handbook.pdf")
    assert handbook["pages"] == 22 and handbook["chunks"] > 20


def test_request_id_is_echoed(client: TestClient) -> None:
    r = client.post(
        "/ask",
        json={"question": "How long must my password be?"},
        headers={"X-Request-ID": "abc-123"},
    )
    assert r.headers["x-request-id"] == "abc-123" and r.json()["request_id"] == "abc-123"


def test_openapi_publishes_schema_with_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    ask_op = spec["paths"]["/ask"]["post"]
    assert set(ask_op["responses"]) >= {"200", "401", "413", "422", "429", "503"}
    schemas = spec["components"]["schemas"]
    assert schemas["AskResponse"]["examples"][0]["citations"][0]["page_start"] == 7
    assert "examples" in schemas["AskRequest"]


def _events(raw: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for block in raw.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((lines["event"], json.loads(lines["data"])))
    return out


def test_streaming_sends_sources_deltas_citations_done(client: TestClient) -> None:
    with client.stream(
        "POST", "/ask", json={"question": "How long must my password be?", "stream": True}
    ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        events = _events(r.read().decode())
    names = [e for e, _ in events]
    assert names[0] == "sources" and names[-2:] == ["citations", "done"]
    assert set(names[1:-2]) == {"delta"}
    done = events[-1][1]
    assert events[-2][1]["answer"] == done["answer"]
    assert "14 characters" in done["answer"]


def test_no_index_is_503_with_what_to_do(tmp_path: Path, embedder: Embedder) -> None:
    with TestClient(create_app(make_settings(tmp_path / "index"), embedder)) as c:
        r = c.post("/ask", json={"question": "anything?"})
        assert r.status_code == 503
        assert r.json()["detail"] == f"no index at {tmp_path / 'index'}: run `make ingest`"
        assert r.headers["retry-after"] == "5"
        ready = c.get("/readyz")
        assert ready.status_code == 503 and ready.json()["ready"] is False
        assert c.get("/healthz").status_code == 200


def test_api_key_required_when_configured(sample_index: Path, embedder: Embedder) -> None:
    settings = make_settings(sample_index, api_key="s3cret")
    with TestClient(create_app(settings, embedder)) as c:
        r = c.post("/ask", json={"question": "How long must my password be?"})
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        wrong = c.get("/documents", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        ok = c.post(
            "/ask",
            json={"question": "How long must my password be?"},
            headers={"Authorization": "Bearer s3cret"},
        )
        assert ok.status_code == 200
        assert c.get("/healthz").status_code == 200  # probes stay open


def test_rate_limit_returns_429_with_retry_after(sample_index: Path, embedder: Embedder) -> None:
    with TestClient(
        create_app(make_settings(sample_index, rate_limit_per_minute=2), embedder)
    ) as c:
        codes = [c.get("/documents").status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        r = c.get("/documents")
        assert int(r.headers["retry-after"]) >= 1
        assert r.json()["error"] == "rate_limited"


def test_cors_off_unless_configured(
    client: TestClient, sample_index: Path, embedder: Embedder
) -> None:
    pre = {"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}
    assert "access-control-allow-origin" not in client.options("/ask", headers=pre).headers
    settings = make_settings(sample_index, cors_origins=["https://app.example"])
    with TestClient(create_app(settings, embedder)) as c:
        r = c.options("/ask", headers=pre)
        assert r.headers["access-control-allow-origin"] == "https://app.example"


# -- hardening --------------------------------------------------------------------------------

import logging  # noqa: E402

from fastapi import Depends  # noqa: E402

SURROGATE = b'{"question": "\\ud800 How long must my password be?"}'


def _error_shape(r: Any, status: int, error: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = r.json()
    assert set(body) == {"error", "detail", "request_id"}
    assert body["error"] == error
    assert body["request_id"] and body["request_id"] == r.headers["x-request-id"]
    return body


def test_hardening_09_lone_surrogate_is_422(client: TestClient) -> None:
    r = client.post("/ask", content=SURROGATE, headers={"content-type": "application/json"})
    body = _error_shape(r, 422, "invalid_request")
    assert body["detail"][0]["field"] == "question"
    assert "surrogate" in body["detail"][0]["problem"]


def test_hardening_09_lone_surrogate_with_stream_is_422_before_the_stream(
    client: TestClient,
) -> None:
    r = client.post(
        "/ask",
        content=SURROGATE[:-1] + b', "stream": true}',
        headers={"content-type": "application/json"},
    )
    _error_shape(r, 422, "invalid_request")
    assert "TextEncodeInput" not in r.text


def test_hardening_09_stream_error_event_is_generic_and_logged(
    sample_index: Path,
    embedder: Embedder,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with TestClient(create_app(make_settings(sample_index), embedder)) as c:
        retriever = c.app.state.rag.answerer.retriever  # type: ignore[attr-defined]

        def broken(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("secret internal detail /srv/index/gen-x")

        monkeypatch.setattr(retriever, "search", broken)
        with caplog.at_level(logging.ERROR):
            with c.stream("POST", "/ask", json={"question": "a question?", "stream": True}) as r:
                events = _events(r.read().decode())
    name, data = events[-1]
    assert name == "error"
    assert data["error"] == "internal_error"
    assert data["request_id"] == r.headers["x-request-id"]
    assert "secret" not in json.dumps(events)
    assert any(
        rec.exc_info and "secret internal detail" in str(rec.exc_info[1]) for rec in caplog.records
    )


def test_hardening_09_unhandled_exception_is_json_500_with_request_id(
    sample_index: Path, embedder: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(make_settings(sample_index), embedder)

    def explode() -> None:
        raise RuntimeError("secret internal detail")

    async def route() -> dict[str, str]:
        raise ZeroDivisionError("secret route detail")

    app.add_api_route("/test-raises", route)
    app.add_api_route("/test-dependency-raises", route, dependencies=[Depends(explode)])
    with TestClient(app, raise_server_exceptions=False) as c, caplog.at_level(logging.ERROR):
        for path in ("/test-raises", "/test-dependency-raises"):
            r = c.get(path, headers={"X-Request-ID": "rid-500"})
            body = _error_shape(r, 500, "internal_error")
            assert body["request_id"] == "rid-500"
            assert "secret" not in r.text
    logged = [rec for rec in caplog.records if rec.exc_info]
    assert {type(rec.exc_info[1]) for rec in logged if rec.exc_info} >= {
        RuntimeError,
        ZeroDivisionError,
    }


def test_hardening_21_docs_need_the_key_when_one_is_set(
    sample_index: Path, embedder: Embedder
) -> None:
    with TestClient(create_app(make_settings(sample_index, api_key="s3cret"), embedder)) as c:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert c.get(path).status_code == 401, path
            ok = c.get(path, headers={"Authorization": "Bearer s3cret"})
            assert ok.status_code == 200, path
    settings = make_settings(sample_index, api_key="s3cret", public_docs=True)
    with TestClient(create_app(settings, embedder)) as c:
        assert c.get("/openapi.json").status_code == 200
        assert c.get("/docs").status_code == 200


def test_hardening_21_readyz_shows_the_generation_not_the_path(
    client: TestClient, sample_index: Path, tmp_path: Path, embedder: Embedder
) -> None:
    ready = client.get("/readyz").json()
    assert ready["index"] == (sample_index / "CURRENT").read_text().strip()
    assert str(sample_index) not in json.dumps(ready)
    with TestClient(create_app(make_settings(tmp_path / "index"), embedder)) as c:
        r = c.get("/readyz")
        assert r.status_code == 503
        assert str(tmp_path) not in r.text and r.json()["index"] is None


@pytest.mark.parametrize(
    ("method", "path", "status", "error"),
    [
        ("GET", "/nope", 404, "not_found"),
        ("GET", "/ask", 405, "method_not_allowed"),
        ("DELETE", "/documents", 405, "method_not_allowed"),
    ],
)
def test_hardening_23_404_and_405_have_the_error_shape(
    client: TestClient, method: str, path: str, status: int, error: str
) -> None:
    r = client.request(method, path)
    _error_shape(r, status, error)
    if status == 405:
        assert r.headers["allow"]


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b'{"question": "\xff\xfe"}',
        b"[" * 5000 + b"]" * 5000,
        b'{"question": "ok?"',
    ],
    ids=["syntax", "invalid-utf8", "too-deep", "truncated"],
)
def test_hardening_23_malformed_json_has_the_error_shape(
    client: TestClient, content: bytes
) -> None:
    r = client.post("/ask", content=content, headers={"content-type": "application/json"})
    _error_shape(r, 422, "invalid_request")


@pytest.mark.parametrize(
    "question",
    ["\u0000", "\u0000\u0000 \u0000", "\u200b\u200c\u200d", "\ufeff", " \ufeff\u2060\u00ad "],
    ids=["nul", "nuls", "zero-width", "bom", "mixed"],
)
def test_hardening_23_invisible_only_question_is_422_empty(
    client: TestClient, question: str
) -> None:
    r = client.post("/ask", json={"question": question})
    body = _error_shape(r, 422, "invalid_request")
    assert body["detail"][0]["field"] == "question"
    assert body["detail"][0]["problem"].startswith("question is empty")


@pytest.mark.parametrize(
    "question",
    [
        "How long is parental leave for the primary caregiver?",
        "What does error E-4012 mean?",
        "How many days of annual leave do new employees get?",
    ],
)
def test_every_citation_offset_locates_its_quote_in_the_page_text(
    client: TestClient, question: str
) -> None:
    body = ask(client, question)
    assert body["abstained"] is False and body["citations"]
    for c in body["citations"]:
        page = client.get(f"/documents/{c['doc_id']}/pages/{c['page_start']}").json()
        assert page["document"] == c["document"] and page["label"] == c["page_label"]
        assert c["page_start"] == c["page_end"], "these answers sit on one page"
        located = page["text"][c["char_start"] : c["char_end"]]
        assert " ".join(located.split()) == c["quote"]


def test_page_text_of_an_unknown_page_is_404(client: TestClient) -> None:
    r = client.get("/documents/0000000000000000/pages/1")
    assert r.status_code == 404
    assert r.json()["error"] == "not_found"
