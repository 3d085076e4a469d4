"""Merging concurrent ingests (RAG_STORE=postgres): what a generation holds when the live one
changed between an ingest's plan and its publish.

An ingest answers for the documents in its scope (its paths and shard); the others are
taken from the generation live at publish time, so ingests of different folders or shards
merge instead of undoing each other. Content is unique within a generation: a document of
another scope with the same sha256 stays, ours is skipped as a duplicate. Documents built
with another embedder or chunker cannot be served beside ours: when the live generation's
build changed after our plan, publishing is refused (`IndexConflict`: run it again).
"""

from __future__ import annotations

import hashlib
import json

from core.errors import IndexConflict
from core.manifest import ChunkerInfo, EmbedderInfo, Manifest, SkippedFile
from core.store.protocol import Scope, in_scope


def build_key(embedder: EmbedderInfo, chunker: ChunkerInfo) -> str:
    """What makes two documents' rows comparable: same embedder weights and precision, same
    chunking and parsing. Rows of one content and build are the same rows."""
    what = {
        "embedder": [
            embedder.name,
            embedder.weights_sha256,
            embedder.precision,
            embedder.dimension,
        ],
        "chunker": chunker.model_dump(),
    }
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()[:32]


def rebase(
    mine: Manifest,
    live: Manifest | None,
    scope: Scope | None,
    *,
    planned_on: str | None,
    live_name: str | None,
) -> Manifest:
    """`mine` (planned on generation `planned_on`) on top of the live generation now."""
    if live is None or scope is None or planned_on == live_name:
        return mine  # nothing happened since the plan: it already carries the rest
    ours = build_key(mine.embedder, mine.chunker)
    if build_key(live.embedder, live.chunker) != ours:
        raise IndexConflict(
            f"another ingest published {live_name} with another embedder or chunker since "
            "this one started: run the ingest again"
        )
    documents = [d for d in mine.documents if in_scope(scope, d.path)]
    theirs = [d for d in live.documents if not in_scope(scope, d.path)]
    shas = {d.sha256: d.path for d in theirs}
    skipped = [s for s in mine.skipped if in_scope(scope, s.path)]
    kept = []
    for doc in documents:
        if doc.sha256 in shas:
            why = f"same content as {shas[doc.sha256]}"
            skipped.append(
                SkippedFile(path=doc.path, code="duplicate", error=why, sha256=doc.sha256)
            )
        else:
            kept.append(doc)
    skipped += [s for s in live.skipped if not in_scope(scope, s.path)]
    merged = sorted([*kept, *theirs], key=lambda d: d.path)
    return mine.model_copy(
        update={
            "documents": merged,
            "skipped": skipped,
            "chunk_count": sum(d.chunks for d in merged),
            "page_count": sum(d.pages for d in merged),
        }
    )
