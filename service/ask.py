"""`python -m service.ask "question"` (`make ask Q=...`): ask a running service, print the
answer with its sources."""

from __future__ import annotations

import argparse
import os
import sys

import httpx
from rich.console import Console


def render(console: Console, body: dict[str, object]) -> None:
    label = (
        "[yellow]not in the documents[/yellow]" if body["abstained"] else "[green]answer[/green]"
    )
    console.print(f"{label}: {body['answer']}")
    if body.get("reason"):
        console.print(f"[dim]reason: {body['reason']}[/dim]")
    if body.get("degraded"):
        console.print("[yellow]degraded: the LLM backend failed; extractive answer[/yellow]")
    heading = "closest sources" if body["abstained"] else "sources"
    console.print(f"\n[bold]{heading}[/bold]")
    citations = body.get("citations") or []
    assert isinstance(citations, list)
    for c in citations:
        pages = (
            c["page_start"]
            if c["page_start"] == c["page_end"]
            else (f"{c['page_start']}-{c['page_end']}")
        )
        label_note = f" (printed page {c['page_label']})" if c["page_label"] != str(pages) else ""
        console.print(f"[{c['id']}] {c['document']}, page {pages}{label_note}")
        console.print(f"    \u201c{c['quote']}\u201d", style="dim")
    retrieval = body.get("retrieval") or {}
    timings = body.get("timings_ms") or {}
    assert isinstance(retrieval, dict) and isinstance(timings, dict)
    console.print(
        f"\n[dim]generator: {body['generator']} · reranker: {retrieval.get('reranker')} · "
        f"{timings.get('total', 0):.0f} ms · request {body['request_id']}[/dim]"
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m service.ask", description=__doc__)
    p.add_argument("question")
    p.add_argument("--url", default=os.environ.get("RAG_URL", "http://127.0.0.1:8000"))
    p.add_argument("-k", "--top-k", type=int)
    args = p.parse_args(argv)
    headers = {}
    if key := os.environ.get("RAG_API_KEY"):
        headers["Authorization"] = f"Bearer {key}"
    payload: dict[str, object] = {"question": args.question}
    if args.top_k:
        payload["top_k"] = args.top_k
    err = Console(stderr=True)
    try:
        r = httpx.post(f"{args.url}/ask", json=payload, headers=headers, timeout=120)
    except httpx.TransportError:
        err.print(f"[red]no service at {args.url}: start it with `make serve`[/red]")
        return 2
    if r.status_code != 200:
        err.print(f"[red]HTTP {r.status_code}[/red]: {r.text}")
        return 1
    render(Console(soft_wrap=True, highlight=False), r.json())
    return 0


if __name__ == "__main__":
    sys.exit(main())
