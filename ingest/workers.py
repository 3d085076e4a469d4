"""Parse PDFs in killable worker processes while the main process embeds.

Every parse runs in a spawned worker (never fork: the main process has torch threads), one
file at a time, so the dispatcher always knows which file a worker holds:

* a file that parses longer than the time limit gets its worker killed and is skipped
  (`ParseTimeout`); a fresh worker takes the next file;
* a worker that dies (a crash, the OOM killer) costs only the file it held; that file is
  retried once on a fresh worker, then skipped (`ParserCrashed`);
* workers die with the ingest: PR_SET_PDEATHSIG on Linux, plus a watchdog thread that
  exits when the parent process is gone (other systems, or a parent that died first).

A dispatcher thread in the main process starts workers, hands out files, enforces the
deadlines and queues results; the main thread consumes them. At most a few parsed documents
wait in the queue, so parsing never runs far ahead of embedding (memory stays bounded).
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import TracebackType
from typing import Any

from ingest.errors import DocumentError, ParserCrashed, ParseTimeout
from ingest.parse import ParsedDocument, parse_pdf

Result = ParsedDocument | DocumentError
_PR_SET_PDEATHSIG = 1
_WATCHDOG_S = 0.5
# Workers that die before they are ready, in a row, before parsing is given up as broken.
_MAX_FAILED_STARTS = 3
_READY = "ready"


@dataclass(frozen=True)
class ParseLimits:
    timeout_s: float
    max_file_bytes: int
    max_document_chars: int


def _die_with_parent(parent: int) -> None:
    """Make sure this worker never outlives the ingest that started it."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux: the watchdog remains
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))
    if os.getppid() != parent:
        os._exit(1)  # the parent died before the death signal was armed

    def watchdog() -> None:
        while os.getppid() == parent:
            time.sleep(_WATCHDOG_S)
        os._exit(1)

    threading.Thread(target=watchdog, name="parent-watchdog", daemon=True).start()


def _worker_main(conn: Connection, parent: int, limits: ParseLimits) -> None:
    """Entry point of a worker process: parse the paths it is sent until told to stop."""
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's; it kills us
    conn.send(_READY)
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        result: Result
        try:
            result = parse_pdf(
                Path(job), max_bytes=limits.max_file_bytes, max_chars=limits.max_document_chars
            )
        except DocumentError as exc:
            result = exc
        except Exception as exc:  # noqa: BLE001 - whatever one file does costs that file only
            result = ParserCrashed(f"parser failed: {type(exc).__name__}: {exc}")
        conn.send(result)


class _Worker:
    def __init__(self, ctx: Any, limits: ParseLimits) -> None:
        self.conn, child = ctx.Pipe(duplex=True)
        self.proc: BaseProcess = ctx.Process(
            target=_worker_main,
            args=(child, os.getpid(), limits),
            name="ingest-parse",
            daemon=True,
        )
        self.proc.start()
        child.close()
        self.ready = False
        self.job: tuple[Path, int] | None = None  # (path, crashes so far)
        self.deadline = 0.0

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()

    def exit_reason(self) -> str:
        self.proc.join(5)
        code = self.proc.exitcode
        if code is not None and code < 0:
            with contextlib.suppress(ValueError):
                return f"killed by {signal.Signals(-code).name}"
        return f"exit status {code}"


class ParsePool:
    """Context manager; iterate it for (path, ParsedDocument or DocumentError) as each
    file finishes, in completion order."""

    def __init__(self, paths: Sequence[Path], workers: int, limits: ParseLimits) -> None:
        self.limits = limits
        self.size = max(1, min(workers, len(paths)))
        self.pending: deque[tuple[Path, int]] = deque((p, 0) for p in paths)
        self.left = len(paths)
        self.results: queue.Queue[tuple[Path, Result] | BaseException] = queue.Queue()
        self.stopping = threading.Event()
        self.workers: list[_Worker] = []
        self.failed_starts = 0
        self.thread = threading.Thread(target=self._run, name="parse-dispatch", daemon=True)

    def __enter__(self) -> ParsePool:
        if self.left:
            self.thread.start()
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stopping.set()
        if self.thread.is_alive():
            self.thread.join(30)

    def __iter__(self) -> Iterator[tuple[Path, Result]]:
        for _ in range(self.left):
            item = self.results.get()
            if isinstance(item, BaseException):
                raise item  # the dispatcher itself failed: a bug, not a file's fault
            yield item

    # ----------------------------------------------------------------- dispatcher thread

    def _run(self) -> None:
        # Workers are started from this thread, and PR_SET_PDEATHSIG fires when the thread
        # that started a process ends: it ends only after its workers are gone.
        ctx = multiprocessing.get_context("spawn")
        try:
            while self.left and not self.stopping.is_set():
                self._step(ctx)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, re-raised there
            self.results.put(exc)
        finally:
            self._shutdown()

    def _step(self, ctx: Any) -> None:
        busy = sum(1 for w in self.workers if w.job is not None)
        while len(self.workers) < min(self.size, busy + len(self.pending)):
            self.workers.append(_Worker(ctx, self.limits))
        backlog = self.results.qsize()
        for w in self.workers:
            if w.ready and w.job is None and self.pending and backlog < max(2, self.size):
                w.job = self.pending.popleft()
                w.deadline = time.monotonic() + self.limits.timeout_s
                w.conn.send(str(w.job[0]))
        now = time.monotonic()
        deadlines = [w.deadline - now for w in self.workers if w.job is not None]
        ready = wait(
            [w.conn for w in self.workers] + [w.proc.sentinel for w in self.workers],
            timeout=max(0.0, min([0.2, *deadlines])),
        )
        for w in list(self.workers):
            if w.conn in ready:
                try:
                    message = w.conn.recv()
                except (EOFError, OSError):
                    self._died(w)
                    continue
                if message == _READY:
                    w.ready, self.failed_starts = True, 0
                elif w.job is not None:
                    self._finish(w, message)
            elif w.proc.sentinel in ready:
                self._died(w)
            elif w.job is not None and time.monotonic() >= w.deadline:
                self._drop(w)
                limit = f"{self.limits.timeout_s:g}"
                self._finish(
                    w, ParseTimeout(f"parse took longer than {limit} s (RAG_PARSE_TIMEOUT_S)")
                )

    def _finish(self, w: _Worker, result: Result) -> None:
        assert w.job is not None
        self.results.put((w.job[0], result))
        w.job = None
        self.left -= 1

    def _drop(self, w: _Worker) -> None:
        w.kill()
        self.workers.remove(w)

    def _died(self, w: _Worker) -> None:
        reason = w.exit_reason()
        self._drop(w)
        if not w.ready:
            self.failed_starts += 1
            if self.failed_starts >= _MAX_FAILED_STARTS:
                while self.pending:
                    path, _ = self.pending.popleft()
                    self.results.put((path, ParserCrashed(f"parse worker cannot start ({reason})")))
                    self.left -= 1
            return
        if w.job is None:
            return
        path, crashes = w.job
        if crashes == 0:
            self.pending.appendleft((path, 1))  # once more, on a fresh worker
            w.job = None
            return
        self._finish(
            w,
            ParserCrashed(
                f"parser process died ({reason}), also when retried: out of memory? "
                "it is tried again on the next run"
            ),
        )

    def _shutdown(self) -> None:
        for w in self.workers:
            if w.job is None and w.proc.is_alive():
                with contextlib.suppress(OSError):
                    w.conn.send(None)  # idle: let it exit by itself
        for w in self.workers:
            w.proc.join(2 if w.job is None else 0)
            w.kill()
        self.workers.clear()
