"""The golden-set format (JSONL) and its validator (`python -m eval validate FILE`)."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

Kind = Literal["lookup", "howto", "multi_hop", "multi_turn", "unanswerable"]
# Excerpts may differ from the parsed page by a few characters (ligatures, hyphens, spaces).
FUZZY_MIN_RATIO = 95.0


class SourceRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    document: str = Field(description="file name of the PDF")
    pages: list[int] = Field(min_length=1, description="physical pages, 1-based")


class GoldenTurn(BaseModel):
    """An earlier turn of a multi-turn item's conversation."""

    model_config = ConfigDict(extra="forbid")
    role: Literal["user", "assistant"]
    content: str = Field(min_length=1)


class GoldenItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    # multi_turn items only: the conversation before `question`, oldest first.
    history: list[GoldenTurn] | None = None
    question: str = Field(min_length=1)
    reference_answer: str
    reference_contexts: list[str]
    source: list[SourceRef]
    kind: Kind
    difficulty: Literal["easy", "medium", "hard"]
    split: Literal["dev", "test"] = "test"

    @property
    def answerable(self) -> bool:
        return self.kind != "unanswerable"

    def page_ids(self) -> set[str]:
        return {f"{s.document}#p{p}" for s in self.source for p in s.pages}

    def turns(self) -> list[dict[str, str]]:
        """The earlier turns as /ask's `history` takes them ([] for a single question)."""
        return [t.model_dump() for t in self.history or []]


class GoldenError(ValueError):
    """The golden file cannot be read; the message names the line."""


def load_golden(path: Path) -> list[GoldenItem]:
    items: list[GoldenItem] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(GoldenItem.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise GoldenError(f"{path}:{n}: {exc}") from exc
    if not items:
        raise GoldenError(f"{path} holds no items")
    return items


def golden_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _norm(text: str) -> str:
    return " ".join(text.split())


def validate(path: Path, pdf_dir: Path) -> tuple[list[str], list[str]]:
    """(errors, warnings): ids unique, fields consistent, every excerpt on its stated pages."""
    from rapidfuzz import fuzz

    from ingest.errors import DocumentError
    from ingest.parse import parse_pdf

    try:
        items = load_golden(path)
    except GoldenError as exc:
        return [str(exc)], []
    errors: list[str] = []
    warnings: list[str] = []
    dupes = [i for i, n in Counter(it.id for it in items).items() if n > 1]
    errors += [f"duplicate id {d!r}" for d in dupes]
    pages: dict[str, dict[int, str] | None] = {}
    for it in items:
        if it.answerable and (not it.reference_contexts or not it.source):
            errors.append(f"{it.id}: answerable items need reference_contexts and source")
        if not it.answerable and (it.reference_contexts or it.source):
            errors.append(f"{it.id}: unanswerable items must have no contexts or sources")
        errors += _history_problems(it)
        for src in it.source:
            if src.document not in pages:
                try:
                    doc = parse_pdf(pdf_dir / src.document)
                    pages[src.document] = {p.number: _norm(p.text) for p in doc.pages}
                except DocumentError as exc:
                    pages[src.document] = None
                    errors.append(f"{it.id}: cannot read {src.document}: {exc.reason}")
        for excerpt in it.reference_contexts:
            texts = [
                text
                for src in it.source
                for p in src.pages
                if (doc_pages := pages.get(src.document)) and (text := doc_pages.get(p))
            ]
            want = _norm(excerpt)
            if any(want in t for t in texts):
                continue
            best = max((fuzz.partial_ratio(want, t) for t in texts), default=0.0)
            if best >= FUZZY_MIN_RATIO:
                warnings.append(
                    f"{it.id}: excerpt matches only fuzzily ({best:.0f}): {excerpt[:60]!r}"
                )
            else:
                where = ", ".join(f"{s.document} p.{s.pages}" for s in it.source)
                errors.append(f"{it.id}: excerpt not found on {where}: {excerpt[:70]!r}")
    return errors, warnings


def _history_problems(it: GoldenItem) -> list[str]:
    """multi_turn items: 1-2 earlier exchanges, user then assistant; no history elsewhere."""
    if it.kind != "multi_turn":
        return [f"{it.id}: only multi_turn items have a history"] if it.history else []
    roles = [t.role for t in it.history or []]
    if roles not in (["user", "assistant"], ["user", "assistant"] * 2):
        return [f"{it.id}: a multi_turn history is 1 or 2 exchanges (user, assistant), got {roles}"]
    return []


def describe(items: Iterable[GoldenItem]) -> dict[str, dict[str, int]]:
    items = list(items)
    return {
        "kind": dict(Counter(i.kind for i in items)),
        "split": dict(Counter(i.split for i in items)),
        "difficulty": dict(Counter(i.difficulty for i in items)),
    }
