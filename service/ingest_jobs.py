"""Background ingests started by an upload or a delete: one at a time, in order, each a
`python -m ingest` subprocess (the service never imports the ingest package).

A job waits in line (at most MAX_PENDING), runs the incremental ingest over the service's
folders (`service.uploads.ingest_paths`), keeps its last output lines as progress, then waits
until the service serves the generation it wrote. The ingest's exit status decides the
outcome: 0 every file ingested, 1 written but some files skipped (the list says why), 2 failed
and nothing written, so the job's `undo` runs (an upload's files are removed, a deleted file
comes back) and the previous index keeps serving. A job never depends on the client that
started it: hanging up costs nothing, and the job goes on. At shutdown a running ingest is
stopped; its atomic write leaves the previous index intact.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import signal
import sys
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import anyio
from fastapi import Request

from service.errors import NotFound, Overloaded
from service.schemas import IngestJobInfo
from service.state import AppState
from service.uploads import ingest_paths

log = logging.getLogger("service")

MAX_PENDING = 8
KEEP_JOBS = 20
KEEP_LINES = 200
_LINE_CHARS = 2000
# Settings the ingest must share with the service, passed on so that a `.env` or a
# Settings(...) built by a test cannot make the two disagree.
_SHARED = (
    "embedder",
    "embed_precision",
    "embed_batch_size",
    "chunk_tokens",
    "chunk_overlap",
    "parse_workers",
    "parse_timeout_s",
    "max_file_bytes",
    "max_document_chars",
)
State = Literal["queued", "running", "loading", "done", "failed"]
Undo = Callable[[], None]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass
class Job:
    action: Literal["upload", "delete"]
    files: list[str]
    undo: Undo | None = None
    finish: Undo | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    state: State = "queued"
    exit_code: int | None = None
    message: str = "waiting for another ingest to finish"
    lines: deque[str] = field(default_factory=lambda: deque(maxlen=KEEP_LINES))
    index: str | None = None
    created_at: str = field(default_factory=_now)
    finished_at: str | None = None

    def info(self) -> IngestJobInfo:
        return IngestJobInfo(
            id=self.id,
            action=self.action,
            files=self.files,
            state=self.state,
            exit_code=self.exit_code,
            message=self.message,
            progress=list(self.lines),
            index=self.index,
            created_at=self.created_at,
            finished_at=self.finished_at,
        )


class IngestJobs:
    """The service's ingest queue; one per app (see `get_jobs`)."""

    def __init__(self, state: AppState) -> None:
        self.state = state
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()

    def submit(self, job: Job) -> Job:
        """Queue `job`; Overloaded when MAX_PENDING jobs already wait."""
        if sum(j.state == "queued" for j in self.jobs.values()) >= MAX_PENDING:
            raise Overloaded(f"{MAX_PENDING} ingests are waiting already: try later", 30)
        self.jobs[job.id] = job
        while len(self.jobs) > KEEP_JOBS:
            oldest = next(iter(self.jobs.values()))
            if oldest.state not in ("done", "failed"):
                break
            self.jobs.popitem(last=False)
        task = asyncio.create_task(self._run(job), name=f"ingest-{job.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job

    def get(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise NotFound(f"no ingest job {job_id!r}: see GET /documents/jobs")
        return job

    async def _run(self, job: Job) -> None:
        try:
            async with self._lock:
                job.state, job.message = "running", "ingesting"
                code = await self._ingest(job)
                job.exit_code = code
                if code in (0, 1):
                    job.state, job.message = "loading", "index written: loading it"
                    if await self._await_swap(job):
                        job.state = "done"
                        job.message = (
                            "done: every file ingested"
                            if code == 0
                            else "done, but some files were skipped: the list says why"
                        )
                    if job.finish is not None:
                        await anyio.to_thread.run_sync(job.finish)
                else:
                    why = next(
                        (ln for ln in reversed(job.lines) if ln.startswith("ingest failed")),
                        job.lines[-1] if job.lines else f"exit status {code}",
                    )
                    job.state = "failed"
                    job.message = f"{why}; nothing changed: the previous index keeps serving"
                    if job.undo is not None:
                        await anyio.to_thread.run_sync(job.undo)
        except Exception as exc:  # noqa: BLE001 - a job's failure is reported, never raised
            log.exception("ingest job %s failed", job.id)
            job.state, job.message = "failed", f"the ingest job failed: {type(exc).__name__}"
        finally:
            job.finished_at = job.finished_at or _now()
            log.info("ingest job %s %s: %s", job.id, job.state, job.message)

    async def _ingest(self, job: Job) -> int:
        s = self.state.settings
        cmd = [sys.executable, "-m", "ingest", *ingest_paths(s), "--index", str(s.index_dir)]
        env = dict(os.environ)
        for name in _SHARED:
            env[f"RAG_{name.upper()}"] = str(getattr(s, name))
        env.setdefault("HF_HUB_OFFLINE", "1")
        job.lines.append("$ python -m ingest " + " ".join(cmd[3:]))
        proc = await asyncio.create_subprocess_exec(
            *cmd,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=env,
            start_new_session=True,  # its own process group: stopped whole at shutdown
        )
        try:
            assert proc.stdout is not None
            pending = b""
            while chunk := await proc.stdout.read(65536):
                *complete, pending = (pending + chunk).split(b"\n")
                for raw in complete:
                    self._line(job, raw)
                pending = pending[-_LINE_CHARS * 4 :]
            if pending:
                self._line(job, pending)
            return await proc.wait()
        except BaseException:
            await _stop(proc)
            raise

    @staticmethod
    def _line(job: Job, raw: bytes) -> None:
        text = raw.decode("utf-8", "replace").rstrip()
        if text.strip():
            job.lines.append(text[:_LINE_CHARS])

    async def _await_swap(self, job: Job) -> bool:
        """Wait until the service serves the live generation; False (and why) if it cannot."""
        state = self.state
        poll = state.settings.index_poll_s
        deadline = time.monotonic() + max(60.0, 10 * poll)
        while True:
            live = await anyio.to_thread.run_sync(state.live_generation)
            if live is None or live == state.generation:
                job.index = state.generation
                return True
            refused = state.refused.get(live)
            if refused is not None:
                job.state = "failed"
                job.message = (
                    f"the new index could not be loaded ({refused.reason}); the previous one "
                    "keeps serving"
                )
                return False
            no_watcher = poll <= 0
            if no_watcher and await anyio.to_thread.run_sync(state.should_load):  # load it here
                await anyio.to_thread.run_sync(state.load)
                continue
            if time.monotonic() > deadline:
                job.state, job.message = "failed", "the new index was not loaded in time"
                return False
            await asyncio.sleep(min(0.2, poll) if poll > 0 else 0.2)

    async def close(self) -> None:
        """Stop every job (their ingests too), e.g. at shutdown."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def _stop(proc: asyncio.subprocess.Process) -> None:
    """End the ingest and its parse workers (its process group), politely first."""
    for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        if proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(proc.wait(), grace)


def get_jobs(request: Request) -> IngestJobs:
    """The app's ingest queue, made on first use."""
    app_state = request.app.state
    jobs: IngestJobs | None = getattr(app_state, "ingest_jobs", None)
    if jobs is None:
        jobs = IngestJobs(app_state.rag)
        app_state.ingest_jobs = jobs
    return jobs
