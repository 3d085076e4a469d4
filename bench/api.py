"""Section 6: POST /ask end to end against the real service (`python -m service`, uvicorn).

The server runs in its own process on 127.0.0.1 and a free port, configured only through
RAG_* variables, so it is exactly what `make serve` runs. Clients are httpx in threads.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from rich.progress import Progress

from bench.common import REPO, Plan, Section, Table, elapsed_ms, ms, ratio, spaced, summarize, timer
from bench.fixtures import CACHE, FUSED_K, RERANK_MAX_TOKENS, bench_settings

READY_TIMEOUT_S = 300.0
REQUEST_TIMEOUT_S = 120.0  # above the server's 20 s queue timeout plus one answer
MAX_REQUESTS = 100_000  # hard bound on the load loop besides its deadline


@dataclass
class Call:
    status: int  # -1: no HTTP response (connection error, timeout)
    ms: float
    server_ms: float | None = None
    abstained: bool | None = None
    error: str | None = None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(index_dir: Path, reranker: Path, log_path: Path) -> Iterator[tuple[str, str]]:
    """Start the service, wait for /readyz, yield (base URL, reranker description); stop it."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update(
        HF_HUB_OFFLINE="1",
        TOKENIZERS_PARALLELISM="false",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
        RAG_HOST="127.0.0.1",
        RAG_PORT=str(port),
        RAG_INDEX_DIR=str(index_dir),
        RAG_RERANKER=str(reranker),
        RAG_RERANK_PRECISION="fp32",
        RAG_RERANK_MAX_TOKENS=str(RERANK_MAX_TOKENS),
        RAG_FUSED_K=str(FUSED_K),
        RAG_GENERATOR="extractive",
        RAG_RATE_LIMIT_PER_MINUTE="0",
        RAG_INDEX_POLL_S="0",
    )
    base = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        # cwd is the cache, which has no .env: only the variables above configure it.
        proc = subprocess.Popen(
            [sys.executable, "-m", "service"], env=env, cwd=CACHE, stdout=log, stderr=log
        )
        try:
            yield base, _wait_ready(base, proc, log_path)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def _wait_ready(base: str, proc: subprocess.Popen[bytes], log_path: Path) -> str:
    deadline = time.monotonic() + READY_TIMEOUT_S
    with httpx.Client(base_url=base, timeout=5.0) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"service exited with {proc.returncode}; see {log_path}")
            with contextlib.suppress(httpx.HTTPError):
                r = client.get("/readyz")
                if r.status_code == 200:
                    return str(r.json().get("reranker"))
            time.sleep(0.5)
    raise RuntimeError(f"service not ready after {READY_TIMEOUT_S:.0f}s; see {log_path}")


def ask(client: httpx.Client, question: str) -> Call:
    start = timer()
    try:
        r = client.post("/ask", json={"question": question})
    except httpx.HTTPError as exc:
        return Call(-1, elapsed_ms(start), error=f"{type(exc).__name__}: {exc}")
    took = elapsed_ms(start)
    if r.status_code // 100 != 2:
        return Call(r.status_code, took, error=r.text[:200])
    body: dict[str, Any] = r.json()
    return Call(r.status_code, took, body.get("timings_ms", {}).get("total"), body["abstained"])


def sequential(base: str, questions: list[str], progress: Progress) -> list[Call]:
    calls = []
    task = progress.add_task("/ask sequential", total=len(questions))
    with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT_S) as client:
        ask(client, "warm-up question about annual leave")  # not counted
        for q in questions:
            calls.append(ask(client, q))
            progress.advance(task)
    progress.remove_task(task)
    return calls


def load(
    base: str, questions: list[str], clients: int, seconds: float, progress: Progress
) -> tuple[list[Call], float]:
    """`clients` threads, each asking in a loop until the deadline; (calls, wall seconds)."""
    calls: list[Call] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(offset: int) -> None:
        with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT_S) as client:
            for j in range(MAX_REQUESTS):
                if time.monotonic() >= deadline:
                    return
                call = ask(client, questions[(offset + j * clients) % len(questions)])
                with lock:
                    calls.append(call)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    task = progress.add_task(f"/ask load, {clients} clients", total=seconds)
    start = time.monotonic()
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        progress.update(task, completed=min(seconds, time.monotonic() - start))
        time.sleep(0.25)
    progress.remove_task(task)
    return calls, time.monotonic() - start


def _counts(calls: list[Call]) -> dict[str, int]:
    """2xx, 503, other 5xx, and anything else (4xx or no response at all)."""
    return {
        "2xx": sum(c.status // 100 == 2 for c in calls),
        "503": sum(c.status == 503 for c in calls),
        "5xx_other": sum(c.status // 100 == 5 and c.status != 503 for c in calls),
        "other": sum(c.status // 100 not in (2, 5) for c in calls),
    }


def health(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=10.0).status_code == 200
    except httpx.HTTPError:
        return False


def section(
    index_dir: Path, reranker: Path, questions: list[str], plan: Plan, out: Path, progress: Progress
) -> Section:
    max_concurrency = bench_settings(index_dir).max_concurrency
    sec = Section("ask", "6. POST /ask end to end (uvicorn, extractive generator)")
    with server(index_dir, reranker, out / "server.log") as (base, reranker_desc):
        seq = sequential(base, spaced(questions, plan.ask_sequential), progress)
        calls, wall = load(base, questions, plan.clients, plan.load_seconds, progress)
        alive = health(base)
    if "fp32" not in reranker_desc:
        sec.ok = False
        sec.notes.append(f"FAILED: the reranker is not active in the service: {reranker_desc}")
    seq_ok = [c for c in seq if c.status // 100 == 2]
    load_ok = [c for c in calls if c.status // 100 == 2]
    s_seq, s_load = summarize([c.ms for c in seq_ok]), summarize([c.ms for c in load_ok])
    c_seq, counts = _counts(seq), _counts(calls)
    rps = len(load_ok) / wall if wall else 0.0
    seq_rps = 1000 / s_seq["mean"] if s_seq["n"] else float("nan")
    sec.tables.append(
        Table(
            f"latency (ms) and throughput; reranker {reranker_desc}",
            ["run", "requests", "p50", "p95", "req/s", "2xx", "503", "5xx other", "other"],
            [
                [
                    "sequential",
                    str(len(seq)),
                    ms(s_seq["p50"]),
                    ms(s_seq["p95"]),
                    f"{seq_rps:.2f}",
                    *(str(v) for v in c_seq.values()),
                ],
                [
                    f"{plan.clients} clients, {plan.load_seconds:.0f}s",
                    str(len(calls)),
                    ms(s_load["p50"]),
                    ms(s_load["p95"]),
                    f"{rps:.2f}",
                    *(str(v) for v in counts.values()),
                ],
            ],
        )
    )
    server_ms = summarize([c.server_ms for c in seq_ok if c.server_ms is not None])
    abstained = sum(bool(c.abstained) for c in seq_ok + load_ok)
    sec.notes += [
        f"concurrent / sequential: p50 {ratio(s_load['p50'], s_seq['p50'])}, throughput "
        f"{ratio(rps, seq_rps)} (the service computes {max_concurrency} answers at once by "
        "default; the others queue, 503 beyond its queue).",
        f"Sequential: server-reported total p50 {ms(server_ms['p50'])} ms vs client "
        f"{ms(s_seq['p50'])} ms; the difference is HTTP, JSON and queueing.",
        f"{abstained} of {len(seq_ok) + len(load_ok)} answers abstained (random reranker scores "
        "fall below abstain_min_rerank), which skips answer generation.",
    ]
    errors = [c.error for c in calls + seq if c.error and c.status != 503]
    bad = len(seq) - len(seq_ok)
    if bad or counts["other"] or counts["5xx_other"] or not alive:
        sec.ok = False
        sec.notes.append(
            f"FAILED: {bad} sequential errors, {counts['other']} other statuses, "
            f"{counts['5xx_other']} 5xx, server alive after load: {alive}; first: {errors[:3]}"
        )
    else:
        sec.notes.append("Check passed: only 2xx and 503, and /healthz answered after the load.")
    sec.data = {
        "sequential": s_seq,
        "load": s_load,
        "load_counts": counts,
        "seq_counts": c_seq,
        "load_rps": rps,
        "sequential_rps": seq_rps,
        "load_seconds": wall,
        "clients": plan.clients,
        "server_total_ms": server_ms,
        "abstained": abstained,
        "reranker": reranker_desc,
        "sequential_samples": [c.ms for c in seq],
        "server_alive": alive,
    }
    return sec
