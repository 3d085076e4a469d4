"""What the LLM is sent and what it must send back: the prompt with numbered, escaped
sources, and the JSON answer (parsed whole, or sentence by sentence while it streams)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from service.generate.base import Context
from service.text import escape_attr, escape_data


def prompt(name: str) -> str:
    return resources.files("service.generate").joinpath("prompts", name).read_text()


class _Quote(BaseModel):
    model_config = ConfigDict(extra="ignore")
    source: int
    quote: str


class _Sentence(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: str = Field(min_length=1)
    citations: list[_Quote] = Field(default_factory=list)


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore")
    insufficient_context: bool = False
    sentences: list[_Sentence] = Field(default_factory=list)


def parse_answer(content: str) -> _Answer:
    """Parse the model's JSON, tolerating a ```json fence; raises ValueError when unusable."""
    text = content.strip()
    if text.startswith("```"):
        text = text.strip("`")
        text = text[text.find("{") :] if "{" in text else text
    try:
        return _Answer.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        # Invalid JSON has no location: say so without a dangling " at ".
        where = ".".join(map(str, first["loc"]))
        raise ValueError(f"{first['msg']} at {where}" if where else first["msg"]) from exc


def build_messages(
    question: str, contexts: Sequence[Context], token_budget: int, max_sentences: int
) -> list[dict[str, str]]:
    """The system and user messages: the rules, then the sources inside <data> and the
    question, every untrusted text escaped so it cannot close a delimiter."""
    blocks: list[str] = []
    used = 0
    for ctx in contexts:
        # ~4 characters per token: a safe estimate across tokenizers for English text.
        cost = len(ctx.text) // 4 + 20
        if blocks and used + cost > token_budget:
            break
        used += cost
        c = ctx.hit.chunk
        pages = f"{c.page_start}" if c.page_start == c.page_end else f"{c.page_start}-{c.page_end}"
        blocks.append(
            f'<source id="{ctx.number}" document="{escape_attr(Path(c.source).name)}" '
            f'pages="{pages}">\n{escape_data(ctx.text)}\n</source>'
        )
    system = prompt("system.txt").format(max_sentences=max_sentences)
    user = prompt("user.txt").format(sources="\n".join(blocks), question=escape_data(question))
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def complete_sentences(partial: str) -> list[str]:
    """Texts of the answer sentences already complete in a partial JSON reply."""
    start = partial.find('"sentences"')
    if start < 0:
        return []
    pos = partial.find("[", start)
    if pos < 0:
        return []
    decoder = json.JSONDecoder()
    texts: list[str] = []
    pos += 1
    while True:
        while pos < len(partial) and partial[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(partial) or partial[pos] != "{":
            return texts
        try:
            obj, pos = decoder.raw_decode(partial, pos)
        except ValueError:
            return texts  # this sentence is still arriving
        if isinstance(obj, dict) and isinstance(obj.get("text"), str):
            texts.append(obj["text"])
