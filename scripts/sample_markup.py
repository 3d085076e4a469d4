"""Read the sample corpus sources (data/sample/source/*.md) into documents of blocks.

The markup is described in data/sample/source/README.md. This module only parses: it knows
nothing about fonts or pages. ``make_sample.py`` renders what it returns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

SHARED_FILE = "_shared.md"
CONTENTS = "@contents"  # cover documents: the About page above it, the body below it
NUMBERED = re.compile(r"\d+\. ")
YES_NO = {"yes": True, "no": False}


class MarkupError(ValueError):
    """A source file that does not follow the markup."""


@dataclass
class Block:
    kind: str  # h1 h2 h3 para bullets numbers table note code columns newpage legal
    text: str = ""
    items: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    widths: list[float] | None = None
    children: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class Document:
    slug: str  # the source file's name without .md; the PDF is <slug>.pdf
    title: str
    subtitle: str
    header: str  # running header, after the company's short name
    classification: str
    doc_id: str
    version: str
    date: str
    owner: str
    about: str  # text of the "About this document" box (a shared block)
    body: list[Block]
    front: list[Block]  # the About page of a cover document, above @contents
    cover: bool  # cover, About page and contents, labelled i, ii, iii; body from 1
    running_header: bool
    chapter_new_page: bool  # start every "#" chapter on a new page
    justify: bool
    hyphenate: bool


@dataclass(frozen=True)
class Shared:
    company: str
    company_short: str
    texts: dict[str, str]  # the @text blocks of _shared.md, by name

    def soft_hyphenator(self) -> tuple[re.Pattern[str], dict[str, str]]:
        """The hyphenation words as a pattern and a map to their soft-hyphenated forms.

        "|" marks a break point. It becomes a soft hyphen (U+00AD): where a line break falls
        on one, fpdf2 prints "main-" at the end of the line and "tenance" on the next;
        elsewhere it is invisible and leaves no trace in the text layer.
        """
        words = self.texts["hyphenation"].split()
        soft = {w.replace("|", ""): w.replace("|", "\u00ad") for w in words}
        soft.update({k.capitalize(): v.capitalize() for k, v in list(soft.items())})
        alternatives = "|".join(sorted(soft, key=len, reverse=True))
        return re.compile(r"\b(" + alternatives + r")\b"), soft


# front matter ----------------------------------------------------------------------------


def split_front_matter(text: str, where: Path) -> tuple[dict[str, str], str]:
    """``key: value`` lines between two ``---`` lines at the top, and the rest of the file."""
    lines = text.splitlines()
    if not lines or lines[0] != "---" or "---" not in lines[1:]:
        raise MarkupError(f"{where}: must start with front matter between two --- lines")
    end = lines.index("---", 1)
    meta: dict[str, str] = {}
    for n, line in enumerate(lines[1:end], start=2):
        key, sep, value = line.partition(":")
        if not sep or not key.strip() or key.strip() in meta:
            raise MarkupError(f"{where}:{n}: expected a new 'key: value' line, got {line!r}")
        meta[key.strip()] = value.strip()
    return meta, "\n".join(lines[end + 1 :])


REQUIRED = "title subtitle header classification id version date owner about".split()
FLAGS = {  # key: default
    "cover": False,
    "running-header": True,
    "chapter-new-page": True,
    "justify": False,
    "hyphenate": False,
}


def _flag(meta: dict[str, str], key: str, where: Path) -> bool:
    value = meta.get(key)
    if value is None:
        return FLAGS[key]
    if value not in YES_NO:
        raise MarkupError(f"{where}: {key} must be yes or no, not {value!r}")
    return YES_NO[value]


# loading ----------------------------------------------------------------------------------


def load_shared(path: Path) -> Shared:
    meta, rest = split_front_matter(path.read_text(encoding="utf-8"), path)
    texts: dict[str, str] = {}
    name: str | None = None
    parts: list[str] = []
    for line in rest.splitlines():
        s = line.strip()
        if name is None and s.startswith("@text "):
            name, parts = s.removeprefix("@text ").strip(), []
        elif name is not None and s == "@end":
            texts[name] = " ".join(parts)
            name = None
        elif name is not None:
            if s:
                parts.append(s)
        elif s:
            raise MarkupError(f"{path}: text outside a '@text NAME' ... '@end' block: {s!r}")
    if name is not None:
        raise MarkupError(f"{path}: '@text {name}' has no '@end'")
    missing = {"company", "company-short"} - meta.keys()
    missing |= {"legal-notice", "hyphenation"} - texts.keys()
    if missing:
        raise MarkupError(f"{path}: missing {', '.join(sorted(missing))}")
    return Shared(meta["company"], meta["company-short"], texts)


def load_document(path: Path, shared: Shared) -> Document:
    meta, rest = split_front_matter(path.read_text(encoding="utf-8"), path)
    unknown = meta.keys() - set(REQUIRED) - FLAGS.keys()
    missing = set(REQUIRED) - meta.keys()
    if unknown or missing:
        raise MarkupError(f"{path}: unknown keys {sorted(unknown)}, missing keys {sorted(missing)}")
    if meta["about"] not in shared.texts:
        raise MarkupError(f"{path}: about: {meta['about']!r} is not a block in {SHARED_FILE}")
    cover = _flag(meta, "cover", path)
    lines = rest.splitlines()
    if cover != (CONTENTS in lines):
        raise MarkupError(f"{path}: a document has a {CONTENTS} line if and only if cover: yes")
    front, body = "", rest
    if cover:
        split = lines.index(CONTENTS)
        front, body = "\n".join(lines[:split]), "\n".join(lines[split + 1 :])
    return Document(
        slug=path.stem,
        title=meta["title"],
        subtitle=meta["subtitle"],
        header=meta["header"],
        classification=meta["classification"],
        doc_id=meta["id"],
        version=meta["version"],
        date=meta["date"],
        owner=meta["owner"],
        about=shared.texts[meta["about"]],
        body=parse(body, path),
        front=parse(front, path),
        cover=cover,
        running_header=_flag(meta, "running-header", path),
        chapter_new_page=_flag(meta, "chapter-new-page", path),
        justify=_flag(meta, "justify", path),
        hyphenate=_flag(meta, "hyphenate", path),
    )


def load_corpus(source: Path) -> tuple[Shared, list[Document]]:
    """The shared blocks and every document (``*.md`` except README.md and ``_*``)."""
    shared = load_shared(source / SHARED_FILE)
    paths = sorted(p for p in source.glob("*.md") if p.name != "README.md" and p.name[0] != "_")
    if not paths:
        raise MarkupError(f"{source}: no document sources (*.md)")
    return shared, [load_document(p, shared) for p in paths]


# block markup -----------------------------------------------------------------------------


def _starts_block(line: str) -> bool:
    s = line.strip()
    return s.startswith(("#", "|", ">", "```", "@", "- ")) or NUMBERED.match(s) is not None


def _closing(lines: list[str], start: int, test: str, what: str, where: Path) -> int:
    """Index of the first line from ``start`` that starts with ``test`` (exactly: @end)."""
    for j in range(start, len(lines)):
        if lines[j] == test or (test == "```" and lines[j].startswith(test)):
            return j
    raise MarkupError(f"{where}: {what} without a closing {test} line")


def parse(markup: str, where: Path = Path("<markup>")) -> list[Block]:
    """The blocks of a document body (the markup of data/sample/source/README.md)."""
    blocks: list[Block] = []
    lines = markup.strip("\n").splitlines()
    i = 0
    widths: list[float] | None = None
    while i < len(lines):
        s = lines[i].strip()
        if not s:
            i += 1
        elif s in ("@newpage", "@legal"):
            blocks.append(Block(s[1:]))
            i += 1
        elif s.startswith("@widths"):
            widths = [float(w) for w in s.split()[1:]]
            i += 1
        elif s == "@columns":
            j = _closing(lines, i, "@end", "@columns", where)
            blocks.append(Block("columns", children=parse("\n".join(lines[i + 1 : j]), where)))
            i = j + 1
        elif s.startswith("@"):
            raise MarkupError(f"{where}: unknown directive {s!r}")
        elif s.startswith("```"):
            j = _closing(lines, i + 1, "```", "a ``` code block", where)
            blocks.append(Block("code", text="\n".join(lines[i + 1 : j])))
            i = j + 1
        elif s.startswith("#"):
            level = len(s) - len(s.lstrip("#"))
            blocks.append(Block(f"h{level}", text=s[level:].strip()))
            i += 1
        elif s.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                row = lines[i].strip()
                while not row.endswith("|"):  # a long row continues on indented lines
                    i += 1
                    if i == len(lines):
                        raise MarkupError(f"{where}: table row does not end with |: {row!r}")
                    row += " " + lines[i].strip()
                rows.append([c.strip() for c in row.strip("|").split(" | ")])
                i += 1
            blocks.append(Block("table", rows=rows, widths=widths))
            widths = None
        elif s.startswith("- ") or NUMBERED.match(s):
            kind = "bullets" if s.startswith("- ") else "numbers"
            items: list[str] = []
            while i < len(lines) and lines[i].strip():
                t = lines[i].strip()
                same = t.startswith("- ") if kind == "bullets" else NUMBERED.match(t) is not None
                if same:
                    items.append(t.split(" ", 1)[1])
                elif lines[i].startswith("  ") and items:
                    items[-1] += " " + t
                else:
                    break
                i += 1
            blocks.append(Block(kind, items=items))
        elif s.startswith(">"):
            parts = []
            while i < len(lines) and lines[i].strip().startswith(">"):
                parts.append(lines[i].strip()[1:].strip())
                i += 1
            blocks.append(Block("note", text=" ".join(parts)))
        else:
            parts = []
            while i < len(lines) and lines[i].strip() and not _starts_block(lines[i]):
                parts.append(lines[i].strip())
                i += 1
            blocks.append(Block("para", text=" ".join(parts)))
    return blocks
