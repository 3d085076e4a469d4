"""Incremental ingest, the executor of `ingest.plan`: discover PDFs, plan, parse the files the
plan names in worker processes while the main process chunks and embeds, then write a new
index generation atomically.

One bad input never aborts the run: whatever goes wrong with one file (unreadable, hostile,
too slow, crashing the parser) becomes a skip with a reason, and an earlier good version of
that file stays in the index.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Sequence
from pathlib import Path

from core.chunk import Chunk
from core.config import Settings
from core.embed import Embedder, load_embedder, model_fingerprint
from core.errors import ConfigError
from core.index_writer import now_iso
from core.manifest import (
    SCHEMA_VERSION,
    DocumentRecord,
    EmbedderInfo,
    Manifest,
    PageRecord,
    SkippedFile,
)
from core.store import open_store
from core.store.protocol import in_scope
from ingest.assemble import Embedded, NewDocument, fresh_rows
from ingest.chunk import Chunker
from ingest.errors import DocumentError, ParserCrashed
from ingest.inputs import discover
from ingest.parse import ParsedDocument
from ingest.plan import Outcome, Plan, chunker_info, plan_ingest, settle
from ingest.report import IngestReport as IngestReport  # re-exported: callers import it here
from ingest.report import Progress as Progress
from ingest.report import skip
from ingest.scope import Shard, in_shard, make_scope
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
    shard: Shard | None = None,
) -> IngestReport:
    """Bring the index (settings.store) in line with the PDFs under `paths`; with `shard`
    (postgres only), with those of its files whose name hashes to that shard."""
    start = time.perf_counter()
    progress = progress or Progress()
    root = settings.index_dir
    report = IngestReport(index_dir=root)
    inputs, found_skips = discover(paths, settings.max_file_bytes)
    if shard is not None:
        inputs = [i for i in inputs if in_shard(i.name, shard)]
        found_skips = [(name, err) for name, err in found_skips if in_shard(name, shard)]
    report.files = len(inputs) + len(found_skips)
    progress.on_files(len(inputs))
    if not inputs:
        report.skipped = [skip(name, err) for name, err in found_skips]
        return report  # nothing to read: no need to load a model or touch the index

    store = open_store(settings)
    # The files store mirrors the inputs; in a shared database an ingest answers only for
    # the documents under its paths (and shard), so ingests of other folders merge.
    scope = None if store.kind == "files" else make_scope(paths, shard)
    report.where = store.describe()
    with contextlib.closing(store), store.writing():
        with report.timed("plan"):
            fp = embedder.fingerprint if embedder else model_fingerprint(settings.embedder)
            plan = plan_ingest(
                store,
                settings,
                inputs,
                [skip(name, err) for name, err in found_skips],
                fingerprint=fp,
                rebuild=rebuild,
                scope=scope,
            )
        report.rebuild_reason = plan.rebuild_reason
        if plan.up_to_date:
            _report_outcome(report, settle(plan, [], []), plan)
            report.up_to_date = True
            report.seconds = time.perf_counter() - start
            return report
        with report.timed("load_model"):
            embedder = embedder or load_embedder(
                settings.embedder,
                plan.precision,
                settings.embed_batch_size,
                settings.embed_cache_dir,
            )
        report.precision = embedder.precision
        if settings.chunk_tokens + 2 > embedder.max_seq_length:
            raise ConfigError(
                f"chunk_tokens={settings.chunk_tokens} plus 2 special tokens exceeds the "
                f"embedder's max_seq_length={embedder.max_seq_length}; lower RAG_CHUNK_TOKENS"
            )
        for inp in plan.reuse.values():
            progress.on_file_done(inp.name, "unchanged")
        new, failed, embedded = _parse_and_embed(settings, embedder, plan, report, progress)
        outcome = settle(plan, [doc.record for doc in new], failed)
        _report_outcome(report, outcome, plan)
        if not outcome.documents or not outcome.changed:
            report.up_to_date = bool(outcome.documents)  # a retried file failed the same way
            report.seconds = time.perf_counter() - start
            return report  # nothing usable or nothing new: the live index stays as it is

        with report.timed("write"):
            rows = fresh_rows(new, embedded, embedder.dimension)
            info = _embedder_info(settings, embedder, plan)
            store.publish(build_manifest(settings, info, outcome), rows, scope)
        report.written = True
    report.seconds = time.perf_counter() - start
    return report


def _report_outcome(report: IngestReport, outcome: Outcome, plan: Plan) -> None:
    old_paths = {d.path for d in plan.live.documents} if plan.live else set()
    new = sorted(set(plan.shas) - set(outcome.reused) - {s.path for s in outcome.skipped})
    report.added = [p for p in new if p not in old_paths]
    report.changed = [p for p in new if p in old_paths]
    report.reused = outcome.reused
    report.kept = outcome.kept
    report.removed = outcome.removed
    report.skipped = [s for s in outcome.skipped if in_scope(plan.scope, s.path)]
    report.carried = outcome.carried
    report.pages = sum(d.pages for d in outcome.documents)
    report.chunks = sum(d.chunks for d in outcome.documents)
    if plan.live is not None and not report.precision:
        report.precision = plan.live.embedder.precision


def _parse_and_embed(
    settings: Settings, embedder: Embedder, plan: Plan, report: IngestReport, progress: Progress
) -> tuple[list[NewDocument], list[SkippedFile], Embedded]:
    """Parse in workers; chunk and embed each document in this process as it arrives."""
    chunker = Chunker(embedder.tokenizer, settings.chunk_tokens, settings.chunk_overlap)
    new: list[NewDocument] = []
    failed: list[SkippedFile] = []
    pending: list[Chunk] = []
    embedded = Embedded()

    def flush() -> None:
        if not pending:
            return
        # Sentence vectors come from the same forward pass as the chunk vectors.
        with report.timed("embed"):
            vecs, sentences = embedder.embed_with_spans(
                [c.text for c in pending], [c.sentences for c in pending], progress.on_embedded
            )
        for chunk, vec, sents in zip(pending, vecs, sentences, strict=True):
            embedded.chunks[chunk.id] = vec
            embedded.sentences[chunk.id] = sents
        report.chunks_embedded += len(pending)
        pending.clear()

    names = {inp.path: inp.name for inp in plan.parse}
    limits = ParseLimits(
        settings.parse_timeout_s, settings.max_file_bytes, settings.max_document_chars
    )
    workers = settings.parse_workers or _default_workers()
    with ParsePool(list(names), workers, limits) as pool:
        results = iter(pool)
        while True:
            with report.timed("parse_wait"):  # parsing runs in the workers meanwhile
                item = next(results, None)
            if item is None:
                break
            path, result = item
            name = names[path]
            with report.timed("chunk"):
                done = (
                    _record(chunker, name, result) if isinstance(result, ParsedDocument) else result
                )
            if isinstance(done, DocumentError):
                failed.append(skip(name, done, plan.shas.get(name)))
                progress.on_file_done(name, f"skipped: {done.reason}")
                continue
            new.append(done)
            record = done.record
            report.pages_parsed += record.pages
            report.notes.extend(f"{name}: {note}" for note in record.notes)
            progress.on_file_done(name, f"{record.pages} pages, {record.chunks} chunks")
            progress.on_chunks(record.chunks)
            pending.extend(done.chunks)
            if len(pending) >= _EMBED_FLUSH:
                flush()
        flush()
    return new, failed, embedded


def _record(chunker: Chunker, name: str, doc: ParsedDocument) -> NewDocument | DocumentError:
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
    pages = [
        PageRecord(doc_id=doc_id, page=p.number, label=p.label, text=p.text) for p in doc.pages
    ]
    return NewDocument(record, chunks, pages)


def _embedder_info(settings: Settings, embedder: Embedder, plan: Plan) -> EmbedderInfo:
    """What the manifest records of the embedder; the live index's evidence when reused."""
    live = plan.live
    if live is not None and live.embedder.precision == embedder.precision:
        return live.embedder
    prec = getattr(embedder, "report", None)
    return EmbedderInfo(
        name=settings.embedder,
        dimension=embedder.dimension,
        max_seq_length=embedder.max_seq_length,
        weights_sha256=embedder.fingerprint,
        precision=embedder.precision,
        precision_reason=getattr(prec, "reason", ""),
        bf16_min_cosine=getattr(prec, "min_cosine", None),
        bf16_speedup=getattr(prec, "speedup", None),
    )


def build_manifest(settings: Settings, embedder: EmbedderInfo, outcome: Outcome) -> Manifest:
    return Manifest(
        schema_version=SCHEMA_VERSION,
        created_at=now_iso(),
        embedder=embedder,
        chunker=chunker_info(settings),
        documents=outcome.documents,
        skipped=outcome.skipped,
        chunk_count=sum(d.chunks for d in outcome.documents),
        page_count=sum(d.pages for d in outcome.documents),
    )
