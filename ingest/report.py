"""What an ingest run tells its caller: progress callbacks and the final report.

Accounting, the same in the summary and in tests: every input found (and every path given
that does not exist) is exactly one of new, changed, unchanged (reused) or skipped, so

    files = new + changed + unchanged + skipped

A skipped file whose earlier version is in the index keeps that version ("kept": a file
overwritten with a broken copy is still answered from its last good content), so

    documents in the index = new + changed + unchanged + kept

`removed` lists documents of the previous index that are in the new one under no path: the
file is gone from disk (or vanished mid-run). It is not part of `files`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from core.manifest import SkippedFile
from ingest.errors import DocumentError


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
    # Skipped paths whose previous version stays in the index (a subset of `skipped`).
    kept: list[str] = field(default_factory=list)
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
    # Where the index is (the folder, or the database without its password).
    where: str = ""
    # Documents outside this ingest's paths or shard, kept as they are (RAG_STORE=postgres).
    carried: int = 0
    # Wall seconds of the main process per stage (plan, load_model, parse_wait, chunk,
    # embed, write); parsing itself runs in worker processes, overlapped with chunk and
    # embed, so only the time spent waiting for it shows here.
    stages: dict[str, float] = field(default_factory=dict)

    @contextlib.contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.stages[stage] = self.stages.get(stage, 0.0) + time.perf_counter() - start

    @property
    def documents(self) -> int:
        """Documents in the index after this run."""
        return len(self.added) + len(self.changed) + len(self.reused) + len(self.kept)

    @property
    def exit_code(self) -> int:
        if self.documents == 0:
            return 2
        return 1 if self.skipped else 0


def skip(name: str, err: DocumentError, sha: str | None = None) -> SkippedFile:
    """The manifest entry for a skipped input; the sha256 only where the failure is
    permanent, so transient failures are tried again by the next run."""
    return SkippedFile(
        path=name, code=err.code, error=err.reason, sha256=sha if err.permanent else None
    )
