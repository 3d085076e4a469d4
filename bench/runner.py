"""The shared run context, its setup, and running one section with timing and a busy check."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress

from bench import fixtures, report
from bench.common import CpuMonitor, Plan, Section, load_questions
from core.config import DEFAULT_EMBEDDER, Settings
from core.embed import Embedder, load_embedder
from core.index import IndexData
from service.rerank import CrossEncoderReranker, RerankerStatus
from service.retriever import HybridRetriever

BUSY = 0.10  # other processes' CPU share above which a section's numbers are flagged


@dataclass
class Bench:
    """What the sections share: one embedder, the sample index and the fp32 reranker."""

    console: Console
    progress: Progress
    plan: Plan
    out: Path
    embedder: Embedder
    index: IndexData
    index_state: str
    reranker_path: Path
    fp32: CrossEncoderReranker
    status: RerankerStatus
    settings: Settings
    retriever: HybridRetriever
    questions: list[str]


def setup(console: Console, progress: Progress, plan: Plan, out: Path) -> Bench:
    task = progress.add_task("setup: embedder, sample index, reranker", total=None)
    embedder = load_embedder(DEFAULT_EMBEDDER, "auto", 32, fixtures.CACHE / "embed-runtime")
    index, state = fixtures.sample_index(embedder)
    path = fixtures.random_reranker()
    fp32 = fixtures.load_fp32_reranker(path)
    status = RerankerStatus(True, str(path), precision=fp32.precision)
    settings = fixtures.bench_settings(index.path.parent, path)
    retriever = HybridRetriever(index, embedder, settings, fp32, status)
    progress.remove_task(task)
    console.print(
        f"sample index: {len(index.chunks)} chunks ({state}); embedder {embedder.name} "
        f"({embedder.precision}); reranker {path.name} (fp32)\n{plan}",
        highlight=False,
    )
    questions = [q["question"] for q in load_questions()]
    return Bench(
        console, progress, plan, out, embedder, index, state, path, fp32, status, settings,
        retriever, questions,
    )  # fmt: skip


def check_idle(console: Console, machine: dict[str, Any]) -> None:
    """Measure other processes' CPU for 2 s before starting; warn when the machine is busy."""
    monitor = CpuMonitor()
    time.sleep(2.0)
    machine["other_cpu_at_start"] = busy = monitor.other_share()
    if busy is not None and busy > BUSY:
        console.print(
            f"WARNING: other processes are using {busy:.0%} of the CPU: latencies will be "
            "inflated. Each section reports the share it saw.",
            style="bold yellow",
        )


def run_section(console: Console, key: str, title: str, fn: Callable[[], Section]) -> Section:
    """Time a section and print it; an exception fails that section, not the run."""
    start = time.perf_counter()
    monitor = CpuMonitor()
    try:
        sec = fn()
    except Exception as exc:  # noqa: BLE001 - report every failure, keep the other sections
        sec = Section(key, title, ok=False)
        sec.notes.append(f"FAILED: {type(exc).__name__}: {exc}")
        console.print(traceback.format_exc(), style="red", highlight=False)
    sec.seconds = time.perf_counter() - start
    sec.other_cpu = monitor.other_share()
    if sec.other_cpu is not None and sec.other_cpu > BUSY:
        sec.notes.append(
            f"WARNING: other processes used {sec.other_cpu:.0%} of the CPU during this section: "
            "its latencies are inflated; rerun on an idle machine."
        )
    report.print_section(console, sec)
    return sec
