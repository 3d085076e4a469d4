"""What an ingest has to do, decided once and before any model is loaded.

`plan_ingest` hashes every input and compares it with the live generation:

* **reuse**: content already in the index (by sha256), possibly under a new path;
* **known skip**: bytes that failed permanently last time (not a PDF, encrypted, ...): the
  skip is carried over and the file is not parsed again until it changes;
* **parse**: everything else;
* **removed**: documents of the index that no input has any more.

With a `scope` (RAG_STORE=postgres: the paths, and shard, an ingest was given), documents
of the index outside it are **carried** as they are: ingests of other folders or shards,
perhaps on other machines, merge instead of dropping each other's documents. An input whose
bytes equal a carried document's is a `duplicate`. Without one (the files store), the index
mirrors the inputs.

The live generation is reused only when it is intact (every file matches its digest) and was
built with the same embedder weights, chunker and precision; otherwise everything is parsed
and `rebuild_reason` says why. `same_content` is the one rule for "nothing to write": the
plan applies it before parsing (up to date), the pipeline after (a retried file failed again
in the same way).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.config import Settings
from core.errors import IndexError_, IndexNotFound
from core.manifest import ChunkerInfo, DocumentRecord, Manifest, SkippedFile
from core.segment import SEGMENTER_VERSION
from core.store.files import FilesStore
from core.store.protocol import Scope, Store, in_scope
from ingest.clean import PARSER_VERSION
from ingest.errors import DocumentError, DuplicateDocument
from ingest.inputs import Input, file_sha256
from ingest.report import skip


def chunker_info(settings: Settings) -> ChunkerInfo:
    return ChunkerInfo(
        chunk_tokens=settings.chunk_tokens,
        chunk_overlap=settings.chunk_overlap,
        parser=f"{PARSER_VERSION}/{SEGMENTER_VERSION}",
    )


@dataclass
class Plan:
    live: Manifest | None  # the live generation, when its documents can be reused
    rebuild_reason: str | None
    precision: str  # what to embed new chunks at: the live index's under "auto"
    present: set[str] = field(default_factory=set)  # names of the inputs found on disk
    reuse: dict[str, Input] = field(default_factory=dict)  # sha256 -> input
    parse: list[Input] = field(default_factory=list)
    shas: dict[str, str] = field(default_factory=dict)  # input name -> sha256
    skipped: list[SkippedFile] = field(default_factory=list)
    up_to_date: bool = False
    scope: Scope | None = None  # None: every document of the index is this ingest's


@dataclass
class Outcome:
    """The next generation's documents and skips, and how they relate to the live one."""

    documents: list[DocumentRecord]
    skipped: list[SkippedFile]
    reused: list[str]  # input names whose content is taken from the live index
    kept: list[str]  # skipped names whose last good version stays in the index
    removed: list[str]  # live documents under no input name any more
    changed: bool  # False: writing it would reproduce the live generation
    carried: int = 0  # live documents outside the scope, kept as they are


def plan_ingest(
    store: Store | Path,
    settings: Settings,
    inputs: Sequence[Input],
    skipped: Sequence[SkippedFile],
    *,
    fingerprint: str,
    rebuild: bool = False,
    scope: Scope | None = None,
) -> Plan:
    """The plan for bringing the index in `store` (a folder: the files store) in line with
    `inputs`, for the documents in `scope` (None: all of them)."""
    store = FilesStore(store) if isinstance(store, Path) else store
    live, reason = (None, "--rebuild") if rebuild else _reusable(store, settings, fingerprint)
    precision: str = settings.embed_precision
    if live is not None and precision == "auto":
        precision = live.embedder.precision  # never mix precisions in one index
    plan = Plan(live, reason, precision, {i.name for i in inputs}, skipped=list(skipped))
    plan.scope = scope
    mine = [d for d in live.documents if in_scope(scope, d.path)] if live else []
    carried = {d.sha256: d for d in live.documents if not in_scope(scope, d.path)} if live else {}
    docs = {d.sha256 for d in mine}
    known = {s.sha256: s for s in live.skipped if s.sha256} if live else {}
    seen: dict[str, Input] = {}
    for inp in inputs:
        try:
            sha = file_sha256(inp.path, settings.max_file_bytes)
        except DocumentError as exc:
            plan.skipped.append(skip(inp.name, exc))
            continue
        if sha in seen or sha in carried:
            other = seen[sha].name if sha in seen else carried[sha].path
            dup = DuplicateDocument(f"same content as {other}")
            plan.skipped.append(skip(inp.name, dup, sha))
            continue
        seen[sha] = inp
        plan.shas[inp.name] = sha
        if sha in docs:
            plan.reuse[sha] = inp
        elif sha in known:
            plan.skipped.append(known[sha].model_copy(update={"path": inp.name}))
        else:
            plan.parse.append(inp)
    plan.up_to_date = live is not None and not plan.parse and not settle(plan, [], []).changed
    return plan


def settle(plan: Plan, new: Sequence[DocumentRecord], failed: Sequence[SkippedFile]) -> Outcome:
    """What the next generation holds once `plan.parse` gave `new` documents and `failed`
    skips: reused documents under their current names, new ones, and the last good version
    of any indexed file that is still there but unusable now."""
    live = plan.live
    old = [d for d in live.documents if in_scope(plan.scope, d.path)] if live else []
    carried = [d for d in live.documents if not in_scope(plan.scope, d.path)] if live else []
    reused = [
        d.model_copy(update={"path": plan.reuse[d.sha256].name})
        for d in old
        if d.sha256 in plan.reuse
    ]
    documents = [*reused, *new]
    skipped: list[SkippedFile] = []
    kept: list[str] = []
    by_path = {d.path: d for d in old}
    for s in [*plan.skipped, *failed]:
        last_good = by_path.get(s.path)
        if (
            last_good is not None
            and s.path in plan.present
            and s.code not in ("duplicate", "missing")
            and last_good.sha256 not in plan.reuse
        ):
            documents.append(last_good)
            kept.append(s.path)
            if not s.error.endswith(_KEPT):
                s = s.model_copy(update={"error": f"{s.error} {_KEPT}"})
        skipped.append(s)
    # Gone: neither its path nor its content is in the next generation (a moved file is not).
    paths, hashed = {d.path for d in documents}, set(plan.shas.values())
    removed = sorted(d.path for d in old if d.path not in paths and d.sha256 not in hashed)
    documents.extend(carried)
    if live is not None:
        skipped.extend(s for s in live.skipped if not in_scope(plan.scope, s.path))
    documents.sort(key=lambda d: d.path)
    changed = live is None or not same_content(live, documents, skipped)
    reused_paths = [d.path for d in reused]
    return Outcome(documents, skipped, reused_paths, kept, removed, changed, len(carried))


_KEPT = "(previous version kept in the index)"


def same_content(
    live: Manifest, documents: Sequence[DocumentRecord], skipped: Sequence[SkippedFile]
) -> bool:
    """True when a generation of these documents and skips would equal the live one."""
    same_docs = {(d.path, d.sha256) for d in documents} == {
        (d.path, d.sha256) for d in live.documents
    }
    return same_docs and sorted((s.path, s.code) for s in skipped) == sorted(
        (s.path, s.code) for s in live.skipped
    )


def _reusable(
    store: Store, settings: Settings, fingerprint: str
) -> tuple[Manifest | None, str | None]:
    """The live manifest if its documents can be reused, else None and why not."""
    try:
        live = store.live_manifest()
    except IndexNotFound:
        return None, None
    except IndexError_ as exc:
        return None, str(exc)
    built = live.embedder
    if built.name != settings.embedder:
        return None, f"embedder changed ({built.name} -> {settings.embedder})"
    # As at query time: an unidentifiable weight file (a remote model) is not a mismatch.
    if "unknown" not in (fingerprint, built.weights_sha256) and fingerprint != built.weights_sha256:
        return None, "embedder weights changed"
    if live.chunker != chunker_info(settings):
        return None, "chunker or parser settings changed"
    if settings.embed_precision not in ("auto", built.precision):
        return None, "embedding precision changed"  # never mix fp32 and bf16 vectors
    return live, None
