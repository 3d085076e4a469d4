"""Request and response bodies of the HTTP API (published in the OpenAPI docs)."""

from __future__ import annotations

import unicodedata
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, field_validator

# Earlier turns a request may carry; /v1 keeps only the latest this many of its messages.
MAX_HISTORY_TURNS = 20


class Turn(BaseModel):
    """One earlier turn of a conversation."""

    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "assistant"] = Field(description="who said it")
    content: StrictStr = Field(description="what was said, in plain text")

    @field_validator("content")
    @classmethod
    def _clean_content(cls, v: str) -> str:
        _no_surrogates(v, "content")
        cleaned = visible_text(v)
        if not cleaned:
            raise ValueError("a turn's content is empty: send its text, or leave the turn out")
        return cleaned


class AskRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"question": "How many days of annual leave do new employees get?"},
                {"question": "What does error E-4012 mean?", "top_k": 3, "stream": False},
            ]
        },
    )

    question: StrictStr = Field(description="the question, in plain text")
    top_k: StrictInt | None = Field(None, ge=1, le=20, description="chunks to answer from")
    documents: list[StrictStr] | None = Field(
        None, max_length=50, description="restrict to these documents (id, path or file name)"
    )
    stream: StrictBool = Field(False, description="server-sent events instead of one JSON body")
    history: list[Turn] | None = Field(
        None,
        max_length=MAX_HISTORY_TURNS,
        description="earlier turns of the conversation, oldest first: the question is made "
        "standalone from them before retrieval (README, Follow-up questions)",
    )

    @field_validator("question")
    @classmethod
    def _clean_question(cls, v: str) -> str:
        _no_surrogates(v, "question")
        cleaned = visible_text(v)
        if not cleaned:
            raise ValueError(
                "question is empty or whitespace only (control, zero-width and byte-order-mark "
                "characters do not count): send a question in plain text"
            )
        return cleaned

    @field_validator("documents")
    @classmethod
    def _clean_documents(cls, v: list[str] | None) -> list[str] | None:
        for name in v or []:
            _no_surrogates(name, "document name")
        return v


def visible_text(text: str) -> str:
    """`text` without control (Cc) and format (Cf: zero-width, BOM, ...) characters, stripped;
    tabs and newlines become spaces."""
    return "".join(
        " " if ch in "\t\n\r" else ch
        for ch in text
        if ch in "\t\n\r" or unicodedata.category(ch) not in ("Cc", "Cf")
    ).strip()


def _no_surrogates(text: str, what: str) -> None:
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        raise ValueError(
            f"{what} contains a lone UTF-16 surrogate (e.g. \\ud800), which is not text: "
            "send valid Unicode"
        )


class Citation(BaseModel):
    id: int = Field(description="the marker used in the answer text, e.g. [1]")
    chunk_id: str
    doc_id: str = Field(description="the document's id (GET /documents)")
    document: str = Field(description="file name of the source PDF")
    path: str
    page_start: int = Field(description="physical page, 1-based")
    page_end: int
    page_label: str = Field(description="the page label printed in the PDF, if any")
    quote: str = Field(
        description="verbatim text of the document that supports the sentence (whitespace "
        "collapsed to single spaces)"
    )
    char_start: int | None = Field(
        None,
        description="where the quote starts in the cleaned text of page_start "
        "(GET /documents/{doc_id}/pages/{page}); null if it could not be located",
    )
    char_end: int | None = Field(
        None, description="where the quote ends (exclusive) in the cleaned text of page_end"
    )
    score: float


class ClosestSource(BaseModel):
    """A passage that came closest to answering a refused question: NOT an answer."""

    doc_id: str
    document: str
    path: str
    page_start: int
    page_end: int
    page_label: str
    text: str = Field(description="the start of the passage, for a reader to judge")
    score: float
    note: str = "not an answer: the closest passage the documents hold"


class Candidate(BaseModel):
    chunk_id: str
    document: str
    page_start: int
    page_end: int
    bm25_rank: int | None
    dense_rank: int | None
    fused_rank: int | None
    rerank_rank: int | None
    score: float
    text: str | None = Field(None, description="chunk text, for the top_k answered from")


class Retrieval(BaseModel):
    reranker: str = Field(description='active reranker, or "none (reason)"')
    fusion: str
    mode: str = Field(description="hybrid, bm25 or dense")
    candidates: list[Candidate] = Field(
        description="every fused candidate in final order; the first top_k were answered from"
    )


class Checks(BaseModel):
    """What the citation check did to the generator's draft."""

    sentences_kept: int = 0
    sentences_dropped: int = 0
    citations_rejected: int = 0
    evidence_score: float | None = Field(
        None, description="best question-sentence similarity among the retrieved passages"
    )
    answerability: float | None = Field(
        None,
        description="estimated probability that the documents answer the question "
        "(the refusal decision's score; see README, Refusals)",
    )
    answerability_threshold: float | None = Field(
        None, description="the service refuses when answerability is below this"
    )


class FollowUp(BaseModel):
    """How a question asked after earlier turns was made standalone (service/followup.py)."""

    original: str = Field(description="the question as asked")
    question: str = Field(description="the standalone question that was searched and answered")
    method: Literal["llm", "terms", "unchanged", "off"] = Field(
        description="`llm`: rewritten by the LLM; `terms`: the earlier questions' salient "
        "terms added; `unchanged`: judged standalone; `off`: RAG_FOLLOWUP_REWRITE=off"
    )
    note: str | None = Field(None, description="why the LLM rewrite was not used, if it failed")


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class AskResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "answer": "New employees receive 25 days of annual leave per year [1].",
                    "citations": [
                        {
                            "id": 1,
                            "chunk_id": "3f2a9c0d1e7b4a55:00012",
                            "document": "employee-handbook.pdf",
                            "path": "data/sample/employee-handbook.pdf",
                            "page_start": 7,
                            "page_end": 7,
                            "page_label": "7",
                            "quote": "New employees receive 25 days of annual leave per year.",
                            "score": 0.71,
                        }
                    ],
                    "abstained": False,
                    "reason": None,
                    "degraded": False,
                    "generator": "extractive",
                    "retrieval": {
                        "reranker": "none (disabled)",
                        "fusion": "weighted",
                        "mode": "hybrid",
                        "candidates": [],
                    },
                    "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
                    "timings_ms": {"retrieve": 41.2, "generate": 120.5, "total": 163.0},
                    "request_id": "9b1d0c6e5f3a4b2c",
                }
            ]
        }
    )

    answer: str
    citations: list[Citation]
    abstained: bool
    reason: str | None = None
    degraded: bool = False
    generator: str
    closest: list[ClosestSource] = Field(
        default_factory=list,
        description="when abstained: the passages that came closest, marked as not an answer",
    )
    followup: FollowUp | None = Field(
        None, description="only when the request carried history: the question that was searched"
    )
    retrieval: Retrieval
    checks: Checks = Field(default_factory=Checks)
    usage: Usage
    timings_ms: dict[str, float]
    request_id: str


class ErrorBody(BaseModel):
    error: str = Field(description="machine-readable code")
    detail: Any = Field(description="what went wrong and what to do")
    request_id: str | None = None


class DocumentInfo(BaseModel):
    doc_id: str
    document: str
    path: str
    pages: int
    chunks: int
    pages_without_text: int
    status: str
    uploaded: bool = Field(
        False, description="in RAG_UPLOAD_DIR: can be deleted (DELETE /documents/{doc_id})"
    )


class PageText(BaseModel):
    doc_id: str
    document: str
    page: int = Field(description="physical page, 1-based")
    label: str = Field(description="the page label printed in the PDF")
    text: str = Field(description="the cleaned text citation offsets index into")


class SkippedInfo(BaseModel):
    path: str
    status: str
    code: str
    error: str
    uploaded: bool = Field(
        False, description="in RAG_UPLOAD_DIR: can be deleted (DELETE /documents/skipped/{name})"
    )


class DocumentsResponse(BaseModel):
    documents: list[DocumentInfo]
    skipped: list[SkippedInfo]


class ReadyResponse(BaseModel):
    ready: bool
    index: str | None = Field(description="name of the live index generation (never a path)")
    detail: str | None = None
    embedder: str | None = None
    reranker: str | None = None
    generator: str | None = None
    chunks: int = 0
    documents: int = 0


class IngestJobInfo(BaseModel):
    """A background ingest started by an upload or a delete (GET /documents/jobs/{id})."""

    id: str
    action: Literal["upload", "delete"]
    files: list[str] = Field(description="the file names uploaded or deleted")
    state: Literal["queued", "running", "loading", "done", "failed"]
    exit_code: int | None = Field(
        description="`python -m ingest` exit status: 0 all ingested, 1 written but some files "
        "skipped, 2 failed and nothing written"
    )
    message: str = Field(description="what happened, in words")
    progress: list[str] = Field(description="the ingest's last output lines")
    index: str | None = Field(description="the generation served once the job was done")
    created_at: str
    finished_at: str | None
