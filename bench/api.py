"""Section 6: POST /ask end to end against the real service (bench.server), sequential and
under concurrent load. Clients are httpx, one client per thread, loopback only."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.progress import Progress

from bench.common import Plan, Section, Table, elapsed_ms, ms, ratio, spaced, summarize, timer
from bench.fixtures import CACHE, bench_settings
from bench.server import server

REQUEST_TIMEOUT_S = 120.0  # above the server's 20 s queue timeout plus one answer
MAX_REQUESTS = 100_000  # hard bound on the load loop besides its deadline


@dataclass
class Call:
    status: int  # -1: no HTTP response (connection error, timeout)
    ms: float
    server: dict[str, float] = field(default_factory=dict)  # the response's timings_ms
    abstained: bool | None = None
    error: str | None = None


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
    return Call(r.status_code, took, body.get("timings_ms") or {}, body["abstained"])


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


def stage_stats(calls: list[Call]) -> dict[str, dict[str, float]]:
    """The service's own per-stage timings (its `timings_ms`) over a sequential run."""
    answered = [c for c in calls if not c.abstained]
    out = {}
    for stage in dict.fromkeys(k for c in calls for k in c.server):
        # Abstained answers skip generation: its cost is measured over answered questions only.
        pool = answered if stage in ("generate", "check_citations") else calls
        out[stage] = summarize([c.server[stage] for c in pool if stage in c.server])
    return out


def _stages_table(configs: dict[str, dict[str, dict[str, float]]]) -> Table:
    """One row per configuration (index, reranker, query path), "p50 / p95" per stage: eight
    configurations side by side as columns would not fit a terminal."""
    stages = list(dict.fromkeys(s for st in configs.values() for s in st))
    rows = []
    for name, st in configs.items():
        cells = [f"{ms(st[s]['p50'])} / {ms(st[s]['p95'])}" if s in st else "-" for s in stages]
        rows.append([name, *cells])
    cols = ["configuration"] + [s.removeprefix("retrieve_") for s in stages]
    return Table("server-reported stages, sequential runs (ms, p50 / p95)", cols, rows)


@dataclass
class Config:
    """One sequential /ask run: an index, its golden questions, reranker on or off."""

    name: str
    index_dir: Path
    questions: list[str]
    reranker: Path | str  # "none": off
    settings: dict[str, str] = field(default_factory=dict)  # RAG_* over the bench's


def sequential_config(cfg: Config, plan: Plan, out: Path, progress: Progress) -> dict[str, Any]:
    log = out / f"server-{cfg.name.replace(' ', '-')}.log"
    with server(cfg.index_dir, cfg.reranker, log, cfg.settings) as (base, desc):
        calls = sequential(base, spaced(cfg.questions, plan.ask_sequential), progress)
    ok = [c for c in calls if c.status // 100 == 2]
    return {
        "reranker": desc,
        "client": summarize([c.ms for c in ok]),
        "stages": stage_stats(ok),
        "errors": len(calls) - len(ok),
        "abstained": sum(bool(c.abstained) for c in ok),
    }


def health(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=10.0).status_code == 200
    except httpx.HTTPError:
        return False


def section(
    index_dir: Path,
    reranker: Path,
    questions: list[str],
    plan: Plan,
    out: Path,
    progress: Progress,
    others: list[Config] | None = None,
) -> Section:
    """Sequential and concurrent /ask on the sample with the reranker, then a sequential run
    per configuration in `others` (reranker off, the real-manual index)."""
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
            f"client latency (ms) and throughput; reranker {reranker_desc.replace(str(CACHE), '')}",
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
    server_ms = summarize([c.server["total"] for c in seq_ok if "total" in c.server])
    configs = {"sample rerank": stage_stats(seq_ok)}
    clients = {"sample rerank": s_seq}
    extra: dict[str, Any] = {}
    for cfg in others or []:
        extra[cfg.name] = res = sequential_config(cfg, plan, out, progress)
        configs[cfg.name], clients[cfg.name] = res["stages"], res["client"]
        if res["errors"]:
            sec.ok = False
            sec.notes.append(f"FAILED: {cfg.name}: {res['errors']} sequential errors")
    sec.tables.append(_stages_table(configs))
    sec.tables.append(
        Table(
            "client latency per configuration, sequential (ms)",
            ["configuration", "n", "p50", "p95"],
            [[k, str(v["n"]), ms(v["p50"]), ms(v["p95"])] for k, v in clients.items()],
        )
    )
    abstained = sum(bool(c.abstained) for c in seq_ok + load_ok)
    sec.notes += [
        f"concurrent / sequential: p50 {ratio(s_load['p50'], s_seq['p50'])}, throughput "
        f"{ratio(rps, seq_rps)} (the service computes {max_concurrency} answers at once by "
        "default; the others queue, 503 beyond its queue).",
        f"Sequential: server-reported total p50 {ms(server_ms['p50'])} ms vs client "
        f"{ms(s_seq['p50'])} ms; the difference is HTTP, JSON and queueing.",
        f"{abstained} of {len(seq_ok) + len(load_ok)} answers abstained (the random reranker "
        "puts unrelated passages first, so the refusal decision often refuses), which skips "
        "answer generation.",
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
        "configs": {"sample rerank": {"client": s_seq, "stages": configs["sample rerank"]}} | extra,
    }
    return sec
