"""Input files: which paths are PDFs worth reading, checked before a byte is read; bounded
reading and hashing; and how file names are stored and shown.

Stored names. The manifest, chunks and summary hold every path as valid Unicode, so a file
name that is not UTF-8 can still be written as JSON and printed. `stored_name` keeps a name
as it is when it is valid UTF-8 without a backslash. Otherwise it doubles each backslash and
writes each byte that is not UTF-8 as ``\\xNN`` (``caf\\xe9.pdf`` for the Latin-1 bytes
``caf\\xe9``). Valid names without a backslash never contain ``\\``, so the mapping is
one-to-one and `path_from_stored` returns the exact original bytes.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import (
    BrokenLink,
    DocumentError,
    MissingFile,
    NotRegularFile,
    TooLarge,
    UnreadableFile,
)

_BLOCK = 1 << 20
_ESCAPE = re.compile(rb"\\(\\|x([0-9a-f]{2}))")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def stored_name(path: str | os.PathLike[str]) -> str:
    """The name kept in the manifest and shown to users; see the module docstring."""
    name = os.fspath(path)
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        pass  # undecodable bytes arrive as lone surrogates (surrogateescape)
    else:
        if "\\" not in name:
            return name
    raw = os.fsencode(name).replace(b"\\", b"\\\\")
    return raw.decode("utf-8", "backslashreplace")


def path_from_stored(name: str) -> Path:
    """Inverse of `stored_name`: the file's real path."""
    if "\\" not in name:
        return Path(name)
    raw = _ESCAPE.sub(
        lambda m: b"\\" if m[1] == b"\\" else bytes([int(m[2], 16)]), name.encode("utf-8")
    )
    return Path(os.fsdecode(raw))


def shown(text: str) -> str:
    """One display line: newlines and other control characters as escapes."""
    return _CONTROL.sub(lambda m: repr(m[0])[1:-1], text)


@dataclass(frozen=True)
class Input:
    """A regular file to ingest: where to read it, the name to store, its size at discovery."""

    path: Path
    name: str
    size: int


def check_file(path: Path, max_bytes: int) -> int:
    """Size of `path` if it is a regular file (after symlinks) within `max_bytes`."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise BrokenLink(
                f"broken symbolic link: {stored_name(_target(path))} does not exist"
            ) from None
        raise MissingFile("no such file or directory") from None
    except OSError as exc:
        raise _os_error(exc) from None
    _check_stat(st, max_bytes)
    return st.st_size


def _target(path: Path) -> str:
    target = os.readlink(path)
    return os.path.join(os.path.dirname(path), target) if not os.path.isabs(target) else target


def _check_stat(st: os.stat_result, max_bytes: int) -> None:
    if stat.S_ISDIR(st.st_mode):
        raise NotRegularFile("is a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        kind = next((k for test, k in _KINDS if test(st.st_mode)), "not a file")
        raise NotRegularFile(f"not a regular file ({kind}): nothing to read")
    if st.st_size > max_bytes:
        raise TooLarge(
            f"file is {st.st_size} bytes, over the {max_bytes}-byte limit (RAG_MAX_FILE_BYTES)"
        )


def _os_error(exc: OSError) -> DocumentError:
    if exc.errno == errno.ELOOP:
        return BrokenLink("symbolic link loop")
    if isinstance(exc, FileNotFoundError):
        return MissingFile("file vanished during the run")
    return UnreadableFile(f"cannot read file: {exc.strerror or exc}")


def _read(path: Path, max_bytes: int, sink: Callable[[bytes], object]) -> int:
    """Stream a regular file into `sink`, refusing anything else and more than `max_bytes`.

    O_NONBLOCK: opening a FIFO that was swapped in after discovery returns at once instead
    of waiting for a writer; fstat of the open file then refuses it.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise _os_error(exc) from None
    try:
        _check_stat(os.fstat(fd), max_bytes)
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as fh:
        try:
            total = 0
            while block := fh.read(_BLOCK):
                total += len(block)
                if total > max_bytes:  # grew since it was checked
                    raise TooLarge(f"file is over the {max_bytes}-byte limit (RAG_MAX_FILE_BYTES)")
                sink(block)
        except OSError as exc:
            raise _os_error(exc) from None
    return total


def read_bounded(path: Path, max_bytes: int) -> bytes:
    """The file's bytes; DocumentError when it is not a readable regular file in the limit."""
    buf = bytearray()
    _read(path, max_bytes, buf.extend)
    return bytes(buf)


def file_sha256(path: Path, max_bytes: int) -> str:
    """sha256 of a regular file, reading at most `max_bytes` (DocumentError otherwise)."""
    digest = hashlib.sha256()
    _read(path, max_bytes, digest.update)
    return digest.hexdigest()


def discover(
    paths: Iterable[Path], max_bytes: int
) -> tuple[list[Input], list[tuple[str, DocumentError]]]:
    """PDF files under the given paths (recursively) and, by stored name, the ones to skip.

    Nothing is opened here: a FIFO, a device, a broken link or a symlink loop is skipped by
    its stat alone, so it can never block the run.
    """
    found: dict[str, Input] = {}
    skipped: list[tuple[str, DocumentError]] = []

    def add(path: Path) -> None:
        try:
            size = check_file(path, max_bytes)
            key = os.path.realpath(path)
        except DocumentError as exc:
            skipped.append((stored_name(path), exc))
            return
        except (OSError, RuntimeError) as exc:  # realpath on a path that changed meanwhile
            skipped.append((stored_name(path), UnreadableFile(f"cannot resolve path: {exc}")))
            return
        found.setdefault(key, Input(path=path, name=stored_name(path), size=size))

    for path in paths:
        if _is_dir(path):
            for p in sorted(path.rglob("*")):
                if p.suffix.lower() == ".pdf" and not _is_dir(p):
                    add(p)
        else:
            add(path)  # named explicitly: whatever it is, the skip reason will say
    return sorted(found.values(), key=lambda i: i.name), skipped


def _is_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False
