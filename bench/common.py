"""Shared pieces: run plan, statistics, machine description and the section/table model."""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from core.embed import cpu_has_native_bf16

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "eval" / "golden" / "sample.jsonl"
SAMPLE_PDFS = REPO / "data" / "sample"
REAL_PDFS = REPO / "data" / "real"  # scripts/fetch_real_corpus.py
REAL_GOLDEN = REPO / "eval" / "golden" / "real.jsonl"

T = TypeVar("T")
BF16_SKIPPED = (
    "bf16: skipped, no native bf16 on this CPU (emulated bf16 is ~100x slower than fp32)."
)


@dataclass(frozen=True)
class Plan:
    """How much of each section runs. The reranker costs ~1.5 s per query on 2 cores, so the
    reranked and /ask runs use an evenly spaced subset of the golden questions."""

    quick: bool
    rerank_questions: int
    synthetic_chunks: int
    synthetic_rerank_questions: int
    slow_bm25_queries: int
    precision_queries: int
    embed_chunks: int | None  # None: every sample chunk
    embed_queries: int
    ask_sequential: int
    load_seconds: float
    clients: int = 4
    # Section 7: corpora, alternating rounds, and the page count of the peak-RSS run (0: off).
    ingest_corpora: tuple[str, ...] = ("sample", "real")
    ingest_rounds: int = 2
    rss_pages: int = 2000
    # The synthetic index's vector noise (bench.synthetic.NOISE).
    synthetic_noise: str = "corpus"

    @classmethod
    def make(cls, quick: bool, questions: int | None = None, noise: str = "corpus") -> Plan:
        if quick:
            plan = cls(True, 10, 20_000, 3, 20, 4, 96, 40, 8, 15.0, 4, ("sample",), 1, 0)
        else:
            plan = cls(False, 30, 100_000, 20, 20, 12, None, 179, 30, 60.0)
        if questions is not None:
            plan = cls(
                **{**plan.__dict__, "rerank_questions": questions, "ask_sequential": questions}
            )
        return cls(**{**plan.__dict__, "synthetic_noise": noise})


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]]


@dataclass
class Section:
    """One benchmark section: printed tables, notes (caveats), and raw data for JSON/plots."""

    key: str
    title: str
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    ok: bool = True
    other_cpu: float | None = None  # share of all cores that other processes used meanwhile


def load_questions(path: Path = GOLDEN) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def spaced(items: Sequence[T], n: int) -> list[T]:
    """n items evenly spaced over the list: a deterministic subset that spans every kind."""
    if n >= len(items):
        return list(items)
    idx = np.linspace(0, len(items) - 1, num=max(n, 1)).round().astype(int)
    return [items[int(i)] for i in idx]


def summarize(samples_ms: Sequence[float]) -> dict[str, float]:
    if not samples_ms:
        return {"n": 0, "p50": float("nan"), "p95": float("nan"), "mean": float("nan")}
    arr = np.asarray(samples_ms, dtype=np.float64)
    return {
        "n": int(arr.size),
        "p50": float(np.percentile(arr, 50)),
        "p95": float(np.percentile(arr, 95)),
        "mean": float(arr.mean()),
        "max": float(arr.max()),
    }


def ms(value: float) -> str:
    if value != value:  # NaN
        return "-"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 1000 else f"{value:.0f}"


def ratio(a: float, b: float) -> str:
    """a/b as 'x1.23'; '-' when undefined."""
    if not b or a != a or b != b:
        return "-"
    return f"x{a / b:.2f}" if a / b < 100 else f"x{a / b:.0f}"


def timer() -> float:
    return time.perf_counter()


def elapsed_ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0


class CpuMonitor:
    """How much CPU *other* processes take while we measure: the machine's busy time from
    /proc/stat minus this process's and its reaped children's. Load average cannot tell
    them apart, and our own torch threads alone keep it at the core count."""

    def __init__(self) -> None:
        self._start = self._sample()

    @staticmethod
    def _sample() -> tuple[float, float, float] | None:
        try:
            fields = [float(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        except (OSError, ValueError, IndexError):
            return None
        tick = float(os.sysconf("SC_CLK_TCK"))
        busy = (sum(fields[:8]) - fields[3] - fields[4]) / tick  # minus idle and iowait
        own = sum(os.times()[:4])  # user + system, self and children
        return busy, own, time.monotonic()

    def other_share(self) -> float | None:
        end = self._sample()
        if self._start is None or end is None or end[2] - self._start[2] < 0.5:
            return None
        busy, own, wall = (e - s for e, s in zip(end, self._start, strict=True))
        cores = len(os.sched_getaffinity(0)) or 1
        return max(0.0, min(1.0, (busy - own) / (wall * cores)))


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _flags() -> set[str]:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def machine_info() -> dict[str, Any]:
    import torch

    flags = _flags()
    versions = {}
    for pkg in ("torch", "sentence-transformers", "faiss-cpu", "bm25s", "rank-bm25", "numpy"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = "not installed"
    return {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count() or 1,
        "cores_usable": len(os.sched_getaffinity(0)),
        "torch_threads": torch.get_num_threads(),
        "native_bf16": cpu_has_native_bf16(),
        "simd": sorted(f for f in ("avx2", "avx512f", "avx512_vnni", "amx_tile") if f in flags),
        "python": platform.python_version(),
        "versions": versions,
    }
