"""Incremental ingest: discover PDFs, parse them in worker processes while the main process
chunks and embeds, then write a new index generation atomically.

One bad input never aborts the run: whatever goes wrong with one file (unreadable, hostile,
too slow, crashing the parser) becomes a skip with a reason, and an earlier good version of
that file stays in the index.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from core.chunk import Chunk
from core.config import Settings
from core.embed import Embedder, Vectors, load_embedder
from core.errors import ConfigError
from core.index import DocumentRecord, IndexData, SkippedFile, write_generation, writer_lock
from ingest.chunk import Chunker
from ingest.errors import DocumentError, DuplicateDocument, ParserCrashed
from ingest.incremental import build_manifest, previous, unchanged
from ingest.inputs import Input, discover, file_sha256
from ingest.parse import ParsedDocument
from ingest.report import IngestReport as IngestReport  # re-exported: callers import it here
from ingest.report import Progress as Progress
from ingest.report import skip
from ingest.workers import ParseLimits, ParsePool

# Embed once this many chunks are waiting: big enough for length-sorted batches.
_EMBED_FLUSH = 256


def _default_workers() -> int:
    # Leave a core to the embedder, which runs in the main process at the same time.
    return max(1, min(4, (os.cpu_count() or 1) - 1))


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
    inputs, found_skips = discover(paths, settings.max_file_bytes)
    report.skipped = [skip(name, err) for name, err in found_skips]
    report.files = len(inputs) + len(report.skipped)
    progress.on_files(len(inputs))
    if not inputs:
        return report  # nothing to read: no need to load a model or touch the index

    with writer_lock(root):
        if not rebuild and unchanged(root, settings, inputs, report):
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
            (None, "--rebuild") if rebuild else previous(root, settings, embedder)
        )
        old_docs = {d.sha256: d for d in old.manifest.documents} if old else {}
        by_sha, reuse, to_parse = _hash_inputs(settings, inputs, old_docs, report)
        for inp in reuse.values():
            progress.on_file_done(inp.name, "unchanged")
        shas = {inp.name: sha for sha, inp in by_sha.items()}
        new_docs, embedded = _parse_and_embed(settings, embedder, to_parse, shas, report, progress)
        records = _assemble(old, old_docs, new_docs, by_sha, reuse, inputs, report)

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
            and all(old_docs[sha].path == inp.name for sha, inp in reuse.items())
            and _same_skips(old.manifest.skipped, report.skipped)
        )
        if not report.up_to_date:
            vectors = _vectors(all_chunks, embedded, old, embedder.dimension)
            manifest = build_manifest(settings, embedder, [r for r, _ in records], report)
            write_generation(root, manifest, all_chunks, vectors)
            report.written = True
    report.seconds = time.perf_counter() - start
    return report


def _hash_inputs(
    settings: Settings,
    inputs: Sequence[Input],
    old_docs: dict[str, DocumentRecord],
    report: IngestReport,
) -> tuple[dict[str, Input], dict[str, Input], list[Input]]:
    """Hash every input: unchanged content is reused, duplicates are skipped."""
    by_sha: dict[str, Input] = {}
    reuse: dict[str, Input] = {}
    to_parse: list[Input] = []
    for inp in inputs:
        try:
            sha = file_sha256(inp.path, settings.max_file_bytes)
        except DocumentError as exc:
            report.skipped.append(skip(inp.name, exc))
            continue
        if sha in by_sha:
            dup = DuplicateDocument(f"same content as {by_sha[sha].name}")
            report.skipped.append(skip(inp.name, dup, sha))
            continue
        by_sha[sha] = inp
        if sha in old_docs:
            reuse[sha] = inp
        else:
            to_parse.append(inp)
    return by_sha, reuse, to_parse


def _parse_and_embed(
    settings: Settings,
    embedder: Embedder,
    to_parse: Sequence[Input],
    shas: dict[str, str],
    report: IngestReport,
    progress: Progress,
) -> tuple[list[tuple[DocumentRecord, list[Chunk]]], dict[str, Vectors]]:
    """Parse in workers; chunk and embed each document in this process as it arrives."""
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

    names = {inp.path: inp.name for inp in to_parse}
    limits = ParseLimits(
        settings.parse_timeout_s, settings.max_file_bytes, settings.max_document_chars
    )
    workers = settings.parse_workers or _default_workers()
    with ParsePool([inp.path for inp in to_parse], workers, limits) as pool:
        for path, result in pool:
            name = names[path]
            done = _record(chunker, name, result) if isinstance(result, ParsedDocument) else result
            if isinstance(done, DocumentError):
                report.skipped.append(skip(name, done, shas.get(name)))
                progress.on_file_done(name, f"skipped: {done.reason}")
                continue
            record, chunks = done
            new_docs.append((record, chunks))
            report.added.append(name)
            report.pages_parsed += record.pages
            report.notes.extend(f"{name}: {note}" for note in record.notes)
            progress.on_file_done(name, f"{record.pages} pages, {len(chunks)} chunks")
            progress.on_chunks(len(chunks))
            pending.extend(chunks)
            if len(pending) >= _EMBED_FLUSH:
                flush()
        flush()
    return new_docs, embedded


def _record(
    chunker: Chunker, name: str, doc: ParsedDocument
) -> tuple[DocumentRecord, list[Chunk]] | DocumentError:
    doc_id = doc.sha256[:16]
    try:
        chunks = chunker.chunk(doc_id, name, doc.pages)
    except Exception as exc:  # noqa: BLE001 - one document's text must not abort the run
        return ParserCrashed(f"chunking failed: {type(exc).__name__}: {exc}")
    record = DocumentRecord(
        doc_id=doc_id,
        path=name,
        sha256=doc.sha256,
        size=doc.size,
        pages=doc.page_count,
        chunks=len(chunks),
        pages_without_text=doc.pages_without_text,
        notes=doc.notes,
    )
    return record, chunks


def _assemble(
    old: IndexData | None,
    old_docs: dict[str, DocumentRecord],
    new_docs: list[tuple[DocumentRecord, list[Chunk]]],
    by_sha: dict[str, Input],
    reuse: dict[str, Input],
    inputs: Sequence[Input],
    report: IngestReport,
) -> list[tuple[DocumentRecord, list[Chunk]]]:
    """Every document of the new generation, sorted by path: new ones, reused ones (moved
    where their file moved) and kept ones (the last good version of a now-broken file)."""
    records = sorted(new_docs, key=lambda r: r[0].path)
    if old is None:
        return records
    old_by_doc: dict[str, list[Chunk]] = {}
    for c in old.chunks:
        old_by_doc.setdefault(c.doc_id, []).append(c)
    for sha, inp in reuse.items():
        rec = old_docs[sha]
        chunks = old_by_doc.get(rec.doc_id, [])
        if rec.path != inp.name:
            chunks = [replace(c, source=inp.name) for c in chunks]
        records.append((rec.model_copy(update={"path": inp.name}), chunks))
        report.reused.append(inp.name)

    old_by_path = {d.path: d for d in old.manifest.documents}
    present = {inp.name for inp in inputs}
    for i, skipped in enumerate(report.skipped):
        last_good = old_by_path.get(skipped.path)
        # Keep the old version of a file that is still there but unusable now, unless its
        # old content lives on elsewhere or the file is now a copy of another input.
        if (
            last_good is None
            or skipped.path not in present
            or skipped.code in ("duplicate", "missing")
            or last_good.sha256 in reuse
        ):
            continue
        records.append((last_good, old_by_doc.get(last_good.doc_id, [])))
        report.kept.append(skipped.path)
        if not skipped.error.endswith("(previous version kept in the index)"):
            error = f"{skipped.error} (previous version kept in the index)"
            report.skipped[i] = skipped.model_copy(update={"error": error})

    old_paths = set(old_by_path)
    report.changed = [p for p in report.added if p in old_paths]
    report.added = [p for p in report.added if p not in old_paths]
    carried = {r.path for r, _ in records}
    report.removed = sorted(
        d.path for d in old.manifest.documents if d.path not in carried and d.sha256 not in by_sha
    )
    records.sort(key=lambda r: r[0].path)
    return records


def _vectors(
    chunks: Sequence[Chunk], embedded: dict[str, Vectors], old: IndexData | None, dim: int
) -> Vectors:
    """One row per chunk: freshly embedded, or copied exactly from the previous index."""
    out = np.empty((len(chunks), dim), dtype=np.float32)
    missing = [i for i, c in enumerate(chunks) if c.id not in embedded]
    if missing:
        assert old is not None
        rows = {c.id: i for i, c in enumerate(old.chunks)}
        out[missing] = old.vectors()[[rows[chunks[i].id] for i in missing]]
    for i, c in enumerate(chunks):
        vec = embedded.get(c.id)
        if vec is not None:
            out[i] = vec
    return out


def _same_skips(a: Sequence[SkippedFile], b: Sequence[SkippedFile]) -> bool:
    return sorted((s.path, s.code) for s in a) == sorted((s.path, s.code) for s in b)
