"""`python -m ingest PATH... [--index DIR] [--rebuild]`: PDFs in, hybrid index out.

Exit status: 0 every input ingested (or the index was already up to date); 1 the index was
written but some inputs were skipped (reasons in the summary and the manifest); 2 nothing was
written: no usable PDF, bad usage, bad settings, or the index is locked by another ingest.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ingest.errors import IngestError
from ingest.pipeline import IngestReport
from ingest.pipeline import Progress as Hooks
from ingest.settings import Settings

EXIT_OK, EXIT_SKIPPED, EXIT_NOTHING = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ingest",
        description="Ingest PDFs (files or folders, searched recursively) into a hybrid index. "
        "The index mirrors the given paths: documents no longer among them are dropped.",
        epilog="Exit status: 0 all ingested, 1 some files skipped, 2 nothing written.",
    )
    parser.add_argument("paths", nargs="+", type=Path, help="PDF files or folders")
    parser.add_argument(
        "--index", type=Path, help="index directory (default: RAG_INDEX_DIR or index/)"
    )
    parser.add_argument("--rebuild", action="store_true", help="re-parse and re-embed everything")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress, summary only")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    err = Console(stderr=True, soft_wrap=True)
    try:
        settings = Settings(**({"index_dir": args.index} if args.index else {}))
    except ValidationError as exc:
        err.print(f"[red]invalid settings:[/red] {exc}")
        return EXIT_NOTHING

    from ingest.pipeline import run_ingest  # heavy imports after argument errors are out

    try:
        with _progress(err, args.quiet) as hooks:
            report = run_ingest(settings, args.paths, rebuild=args.rebuild, progress=hooks)
    except IngestError as exc:
        err.print(f"[red]ingest failed:[/red] {exc}")
        return EXIT_NOTHING
    except KeyboardInterrupt:
        err.print("[yellow]interrupted: the previous index is unchanged[/yellow]")
        return 130
    print_summary(Console(soft_wrap=True), report)
    return report.exit_code


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
                self.console.print(f"[{done[0]}/{done[1]}] {path}: {outcome}", highlight=False)

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
    table = Table(title=f"Ingest summary: {report.index_dir}", show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    rate = report.seconds or 1e-9
    rows = [
        ("files", report.files),
        ("new", len(report.added)),
        ("changed", len(report.changed)),
        ("unchanged (reused)", len(report.reused)),
        ("removed", len(report.removed)),
        ("skipped", len(report.skipped)),
        ("pages in index", report.pages),
        ("chunks in index", report.chunks),
        ("pages parsed", report.pages_parsed),
        ("chunks embedded", f"{report.chunks_embedded} ({report.precision})"),
        ("seconds", f"{report.seconds:.1f}"),
        ("pages/s", f"{report.pages_parsed / rate:.1f}"),
        ("chunks/s", f"{report.chunks_embedded / rate:.1f}"),
    ]
    for name, value in rows:
        table.add_row(name, str(value))
    console.print(table)
    if report.rebuild_reason:
        console.print(f"full rebuild: {report.rebuild_reason}")
    for skip in report.skipped:
        console.print(f"[yellow]skipped[/yellow] {skip.path}: {skip.error}", highlight=False)
    for note in report.notes:
        console.print(f"note: {note}", highlight=False)
    if report.documents == 0:
        console.print("[red]no usable PDF: nothing written[/red]")
    elif report.up_to_date:
        console.print("index is up to date: nothing to write")
    elif report.written:
        console.print(f"[green]index written to {report.index_dir}[/green]")


if __name__ == "__main__":
    sys.exit(main())
