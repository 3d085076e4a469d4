"""What an ingest can take from the live index: nothing at all to do, or reusable documents.

Both checks start from `verify_live`, so a damaged generation (a file edited, truncated or
missing) is never taken as "up to date": the run rebuilds it and says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from core.config import Settings
from core.embed import Embedder, resolve_model, weights_fingerprint
from core.errors import IndexError_, IndexNotFound
from core.index import (
    SCHEMA_VERSION,
    ChunkerInfo,
    DocumentRecord,
    EmbedderInfo,
    IndexData,
    Manifest,
    check_embedder,
    load_index,
    now_iso,
    verify_live,
)
from ingest.errors import DocumentError
from ingest.inputs import Input, file_sha256
from ingest.report import IngestReport


def chunker_info(settings: Settings) -> ChunkerInfo:
    return ChunkerInfo(chunk_tokens=settings.chunk_tokens, chunk_overlap=settings.chunk_overlap)


def previous(
    root: Path, settings: Settings, embedder: Embedder
) -> tuple[IndexData | None, str | None]:
    """The live index if its documents can be reused, else None and why not."""
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
    if old.manifest.chunker != chunker_info(settings):
        return None, "chunker settings changed"
    if old.manifest.embedder.precision != embedder.precision:
        return None, "embedding precision changed"  # never mix fp32 and bf16 vectors
    return old, None


def unchanged(
    root: Path, settings: Settings, inputs: Sequence[Input], report: IngestReport
) -> bool:
    """True when the live index already reflects exactly these inputs, decided without
    loading the model: intact generation, same embedder weights and chunker, same paths
    with the same hashes, and no skip from last time that deserves another try.

    `report.skipped` holds this run's discovery skips (missing paths, broken links, ...);
    they must be exactly the skips without a sha256 in the manifest. A transient skip of a
    file that exists (timed out, crashed, vanished, unreadable) is not found again by
    discovery, so it sends the run down the full path, which parses the file again.
    """
    try:
        manifest = verify_live(root)
    except IndexError_:
        return False
    target, _ = resolve_model(settings.embedder)
    model_dir = Path(target) if Path(target).is_dir() else None
    if (
        manifest.embedder.name != settings.embedder
        or model_dir is None
        or weights_fingerprint(model_dir) != manifest.embedder.weights_sha256
        or manifest.chunker != chunker_info(settings)
        or settings.embed_precision not in ("auto", manifest.embedder.precision)
    ):
        return False
    found_now = {(s.path, s.code) for s in report.skipped}
    if found_now != {(s.path, s.code) for s in manifest.skipped if not s.sha256}:
        return False
    known = {d.path: d.sha256 for d in manifest.documents}
    known.update({s.path: s.sha256 for s in manifest.skipped if s.sha256})
    if {i.name for i in inputs} != set(known):
        return False
    try:
        if any(file_sha256(i.path, settings.max_file_bytes) != known[i.name] for i in inputs):
            return False
    except DocumentError:
        return False
    skipped = {s.path for s in manifest.skipped}
    report.reused = [d.path for d in manifest.documents if d.path not in skipped]
    report.kept = [d.path for d in manifest.documents if d.path in skipped]
    report.skipped = list(manifest.skipped)
    report.pages = manifest.page_count
    report.chunks = manifest.chunk_count
    report.precision = manifest.embedder.precision
    return True


def build_manifest(
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
        chunker=chunker_info(settings),
        documents=docs,
        skipped=report.skipped,
        chunk_count=sum(d.chunks for d in docs),
        page_count=sum(d.pages for d in docs),
    )
