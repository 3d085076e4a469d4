"""What a generation records about itself: the manifest, and the shape of one stored chunk.

Both are pydantic models with strict types, so a malformed file is refused at load with the
field that is wrong, instead of loading as "ready" and failing on the first request.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, model_validator

from core.chunk import Chunk
from core.tokenize import TOKENIZER_VERSION

# 2: per-file sha256 digests in the manifest, checked on load.
# 3: sentence spans and their vectors, page texts, page offsets of every page break.
SCHEMA_VERSION = 3


class EmbedderInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    dimension: int
    max_seq_length: int
    weights_sha256: str
    precision: str
    precision_reason: str = ""
    bf16_min_cosine: float | None = None
    bf16_speedup: float | None = None


class ChunkerInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    chunk_tokens: int
    chunk_overlap: int
    lexical_tokenizer: str = TOKENIZER_VERSION
    # Versions of the text cleaning and of the sentence segmentation that made the chunks
    # (ingest.clean.PARSER_VERSION / core.segment.SEGMENTER_VERSION).
    parser: str = ""


class DocumentRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")
    doc_id: str
    path: str
    sha256: str
    size: int
    pages: int
    chunks: int
    pages_without_text: int = 0
    status: Literal["ok"] = "ok"
    notes: list[str] = []


class SkippedFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str
    status: Literal["skipped"] = "skipped"
    code: str
    error: str
    sha256: str | None = None


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schema_version: int
    created_at: str
    embedder: EmbedderInfo
    chunker: ChunkerInfo
    documents: list[DocumentRecord]
    skipped: list[SkippedFile] = []
    chunk_count: int
    page_count: int
    # sha256 of every other file of the generation, filled in when it is written.
    files: dict[str, str] = {}


class ChunkRecord(BaseModel):
    """One line of chunks.jsonl, validated field by field before it becomes a `Chunk`."""

    model_config = ConfigDict(extra="forbid", strict=True)
    id: StrictStr = Field(min_length=1)
    doc_id: StrictStr = Field(min_length=1)
    source: StrictStr
    ordinal: StrictInt = Field(ge=0)
    page_start: StrictInt = Field(ge=1)
    page_end: StrictInt = Field(ge=1)
    label_start: StrictStr
    label_end: StrictStr
    char_start: StrictInt = Field(ge=0)
    char_end: StrictInt = Field(ge=0)
    n_tokens: StrictInt = Field(ge=0)
    text: StrictStr
    page_breaks: list[tuple[StrictInt, StrictInt, StrictInt]] = []
    sentences: list[tuple[StrictInt, StrictInt]] = []

    @model_validator(mode="after")
    def _consistent(self) -> ChunkRecord:
        if self.page_end < self.page_start:
            raise ValueError(f"page_end {self.page_end} < page_start {self.page_start}")
        last_offset, last_page = 0, self.page_start
        for offset, page, page_char in self.page_breaks:
            if not (last_offset < offset <= len(self.text)) or not (
                last_page < page <= self.page_end
            ):
                raise ValueError(f"page break {(offset, page)} out of order or out of range")
            if page_char < 0:
                raise ValueError(f"page break {(offset, page)} has a negative page offset")
            last_offset, last_page = offset, page
        end = 0
        for start, stop in self.sentences:
            if not (end <= start < stop <= len(self.text)):
                raise ValueError(f"sentence span {(start, stop)} out of order or out of range")
            end = stop
        return self

    def to_chunk(self) -> Chunk:
        fields = self.model_dump()
        fields["page_breaks"] = tuple(tuple(b) for b in self.page_breaks)
        fields["sentences"] = tuple(tuple(s) for s in self.sentences)
        return Chunk(**fields)


class PageRecord(BaseModel):
    """One line of pages.jsonl: a page's cleaned text, which citation offsets index into."""

    model_config = ConfigDict(extra="forbid", strict=True)
    doc_id: StrictStr = Field(min_length=1)
    page: StrictInt = Field(ge=1)
    label: StrictStr
    text: StrictStr
