"""`python -m eval {run,validate,baseline,sweep}`: the golden-set evaluation.

run       score the pipeline on the golden set; exit 1 on a regression vs the baseline
baseline  run, then write eval/baseline.json (do this deliberately, in its own commit)
validate  check a golden file: ids, fields, every excerpt on its stated pages
sweep     try settings on the dev split; table and plot
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "eval" / "golden" / "sample.jsonl"
SAMPLE = ROOT / "data" / "sample"
BASELINE = ROOT / "eval" / "baseline.json"
REPORTS = ROOT / "eval" / "reports"
EVAL_INDEX = ROOT / "build" / "eval-index"

console = Console(soft_wrap=True, highlight=False)


def _parse_overrides(pairs: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--set wants key=value, got {pair!r}")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def _git() -> tuple[str, bool]:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no"],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        )
        return commit, dirty
    except (OSError, subprocess.CalledProcessError):
        return "unknown", False


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
    )


def evaluate(args: argparse.Namespace, gate: bool) -> tuple[int, dict[str, Any]]:
    from eval import gate as gate_mod
    from eval import report
    from eval.golden import golden_hash, load_golden
    from eval.runner import http_asker, in_process_asker, retrieval_asker, run
    from eval.scoring import per_question, summarize
    from ingest.embed import load_embedder
    from ingest.settings import Settings

    overrides = _parse_overrides(args.set or [])
    items = load_golden(args.golden)
    if args.split != "all":
        items = [i for i in items if i.split == args.split]
    # fp32 unless overridden: the baseline must not depend on which CPU features a runner has.
    settings = Settings(
        **{"index_dir": args.index or EVAL_INDEX, "embed_precision": "fp32", **overrides}
    )
    embedder = load_embedder(settings.embedder, "fp32", settings.embed_batch_size)

    if args.url:
        ask = http_asker(args.url, os.environ.get("RAG_API_KEY"))
        meta_models = {"embedder": "(remote)", "reranker": "(remote)", "generator": "(remote)"}
    else:
        from service.answer import AnswerService
        from service.runtime import load_retriever

        if args.index is None:
            _ensure_sample_index(settings, embedder)
        retriever = load_retriever(settings, embedder=embedder)
        answerer = AnswerService(retriever, settings)
        ask = retrieval_asker(answerer) if args.retrieval_only else in_process_asker(answerer)
        meta_models = {
            "embedder": f"{settings.embedder} sha256:{embedder.fingerprint[:12]} "
            f"({retriever.embedder.precision})",
            "reranker": retriever.reranker_status.describe(),
            "generator": answerer.generator.name,
        }

    console.print(f"evaluating {len(items)} questions from {args.golden} ({args.split})")
    start = time.perf_counter()
    with _progress() as bars:
        task = bars.add_task("questions", total=len(items))
        step = max(1, len(items) // 10)
        done = [0]

        def tick(n: int) -> None:
            bars.advance(task, n)
            done[0] += n
            if not console.is_terminal and done[0] % step == 0:
                console.print(f"  {done[0]}/{len(items)} questions")

        records = run(items, ask, tick)
    answer_s = time.perf_counter() - start

    t = time.perf_counter()
    from eval import ragas_scores

    recall = ragas_scores.context_recall(records)
    faithfulness = ragas_scores.judge_faithfulness(records, settings)
    console.print(f"ragas scored in {time.perf_counter() - t:.1f}s")

    def embed(texts: list[str]) -> Any:
        return embedder.embed(texts)

    values = per_question(records, embed, recall, faithfulness)
    summary = summarize(records, values)
    commit, dirty = _git()
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    summary["meta"] = {
        "run": run_id,
        "git_commit": commit,
        "git_dirty": dirty,
        "golden": str(
            args.golden.relative_to(ROOT) if args.golden.is_relative_to(ROOT) else args.golden
        ),
        "golden_sha256": golden_hash(args.golden),
        "split": args.split,
        "url": args.url,
        "settings": json.loads(settings.model_dump_json()),
        "seconds_answering": round(answer_s, 1),
        "judge": settings.judge_model if settings.judge_base_url else None,
        **meta_models,
    }
    ids = [r.item.id for r in records]
    per_q = {name: dict(zip(ids, v, strict=True)) for name, v in values.items()}

    baseline = json.loads(BASELINE.read_text()) if BASELINE.exists() else None
    checks = gate_mod.check(baseline, per_q) if gate and baseline else []
    out = Path(args.out) if args.out else REPORTS / run_id
    report.write(out, summary, records, values, checks, baseline)
    _print_summary(summary, checks)
    console.print(f"report: {out / 'report.md'}  plot: {out / 'plot.png'}")
    failed = [c for c in checks if c.failed]
    if gate and baseline is None:
        console.print(f"[yellow]no baseline at {BASELINE}: run `make eval-baseline`[/yellow]")
    for c in failed:
        console.print(
            f"[red]REGRESSION {c.name}: {c.baseline:.3f} -> {c.current:.3f} "
            f"(paired delta {c.delta:+.3f}, 95% CI [{c.low:+.3f}, {c.high:+.3f}])[/red]"
        )
        if c.flipped:
            console.print(f"  flipped: {', '.join(c.flipped[:20])}")
    return (1 if failed else 0), {"summary": summary, "per_question": per_q}


def _ensure_sample_index(settings: Any, embedder: Any) -> None:
    from ingest.pipeline import run_ingest

    report = run_ingest(settings, [SAMPLE], embedder=embedder)
    if report.written:
        console.print(f"ingested {report.documents} sample PDFs into {settings.index_dir}")


def _print_summary(summary: dict[str, Any], checks: list[Any]) -> None:
    from eval.scoring import LABELS

    table = Table(title=f"{summary['n_items']} questions, {summary['answered']} answered")
    table.add_column("metric")
    table.add_column("mean", justify="right")
    table.add_column("95% CI", justify="right")
    table.add_column("scored", justify="right")
    by_name = {c.name: c for c in checks}
    table.add_column("vs baseline", justify="right")
    for name, e in summary["metrics"].items():
        if e["n"] == 0 or math.isnan(e["mean"]):
            table.add_row(LABELS.get(name, name), "n/a", "", f"0/{e['of']}", "")
            continue
        c = by_name.get(name)
        vs = (
            ""
            if c is None
            else (f"[red]{c.delta:+.3f} FAIL[/red]" if c.failed else f"{c.delta:+.3f}")
        )
        table.add_row(
            LABELS.get(name, name),
            f"{e['mean']:.3f}",
            f"[{e['low']:.3f}, {e['high']:.3f}]",
            f"{e['n']}/{e['of']}",
            vs,
        )
    console.print(table)
    lat = summary["latency_ms"]
    console.print(
        "latency p50/p95 ms: "
        + ", ".join(f"{k} {v['p50']:.0f}/{v['p95']:.0f}" for k, v in lat.items())
    )


def cmd_validate(args: argparse.Namespace) -> int:
    from eval.golden import describe, load_golden, validate

    errors, warnings = validate(args.file, args.pdfs)
    for w in warnings:
        console.print(f"[yellow]warning[/yellow] {w}")
    for e in errors:
        console.print(f"[red]error[/red] {e}")
    if errors:
        console.print(f"[red]{len(errors)} error(s) in {args.file}[/red]")
        return 1
    console.print(f"{args.file}: OK, {json.dumps(describe(load_golden(args.file)))}")
    return 0


def cmd_baseline(args: argparse.Namespace) -> int:
    code, result = evaluate(args, gate=False)
    summary = result["summary"]
    BASELINE.write_text(
        json.dumps(
            {
                "meta": summary["meta"],
                "metrics": summary["metrics"],
                "per_question": result["per_question"],
            },
            indent=1,
            default=str,
        ).replace("NaN", "null")
        + "\n"
    )
    console.print(f"baseline written to {BASELINE}")
    return code


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    parser = argparse.ArgumentParser(
        prog="python -m eval",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("run", "baseline"):
        p = sub.add_parser(name)
        p.add_argument("--golden", type=Path, default=GOLDEN)
        p.add_argument("--url", help="evaluate a running service over HTTP")
        p.add_argument("--index", type=Path, help="index to evaluate (default: sample, built)")
        p.add_argument("--split", choices=["all", "dev", "test"], default="all")
        p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a setting")
        p.add_argument("--out", help="report directory (default eval/reports/<run>)")
        p.add_argument("--retrieval-only", action="store_true", help=argparse.SUPPRESS)
    v = sub.add_parser("validate")
    v.add_argument("file", type=Path)
    v.add_argument("--pdfs", type=Path, default=SAMPLE, help="folder holding the PDFs")
    s = sub.add_parser("sweep")
    s.add_argument("--golden", type=Path, default=GOLDEN)
    s.add_argument("--split", choices=["all", "dev", "test"], default="dev")
    s.add_argument("--quick", action="store_true", help="fewer configurations")
    args = parser.parse_args(argv)
    if args.command == "validate":
        return cmd_validate(args)
    if args.command == "baseline":
        return cmd_baseline(args)
    if args.command == "sweep":
        from eval.sweep import sweep

        return sweep(args)
    return evaluate(args, gate=True)[0]


if __name__ == "__main__":
    sys.exit(main())
