"""Errors raised by ingestion and by index loading.

IngestError
├── DocumentError          one input file cannot be used; it is skipped, the run goes on
│   ├── MissingFile        path does not exist or vanished mid-run (retry after fixing the path)
│   ├── UnreadableFile     permission or I/O error (retry after fixing permissions)
│   ├── EmptyFile          zero bytes (no retry helps)
│   ├── NotAPdf            no PDF header: another format renamed .pdf (no retry helps)
│   ├── CorruptPdf         truncated or damaged PDF (repair it, e.g. `qpdf`, then retry)
│   ├── EncryptedPdf       needs a password (decrypt it first, then retry)
│   ├── NoTextLayer        scanned pages only (OCR it first, then retry)
│   └── DuplicateDocument  same bytes as another input (nothing to do)
├── EmbedderError          the embedding model cannot be loaded or is not the expected one
├── ConfigError            settings that cannot work together (fix the settings)
└── IndexError_            the index on disk cannot be used
    ├── IndexNotFound      nothing ingested yet (run `make ingest`)
    ├── IndexIncompatible  other schema version or embedder (re-ingest with --rebuild)
    ├── IndexCorrupt       files missing or inconsistent (re-ingest with --rebuild)
    └── IndexLocked        another ingest is writing (wait for it)
"""

from __future__ import annotations


class IngestError(Exception):
    """Base of every error this package raises on purpose."""


class DocumentError(IngestError):
    """One input file cannot be ingested; `reason` is the one-line text shown to users."""

    code = "document_error"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MissingFile(DocumentError):
    code = "missing"


class UnreadableFile(DocumentError):
    code = "unreadable"


class EmptyFile(DocumentError):
    code = "empty"


class NotAPdf(DocumentError):
    code = "not_a_pdf"


class CorruptPdf(DocumentError):
    code = "corrupt"


class EncryptedPdf(DocumentError):
    code = "encrypted"


class NoTextLayer(DocumentError):
    code = "no_text_layer"


class DuplicateDocument(DocumentError):
    code = "duplicate"


class EmbedderError(IngestError):
    """The embedder cannot be loaded, or its weights are not the ones expected."""


class ConfigError(IngestError):
    """Settings that cannot work together, e.g. chunks longer than the embedder reads."""


class IndexError_(IngestError):  # trailing underscore: do not shadow the builtin
    """The index directory cannot be used as it is."""


class IndexNotFound(IndexError_):
    """No index has been written at the configured path yet."""


class IndexIncompatible(IndexError_):
    """The index was built with another schema version or embedder than configured."""


class IndexCorrupt(IndexError_):
    """Index files are missing or disagree with each other."""


class IndexLocked(IndexError_):
    """Another ingest holds the index lock."""
