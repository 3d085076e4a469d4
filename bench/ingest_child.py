"""Our ingest as a child process of bench.ingest_compare: what `python -m ingest` runs, minus
its progress display, with the report as one JSON line (pages, chunks, precision, stages).

    python -m bench.ingest_child --index DIR PATH...

Configured only through RAG_* variables, like the CLI.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest_child")
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("paths", nargs="+", type=Path)
    args = parser.parse_args()

    from core.config import load_settings
    from ingest.pipeline import run_ingest

    report = run_ingest(load_settings(index_dir=args.index), args.paths)
    out = {
        "pages": report.pages_parsed,
        "chunks": report.chunks_embedded,
        "precision": report.precision,
        "skipped": len(report.skipped),
        "seconds": report.seconds,
        "stages": report.stages,
    }
    print(json.dumps(out))
    return 0 if report.written else 1


if __name__ == "__main__":
    raise SystemExit(main())
