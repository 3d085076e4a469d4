"""`python -m eval {run,validate,baseline,sweep,calibrate}`: the golden-set evaluation.

run       score the pipeline on every golden suite (sample, real), or on --suite NAME ...,
          or on a custom --golden FILE; exit 1 on a regression vs a suite's baseline, 2 when
          the gate refuses to compare (a different reranker or generator)
baseline  run, then write eval/baselines/<suite>.json for every suite run (deliberately, in
          its own commit)
validate  check a golden file: ids, fields, every excerpt on its stated pages
sweep     try settings on the dev split; table and plot
calibrate fit the refusal model on the dev splits of every suite (service/refusal_model.json)
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from core.errors import ConfigError
from eval.catalog import higher_is_better, is_fraction, label
from eval.gate import MetricCheck

if TYPE_CHECKING:
    from eval.combined import SuiteOutcome
    from eval.suites import Planned

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


def _base_config(args: argparse.Namespace) -> Any:
    from eval.harness import EvalConfig

    return EvalConfig(
        split=args.split,
        overrides=_parse_overrides(args.set or []),
        url=args.url,
        api_key=os.environ.get("RAG_API_KEY"),
        retrieval_only=args.retrieval_only,
    )


def planned_runs(args: argparse.Namespace) -> list[Planned]:
    """The evaluations `run`/`baseline` asked for (eval.suites.plan); PlanError if none fit."""
    from eval.suites import PlanError, plan

    planned = plan(
        _base_config(args),
        suites=args.suite or (),
        golden=args.golden,
        corpus=args.corpus,
        index=args.index,
        baseline=args.baseline,
    )
    if args.command == "baseline" and any(p.baseline is None for p in planned):
        raise PlanError("a custom golden set's baseline needs --baseline FILE to write to")
    return planned


def _rel(path: Path) -> str:
    from eval.harness import ROOT

    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _judge(
    planned: Planned, summary: dict[str, Any], per_question: dict[str, dict[str, float]]
) -> tuple[SuiteOutcome, dict[str, Any] | None, str | None]:
    """Gate one suite's run: (outcome, the baseline, the one-line refusal if it refused)."""
    from eval.combined import SuiteOutcome
    from eval.gate import check, incompatible, load_baseline

    outcome = SuiteOutcome(planned.name, summary)
    path = planned.baseline
    baseline = load_baseline(path) if path else None
    if path is None or baseline is None:
        where = f"at {_rel(path)}" if path else "for a custom golden set"
        outcome.gate_note = f"no baseline {where}: run `make eval-baseline`"
        return outcome, None, None
    why = incompatible(baseline.get("meta", {}), summary["meta"])
    if why:
        outcome.gate_note = f"refused: {why}"
        return (
            outcome,
            baseline,
            f"GATE REFUSED {planned.name}: {why}; runs made with different rerankers or "
            f"generators are not compared. If the change is intended, run `make eval-baseline` "
            f"and commit {_rel(path)}; otherwise restore the previous setting.",
        )
    outcome.checks = check(baseline, per_question)
    return outcome, baseline, None


def cmd_run(args: argparse.Namespace, gate: bool) -> int:
    from eval import combined, report
    from eval.combined import SuiteOutcome
    from eval.gate import write_baseline
    from eval.harness import REPORTS, Hooks, evaluate, load_eval_embedder

    planned = planned_runs(args)
    for p in planned:  # before minutes of work: a missing corpus fails now
        if p.prepare:
            p.prepare()
    run = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = Path(args.out) if args.out else REPORTS / run
    embedder = load_eval_embedder(planned[0].config.settings())  # once, for every suite
    outcomes: list[SuiteOutcome] = []
    refused: list[str] = []
    for p in planned:
        display = _Display()
        console.print(
            f"[bold]{p.name}[/bold]: evaluating {_rel(p.config.golden)} ({p.config.split})"
        )
        hooks = Hooks(on_start=display.start, on_answered=display.answered, on_note=console.print)
        result = evaluate(p.config, hooks, embedder)
        result.summary["meta"]["suite"] = p.name
        if gate:
            outcome, baseline, refusal = _judge(p, result.summary, result.per_question)
            refused += [refusal] if refusal else []
        else:
            outcome, baseline = SuiteOutcome(p.name, result.summary), None
        report.write(
            out / p.name,
            result.summary,
            result.records,
            result.values,
            outcome.checks,
            baseline,
            outcome.gate_note,
        )
        _print_summary(result.summary, outcome.checks)
        if not gate:
            assert p.baseline is not None  # planned_runs saw to it
            p.baseline.parent.mkdir(parents=True, exist_ok=True)
            write_baseline(p.baseline, result.summary, result.per_question)
            console.print(f"baseline written to {_rel(p.baseline)}")
        outcomes.append(outcome)
    combined.write(out, run, outcomes)
    console.print(f"report: {out / 'report.md'}  plot: {out / 'plot.png'}")
    _print_verdicts(outcomes)
    for line in refused:
        console.print(line, style="red", markup=False)
    if refused:
        return 2
    return 1 if any(o.regressions for o in outcomes) else 0


def _print_verdicts(outcomes: list[SuiteOutcome]) -> None:
    for o in outcomes:
        if o.gate_note and not o.gate_note.startswith("refused"):
            console.print(f"[yellow]{o.name}: {o.gate_note}[/yellow]")
        for c in o.regressions:
            worse = "" if higher_is_better(c.name) else ", lower is better"
            console.print(
                f"[red]REGRESSION {c.name}: {c.baseline:.3f} -> {c.current:.3f} "
                f"(paired delta {c.delta:+.3f}, 95% CI [{c.low:+.3f}, {c.high:+.3f}]{worse}) "
                f"in {o.name}[/red]"
            )
            if c.flipped:
                console.print(f"  flipped: {', '.join(c.flipped[:20])}")


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
        f = "{:.3f}" if is_fraction(name) else "{:.0f}"
        interval = f"[{f.format(e['low'])}, {f.format(e['high'])}]"
        table.add_row(label(name), f.format(e["mean"]), interval, f"{e['n']}/{e['of']}", vs)
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
    from eval.suites import SUITES

    parser = argparse.ArgumentParser(
        prog="python -m eval",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("run", "baseline"):
        p = sub.add_parser(name)
        which = p.add_mutually_exclusive_group()
        which.add_argument(
            "--suite",
            action="append",
            choices=list(SUITES),
            help="a golden suite to score (repeatable; default: every suite)",
        )
        which.add_argument("--golden", type=Path, help="a custom golden file instead")
        p.add_argument(
            "--corpus", type=Path, help="with --golden: PDFs to ingest first (default sample)"
        )
        p.add_argument("--index", type=Path, help="with --golden: an index to evaluate (as built)")
        p.add_argument(
            "--baseline",
            type=Path,
            help="with --golden: baseline to gate against / write (default: its corpus's suite)",
        )
        p.add_argument("--url", help="evaluate a running service over HTTP (one suite)")
        p.add_argument("--split", choices=["all", "dev", "test"], default="all")
        p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a setting")
        p.add_argument("--out", help="report directory (default eval/reports/<run>/)")
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
    c = sub.add_parser("calibrate")
    c.add_argument("--suite", action="append", help="suites to fit on (default: all)")
    c.add_argument("--target", type=float, default=0.04, help="false-refusal rate allowed on dev")
    c.add_argument("--out", type=Path, help="model file (default service/refusal_model.json)")
    return parser


def cmd_calibrate(args: argparse.Namespace) -> int:
    from eval.calibrate import MODEL_PATH, calibrate
    from eval.suites import SUITES

    suites = args.suite or list(SUITES)
    console.print(f"fitting the refusal model on the dev splits of {', '.join(suites)}")
    result = calibrate(suites, args.target, args.out or MODEL_PATH)
    model = result["model"]
    table = Table(title=f"refusal model (threshold {model['threshold']:.3f})")
    for col in ("feature", "weight"):
        table.add_column(col, justify="left" if col == "feature" else "right")
    for name, weight in zip(model["features"], model["weights"], strict=True):
        table.add_row(name, f"{weight:+.3f}")
    console.print(table)
    for suite, fig in result["dev"].items():
        console.print(
            f"{suite} dev ({fig['items']} items): false-refusal rate "
            f"{fig['false_refusal']:.3f}, refusal recall {fig['refusal_recall']:.3f}"
        )
    console.print(f"written to {args.out or MODEL_PATH}; `make eval` reports the test split")
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    args = build_parser().parse_args(argv)
    if args.command == "validate":
        return cmd_validate(args)
    if args.command == "sweep":
        from eval.sweep import sweep

        return sweep(args.golden, args.split, args.quick, console)
    if args.command == "calibrate":
        return cmd_calibrate(args)
    from eval.suites import PlanError, SuiteUnavailable

    try:
        return cmd_run(args, gate=args.command == "run")
    except PlanError as exc:
        console.print(f"python -m eval {args.command}: {exc}", style="red", markup=False)
        return 2
    except (ConfigError, SuiteUnavailable) as exc:
        console.print(str(exc), style="red", markup=False)
        return 2


if __name__ == "__main__":
    sys.exit(main())
