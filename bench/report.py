"""Rendering: rich tables on the console, results.json and summary.md on disk."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table as RichTable

from bench.common import Section


def machine_lines(machine: dict[str, Any]) -> list[str]:
    bf16 = "yes" if machine["native_bf16"] else "no (no AMX / AVX512-BF16): bf16 runs are skipped"
    return [
        f"CPU: {machine['cpu_model']}, {machine['cores']} cores ({machine['cores_usable']} "
        f"usable, torch threads {machine['torch_threads']}), SIMD: "
        f"{', '.join(machine['simd']) or 'none of avx2/avx512'}",
        f"Native bf16: {bf16}",
        "Absolute numbers hold for this machine only; compare the ratios, which are measured "
        "side by side in this run.",
    ] + (
        [f"Other processes' CPU share just before the run: {machine['other_cpu_at_start']:.0%}"]
        if machine.get("other_cpu_at_start") is not None
        else []
    )


def print_machine(console: Console, machine: dict[str, Any]) -> None:
    console.print(Panel("\n".join(machine_lines(machine)), title="machine", expand=False))


def print_section(console: Console, sec: Section) -> None:
    console.rule(f"[bold]{sec.title}")
    for table in sec.tables:
        rt = RichTable(title=table.title, title_justify="left", header_style="bold")
        for i, col in enumerate(table.columns):
            rt.add_column(col, justify="left" if i == 0 else "right")
        for row in table.rows:
            rt.add_row(*row)
        console.print(rt)
    for note in sec.notes:
        style = "bold red" if note.startswith("FAILED") else "dim"
        console.print(f"  - {note}", style=style, highlight=False)
    busy = "" if sec.other_cpu is None else f", other processes {sec.other_cpu:.0%} CPU"
    console.print(f"  ({sec.seconds:.0f}s{busy})", style="dim")


def _md_table(columns: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    out += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(out)


def summary_markdown(
    machine: dict[str, Any], config: dict[str, Any], sections: list[Section]
) -> str:
    lines = [f"# Benchmark {config['started_at']}", ""]
    lines += [f"- {line}" for line in machine_lines(machine)]
    lines += [
        f"- Mode: {'quick' if config['quick'] else 'full'}; wall time {config['seconds']:.0f}s; "
        f"all checks passed: {config['ok']}",
        "",
    ]
    for sec in sections:
        lines += [f"## {sec.title}", ""]
        for table in sec.tables:
            lines += [f"**{table.title}**", "", _md_table(table.columns, table.rows), ""]
        lines += [f"- {note}" for note in sec.notes]
        if sec.other_cpu is not None:
            lines.append(f"- {sec.seconds:.0f}s; other processes used {sec.other_cpu:.0%} CPU.")
        lines.append("")
    return "\n".join(lines)


def _clean(value: Any) -> Any:
    """JSON has no NaN: write null instead."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def write(
    out: Path, machine: dict[str, Any], config: dict[str, Any], sections: list[Section]
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    doc = {
        "machine": machine,
        "config": config,
        "sections": {
            s.key: {
                "title": s.title,
                "ok": s.ok,
                "seconds": s.seconds,
                "other_cpu_share": s.other_cpu,
                "notes": s.notes,
                "tables": [t.__dict__ for t in s.tables],
                "data": s.data,
            }
            for s in sections
        },
    }
    (out / "results.json").write_text(json.dumps(_clean(doc), indent=2) + "\n")
    (out / "summary.md").write_text(summary_markdown(machine, config, sections))
