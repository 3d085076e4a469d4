"""Errors raised by ingestion. Settings, embedder and index errors are in `core.errors`.

IngestError (a core.errors.CoreError)
└── DocumentError          one input file cannot be used; it is skipped, the run goes on
    ├── MissingFile        path does not exist or vanished mid-run (retry after fixing the path)
    ├── BrokenLink         dangling symbolic link or a symlink loop (fix the link, retry)
    ├── UnreadableFile     permission or I/O error (retry after fixing permissions)
    │   └── NotRegularFile a FIFO, device, socket or directory named *.pdf (nothing to read)
    ├── TooLarge           over RAG_MAX_FILE_BYTES or RAG_MAX_DOCUMENT_CHARS (split the
    │                      document or raise the limit, then retry)
    ├── EmptyFile          zero bytes (no retry helps)
    ├── NotAPdf            no PDF header: another format renamed .pdf (no retry helps)
    ├── CorruptPdf         truncated or damaged PDF (repair it, e.g. `qpdf`, then retry)
    │   └── UnsafePdf      over a pypdf safety limit: decompression bomb, huge page tree
    │                      (no retry helps; `qpdf` may rewrite a legitimate file)
    ├── EncryptedPdf       needs a password (decrypt it first, then retry)
    ├── NoTextLayer        scanned pages only (OCR it first, then retry)
    ├── DuplicateDocument  same bytes as another input (nothing to do)
    ├── ParseTimeout       parsing took longer than RAG_PARSE_TIMEOUT_S; the worker was
    │                      killed (retried on the next run; raise the limit if it is legitimate)
    └── ParserCrashed      the parser failed unexpectedly or its process died, also on a
                           retry (retried on the next run)

Permanent or transient: a DocumentError class with `permanent = True` fails the same way for
the same bytes, so the skip is recorded with the file's sha256 and an unchanged file is not
parsed again. Every other skip is recorded without a sha256 and re-examined on the next run:
those decided by a stat (missing, broken link, not a regular file, too many bytes) are simply
found again, the others (vanished, unreadable, timed out, crashed, too much text) are parsed
again, so a transient failure never becomes "index is up to date".
"""

from __future__ import annotations

from core.errors import CoreError


class IngestError(CoreError):
    """Base of every error this package raises on purpose."""


class DocumentError(IngestError):
    """One input file cannot be ingested; `reason` is the one-line text shown to users."""

    code = "document_error"
    # True: same bytes, same failure; the skip keeps the sha256 and is not retried.
    permanent = False

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MissingFile(DocumentError):
    code = "missing"


class BrokenLink(DocumentError):
    code = "broken_link"


class UnreadableFile(DocumentError):
    code = "unreadable"


class NotRegularFile(UnreadableFile):
    code = "not_regular"


class TooLarge(DocumentError):
    # Not permanent: the outcome depends on the limits, which may have been raised.
    code = "too_large"


class EmptyFile(DocumentError):
    code = "empty"
    permanent = True


class NotAPdf(DocumentError):
    code = "not_a_pdf"
    permanent = True


class CorruptPdf(DocumentError):
    code = "corrupt"
    permanent = True


class UnsafePdf(CorruptPdf):
    code = "unsafe_pdf"


class EncryptedPdf(DocumentError):
    code = "encrypted"
    permanent = True


class NoTextLayer(DocumentError):
    code = "no_text_layer"
    permanent = True


class DuplicateDocument(DocumentError):
    code = "duplicate"
    permanent = True


class ParseTimeout(DocumentError):
    code = "timeout"


class ParserCrashed(DocumentError):
    code = "parser_crashed"
