"""A document's file as the index knows it: still there, still the bytes that were ingested.

The stored path comes from the live manifest, never from a client. Its sha256 is compared
with the manifest's before the file is served, since a changed file would make page numbers
and quote offsets point at other text; digests are cached per (path, inode, size, mtime), as
a PDF viewer asks for many byte ranges of one file.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from pathlib import Path

from fastapi.responses import FileResponse
from starlette.responses import MalformedRangeHeader
from starlette.responses import RangeNotSatisfiable as _Unsatisfiable

from core.manifest import DocumentRecord
from service.errors import Conflict, HttpError

_HASH_BLOCK = 1 << 20
_digests: dict[tuple[str, int, int, int, int], str] = {}
_digests_lock = threading.Lock()


class RangeNotSatisfiable(HttpError):
    def __init__(self, size: int) -> None:
        super().__init__(416, f"the requested range is outside the file's {size} bytes")
        self.size = size

    def headers(self) -> dict[str, str]:
        return {"Content-Range": f"bytes */{self.size}"}


def _sha256(path: Path, st: os.stat_result) -> str:
    key = (str(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    with _digests_lock:
        if key in _digests:
            return _digests[key]
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_HASH_BLOCK):
            digest.update(block)
    with _digests_lock:
        if len(_digests) > 256:
            _digests.clear()
        _digests[key] = digest.hexdigest()
    return _digests[key]


def checked_file(doc: DocumentRecord) -> tuple[Path, os.stat_result]:
    """The document's file, if it is still the one that was ingested; Conflict otherwise."""
    if "\\" in doc.path:
        # A name that was not plain UTF-8 (stored escaped, see README "Your own PDFs").
        raise Conflict(f"{doc.path} has a file name that is not plain UTF-8: it cannot be served")
    path = Path(doc.path)
    try:
        st = os.stat(path)
    except OSError:
        raise Conflict(f"{doc.path} is no longer on disk: run the ingest again") from None
    if not stat.S_ISREG(st.st_mode):
        raise Conflict(f"{doc.path} is no longer a regular file: run the ingest again")
    if st.st_size != doc.size or _sha256(path, st) != doc.sha256:
        raise Conflict(
            f"{doc.path} changed since it was ingested, so its pages may no longer match the "
            "index: run the ingest again"
        )
    return path, st


def check_range(header: str | None, size: int) -> None:
    """Refuse a Range header the file cannot satisfy here, so the error is JSON like the rest."""
    if header is None:
        return
    try:
        FileResponse._parse_range_header(header, size)
    except _Unsatisfiable:
        raise RangeNotSatisfiable(size) from None
    except MalformedRangeHeader:
        raise HttpError(400, f"malformed Range header: {header[:100]!r}") from None
