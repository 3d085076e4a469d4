"""`python -m service.search "question"`: ranked chunks with every stage's rank and score."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from dataclasses import asdict
from pathlib import Path

from rich.console import Console

from core.config import load_settings
from core.errors import CoreError
from service.retriever import Hit, SearchParams, SearchResult, UnknownDocument


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m service.search", description=__doc__)
    p.add_argument("question")
    p.add_argument("-k", "--top-k", type=int, help="final number of chunks")
    p.add_argument("--document", action="append", help="restrict to a document (repeatable)")
    p.add_argument("--fusion", choices=["rrf", "weighted"])
    p.add_argument("--no-rerank", action="store_true", help="skip the cross-encoder")
    p.add_argument("--index", type=Path, help="index directory (default RAG_INDEX_DIR or index/)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    return p


def _fmt(rank: int | None, score: float | None) -> str:
    return "-" if rank is None or score is None else f"#{rank} ({score:.3f})"


def render(console: Console, question: str, result: SearchResult) -> None:
    console.print(f"[bold]{question}[/bold]")
    console.print(f"reranker: {result.reranker}")
    for i, h in enumerate(result.hits, start=1):
        c = h.chunk
        pages = (
            f"p. {c.page_start}"
            if c.page_start == c.page_end
            else (f"pp. {c.page_start}-{c.page_end}")
        )
        console.print(f"\n[bold]#{i}[/bold]  {Path(c.source).name}  {pages}  [dim]{c.id}[/dim]")
        stages = "  ".join(
            f"{name} {_fmt(rank, score)}"
            for name, rank, score in (
                ("bm25", h.bm25_rank, h.bm25_score),
                ("dense", h.dense_rank, h.dense_score),
                ("fused", h.fused_rank, h.fused_score),
                ("rerank", h.rerank_rank, h.rerank_score),
            )
        )
        console.print(f"    {stages}")
        snippet = " ".join(c.text.split())
        console.print(f"    {snippet[:300]}{'...' if len(snippet) > 300 else ''}", style="dim")
    timings = ", ".join(f"{k} {v:.1f} ms" for k, v in result.timings_ms.items())
    console.print(f"\ntimings: {timings}")


def _hit_json(h: Hit) -> dict[str, object]:
    return asdict(h)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from service.runtime import load_retriever

    err = Console(stderr=True, soft_wrap=True)
    try:
        settings = load_settings(**({"index_dir": args.index} if args.index else {}))
        retriever = load_retriever(settings)
        params = SearchParams.from_settings(
            settings, top_k=args.top_k, fusion=args.fusion, rerank=not args.no_rerank
        )
        result = retriever.search(args.question, params, args.document)
    except (CoreError, UnknownDocument) as exc:
        err.print(f"[red]{exc}[/red]")
        return 2
    if args.json:
        payload = {
            "reranker": result.reranker,
            "timings_ms": result.timings_ms,
            "hits": [_hit_json(h) for h in result.hits],
        }
        print(json.dumps(payload, indent=2))
    else:
        render(Console(soft_wrap=True, highlight=False), args.question, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
