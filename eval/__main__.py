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
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from core.errors import ConfigError
from eval.catalog import label
from eval.gate import MetricCheck

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


class _Display:
    """A progress bar on a terminal; a line every tenth of the questions elsewhere (CI)."""

    def __init__(self) -> None:
        self.bars = Progress(
            TextColumn("{task.description:<12}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=not console.is_terminal,
        )
        self.task = self.bars.add_task("questions", total=None)
        self.total = self.done = 0

    def start(self, total: int) -> None:
        self.total = total
        self.bars.update(self.task, total=total)
        self.bars.start()

    def answered(self, n: int) -> None:
        self.bars.advance(self.task, n)
        self.done += n
        if not console.is_terminal and self.done % max(1, self.total // 10) == 0:
            console.print(f"  {self.done}/{self.total} questions")
        if self.done == self.total:
            self.bars.stop()


def _config(args: argparse.Namespace) -> Any:
    from eval.harness import EvalConfig

    return EvalConfig(
        golden=args.golden,
        split=args.split,
        overrides=_parse_overrides(args.set or []),
        index=args.index,
        url=args.url,
        api_key=os.environ.get("RAG_API_KEY"),
        retrieval_only=args.retrieval_only,
    )


def cmd_run(args: argparse.Namespace, gate: bool) -> int:
    from eval import report
    from eval.gate import check, load_baseline, write_baseline
    from eval.harness import BASELINE, REPORTS, Hooks, evaluate

    config = _config(args)
    display = _Display()
    console.print(f"evaluating {config.golden} ({config.split})")
    hooks = Hooks(on_start=display.start, on_answered=display.answered, on_note=console.print)
    result = evaluate(config, hooks)
    baseline = load_baseline(BASELINE)
    checks = check(baseline, result.per_question) if gate and baseline else []
    out = Path(args.out) if args.out else REPORTS / result.summary["meta"]["run"]
    report.write(out, result.summary, result.records, result.values, checks, baseline)
    _print_summary(result.summary, checks)
    console.print(f"report: {out / 'report.md'}  plot: {out / 'plot.png'}")
    if not gate:
        write_baseline(BASELINE, result.summary, result.per_question)
        console.print(f"baseline written to {BASELINE}")
        return 0
    if baseline is None:
        console.print(f"[yellow]no baseline at {BASELINE}: run `make eval-baseline`[/yellow]")
    failed = [c for c in checks if c.failed]
    for c in failed:
        console.print(
            f"[red]REGRESSION {c.name}: {c.baseline:.3f} -> {c.current:.3f} "
            f"(paired delta {c.delta:+.3f}, 95% CI [{c.low:+.3f}, {c.high:+.3f}])[/red]"
        )
        if c.flipped:
            console.print(f"  flipped: {', '.join(c.flipped[:20])}")
    return 1 if failed else 0


def _print_summary(summary: dict[str, Any], checks: list[MetricCheck]) -> None:
    table = Table(title=f"{summary['n_items']} questions, {summary['answered']} answered")
    for col, justify in (("metric", "left"), ("mean", "right"), ("95% CI", "right")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    table.add_column("scored", justify="right")
    table.add_column("vs baseline", justify="right")
    by_name = {c.name: c for c in checks}
    for name, e in summary["metrics"].items():
        if e["n"] == 0 or math.isnan(e["mean"]):
            table.add_row(label(name), "n/a", "", f"0/{e['of']}", "")
            continue
        c = by_name.get(name)
        vs = (
            ""
            if c is None
            else f"[red]{c.delta:+.3f} FAIL[/red]"
            if c.failed
            else f"{c.delta:+.3f}"
        )
        interval = f"[{e['low']:.3f}, {e['high']:.3f}]"
        table.add_row(label(name), f"{e['mean']:.3f}", interval, f"{e['n']}/{e['of']}", vs)
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


def build_parser() -> argparse.ArgumentParser:
    from eval.harness import GOLDEN, SAMPLE

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
        p.add_argument(
            "--retrieval-only",
            action="store_true",
            help="score retrieval without answering (fast; answer metrics are empty)",
        )
    v = sub.add_parser("validate")
    v.add_argument("file", type=Path)
    v.add_argument("--pdfs", type=Path, default=SAMPLE, help="folder holding the PDFs")
    s = sub.add_parser("sweep")
    s.add_argument("--golden", type=Path, default=GOLDEN)
    s.add_argument("--split", choices=["all", "dev", "test"], default="dev")
    s.add_argument("--quick", action="store_true", help="fewer configurations")
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    args = build_parser().parse_args(argv)
    if args.command == "validate":
        return cmd_validate(args)
    if args.command == "sweep":
        from eval.sweep import sweep

        return sweep(args.golden, args.split, args.quick, console)
    try:
        return cmd_run(args, gate=args.command == "run")
    except ConfigError as exc:
        console.print(str(exc), style="red", markup=False)
        return 2


if __name__ == "__main__":
    sys.exit(main())
