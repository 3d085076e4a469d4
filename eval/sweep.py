"""`python -m eval sweep`: try retrieval, chunking and refusal settings on the dev split.

Each configuration is one evaluation run (chunking configurations re-ingest the sample into
their own index). The refusal threshold needs no extra runs: every answer reports the
answerability it was decided on, so thresholds are replayed over one run's records.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from core.config import DEFAULT_EMBEDDER, Settings
from core.embed import load_embedder
from eval.catalog import SWEEP_COLUMNS
from eval.harness import REPORTS, ROOT, EvalConfig, evaluate

TABLE_COLUMNS = SWEEP_COLUMNS[:6]


def configurations(quick: bool) -> list[tuple[str, dict[str, Any]]]:
    """(label, Settings overrides) pairs; the first is the defaults, labelled from them."""
    d = Settings.model_fields
    fusion, norm = d["fusion"].default, d["fusion_norm"].default
    top_k, chunk = d["top_k"].default, d["chunk_tokens"].default
    configs: list[tuple[str, dict[str, Any]]] = [
        (f"default ({fusion} {norm if fusion == 'weighted' else ''}, k={top_k})", {}),
        ("bm25 only", {"retrieval_mode": "bm25"}),
        ("dense only", {"retrieval_mode": "dense"}),
        ("rrf k=60", {"fusion": "rrf", "rrf_k": 60}),
        ("weighted minmax w=0.5", {"fusion": "weighted", "fusion_norm": "minmax"}),
        ("weighted zscore w=0.7", {"fusion": "weighted", "fusion_dense_weight": 0.7}),
        ("top_k=3", {"top_k": 3}),
        ("top_k=8", {"top_k": 8}),
        ("candidates 20/20", {"lexical_k": 20, "dense_k": 20}),
    ]
    if not quick:
        configs += [
            ("rrf k=20", {"fusion": "rrf", "rrf_k": 20}),
            ("candidates 100/100", {"lexical_k": 100, "dense_k": 100}),
            ("chunks 128/0", {"chunk_tokens": 128, "chunk_overlap": 0}),
            ("chunks 254/0", {"chunk_tokens": 254, "chunk_overlap": 0}),
            (f"chunks {chunk}/40", {"chunk_tokens": chunk, "chunk_overlap": 40}),
        ]
    # An alternative equal to the defaults measures nothing new.
    return [configs[0]] + [
        (name, o) for name, o in configs[1:] if any(d[k].default != v for k, v in o.items())
    ]


def _index_for(overrides: dict[str, Any]) -> Path | None:
    if "chunk_tokens" not in overrides:
        return None
    return ROOT / "build" / f"eval-index-{overrides['chunk_tokens']}-{overrides['chunk_overlap']}"


def abstention_curve(records_path: Path, thresholds: list[float]) -> list[dict[str, float]]:
    """Replay refusal thresholds over one run's per-question answerability scores."""
    rows = [json.loads(line) for line in records_path.read_text().splitlines()]
    out = []
    for t in thresholds:
        tp = fp = fn = correct = 0
        for r in rows:
            unanswerable = r["kind"] == "unanswerable"
            score = r.get("answerability")
            abstain = score is None or score < t
            tp += abstain and unanswerable
            fp += abstain and not unanswerable
            fn += (not abstain) and unanswerable
            correct += abstain == unanswerable
        prec = tp / (tp + fp) if tp + fp else math.nan
        rec = tp / (tp + fn) if tp + fn else math.nan
        f1 = 2 * prec * rec / (prec + rec) if prec + rec > 0 else 0.0
        out.append(
            {
                "threshold": t,
                "accuracy": correct / len(rows),
                "precision": prec,
                "recall": rec,
                "f1": f1,
            }
        )
    return out


def sweep(
    golden: Path, split: str, quick: bool, console: Console, out_dir: Path | None = None
) -> int:
    """Evaluate every configuration on `split`; writes sweep.json, a table and a plot."""
    from eval import report

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out_dir = out_dir or REPORTS / f"sweep-{stamp}"
    embedder = load_embedder(DEFAULT_EMBEDDER, "fp32")
    results: list[dict[str, Any]] = []
    for i, (name, overrides) in enumerate(configurations(quick)):
        console.print(f"[bold]{name}[/bold] {overrides}")
        index = _index_for(overrides)
        config = EvalConfig(
            golden=golden,
            split=split,  # type: ignore[arg-type]
            # Refusal off: the threshold is replayed over the answerability scores below.
            overrides={**overrides, "refusal_threshold": 0.0},
            index=index,
            # Only the first (default) configuration needs answers: its answerability scores
            # drive the refusal curve. The rest compare retrieval, which is 20x faster alone.
            retrieval_only=i > 0,
        )
        if index is not None:
            _ingest_for(overrides, index)
        result = evaluate(config, embedder=embedder)
        report.write(out_dir / f"{i:02d}", result.summary, result.records, result.values, [], None)
        metrics = result.summary["metrics"]
        results.append(
            {
                "name": name,
                "overrides": overrides,
                "metrics": {k: metrics[k] for k in SWEEP_COLUMNS if k in metrics},
            }
        )
    curve = abstention_curve(
        out_dir / "00" / "per_question.jsonl",
        [round(0.30 + 0.025 * i, 3) for i in range(25)],
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "sweep.json").write_text(
        json.dumps({"configs": results, "abstention": curve}, indent=2, default=str)
    )
    _table(console, results, curve)
    _plot(out_dir / "sweep.png", results, curve)
    console.print(f"sweep written to {out_dir}")
    return 0


def _ingest_for(overrides: dict[str, Any], index: Path) -> None:
    from ingest.pipeline import run_ingest

    settings = Settings(index_dir=index, embed_precision="fp32", **overrides)
    run_ingest(settings, [ROOT / "data" / "sample"])


def _table(console: Console, results: list[dict[str, Any]], curve: list[dict[str, float]]) -> None:
    table = Table(title="sweep (dev split; mean with 95% CI half-width)")
    table.add_column("configuration")
    for k in TABLE_COLUMNS:
        table.add_column(k, justify="right")
    for r in results:
        cells = []
        for k in TABLE_COLUMNS:
            e = r["metrics"].get(k)
            cells.append(
                "-" if not e or e["n"] == 0 else f"{e['mean']:.3f}±{(e['high'] - e['low']) / 2:.3f}"
            )
        table.add_row(r["name"], *cells)
    console.print(table)
    t2 = Table(title="refusal threshold (answerability), replayed")
    for col in ("threshold", "accuracy", "precision", "recall", "f1"):
        t2.add_column(col, justify="right")
    for row in curve:
        t2.add_row(
            *(f"{row[c]:.3f}" for c in ("threshold", "accuracy", "precision", "recall", "f1"))
        )
    console.print(t2)


def _plot(path: Path, results: list[dict[str, Any]], curve: list[dict[str, float]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 0.4 * len(results) + 2.5))
    names = [r["name"] for r in results]
    for j, key in enumerate(("page_hit@5", "mrr@10", "excerpt_recall")):
        est = [r["metrics"].get(key) for r in results]
        ys = [i + (j - 1) * 0.25 for i in range(len(results))]
        ax1.errorbar(
            [e["mean"] for e in est],
            ys,
            xerr=[[e["mean"] - e["low"] for e in est], [e["high"] - e["mean"] for e in est]],
            fmt="o",
            capsize=2,
            label=key,
        )
    ax1.set_yticks(range(len(results)), names)
    ax1.invert_yaxis()
    ax1.set_title("retrieval by configuration (95% CI)")
    ax1.legend()
    ax1.grid(axis="x", alpha=0.3)
    xs = [c["threshold"] for c in curve]
    for key in ("accuracy", "precision", "recall", "f1"):
        ax2.plot(xs, [c[key] for c in curve], marker=".", label=key)
    ax2.set_xlabel("refuse when answerability <")
    ax2.set_title("refusal threshold")
    ax2.legend()
    ax2.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
