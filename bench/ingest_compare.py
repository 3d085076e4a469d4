"""Section 7: our ingest vs the LangChain tutorial pipeline on the same PDFs, side by side.

Every run is a fresh child process (so importing and loading the model count the same for
both) into an empty output folder, in alternating order (ours fp32, ours auto, tutorial,
then the reverse), after one untimed warm-up of each on a small PDF. Per run: wall time,
CPU time (user + system of the child and its parse workers, from wait4), the largest single
process's peak RSS (kernel) and the process tree's peak RSS (sampled from /proc every
0.1 s), pages, chunks and seconds per stage. Ratios are the median over rounds of each
round's ours / tutorial.

Standalone: `python -m bench.ingest_compare [--corpus sample,real] [--rounds 2]
[--rss-pages 2000] [--out DIR]`.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rich.progress import Progress

from bench.common import REAL_PDFS, REPO, SAMPLE_PDFS, CpuMonitor, Section, Table
from bench.fixtures import CACHE

CORPORA = {"sample": SAMPLE_PDFS, "real": REAL_PDFS}
VARIANTS = ("ours fp32", "ours auto", "tutorial")
TUTORIAL_MISSING = (
    "tutorial pipeline skipped: install the bench extra (pip install -e '.[bench,eval]'; "
    "langchain-text-splitters and langchain-community)"
)


@dataclass
class Run:
    variant: str
    corpus: str
    wall_s: float = float("nan")
    cpu_s: float = float("nan")
    maxrss_mb: float = float("nan")  # the largest single process (kernel's ru_maxrss)
    tree_rss_mb: float = float("nan")  # main process + parse workers, sampled
    pages: int = 0
    chunks: int = 0
    precision: str = ""
    stages: dict[str, float] = field(default_factory=dict)
    other_cpu: float | None = None
    error: str | None = None


def tutorial_available() -> bool:
    return all(
        importlib.util.find_spec(m) is not None
        for m in ("langchain_text_splitters", "langchain_community", "faiss", "rank_bm25")
    )


def _tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and all its descendants (Linux /proc)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total


def _child_env(variant: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update(
        HF_HUB_OFFLINE="1",
        TOKENIZERS_PARALLELISM="false",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
        # Exports of `auto`'s runtime are cached here, paid once in the warm-up run.
        RAG_EMBED_CACHE_DIR=str(CACHE / "embed-runtime"),
    )
    if variant.startswith("ours"):
        env["RAG_EMBED_PRECISION"] = variant.split()[1]
    return env


def run_once(variant: str, corpus: str, pdfs: list[Path]) -> Run:
    """One child process into a fresh, empty output folder; measured from the outside."""
    run = Run(variant, corpus)
    with tempfile.TemporaryDirectory(dir=CACHE, prefix="ingest-run-") as tmp:
        out = Path(tmp) / "out"
        if variant == "tutorial":
            cmd = [sys.executable, "-m", "bench.tutorial", "--out", str(out)]
        else:
            cmd = [sys.executable, "-m", "bench.ingest_child", "--index", str(out)]
        stdout = Path(tmp) / "stdout"
        monitor = CpuMonitor()
        start = time.perf_counter()
        with stdout.open("wb") as fh:
            proc = subprocess.Popen(
                [*cmd, *map(str, pdfs)],
                env=_child_env(variant),
                cwd=CACHE,  # no .env here: only the variables above configure it
                stdout=fh,
                stderr=subprocess.STDOUT,
            )
            peak = 0
            done = threading.Event()

            def sample() -> None:
                nonlocal peak
                while not done.wait(0.1):
                    peak = max(peak, _tree_rss(proc.pid))

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            _, status, usage = os.wait4(proc.pid, 0)
            done.set()
            sampler.join()
            proc.returncode = os.waitstatus_to_exitcode(status)
        run.wall_s = time.perf_counter() - start
        run.other_cpu = monitor.other_share()
        run.cpu_s = usage.ru_utime + usage.ru_stime
        run.maxrss_mb = usage.ru_maxrss / 1024
        run.tree_rss_mb = peak / 2**20
        text = stdout.read_text(errors="replace")
        last = text.strip().splitlines()[-1] if text.strip() else ""
        try:
            result = json.loads(last)
        except ValueError:
            run.error = f"exit {proc.returncode}: {text[-300:]}"
            return run
        run.pages, run.chunks = int(result["pages"]), int(result["chunks"])
        run.precision = str(result.get("precision", "fp32 (torch)"))
        run.stages = {k: float(v) for k, v in result["stages"].items()}
    return run


def compare(corpus: str, pdfs: list[Path], rounds: int, progress: Progress) -> list[Run]:
    variants = [v for v in VARIANTS if v != "tutorial" or tutorial_available()]
    smallest = min(pdfs, key=lambda p: p.stat().st_size)
    task = progress.add_task(f"ingest vs tutorial, {corpus}", total=len(variants) * (rounds + 1))
    for v in variants:  # warm-up: page cache, imports, `auto`'s export; not counted
        run_once(v, "warm-up", [smallest])
        progress.advance(task)
    runs = []
    for r in range(rounds):
        for v in variants if r % 2 == 0 else variants[::-1]:
            runs.append(run_once(v, corpus, pdfs))
            progress.advance(task)
    progress.remove_task(task)
    return runs


def big_corpus(pages: int) -> tuple[list[Path], int]:
    """Copies of the real PDFs, one comment byte appended to each (new sha256, same
    content), until they hold at least `pages` pages; (files, pages)."""
    from pypdf import PdfReader

    folder = CACHE / f"big-corpus-{pages}"
    originals = sorted(REAL_PDFS.glob("*.pdf"))
    counts = {p: len(PdfReader(p).pages) for p in originals}
    files, total, copy = [], 0, 0
    while total < pages:
        for src in originals:
            dst = folder / f"copy{copy}-{src.name}"
            if not dst.is_file():
                folder.mkdir(parents=True, exist_ok=True)
                shutil.copy(src, dst)
                with dst.open("ab") as fh:
                    fh.write(f"\n%copy {copy}\n".encode())
            files.append(dst)
            total += counts[src]
        copy += 1
    return files, total


def _median(values: list[float]) -> float:
    clean = [v for v in values if v == v]
    return float(np.median(clean)) if clean else float("nan")


def _fmt(v: float, digits: int = 1) -> str:
    return "-" if v != v else f"{v:.{digits}f}"


def _tables(corpus: str, runs: list[Run]) -> tuple[list[Table], dict[str, Any]]:
    by: dict[str, list[Run]] = {}
    for run in runs:
        by.setdefault(run.variant, []).append(run)
    tut = by.get("tutorial", [])
    rows: list[list[str]] = []
    stats: dict[str, dict[str, Any]] = {}
    for variant, vr in by.items():
        good = [r for r in vr if r.error is None]
        wall, cpu = _median([r.wall_s for r in good]), _median([r.cpu_s for r in good])
        pages, chunks = (good[0].pages, good[0].chunks) if good else (0, 0)
        # Per round: the i-th run of each variant were neighbours in the alternating order.
        pairs = [(a, b) for a, b in zip(vr, tut, strict=False) if not (a.error or b.error)]
        wall_ratio = _median([a.wall_s / b.wall_s for a, b in pairs])
        cpu_ratio = _median([a.cpu_s / b.cpu_s for a, b in pairs])
        st: dict[str, Any] = {
            "runs": len(good),
            "errors": [r.error for r in vr if r.error],
            "precision": good[0].precision if good else "",
            "wall_s": wall,
            "cpu_s": cpu,
            "pages": pages,
            "chunks": chunks,
            "chunks_per_s": chunks / wall if wall else float("nan"),
            "pages_per_s": pages / wall if wall else float("nan"),
            "tree_rss_mb": max((r.tree_rss_mb for r in good), default=float("nan")),
            "maxrss_mb": max((r.maxrss_mb for r in good), default=float("nan")),
            "wall_vs_tutorial": wall_ratio if tut and variant != "tutorial" else float("nan"),
            "cpu_vs_tutorial": cpu_ratio if tut and variant != "tutorial" else float("nan"),
            "stages": {
                k: _median([r.stages.get(k, float("nan")) for r in good])
                for k in dict.fromkeys(k for r in good for k in r.stages)
            },
            "other_cpu": [r.other_cpu for r in vr],
        }
        stats[variant] = st
        rows.append(
            [
                variant,
                st["precision"],
                f"{len(good)}/{len(vr)}",
                _fmt(wall),
                _fmt(cpu),
                str(pages),
                str(chunks),
                _fmt(st["chunks_per_s"]),
                _fmt(st["pages_per_s"]),
                _fmt(st["tree_rss_mb"], 0),
                _fmt(st["wall_vs_tutorial"], 2),
                _fmt(st["cpu_vs_tutorial"], 2),
            ]
        )
    main = Table(
        f"{corpus}: ingest from scratch, median of {max(len(v) for v in by.values())} runs each",
        [
            "pipeline",
            "precision",
            "ok",
            "wall s",
            "CPU s",
            "pages",
            "chunks",
            "chunks/s",
            "pages/s",
            "peak RSS MB",
            "wall / tutorial",
            "CPU / tutorial",
        ],  # fmt: skip
        rows,
    )
    names = list(dict.fromkeys(k for st in stats.values() for k in st["stages"]))
    stage_rows = [
        [v, *(_fmt(stats[v]["stages"].get(k, float("nan"))) for k in names)] for v in stats
    ]
    stages = Table(f"{corpus}: seconds per stage (median)", ["pipeline", *names], stage_rows)
    return [main, stages], stats


def section(corpora: list[str], rounds: int, rss_pages: int, progress: Progress) -> Section:
    sec = Section("ingest_compare", "7. Ingest vs the LangChain tutorial pipeline")
    if not tutorial_available():
        sec.notes.append(TUTORIAL_MISSING)
    data: dict[str, Any] = {}
    for corpus in corpora:
        pdfs = sorted(CORPORA[corpus].glob("*.pdf"))
        if not pdfs:
            sec.notes.append(
                f"{corpus}: no PDFs in {CORPORA[corpus]} (python scripts/fetch_real_corpus.py)"
            )
            continue
        runs = compare(corpus, pdfs, rounds, progress)
        tables, stats = _tables(corpus, runs)
        sec.tables += tables
        data[corpus] = {"stats": stats, "runs": [asdict(r) for r in runs]}
        for variant, st in stats.items():
            if st["errors"]:
                sec.ok = False
                sec.notes.append(f"FAILED: {corpus} {variant}: {st['errors'][0]}")
    if rss_pages and any(REAL_PDFS.glob("*.pdf")):
        task = progress.add_task(f"ingest {rss_pages}+ pages (peak RSS)", total=None)
        files, pages = big_corpus(rss_pages)
        big = run_once("ours auto", f"{pages} pages", files)
        progress.remove_task(task)
        data["big"] = asdict(big)
        sec.tables.append(
            Table(
                f"peak RSS, ours (auto), {len(files)} PDFs, {pages} pages",
                [
                    "precision",
                    "chunks",
                    "wall s",
                    "chunks/s",
                    "tree peak RSS MB",
                    "largest process MB",
                ],  # fmt: skip
                [
                    [
                        big.precision,
                        str(big.chunks),
                        _fmt(big.wall_s),
                        _fmt(big.chunks / big.wall_s if big.wall_s else float("nan")),
                        f"{big.tree_rss_mb:.0f}",
                        f"{big.maxrss_mb:.0f}",
                    ]
                ],
            )
        )
        if big.error:
            sec.ok = False
            sec.notes.append(f"FAILED: {pages}-page ingest: {big.error}")
    sec.notes += [
        "ours: the ingest pipeline (parse in a worker process overlapped with chunking and "
        "embedding, chunk + sentence vectors from one forward pass, BM25, index written). "
        "'auto' picks its runtime at load (OpenVINO where installed and measured faster).",
        "tutorial: PyPDFLoader, RecursiveCharacterTextSplitter(1000, 200), the same MiniLM "
        "through HuggingFaceEmbeddings (torch fp32), FAISS.from_documents + save_local, "
        "BM25Retriever.from_documents. It stores no sentence vectors and no page texts.",
        "Ours' stages are wall time of the main process: parse_wait is the time left waiting "
        "for the parse workers, not the parse time (which overlaps chunk and embed).",
    ]
    sec.data = data
    return sec


def main(argv: list[str] | None = None) -> int:
    from rich.console import Console

    from bench import report
    from bench.common import machine_info
    from bench.runner import run_section

    parser = argparse.ArgumentParser(prog="python -m bench.ingest_compare")
    parser.add_argument("--corpus", default="sample,real")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--rss-pages", type=int, default=0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    console = Console(width=160)
    machine = machine_info()
    report.print_machine(console, machine)
    CACHE.mkdir(parents=True, exist_ok=True)
    with Progress(console=console, transient=True) as progress:
        sec = run_section(
            console,
            "ingest_compare",
            "7. ingest vs tutorial",
            lambda: section(args.corpus.split(","), args.rounds, args.rss_pages, progress),
        )
    if args.out:
        config = {"started_at": time.strftime("%Y-%m-%dT%H:%M:%S"), "quick": False,
                  "seconds": sec.seconds, "ok": sec.ok}  # fmt: skip
        report.write(args.out, machine, config, [sec])
    return 0 if sec.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
