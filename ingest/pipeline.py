"""Incremental ingest: discover PDFs, parse in worker processes while the main process
chunks and embeds, then write a new index generation atomically."""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ingest.chunk import Chunk, Chunker
from ingest.embed import (
    Embedder,
    Vectors,
    file_sha256,
    load_embedder,
    resolve_model,
    weights_fingerprint,
)
from ingest.errors import (
    ConfigError,
    DocumentError,
    DuplicateDocument,
    IndexError_,
    IndexNotFound,
    MissingFile,
    UnreadableFile,
)
from ingest.index import (
    SCHEMA_VERSION,
    ChunkerInfo,
    DocumentRecord,
    EmbedderInfo,
    IndexData,
    Manifest,
    SkippedFile,
    check_embedder,
    load_index,
    now_iso,
    read_manifest,
    write_generation,
    writer_lock,
)
from ingest.parse import ParsedDocument, parse_pdf
from ingest.settings import Settings

log = logging.getLogger(__name__)

# Embed once this many chunks are waiting: big enough for length-sorted batches.
_EMBED_FLUSH = 256


@dataclass
class Progress:
    """Callbacks the CLI hooks a progress display into; all optional."""

    on_files: Callable[[int], None] = lambda total: None
    on_file_done: Callable[[str, str], None] = lambda path, outcome: None
    on_chunks: Callable[[int], None] = lambda total: None
    on_embedded: Callable[[int], None] = lambda n: None


@dataclass
class IngestReport:
    """What a run did; `exit_code` is the CLI's documented exit status."""

    index_dir: Path
    files: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    pages: int = 0
    pages_parsed: int = 0
    chunks: int = 0
    chunks_embedded: int = 0
    seconds: float = 0.0
    written: bool = False
    up_to_date: bool = False
    rebuild_reason: str | None = None
    precision: str = ""

    @property
    def documents(self) -> int:
        return len(self.added) + len(self.changed) + len(self.reused)

    @property
    def exit_code(self) -> int:
        if self.documents == 0:
            return 2
        return 1 if self.skipped else 0


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[SkippedFile]]:
    """PDF files under the given paths (recursively), and the paths that do not exist."""
    found: dict[str, Path] = {}
    missing: list[SkippedFile] = []
    for path in paths:
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                if p.suffix.lower() == ".pdf" and not p.is_dir():
                    found.setdefault(str(p.resolve()), p)
        elif path.exists() or path.is_symlink():
            found.setdefault(str(path.resolve()), path)  # named explicitly: parse will judge
        else:
            missing.append(
                SkippedFile(path=str(path), code="missing", error="no such file or directory")
            )
    return sorted(found.values(), key=str), missing


def _parse_job(path: str) -> ParsedDocument | DocumentError:
    """Runs in a worker process; returns the error as a value so the pool survives it."""
    try:
        return parse_pdf(Path(path))
    except DocumentError as exc:
        return exc


def _default_workers() -> int:
    # Leave a core to the embedder, which runs in the main process at the same time.
    return max(1, min(4, (os.cpu_count() or 1) - 1))


def _parse_all(
    paths: Sequence[Path], workers: int
) -> Iterator[tuple[Path, ParsedDocument | DocumentError]]:
    """Yield parse results as they finish, so embedding overlaps parsing."""
    if len(paths) <= 1 or workers <= 1 and len(paths) <= 2:
        for p in paths:
            yield p, _parse_job(str(p))
        return
    ctx = multiprocessing.get_context("spawn")  # fork after torch threads start can deadlock
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures: dict[Future[ParsedDocument | DocumentError], Path] = {
            pool.submit(_parse_job, str(p)): p for p in paths
        }
        for fut in as_completed(futures):
            try:
                yield futures[fut], fut.result()
            except Exception as exc:  # noqa: BLE001 - a crashed worker costs one file, not the run
                yield futures[fut], DocumentError(f"parser crashed: {type(exc).__name__}: {exc}")


def _previous(
    root: Path, settings: Settings, embedder: Embedder
) -> tuple[IndexData | None, str | None]:
    """The live index if it can be reused, else None and why not."""
    try:
        old = load_index(root)
    except IndexNotFound:
        return None, None
    except IndexError_ as exc:
        return None, str(exc)
    try:
        check_embedder(old.manifest, settings.embedder, embedder.fingerprint, root)
    except IndexError_ as exc:
        return None, str(exc)
    chunker = ChunkerInfo(chunk_tokens=settings.chunk_tokens, chunk_overlap=settings.chunk_overlap)
    if old.manifest.chunker != chunker:
        return None, "chunker settings changed"
    if old.manifest.embedder.precision != embedder.precision:
        return None, "embedding precision changed"  # never mix fp32 and bf16 vectors
    return old, None


def _unchanged(root: Path, settings: Settings, files: list[Path], report: IngestReport) -> bool:
    """True when the live index already reflects exactly these files, decided without
    loading the model: same embedder weights and chunker, same paths with the same hashes."""
    try:
        manifest = read_manifest(root)
    except IndexError_:
        return False
    target, _ = resolve_model(settings.embedder)
    model_dir = Path(target) if Path(target).is_dir() else None
    if (
        manifest.embedder.name != settings.embedder
        or model_dir is None
        or weights_fingerprint(model_dir) != manifest.embedder.weights_sha256
        or manifest.chunker
        != ChunkerInfo(chunk_tokens=settings.chunk_tokens, chunk_overlap=settings.chunk_overlap)
        or settings.embed_precision not in ("auto", manifest.embedder.precision)
    ):
        return False
    known = {d.path: d.sha256 for d in manifest.documents}
    known.update({s.path: s.sha256 for s in manifest.skipped if s.sha256})
    missing = {s.path for s in manifest.skipped if s.code == "missing"}
    if {str(p) for p in files} != set(known) or any(
        s.code != "missing" and not s.sha256 for s in manifest.skipped
    ):
        return False
    try:
        if any(file_sha256(p) != known[str(p)] for p in files):
            return False
    except OSError:
        return False
    if {s.path for s in report.skipped} != missing:
        return False
    report.reused = [d.path for d in manifest.documents]
    report.skipped = list(manifest.skipped)
    report.pages = manifest.page_count
    report.chunks = manifest.chunk_count
    report.precision = manifest.embedder.precision
    return True


def run_ingest(
    settings: Settings,
    paths: Sequence[Path],
    *,
    rebuild: bool = False,
    progress: Progress | None = None,
    embedder: Embedder | None = None,
) -> IngestReport:
    """Bring the index at settings.index_dir in line with the PDFs under `paths`."""
    start = time.perf_counter()
    progress = progress or Progress()
    root = settings.index_dir
    report = IngestReport(index_dir=root)
    files, report.skipped = discover(paths)
    report.files = len(files) + len(report.skipped)
    progress.on_files(len(files))
    if not files:
        return report  # nothing to read: no need to load a model or touch the index

    with writer_lock(root):
        if not rebuild and _unchanged(root, settings, files, report):
            report.up_to_date = True
            report.seconds = time.perf_counter() - start
            return report
        embedder = embedder or load_embedder(
            settings.embedder, settings.embed_precision, settings.embed_batch_size
        )
        report.precision = embedder.precision
        if settings.chunk_tokens + 2 > embedder.max_seq_length:
            raise ConfigError(
                f"chunk_tokens={settings.chunk_tokens} plus 2 special tokens exceeds the "
                f"embedder's max_seq_length={embedder.max_seq_length}; lower RAG_CHUNK_TOKENS"
            )
        old, report.rebuild_reason = (
            (None, "--rebuild") if rebuild else _previous(root, settings, embedder)
        )
        old_docs = {d.sha256: d for d in old.manifest.documents} if old else {}

        # Hash every input: unchanged content is reused, duplicates are skipped.
        by_sha: dict[str, Path] = {}
        sha_of: dict[str, str] = {}
        to_parse: list[Path] = []
        reuse: dict[str, Path] = {}
        for path in files:
            try:
                sha = file_sha256(path)
            except FileNotFoundError:
                report.skipped.append(_skip(path, MissingFile("file vanished during the run")))
                continue
            except OSError as exc:
                report.skipped.append(_skip(path, UnreadableFile(f"cannot read file: {exc}")))
                continue
            if sha in by_sha:
                dup = DuplicateDocument(f"same content as {by_sha[sha]}")
                report.skipped.append(_skip(path, dup, sha))
                continue
            by_sha[sha] = path
            sha_of[str(path)] = sha
            if sha in old_docs:
                reuse[sha] = path
            else:
                to_parse.append(path)

        chunker = Chunker(embedder.tokenizer, settings.chunk_tokens, settings.chunk_overlap)
        new_docs: list[tuple[DocumentRecord, list[Chunk]]] = []
        pending: list[Chunk] = []
        embedded: dict[str, Vectors] = {}

        def flush() -> None:
            if not pending:
                return
            vecs = embedder.embed([c.text for c in pending], progress.on_embedded)
            for chunk, vec in zip(pending, vecs, strict=True):
                embedded[chunk.id] = vec
            report.chunks_embedded += len(pending)
            pending.clear()

        for path in reuse.values():
            progress.on_file_done(str(path), "unchanged")
        workers = settings.parse_workers or _default_workers()
        for path, result in _parse_all(to_parse, workers):
            if isinstance(result, DocumentError):
                report.skipped.append(_skip(path, result, sha_of.get(str(path))))
                progress.on_file_done(str(path), f"skipped: {result.reason}")
                continue
            doc_id = result.sha256[:16]
            chunks = chunker.chunk(doc_id, str(path), result.pages)
            record = DocumentRecord(
                doc_id=doc_id,
                path=str(path),
                sha256=result.sha256,
                size=result.size,
                pages=result.page_count,
                chunks=len(chunks),
                pages_without_text=result.pages_without_text,
                notes=result.notes,
            )
            new_docs.append((record, chunks))
            report.added.append(str(path))
            report.pages_parsed += result.page_count
            report.notes.extend(f"{path}: {note}" for note in result.notes)
            progress.on_file_done(str(path), f"{result.page_count} pages, {len(chunks)} chunks")
            progress.on_chunks(len(chunks))
            pending.extend(chunks)
            if len(pending) >= _EMBED_FLUSH:
                flush()
        flush()

        # Assemble the new generation: every document sorted by path, reused rows copied.
        records: list[tuple[DocumentRecord, list[Chunk]]] = list(new_docs)
        old_vectors = old.vectors() if old and reuse else None
        old_rows = {c.id: i for i, c in enumerate(old.chunks)} if old else {}
        if old:
            old_by_doc: dict[str, list[Chunk]] = {}
            for c in old.chunks:
                old_by_doc.setdefault(c.doc_id, []).append(c)
            for sha, path in reuse.items():
                rec = old_docs[sha]
                moved = rec.path != str(path)
                chunks = old_by_doc.get(rec.doc_id, [])
                if moved:
                    chunks = [replace(c, source=str(path)) for c in chunks]
                records.append((rec.model_copy(update={"path": str(path)}), chunks))
                report.reused.append(str(path))
            current = {str(p) for p in files}
            report.removed = sorted(
                d.path
                for d in old.manifest.documents
                if d.sha256 not in by_sha and d.path not in current
            )
            old_paths = {d.path for d in old.manifest.documents}
            report.changed = [p for p in report.added if p in old_paths]
            report.added = [p for p in report.added if p not in old_paths]
        records.sort(key=lambda r: r[0].path)

        all_chunks = [c for _, cs in records for c in cs]
        report.chunks = len(all_chunks)
        report.pages = sum(r.pages for r, _ in records)
        if not records:
            report.seconds = time.perf_counter() - start
            return report  # nothing usable: keep whatever index exists untouched

        report.up_to_date = bool(
            old
            and not new_docs
            and not report.changed
            and not report.removed
            and all(old_docs[sha].path == str(p) for sha, p in reuse.items())
            and _same_skips(old.manifest.skipped, report.skipped)
        )
        if not report.up_to_date:
            vectors = np.empty((len(all_chunks), embedder.dimension), dtype=np.float32)
            for i, c in enumerate(all_chunks):
                vec = embedded.get(c.id)
                if vec is None:
                    assert old_vectors is not None
                    vec = old_vectors[old_rows[c.id]]
                vectors[i] = vec
            manifest = _manifest(settings, embedder, [r for r, _ in records], report)
            write_generation(root, manifest, all_chunks, vectors)
            report.written = True
    report.seconds = time.perf_counter() - start
    return report


def _skip(path: Path, err: DocumentError, sha: str | None = None) -> SkippedFile:
    return SkippedFile(path=str(path), code=err.code, error=err.reason, sha256=sha)


def _same_skips(a: Sequence[SkippedFile], b: Sequence[SkippedFile]) -> bool:
    return sorted((s.path, s.code) for s in a) == sorted((s.path, s.code) for s in b)


def _manifest(
    settings: Settings, embedder: Embedder, docs: list[DocumentRecord], report: IngestReport
) -> Manifest:
    prec = getattr(embedder, "report", None)
    return Manifest(
        schema_version=SCHEMA_VERSION,
        created_at=now_iso(),
        embedder=EmbedderInfo(
            name=settings.embedder,
            dimension=embedder.dimension,
            max_seq_length=embedder.max_seq_length,
            weights_sha256=embedder.fingerprint,
            precision=embedder.precision,
            precision_reason=getattr(prec, "reason", ""),
            bf16_min_cosine=getattr(prec, "min_cosine", None),
            bf16_speedup=getattr(prec, "speedup", None),
        ),
        chunker=ChunkerInfo(
            chunk_tokens=settings.chunk_tokens, chunk_overlap=settings.chunk_overlap
        ),
        documents=docs,
        skipped=report.skipped,
        chunk_count=sum(d.chunks for d in docs),
        page_count=sum(d.pages for d in docs),
    )
