"""Uploaded PDFs: a multipart body streamed to disk under RAG_MAX_UPLOAD_BYTES, never whole in
memory, and the rules for which files the API may add or delete.

A client's file name never reaches the file system as given: only its last component is kept,
reduced to letters, digits, `.`, `-`, `_` and spaces, and it must end in `.pdf`. Each part is
written to a hidden `.upload-<random>.part` file in the upload folder (the ingest reads only
`*.pdf`) and linked to its final name once the whole body has arrived; the name must not be
taken yet (409): an upload never replaces a file. A body over the limit, a malformed one or a
client that hangs up leaves nothing behind.
"""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import anyio
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from core.config import Settings
from service.errors import ClientGone, Conflict, InvalidRequest, PayloadTooLarge

MAX_FILES = 20
_UNSAFE = re.compile(r"[^\w.\- ]+")
_MAX_NAME_BYTES = 200


def safe_name(raw: str) -> str:
    """The name an uploaded file is saved under; InvalidRequest when it is not a `.pdf`."""
    name = unicodedata.normalize("NFC", raw.replace("\\", "/").rsplit("/", 1)[-1])
    name = _UNSAFE.sub("_", name).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot or ext.lower() != "pdf" or not stem.strip(" ._"):
        raise InvalidRequest(f"{raw[:100]!r} is not a .pdf file name: only PDFs can be uploaded")
    while len(stem.encode()) + 4 > _MAX_NAME_BYTES:
        stem = stem[:-1]
    return f"{stem}.pdf"


def under(path: str | Path, folder: Path) -> bool:
    """Whether the stored `path` lies inside `folder` (both resolved, links followed)."""
    real, root = Path(os.path.realpath(path)), Path(os.path.realpath(folder))
    return real == root or root in real.parents


def is_uploaded(settings: Settings, stored_path: str) -> bool:
    """Whether a file came from the upload folder (and so may be deleted)."""
    real = Path(os.path.realpath(stored_path))
    return Path(os.path.realpath(settings.upload_dir)) in real.parents


def ingest_paths(settings: Settings) -> list[str]:
    """What the service's own ingests cover: RAG_CORPUS_DIRS, then RAG_UPLOAD_DIR."""
    upload = str(settings.upload_dir)
    return [d for d in settings.corpus_dirs if d != upload] + [upload]


def outside_corpus(settings: Settings, stored_paths: list[str]) -> list[str]:
    """Indexed documents that an ingest over `ingest_paths` would drop from the index."""
    folders = [Path(p) for p in ingest_paths(settings)]
    return [p for p in stored_paths if not any(under(p, f) for f in folders)]


@dataclass
class _Part:
    tmp: Path
    name: str
    handle: IO[bytes]
    size: int = 0


@dataclass
class _Sink:
    """Receives the parser's callbacks: header lines, then each file part's bytes on disk."""

    folder: Path
    parts: list[_Part] = field(default_factory=list)
    current: _Part | None = None
    header_field: bytearray = field(default_factory=bytearray)
    header_value: bytearray = field(default_factory=bytearray)
    headers: dict[str, bytes] = field(default_factory=dict)

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": lambda d, s, e: self.header_field.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self.header_value.extend(d[s:e]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }

    def _part_begin(self) -> None:
        self.headers.clear()
        self.current = None

    def _header_end(self) -> None:
        self.headers[self.header_field.decode("latin-1").lower()] = bytes(self.header_value)
        self.header_field.clear()
        self.header_value.clear()

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get("content-disposition"))
        filename = options.get(b"filename")
        if filename is None:
            return  # a plain form field: ignored (its bytes still count against the limit)
        name = safe_name(filename.decode("utf-8", "replace"))
        if any(p.name == name for p in self.parts):
            raise InvalidRequest(f"{name} is sent twice in one upload")
        if len(self.parts) >= MAX_FILES:
            raise InvalidRequest(f"at most {MAX_FILES} files per upload")
        if (self.folder / name).exists():
            raise Conflict(f"{name} is already uploaded: delete it first to replace it")
        tmp = self.folder / f".upload-{secrets.token_hex(8)}.part"
        self.current = _Part(tmp, name, tmp.open("xb"))
        self.parts.append(self.current)

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self.current is not None:
            self.current.handle.write(data[start:end])
            self.current.size += end - start

    def _part_end(self) -> None:
        if self.current is not None:
            self.current.handle.close()
        self.current = None

    def commit(self) -> list[tuple[str, int]]:
        """Give each part its final name; on a clash none of them stays."""
        done: list[Path] = []
        try:
            for part in self.parts:
                with part.tmp.open("rb") as fh:
                    os.fsync(fh.fileno())
                final = self.folder / part.name
                try:
                    os.link(part.tmp, final)
                except FileExistsError:
                    raise Conflict(
                        f"{part.name} is already uploaded: delete it first to replace it"
                    ) from None
                done.append(final)
        except BaseException:
            for path in done:
                path.unlink(missing_ok=True)
            raise
        finally:
            self.discard()
        return [(p.name, p.size) for p in self.parts]

    def discard(self) -> None:
        for part in self.parts:
            part.handle.close()
            part.tmp.unlink(missing_ok=True)


async def receive_pdfs(request: Request, folder: Path, limit: int) -> list[tuple[str, int]]:
    """Save the request's file parts into `folder`; (name, size) of each file saved."""
    kind, options = parse_options_header(request.headers.get("content-type"))
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise InvalidRequest("send the PDFs as multipart/form-data in a field named `files`")
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise PayloadTooLarge(f"upload over {limit} bytes (RAG_MAX_UPLOAD_BYTES): send less")
    await anyio.to_thread.run_sync(lambda: folder.mkdir(parents=True, exist_ok=True))
    sink = _Sink(folder)
    parser = MultipartParser(boundary, sink.callbacks())  # type: ignore[arg-type]
    received = 0
    try:
        try:
            async for chunk in request.stream():
                received += len(chunk)
                if received > limit:
                    raise PayloadTooLarge(
                        f"upload over {limit} bytes (RAG_MAX_UPLOAD_BYTES): send less"
                    )
                parser.write(chunk)
            parser.finalize()
        except ClientDisconnect:
            raise ClientGone("the client hung up during its upload; nothing was kept") from None
        except ValueError as exc:  # python-multipart's parse errors
            raise InvalidRequest(f"malformed multipart body: {exc}") from None
        if not sink.parts:
            raise InvalidRequest("no file in the upload: send PDFs in a field named `files`")
        return await anyio.to_thread.run_sync(sink.commit)
    finally:
        sink.discard()
