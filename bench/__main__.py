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
import traceback  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402

from rich.console import Console  # noqa: E402
from rich.progress import (  # noqa: E402
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from bench import api, embedding, engines, fixtures, plot, report, rerank, retrieval  # noqa: E402
from bench import synthetic as synth  # noqa: E402
from bench.common import REPO, Plan, Section, load_questions, machine_info, spaced  # noqa: E402


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="~2 minutes instead of ~8")
    parser.add_argument(
        "--out", type=Path, help="directory for the results (default bench/results/<UTC timestamp>)"
    )
    parser.add_argument(
        "--questions",
        type=int,
        help="golden questions for the reranked and "
        "sequential /ask runs (default 40, quick 10; 179 = all, ~1.5 s each)",
    )
    return parser.parse_args(argv)


def _run(console: Console, title: str, fn: Callable[[], Section]) -> Section:
    """Time a section and print it; an exception fails that section, not the run."""
    start = datetime.now(UTC)
    try:
        sec = fn()
    except Exception as exc:  # noqa: BLE001 - report every failure, keep the other sections
        sec = Section(title.split(".")[0], title, ok=False)
        sec.notes.append(f"FAILED: {type(exc).__name__}: {exc}")
        console.print(traceback.format_exc(), style="red", highlight=False)
    sec.seconds = (datetime.now(UTC) - start).total_seconds()
    report.print_section(console, sec)
    return sec


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    plan = Plan.make(args.quick, args.questions)
    console = Console()
    started = datetime.now(UTC)
    out = args.out or REPO / "bench" / "results" / started.strftime("%Y%m%dT%H%M%SZ")
    out.mkdir(parents=True, exist_ok=True)
    cleared = fixtures.clear_rag_env()
    machine = machine_info()
    report.print_machine(console, machine)
    if cleared:
        console.print(f"ignoring environment: {', '.join(cleared)}", style="yellow")

    from ingest.embed import load_embedder
    from ingest.settings import DEFAULT_EMBEDDER
    from service.rerank import RerankerStatus
    from service.retriever import HybridRetriever

    sections: list[Section] = []
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("setup: embedder, sample index, reranker", total=None)
        embedder = load_embedder(DEFAULT_EMBEDDER, "auto", 32)
        index, index_state = fixtures.sample_index(embedder)
        reranker_path = fixtures.random_reranker()
        fp32 = fixtures.load_fp32_reranker(reranker_path)
        status = RerankerStatus(True, str(reranker_path), precision=fp32.precision)
        settings = fixtures.bench_settings(index.path.parent, reranker_path)
        retriever = HybridRetriever(index, embedder, settings, fp32, status)
        progress.remove_task(task)
        console.print(
            f"sample index: {len(index.chunks)} chunks ({index_state}); embedder "
            f"{embedder.name} ({embedder.precision}); plan: {plan}",
            highlight=False,
        )
        questions = [q["question"] for q in load_questions()]
        reranked = spaced(questions, plan.rerank_questions)

        s1 = _run(
            console,
            "1. retrieval, sample",
            lambda: retrieval.section_sample(
                retriever, settings, questions, reranked, progress, {"chunks": len(index.chunks)}
            ),
        )
        sections.append(s1)

        def synthetic_sections() -> None:
            task = progress.add_task(f"build synthetic {plan.synthetic_chunks:,}", total=None)
            built = synth.build(index, plan.synthetic_chunks)
            bm25s_engine, bm25s_s = engines.build_bm25s(built.index)
            big = HybridRetriever(built.index, embedder, settings, fp32, status, bm25s_engine)
            progress.remove_task(task)
            subset = spaced(questions, plan.synthetic_rerank_questions)
            meta = {
                "chunks": plan.synthetic_chunks,
                "synthetic": built.info,
                "bm25s_build_s": bm25s_s,
            }
            sections.append(
                _run(
                    console,
                    "2. retrieval, synthetic",
                    lambda: retrieval.section_synthetic(
                        big,
                        settings,
                        questions,
                        subset,
                        progress,
                        s1.data["stats"],
                        synth.notes(built.info),
                        meta,
                    ),
                )
            )
            slow = spaced(questions, plan.slow_bm25_queries)
            sections.append(
                _run(
                    console,
                    "3. BM25 engines",
                    lambda: engines.section(
                        index, built.index, (bm25s_engine, bm25s_s), questions, slow, progress
                    ),
                )
            )

        try:
            synthetic_sections()
        except Exception as exc:  # noqa: BLE001 - the build failing fails sections 2 and 3
            failure = exc
            sections.append(_run(console, "2. synthetic index", lambda: _raise(failure)))
        gc.collect()  # the synthetic index and rank-bm25 hold over 1 GB

        sections.append(
            _run(
                console,
                "4. reranker precision",
                lambda: rerank.section(
                    retriever,
                    settings,
                    fp32,
                    reranker_path,
                    spaced(questions, plan.precision_queries),
                    progress,
                ),
            )
        )
        texts = [c.text for c in index.chunks][: plan.embed_chunks]
        sections.append(
            _run(
                console,
                "5. embedding",
                lambda: embedding.section(embedder, texts, questions, progress),
            )
        )
        sections.append(
            _run(
                console,
                "6. /ask",
                lambda: api.section(
                    index.path.parent, reranker_path, questions, plan, out, progress
                ),
            )
        )

    ok = all(s.ok for s in sections)
    config = {
        "started_at": started.isoformat(timespec="seconds"),
        "quick": plan.quick,
        "plan": plan.__dict__,
        "seconds": (datetime.now(UTC) - started).total_seconds(),
        "ok": ok,
        "ignored_env": cleared,
        "sample_index": index_state,
        "settings": settings.model_dump(mode="json", exclude={"llm_api_key", "api_key"}),
    }
    report.write(out, machine, config, sections)
    caption = (
        f"{machine['cpu_model']}, {machine['cores']} cores, native bf16: "
        f"{machine['native_bf16']}; {'quick' if plan.quick else 'full'} run "
        f"{started:%Y-%m-%d %H:%M} UTC"
    )
    plot.write_png(out / "bench.png", sections, caption)
    console.print(
        f"\nwrote {out}/results.json, summary.md, bench.png in "
        f"{config['seconds']:.0f}s; all checks passed: {ok}",
        highlight=False,
    )
    return 0 if ok else 1


def _raise(exc: Exception) -> Section:
    raise exc


if __name__ == "__main__":
    raise SystemExit(main())
