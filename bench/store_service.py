"""Section 8's service measurements: `python -m service` on the files index and on the
database, its RSS once ready, and /ask throughput of one replica and of two replicas on one
database (clients spread over the replicas), under the same closed-loop load."""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from rich.progress import Progress

from bench.common import summarize
from bench.fixtures import CACHE
from bench.server import service_process


@contextlib.contextmanager
def _service(env: dict[str, str], log: Path) -> Iterator[tuple[str, int]]:
    settings = {"RAG_RERANKER": "none", "RAG_MAX_QUEUE": "64", **env}
    with service_process(settings, log) as (base, proc, _reranker):
        yield base, proc.pid


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _load(bases: list[str], questions: list[str], clients: int, seconds: float) -> dict[str, Any]:
    statuses: Counter[int] = Counter()
    times: list[float] = []
    lock = threading.Lock()
    end = time.monotonic() + seconds
    qs = itertools.cycle(questions)

    def client(i: int) -> None:
        with httpx.Client(base_url=bases[i % len(bases)], timeout=120) as c:
            while time.monotonic() < end:
                with lock:
                    q = next(qs)
                t = time.perf_counter()
                r = c.post("/ask", json={"question": q})
                with lock:
                    statuses[r.status_code] += 1
                    times.append((time.perf_counter() - t) * 1000)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - start
    st = summarize(times)
    ok = sum(v for k, v in statuses.items() if 200 <= k < 300)
    shown = ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
    return {"rps": ok / wall, "p50": st["p50"], "p95": st["p95"], "statuses": shown}


def measure(files_root: str, url: str, schema: str, questions: list[str], clients: int,
            seconds: float, progress: Progress) -> dict[str, Any]:  # fmt: skip
    task = progress.add_task("store: services", total=None)
    pg_env = {"RAG_STORE": "postgres", "RAG_DATABASE_URL": url, "RAG_PG_SCHEMA": schema}
    files_env = {"RAG_INDEX_DIR": files_root}
    runs: dict[str, Any] = {}
    logs = CACHE / "store-logs"
    logs.mkdir(parents=True, exist_ok=True)
    with _service(files_env, logs / "files.log") as (base, pid):
        rss = [_rss_mb(pid)]
        runs["files, 1 replica"] = {"rss_mb": rss, **_load([base], questions, clients, seconds)}
    with _service(pg_env, logs / "pg-1.log") as (a, pid_a):
        rss = [_rss_mb(pid_a)]
        runs["postgres, 1 replica"] = {"rss_mb": rss, **_load([a], questions, clients, seconds)}
        with _service(pg_env, logs / "pg-2.log") as (b, pid_b):
            rss = [_rss_mb(pid_a), _rss_mb(pid_b)]
            load = _load([a, b], questions, clients, seconds)
            runs["postgres, 2 replicas"] = {"rss_mb": rss, **load}
    progress.remove_task(task)
    return {"clients": clients, "seconds": seconds, "runs": runs}
