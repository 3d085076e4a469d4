"""`python -m ingest PATH... [--index DIR] [--rebuild] [--workers N] [--shard I/N] [--debug]`:
PDFs in, hybrid index out.

`--workers N`: with the files store, N parse worker processes (RAG_PARSE_WORKERS). With
RAG_STORE=postgres, N ingest processes, each over its shard of the inputs (by file name),
each publishing its shard as it finishes; the exit status is the worst of theirs. `--shard
I/N` runs one shard: the same command on N machines (I = 0..N-1) ingests one corpus into one
database. In a database an ingest answers for the documents under its paths (and shard):
documents of other folders, which other ingests wrote, are kept as they are.

Exit status: 0 every input ingested (or the index was already up to date); 1 the index is
written and current but some inputs were skipped (reasons in the summary and the manifest);
2 the run failed and the previous index is unchanged: no usable PDF, bad usage, bad
settings, the index is locked by another ingest or cannot be written, or an unexpected
error (one line; `--debug` adds the traceback).

Everything printed that a user or a file controls (paths, reasons) goes out without rich
markup, and with control characters escaped, so a file name cannot garble or crash the
output.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import traceback
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from core.config import load_settings
from core.errors import ConfigError, CoreError
from ingest.inputs import shown
from ingest.report import IngestReport
from ingest.report import Progress as Hooks
from ingest.scope import Shard

EXIT_OK, EXIT_SKIPPED, EXIT_NOTHING = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ingest",
        description="Ingest PDFs (files or folders, searched recursively) into a hybrid index. "
        "The index mirrors the given paths: documents no longer among them are dropped.",
        epilog="Exit status: 0 all ingested, 1 some files skipped, 2 failed: nothing written.",
    )
    parser.add_argument("paths", nargs="+", type=Path, help="PDF files or folders")
    parser.add_argument(
        "--index", type=Path, help="index directory (default: RAG_INDEX_DIR or index/)"
    )
    parser.add_argument("--rebuild", action="store_true", help="re-parse and re-embed everything")
    parser.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="parallel workers: parse processes (files store); with RAG_STORE=postgres, N "
        "ingest processes over shards of the inputs",
    )
    parser.add_argument(
        "--shard",
        type=_shard,
        metavar="I/N",
        help="RAG_STORE=postgres: only the files whose name hashes to shard I of N (0-based); "
        "run I = 0..N-1 on N machines",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress, summary only")
    parser.add_argument(
        "--debug", action="store_true", help="print the traceback of an unexpected error"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    err = Console(stderr=True, soft_wrap=True, highlight=False)
    try:
        settings = load_settings(**({"index_dir": args.index} if args.index else {}))
        if args.workers is not None and args.workers < 1:
            raise ConfigError("--workers must be at least 1")
        if settings.store == "files" and args.shard is not None:
            raise ConfigError("--shard needs RAG_STORE=postgres: a files index has one writer")
        if settings.store == "files" and args.workers:
            settings = settings.model_copy(update={"parse_workers": args.workers})
    except ConfigError as exc:
        err.print(Text(shown(str(exc)), style="red"))
        return EXIT_NOTHING
    if settings.store != "files" and (args.workers or 1) > 1:
        return _run_workers(args, args.workers, args.shard or Shard(0, 1), err)

    try:
        from ingest.pipeline import run_ingest  # heavy imports after argument errors are out

        with _progress(err, args.quiet) as hooks:
            report = run_ingest(
                settings, args.paths, rebuild=args.rebuild, progress=hooks, shard=args.shard
            )
    except KeyboardInterrupt:
        err.print("interrupted: the previous index is unchanged", style="yellow", markup=False)
        return 130
    except Exception as exc:  # noqa: BLE001 - every failure is one line and exit 2
        if args.debug:
            traceback.print_exc()
        err.print(Text(f"ingest failed: {_reason(exc, settings.index_dir)}", style="red"))
        return EXIT_NOTHING
    try:
        print_summary(Console(soft_wrap=True, highlight=False), report)
    except Exception as exc:  # noqa: BLE001 - e.g. a closed stdout: the index is what counts
        if args.debug:
            traceback.print_exc()
        err.print(Text(f"cannot print the summary: {shown(str(exc))}"), style="yellow")
    return report.exit_code


def _shard(text: str) -> Shard:
    try:
        return Shard.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _run_workers(args: argparse.Namespace, workers: int, shard: Shard, err: Console) -> int:
    """`workers` ingest processes, one per sub-shard of `shard`; the worst exit status."""
    procs = []
    for sub in shard.split(workers):
        cmd = [sys.executable, "-m", "ingest", *map(str, args.paths), "--shard", str(sub)]
        cmd += [flag for flag, on in (("--rebuild", args.rebuild), ("--debug", args.debug)) if on]
        cmd += ["--quiet"] if args.quiet or workers > 1 else []
        cmd += ["--index", str(args.index)] if args.index else []
        procs.append((sub, subprocess.Popen(cmd)))
    codes = []
    try:
        for sub, proc in procs:
            codes.append(proc.wait())
            err.print(f"worker {sub}: exit {codes[-1]}", markup=False, highlight=False)
    except KeyboardInterrupt:
        for _, proc in procs:
            proc.terminate()
        err.print("interrupted: each worker's shard is as it last published", markup=False)
        return 130
    return max(codes)


def _reason(exc: Exception, index_dir: Path) -> str:
    """One line saying what went wrong and what to do about it."""
    hint = "" if isinstance(exc, CoreError) else "; run with --debug for the traceback"
    if isinstance(exc, CoreError):
        text = str(exc)
    elif isinstance(exc, OSError) and _under(exc.filename, index_dir):
        # Bad input files are skipped, never raised: an OSError on the index is the disk.
        what = (
            "it is not a folder"
            if index_dir.exists() and not index_dir.is_dir()
            else f"{exc.strerror or exc} ({exc.filename})"
        )
        text = f"cannot write the index at {index_dir}: {what}; the previous index is unchanged"
    else:
        text = f"unexpected {type(exc).__name__}: {exc}; the previous index is unchanged"
    return shown(text) + hint


def _under(filename: object, folder: Path) -> bool:
    if not isinstance(filename, str | bytes | os.PathLike):
        return False
    path = Path(os.fsdecode(filename)).absolute()
    return path == folder.absolute() or folder.absolute() in path.parents


class _progress:
    """Rich progress bars on a terminal; one log line per file elsewhere (CI logs)."""

    def __init__(self, console: Console, quiet: bool) -> None:
        self.console = console
        self.quiet = quiet
        self.bars: Progress | None = None

    def __enter__(self) -> Hooks:
        if self.quiet:
            return Hooks()
        if not self.console.is_terminal:
            done = [0, 0]

            def file_done(path: str, outcome: str) -> None:
                done[0] += 1
                line = f"[{done[0]}/{done[1]}] {shown(path)}: {shown(outcome)}"
                self.console.print(line, markup=False, highlight=False)

            def files(total: int) -> None:
                done[1] = total

            return Hooks(on_files=files, on_file_done=file_done)
        bars = Progress(
            TextColumn("{task.description:<10}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
        )
        self.bars = bars
        bars.start()
        files_task = bars.add_task("files", total=None)
        embed_task = bars.add_task("embedding", total=0)

        def chunks(n: int) -> None:
            total = bars.tasks[embed_task].total or 0
            bars.update(embed_task, total=total + n)

        return Hooks(
            on_files=lambda n: bars.update(files_task, total=n),
            on_file_done=lambda path, outcome: bars.advance(files_task),
            on_chunks=chunks,
            on_embedded=lambda n: bars.advance(embed_task, n),
        )

    def __exit__(self, *exc: object) -> None:
        if self.bars is not None:
            self.bars.stop()


def print_summary(console: Console, report: IngestReport) -> None:
    where = report.where or str(report.index_dir)
    table = Table(title=Text(f"Ingest summary: {shown(where)}"), show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    rate = report.seconds or 1e-9
    # files = new + changed + unchanged + skipped (ingest/report.py); kept is part of skipped.
    rows = [
        ("files", report.files),
        ("new", len(report.added)),
        ("changed", len(report.changed)),
        ("unchanged (reused)", len(report.reused)),
        ("skipped", len(report.skipped)),
        ("  of which last good version kept", len(report.kept)),
        ("removed (gone from disk)", len(report.removed)),
        *([("other paths, kept as they are", report.carried)] if report.carried else []),
        ("documents in index", report.documents),
        ("pages in index", report.pages),
        ("chunks in index", report.chunks),
        ("pages parsed", report.pages_parsed),
        ("chunks embedded", f"{report.chunks_embedded} ({report.precision})"),
        ("seconds", f"{report.seconds:.1f}"),
        ("pages/s", f"{report.pages_parsed / rate:.1f}"),
        ("chunks/s", f"{report.chunks_embedded / rate:.1f}"),
    ]
    if report.stages:
        stages = ", ".join(f"{k} {v:.1f}" for k, v in report.stages.items())
        rows.append(("seconds by stage", stages))
    for name, value in rows:
        table.add_row(name, str(value))
    console.print(table)

    def line(text: str, style: str = "") -> None:
        console.print(Text(text, style=style))

    if report.rebuild_reason:
        line(f"full rebuild: {shown(report.rebuild_reason)}")
    for skip in report.skipped:
        console.print(
            Text.assemble(("skipped", "yellow"), f" {shown(skip.path)}: {shown(skip.error)}")
        )
    for path in report.removed:
        line(f"removed {shown(path)}: no longer among the inputs")
    for note in report.notes:
        line(f"note: {shown(note)}")
    if report.documents == 0:
        line("no usable PDF: nothing written", "red")
    elif report.up_to_date:
        line("index is up to date: nothing to write")
    elif report.written:
        line(f"index written to {shown(where)}", "green")


if __name__ == "__main__":
    sys.exit(main())
