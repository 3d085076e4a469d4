"""PDF -> cleaned pages: pypdf extraction, running header/footer removal, de-hyphenation."""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import (
    DependencyError,
    FileNotDecryptedError,
    LimitReachedError,
    PdfReadError,
    PyPdfError,
)

from ingest.clean import dehyphenate, normalize, strip_running_lines
from ingest.errors import (
    CorruptPdf,
    DocumentError,
    EmptyFile,
    EncryptedPdf,
    NotAPdf,
    NoTextLayer,
    ParserCrashed,
    TooLarge,
    UnsafePdf,
)
from ingest.inputs import read_bounded
from ingest.visible import visible_text

# pypdf logs recoverable damage as warnings; surface it through our summary instead.
logging.getLogger("pypdf").setLevel(logging.ERROR)

# Defaults when parse_pdf is called without limits (tests, scripts); ingest passes settings.
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_DOCUMENT_CHARS = 10_000_000


@dataclass(frozen=True)
class Page:
    """One physical page: 1-based number, the PDF's page label, cleaned text."""

    number: int
    label: str
    text: str


@dataclass
class ParsedDocument:
    path: str
    sha256: str
    size: int
    pages: list[Page]
    page_count: int
    pages_without_text: int = 0
    removed_lines: int = 0
    notes: list[str] = field(default_factory=list)


def parse_pdf(
    path: Path,
    data: bytes | None = None,
    *,
    max_bytes: int = MAX_FILE_BYTES,
    max_chars: int = MAX_DOCUMENT_CHARS,
) -> ParsedDocument:
    """Parse and clean one PDF; raises a DocumentError subclass when it cannot be used.

    Never anything else: whatever pypdf raises on a hostile file becomes a DocumentError.
    """
    if data is None:
        data = read_bounded(path, max_bytes)
    if not data:
        raise EmptyFile("empty file (0 bytes)")
    # The header may be preceded by junk bytes; readers accept it within the first 1 KiB.
    if b"%PDF-" not in data[:1024]:
        raise NotAPdf("not a PDF (no %PDF header): another format renamed .pdf?")
    sha = hashlib.sha256(data).hexdigest()

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise EncryptedPdf("encrypted: password required; decrypt it first (qpdf --decrypt)")
        page_count = len(reader.pages)
        labels = _page_labels(reader, page_count)
        raw, hidden = _extract_all(reader, page_count, max_chars)
    except DocumentError:
        raise
    except FileNotDecryptedError as exc:
        raise EncryptedPdf("encrypted: password required; decrypt it first") from exc
    except LimitReachedError as exc:
        raise UnsafePdf(
            f"pypdf refused it: {exc} (a safety limit against decompression bombs and "
            "huge page trees)"
        ) from exc
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CorruptPdf(f"corrupt or truncated PDF ({type(exc).__name__}: {exc})") from exc
    except (NotImplementedError, DependencyError) as exc:
        # e.g. AES without the cryptography package, or an unsupported filter.
        raise CorruptPdf(f"unsupported PDF feature: {exc}") from exc
    except PyPdfError as exc:  # any other refusal by pypdf: the file, not the run
        raise CorruptPdf(f"pypdf cannot read it ({type(exc).__name__}: {exc})") from exc
    except Exception as exc:  # noqa: BLE001 - e.g. RecursionError on a deeply nested file
        raise ParserCrashed(f"parser failed: {type(exc).__name__}: {exc}") from exc

    if page_count == 0:
        raise CorruptPdf("PDF has no pages")
    texts = [normalize(t) for t in raw]
    empty = sum(1 for t in texts if not t.strip())
    if empty == page_count:
        raise NoTextLayer(f"no text layer on any of {page_count} pages: OCR not supported")

    texts, removed = strip_running_lines(texts)
    pages = [
        Page(number=i + 1, label=labels[i], text=dehyphenate(t).strip())
        for i, t in enumerate(texts)
    ]
    doc = ParsedDocument(
        path=str(path),
        sha256=sha,
        size=len(data),
        pages=pages,
        page_count=page_count,
        pages_without_text=empty,
        removed_lines=removed,
    )
    if empty:
        doc.notes.append(f"{empty} of {page_count} pages have no text layer (OCR not supported)")
    if hidden:
        doc.notes.append(f"{hidden} hidden text run(s) not indexed (white, invisible or off-page)")
    return doc


def _extract_all(reader: PdfReader, page_count: int, max_chars: int) -> tuple[list[str], int]:
    """Visible text of every page, and how many hidden text runs were dropped.

    Stops as soon as the text passes `max_chars`, so an enormous document costs neither the
    time to extract it all nor the memory to hold it.
    """
    raw: list[str] = []
    hidden = total = 0
    for index in range(page_count):
        page = reader.pages[index]
        try:
            text, dropped = visible_text(page, reader)
        except PdfReadError as exc:
            raise CorruptPdf(f"page {index + 1} cannot be read ({exc})") from exc
        hidden += dropped
        total += len(text)
        if total > max_chars:
            raise TooLarge(
                f"more than {max_chars} characters of text (RAG_MAX_DOCUMENT_CHARS): split "
                "the document or raise the limit"
            )
        raw.append(text)
    return raw, hidden


def _page_labels(reader: PdfReader, page_count: int) -> list[str]:
    try:
        labels = list(reader.page_labels)
    except Exception:  # noqa: BLE001 - a broken label tree must not cost the document
        labels = []
    if len(labels) != page_count:
        return [str(i + 1) for i in range(page_count)]
    return [str(label) for label in labels]
