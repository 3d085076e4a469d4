"""Generate the bundled sample corpus: the documents of a fictional company, as PDFs.

Tallowfen Systems, Inc. is a made-up, mid-size software company that sells a self-hosted
file-transfer server ("Tallowfen Conduit") and a hardware appliance that runs it ("Conduit
Edge"). This script writes nine of its documents to ``data/sample/``: an employee handbook,
an information security policy, an installation and administration guide, a hardware
appliance manual, release notes, a support and SLA policy, a data retention and privacy
policy, an office guide and a quarterly report.

Why: the RAG pipeline needs a corpus that (a) anyone can ingest without downloading
anything, (b) has specific, non-contradictory facts - amounts, limits, deadlines, error
codes, port numbers - each stated on one identifiable page, so that a golden evaluation
set can be written over it, and (c) exercises the layout problems that real PDFs have:
running headers and footers, "Page N of M" lines, roman-numeral front matter (page
labels i, ii, iii followed by 1, 2, 3), a table of contents, tables, numbered and bulleted
lists, two-column pages, words hyphenated across line breaks (via soft hyphens) and
boilerplate repeated across documents.

Every fact is invented. The one deliberate "contradiction" is dated and explained: the
release notes for Conduit 4.2.0 supersede the 4.1.0 default session timeout.

The output is deterministic: a fixed creation date, no randomness, and a two-pass layout
(the first pass counts pages for the table of contents and "Page N of M"). Running it twice
gives byte-identical files for the same fpdf2 version and font files.

Fonts: DejaVu Sans (Debian package fonts-dejavu-core) when installed, else the PDF core
fonts (Helvetica/Courier) with the text folded to latin-1. The committed PDFs use DejaVu.

Usage: python scripts/make_sample.py [--out data/sample]
Needs: fpdf2 (the "dev" extra in pyproject.toml).
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import FontFace

CREATION_DATE = datetime(2026, 1, 1, tzinfo=UTC)
COMPANY = "Tallowfen Systems, Inc."
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "data" / "sample"

FONT_DIRS = [
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/Library/Fonts"),
]
DEJAVU_FILES = {
    ("Sans", ""): "DejaVuSans.ttf",
    ("Sans", "B"): "DejaVuSans-Bold.ttf",
    ("Sans", "I"): "DejaVuSans-Oblique.ttf",
    ("Sans", "BI"): "DejaVuSans-BoldOblique.ttf",
    ("Mono", ""): "DejaVuSansMono.ttf",
}

# Folding table for the core-font fallback, which only encodes latin-1.
LATIN1_FOLD = {
    "\u2013": "-",  # en dash
    "\u2014": " - ",  # em dash
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2022": "-",  # bullet
    "\u2026": "...",
    "\u2192": "->",
    "\u20ac": "EUR ",
}

# Hand-placed hyphenation points ("|" marks a break). Applied as soft hyphens (U+00AD) to
# paragraph text of documents with hyphenate=True: where a line break falls on one of them,
# fpdf2 prints "main-" at the end of the line and "tenance" on the next; elsewhere the soft
# hyphen is invisible and leaves no trace in the text layer.
HYPHENATION = """
    main|te|nance infra|struc|ture reim|burse|ment reim|bursed re|spon|si|bil|ity
    re|spon|si|bil|i|ties con|fi|den|tial or|gan|i|za|tion or|gan|i|za|tions doc|u|men|ta|tion
    en|vi|ron|ment re|quire|ments ap|proval ap|prov|als man|age|ment in|for|ma|tion em|ploy|ees
    ac|com|mo|da|tion ad|min|is|tra|tor ad|min|is|tra|tors au|then|ti|ca|tion clas|si|fi|ca|tion
    no|ti|fi|ca|tion avail|abil|ity com|mu|ni|ca|tion com|mu|ni|ca|tions con|fig|u|ra|tion
    im|me|di|ate|ly in|ter|na|tion|al ap|pro|pri|ate rec|ord|ing al|low|ance de|part|ment
    pro|ce|dure pro|ce|dures per|for|mance par|en|tal ex|pen|ses re|quest re|quests pol|i|cy
    busi|ness de|vel|op|ment en|cryp|tion con|trac|tors ac|count|able eval|u|a|tion cal|en|dar
    ben|e|fits re|ten|tion sub|proc|es|sors in|ci|dent in|ci|dents cat|e|go|ries ap|pli|ca|ble
    re|ceipts sched|ule
""".split()


def _soft(word: str) -> str:
    return word.replace("|", "\u00ad")


HYPHEN_MAP = {w.replace("|", ""): _soft(w) for w in HYPHENATION}
HYPHEN_MAP.update({k.capitalize(): v.capitalize() for k, v in list(HYPHEN_MAP.items())})
HYPHEN_RE = re.compile(r"\b(" + "|".join(sorted(HYPHEN_MAP, key=len, reverse=True)) + r")\b")

INTERNAL_ABOUT = (
    "About this document. This is a controlled document of Tallowfen Systems, Inc. The "
    "current version is the one published in the Policy Library on Lantern, the company "
    "intranet; printed or downloaded copies are uncontrolled and may be out of date. Send "
    "corrections and questions to the document owner named above. Where this document "
    "conflicts with the law of your country of employment, the law prevails."
)
CUSTOMER_ABOUT = (
    "About this document. This document is published by Tallowfen Systems, Inc. for "
    "customers and partners. The latest edition is always available at "
    "docs.tallowfen.example; check the edition date before you rely on a printed copy. "
    "Send documentation feedback to docs@tallowfen.example and quote the document ID."
)
LEGAL_NOTICE = (
    "Copyright 2025 Tallowfen Systems, Inc. All rights reserved. Tallowfen, Tallowfen "
    "Conduit and Conduit Edge are trademarks of Tallowfen Systems, Inc. This document is "
    "provided for information purposes only and does not form part of any contract. The "
    "information in it is subject to change without notice and is not warranted to be "
    "error-free. No part of this document may be reproduced or transmitted in any form "
    "without the prior written permission of Tallowfen Systems, Inc., except that licensed "
    "customers may copy it for their internal use. Tallowfen Systems, Inc., 2200 Marrow "
    "Street, Madison, WI 53703, United States."
)


def roman(n: int) -> str:
    """Lower-case roman numeral, for front-matter page labels."""
    out = ""
    for value, numeral in [(10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]:
        while n >= value:
            out += numeral
            n -= value
    return out


# --------------------------------------------------------------------------------------
# Markup
# --------------------------------------------------------------------------------------
# Documents are written in a small line-based markup:
#   # H1 (starts a new page)   ## H2   ### H3
#   plain lines                paragraph (blank line ends it)
#   - item                     bullet list item (indented lines continue it)
#   1. item                    numbered list item
#   @widths 30 70              column widths (percent) for the next table
#   | a | b |                  table row; the first row is the heading row. A long row
#                              continues on indented lines until one ends with |
#   > text                     shaded note box
#   ```  ...  ```              monospace code block
#   @columns ... @end          two-column region (paragraphs and ### headings)
#   @newpage                   forced page break
#   @legal                     the shared legal notice


@dataclass
class Block:
    kind: str
    text: str = ""
    items: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    widths: list[float] | None = None
    children: list[Block] = field(default_factory=list)


def parse(markup: str) -> list[Block]:
    blocks: list[Block] = []
    lines = markup.strip("\n").splitlines()
    i = 0
    widths: list[float] | None = None
    while i < len(lines):
        line = lines[i]
        s = line.strip()
        if not s:
            i += 1
        elif s == "@newpage" or s == "@legal":
            blocks.append(Block(s[1:]))
            i += 1
        elif s.startswith("@widths"):
            widths = [float(w) for w in s.split()[1:]]
            i += 1
        elif s == "@columns":
            j = lines.index("@end", i)
            blocks.append(Block("columns", children=parse("\n".join(lines[i + 1 : j]))))
            i = j + 1
        elif s.startswith("```"):
            j = i + 1
            while not lines[j].startswith("```"):
                j += 1
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
                    row += " " + lines[i].strip()
                rows.append([c.strip() for c in row.strip("|").split(" | ")])
                i += 1
            blocks.append(Block("table", rows=rows, widths=widths))
            widths = None
        elif s.startswith("- ") or re.match(r"\d+\. ", s):
            kind = "bullets" if s.startswith("- ") else "numbers"
            items: list[str] = []
            while i < len(lines) and lines[i].strip():
                t = lines[i].strip()
                is_bullet = t.startswith("- ")
                is_number = re.match(r"\d+\. ", t) is not None
                if (kind == "bullets" and is_bullet) or (kind == "numbers" and is_number):
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


def _starts_block(line: str) -> bool:
    s = line.strip()
    return s.startswith(("#", "|", ">", "```", "@", "- ")) or re.match(r"\d+\. ", s) is not None


# --------------------------------------------------------------------------------------
# Documents and rendering
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocSpec:
    filename: str
    title: str
    subtitle: str
    short_title: str  # running header
    classification: str  # "Confidential - Internal" or "Public"
    doc_id: str
    version: str
    date: str
    owner: str
    body: str
    front: str = ""  # markup for the "About" page of documents with a cover
    cover: bool = False  # cover + about + contents, labelled i, ii, iii; body from 1
    running_header: bool = True
    justify: bool = False
    hyphenate: bool = False
    customer: bool = False  # customer-facing: CUSTOMER_ABOUT instead of INTERNAL_ABOUT
    h1_new_page: bool = True  # start every chapter on a new page


@dataclass
class Layout:
    """What the first pass learns: page count, front-matter length, heading pages."""

    total: int = 0
    front: int = 0
    heading_pages: dict[int, int] = field(default_factory=dict)


ACCENT = (31, 78, 121)
RULE = (150, 160, 175)
SHADE = (238, 242, 247)
CODE_SHADE = (243, 243, 243)


class SamplePDF(FPDF):
    def __init__(self, spec: DocSpec, layout: Layout | None) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.spec = spec
        self.known = layout
        self.seen = Layout()
        self.front_pages = 0
        self.in_front = spec.cover
        self.h1_seen = False  # the first chapter starts on the title page
        self.recording = False  # record heading pages (body only, not front matter)
        self.set_creation_date(CREATION_DATE)
        self.set_title(spec.title)
        self.set_author(COMPANY)
        self.set_subject(spec.subtitle)
        self.set_creator("scripts/make_sample.py")
        self.set_margins(22, 24, 22)
        self.set_auto_page_break(True, margin=22)
        self.unicode = self._load_fonts()

    # fonts ----------------------------------------------------------------------------
    def _load_fonts(self) -> bool:
        for d in FONT_DIRS:
            paths = {k: d / f for k, f in DEJAVU_FILES.items()}
            if all(p.exists() for p in paths.values()):
                for (family, style), p in paths.items():
                    self.add_font(family, style, str(p))
                self.sans, self.mono = "Sans", "Mono"
                return True
        self.sans, self.mono = "helvetica", "courier"
        return False

    def t(self, text: str) -> str:
        """Text as it can be drawn with the loaded fonts."""
        if self.unicode:
            return text
        for k, v in LATIN1_FOLD.items():
            text = text.replace(k, v)
        return text.encode("latin-1", "replace").decode("latin-1")

    def body_font(self, style: str = "", size: float = 10.5) -> None:
        self.set_font(self.sans, style, size)

    def mc(self, w: float, h: float, text: str, **kwargs: object) -> None:
        """multi_cell that returns to the left margin, like a paragraph should."""
        self.multi_cell(
            w,
            h,
            text,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
            **kwargs,  # type: ignore[arg-type]
        )

    # running header and footer ---------------------------------------------------------
    def header(self) -> None:
        if self.spec.cover and self.page_no() == 1:
            return
        if not self.spec.running_header:
            return
        self.set_y(10)
        self.set_font(self.sans, "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, self.t(f"Tallowfen Systems \u2013 {self.spec.short_title}"))
        self.set_x(self.l_margin)
        self.cell(0, 5, self.t(self.spec.classification), align="R")
        self.set_draw_color(*RULE)
        self.line(self.l_margin, 16, self.w - self.r_margin, 16)
        self.set_text_color(0, 0, 0)
        self.set_y(self.t_margin)

    def footer(self) -> None:
        if self.spec.cover and self.page_no() == 1:
            return
        self.set_y(-14)
        self.set_font(self.sans, "", 8)
        self.set_text_color(90, 90, 90)
        page = self.page_no()
        if self.in_front:
            label = f"Page {roman(page)}"
        else:
            total = self.known.total - self.known.front if self.known else 0
            label = f"Page {page - self.front_pages} of {total}"
        self.cell(0, 5, self.t(f"{self.spec.doc_id} \u00b7 Version {self.spec.version}"))
        self.set_x(self.l_margin)
        self.cell(0, 5, label, align="R")
        self.set_text_color(0, 0, 0)

    # blocks ---------------------------------------------------------------------------
    def prose(self, text: str) -> str:
        if self.spec.hyphenate and self.unicode:
            text = HYPHEN_RE.sub(lambda m: HYPHEN_MAP[m.group(1)], text)
        return self.t(text)

    def ensure_space(self, mm: float) -> None:
        if self.y + mm > self.page_break_trigger:
            self.add_page()

    def heading(self, level: int, text: str, index: int) -> None:
        if level == 1:
            if self.h1_seen and self.spec.h1_new_page and self.y > self.t_margin + 1:
                self.add_page()
            elif self.h1_seen:
                self.ln(4)
            self.h1_seen = True
            self.ensure_space(30)
            self.start_section(self.t(text), level=0)
            if self.recording:
                self.seen.heading_pages[index] = self.page_no()
            self.ln(2)
            self.body_font("B", 16)
            self.set_text_color(*ACCENT)
            self.mc(0, 8, self.t(text), align=Align.L)
            self.set_draw_color(*ACCENT)
            self.line(self.l_margin, self.y + 1, self.w - self.r_margin, self.y + 1)
            self.ln(5)
        elif level == 2:
            self.ensure_space(28)
            self.start_section(self.t(text), level=1)
            if self.recording:
                self.seen.heading_pages[index] = self.page_no()
            self.ln(3)
            self.body_font("B", 12.5)
            self.set_text_color(*ACCENT)
            self.mc(0, 6.5, self.t(text), align=Align.L)
            self.ln(1.5)
        else:
            self.ensure_space(22)
            self.ln(1.5)
            self.body_font("B", 11)
            self.set_text_color(40, 40, 40)
            self.mc(0, 6, self.t(text), align=Align.L)
            self.ln(0.5)
        self.set_text_color(0, 0, 0)
        self.body_font()

    def paragraph(self, text: str) -> None:
        self.body_font()
        align = Align.J if self.spec.justify else Align.L
        self.mc(0, 5.6, self.prose(text), align=align)
        self.ln(2.4)

    def item_list(self, items: list[str], numbered: bool) -> None:
        self.body_font()
        indent = 6.0
        for n, item in enumerate(items, start=1):
            self.ensure_space(11)
            self.set_x(self.l_margin + indent)
            marker = f"{n}." if numbered else "\u2022"
            self.cell(7, 5.6, self.t(marker))
            w = self.w - self.r_margin - self.get_x()
            self.mc(w, 5.6, self.prose(item), align=Align.L)
            self.ln(1.0)
        self.ln(1.6)

    def table_block(self, rows: list[list[str]], widths: list[float] | None) -> None:
        self.ensure_space(25)
        self.set_font(self.sans, "", 9)
        self.set_draw_color(*RULE)
        heading_style = FontFace(emphasis="BOLD", fill_color=(221, 229, 238))
        with self.table(
            col_widths=tuple(widths) if widths else None,
            text_align="LEFT",
            line_height=4.6,
            padding=(1.2, 1.5),
            headings_style=heading_style,
            cell_fill_color=(248, 249, 251),
            cell_fill_mode="ROWS",
            width=self.epw,
        ) as table:
            for row in rows:
                r = table.row()
                for cell in row:
                    r.cell(self.t(cell))
        self.ln(4)
        self.body_font()

    def note(self, text: str) -> None:
        self.ensure_space(18)
        self.body_font("", 9.5)
        self.set_fill_color(*SHADE)
        self.set_draw_color(*RULE)
        self.mc(0, 5.2, self.prose(text), border=1, fill=True, align=Align.L, padding=(2.5, 3))
        self.ln(3.5)
        self.body_font()

    def code(self, text: str) -> None:
        n_lines = text.count("\n") + 1
        self.ensure_space(min(4.6 * n_lines + 6, 60))
        self.set_font(self.mono, "", 8.8)
        self.set_fill_color(*CODE_SHADE)
        self.mc(0, 4.6, self.t(text), fill=True, align=Align.L, padding=(2, 3))
        self.ln(3.5)
        self.body_font()

    def columns(self, children: list[Block]) -> None:
        with self.text_columns(
            ncols=2, gutter=8, text_align=Align.J, line_height=1.3, balance=True
        ) as cols:
            for b in children:
                if b.kind.startswith("h"):
                    self.body_font("B", 11)
                    with cols.paragraph(text_align=Align.L, top_margin=1, bottom_margin=1.5) as p:
                        p.write(self.t(b.text))
                else:
                    self.body_font("", 10)
                    align = Align.J if len(b.text) > 80 else Align.L  # short lines: no gaps
                    with cols.paragraph(text_align=align, bottom_margin=2.5) as p:
                        p.write(self.prose(b.text))
        self.ln(3)
        self.body_font()

    def legal(self) -> None:
        self.ensure_space(55)
        self.ln(4)
        self.body_font("B", 11)
        self.mc(0, 6, "Legal Notice", align=Align.L)
        self.ln(1)
        self.body_font("", 8.5)
        self.mc(0, 4.6, self.t(LEGAL_NOTICE), align=Align.L)
        self.body_font()

    def about_box(self) -> None:
        text = CUSTOMER_ABOUT if self.spec.customer else INTERNAL_ABOUT
        self.note(text)

    def metadata_table(self) -> None:
        s = self.spec
        rows = [
            ["Document ID", s.doc_id, "Version", s.version],
            ["Effective / published", s.date, "Owner", s.owner],
            ["Classification", s.classification, "Company", COMPANY],
        ]
        self.set_font(self.sans, "", 9)
        self.set_draw_color(*RULE)
        self.set_fill_color(255, 255, 255)
        with self.table(
            col_widths=(22, 28, 14, 36),
            first_row_as_headings=False,
            line_height=4.6,
            padding=(1.2, 1.5),
            text_align="LEFT",
            width=self.epw,
        ) as table:
            for row in rows:
                r = table.row()
                for n, cell in enumerate(row):
                    style = FontFace(emphasis="BOLD") if n % 2 == 0 else None
                    r.cell(self.t(cell), style=style)
        self.ln(4)
        self.body_font()

    # pages ----------------------------------------------------------------------------
    def cover_page(self) -> None:
        s = self.spec
        self.add_page()
        self.set_page_label("r")
        self.set_fill_color(*ACCENT)
        self.rect(0, 0, self.w, 12, style="F")
        self.set_y(70)
        self.body_font("B", 12)
        self.set_text_color(*ACCENT)
        self.cell(0, 8, COMPANY.upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(6)
        self.body_font("B", 26)
        self.set_text_color(20, 20, 20)
        self.mc(0, 12, self.t(s.title), align=Align.L)
        self.ln(4)
        self.body_font("", 14)
        self.mc(0, 7, self.t(s.subtitle), align=Align.L)
        self.set_y(200)
        self.body_font("", 10)
        for label, value in [
            ("Document ID", s.doc_id),
            ("Version", s.version),
            ("Date", s.date),
            ("Owner", s.owner),
            ("Classification", s.classification),
        ]:
            self.body_font("B", 10)
            self.cell(40, 6, self.t(label))
            self.body_font("", 10)
            self.cell(0, 6, self.t(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)

    def contents_page(self, blocks: list[Block]) -> None:
        self.add_page()
        self.start_section("Contents", level=0)
        self.body_font("B", 16)
        self.set_text_color(*ACCENT)
        self.cell(0, 9, "Contents", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.ln(4)
        known = self.known.heading_pages if self.known else {}
        front = self.known.front if self.known else 0
        for index, b in enumerate(blocks):
            if b.kind not in ("h1", "h2"):
                continue
            page = str(known[index] - front) if index in known else "0"
            indent = 0 if b.kind == "h1" else 7
            self.body_font("B" if b.kind == "h1" else "", 10 if b.kind == "h1" else 9.5)
            if b.kind == "h1":
                self.ensure_space(14)
                self.ln(1.5)
            text = self.t(b.text)
            self.set_x(self.l_margin + indent)
            avail = self.epw - indent - 12
            tw = self.get_string_width(text)
            dots = max(3, int((avail - tw - 2) / max(self.get_string_width("."), 0.1)))
            self.cell(avail, 5.4, f"{text} {'.' * dots}")
            self.cell(12, 5.4, page, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def title_block(self) -> None:
        s = self.spec
        self.body_font("B", 20)
        self.set_text_color(*ACCENT)
        self.mc(0, 10, self.t(s.title), align=Align.L)
        self.body_font("", 12)
        self.set_text_color(60, 60, 60)
        self.mc(0, 6.5, self.t(s.subtitle), align=Align.L)
        self.set_text_color(0, 0, 0)
        self.ln(4)
        self.metadata_table()
        self.about_box()

    def render_blocks(self, blocks: list[Block]) -> None:
        for index, b in enumerate(blocks):
            if b.kind in ("h1", "h2", "h3"):
                following = blocks[index + 1].kind if index + 1 < len(blocks) else ""
                if b.kind != "h1" and following in ("table", "code"):
                    self.ensure_space(50)  # keep a heading with the start of its table
                self.heading(int(b.kind[1]), b.text, index)
            elif b.kind == "para":
                self.paragraph(b.text)
            elif b.kind in ("bullets", "numbers"):
                self.item_list(b.items, numbered=b.kind == "numbers")
            elif b.kind == "table":
                self.table_block(b.rows, b.widths)
            elif b.kind == "note":
                self.note(b.text)
            elif b.kind == "code":
                self.code(b.text)
            elif b.kind == "columns":
                self.columns(b.children)
            elif b.kind == "newpage":
                self.add_page()
            elif b.kind == "legal":
                self.legal()


def render(spec: DocSpec, known: Layout | None) -> SamplePDF:
    pdf = SamplePDF(spec, known)
    blocks = parse(spec.body)
    if spec.cover:
        pdf.cover_page()
        pdf.add_page()
        pdf.start_section("About This Document", level=0)
        pdf.body_font("B", 16)
        pdf.set_text_color(*ACCENT)
        pdf.cell(0, 9, "About This Document", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
        pdf.ln(3)
        pdf.metadata_table()
        pdf.about_box()
        pdf.render_blocks(parse(spec.front))
        pdf.contents_page(blocks)
        pdf.front_pages = pdf.page_no()
        pdf.seen.front = pdf.front_pages
        pdf.add_page()
        # add_page() has just drawn the footer of the last front-matter page (with its
        # roman label); the page it opened is body page 1.
        pdf.in_front = False
        pdf.recording = True
        pdf.set_page_label("D", label_start=1)
        pdf.render_blocks(blocks)
    else:
        pdf.in_front = False
        pdf.recording = True
        pdf.add_page()
        pdf.title_block()
        pdf.render_blocks(blocks)
    pdf.seen.total = pdf.page_no()
    return pdf


def build(spec: DocSpec, out_dir: Path) -> tuple[Path, int]:
    """Two passes: the first learns page numbers, the second prints them."""
    first = render(spec, None)
    second = render(spec, first.seen)
    if second.seen.total != first.seen.total:
        raise RuntimeError(f"{spec.filename}: layout changed between passes")
    path = out_dir / spec.filename
    second.output(str(path))
    return path, second.seen.total


# --------------------------------------------------------------------------------------
# Document contents
# --------------------------------------------------------------------------------------

HANDBOOK_FRONT = """
## How this handbook is organised
The handbook is split into eleven chapters. Chapters 1 and 2 explain who the handbook
applies to and how working time is arranged. Chapters 3 to 5 cover time off, pay and
benefits, and the equipment the company provides. Chapters 6 and 7 are the rules for
expense claims and business travel, which together generate more questions to the People
Team than any other topic. Chapter 8 summarises the security rules that every employee must
follow; the binding rules are in the Information Security Policy (SEC-POL-002). Chapters 9
to 11 cover conduct, performance reviews and leaving the company.

Amounts are shown in US dollars for employees of Tallowfen Systems, Inc. in the United
States and in euro for employees of Tallowfen Systems Ireland Limited. Where a rule names
only one currency it applies to both entities at the equivalent value set by Finance each
January.

## Revision history
@widths 14 20 66
| Version | Date | Summary of changes |
| 6.0 | 2024-01-15 | Merged the separate travel guide into the handbook; new hybrid working rules. |
| 6.3 | 2024-09-01 | Added the learning budget and the volunteering days. |
| 7.0 | 2025-03-01 | Parental leave extended; home office allowance introduced. |
| 7.1 | 2025-09-01 | Hotel caps revised; lost-receipt declaration limited; sabbatical rules
  clarified. |
"""

HANDBOOK = """
# 1 Welcome and Scope
This handbook describes how we work together at Tallowfen Systems: the hours we keep, the
time off we take, how we are paid and reimbursed, and the standards of conduct we expect
from each other. It is written for people, not lawyers, so it uses plain language and
worked examples. Where a rule has exceptions, they are stated next to the rule rather than
in a footnote.

## 1.1 Who this handbook applies to
The handbook applies to all employees of Tallowfen Systems, Inc. in the United States and
of Tallowfen Systems Ireland Limited, whether they work full time or part time, on a
permanent or fixed-term contract. Interns are covered by chapters 1, 2, 6, 7, 8 and 9.
Contractors and agency workers are not employees; their working arrangements are set out
in their own agreements, although they must follow the security rules in chapter 8 and
the Information Security Policy.

Part-time employees receive leave and allowances pro rata to their contracted hours unless
a section says otherwise. For example, an employee working 24 hours a week (60 percent of
the standard 40-hour week) receives 15 days of annual leave instead of 25.

## 1.2 Where to find help
Most requests described in this handbook are made in Beacon, our HR system, which you can
open from the Lantern intranet home page. Beacon holds your contract, payslips, leave
balance, benefits elections and personal details. Keep your home address, emergency
contact and bank details up to date there; Payroll cannot pay you correctly if they are
wrong.

- People Team (general questions, leave, benefits): extension 3100 or people@tallowfen.example
- Payroll (pay, tax forms, payslip questions): extension 3150 or payroll@tallowfen.example
- Travel Desk (bookings and changes): extension 3300 or travel@tallowfen.example
- IT Service Desk (laptops, accounts, access): extension 4357 or the Harbor portal
- Speak-up line (anonymous reporting of concerns): see section 9.4

## 1.3 Our values in practice
We have four values: build things that last, say what you see, make it easy for the
customer, and share the load. They are not decoration. Managers are asked to give
examples of each value in the twice-yearly performance conversations described in chapter
10, and the values are the tie-breaker when a rule in this handbook does not cover a
situation. If you are unsure what to do, ask yourself which option a customer would thank
us for, and which option you would be comfortable explaining to your colleagues.

## 1.4 Changes to this handbook
The Chief People Officer owns this handbook and reviews it at least once a year. Changes
are announced on Lantern at least 30 days before they take effect, except where a change
is required by law at shorter notice. The version and effective date of the handbook are
shown in the footer of every page. Nothing in this handbook changes your contract of
employment; where your contract gives you a more favourable term, the contract applies.

## 1.5 Internal systems at a glance
You will meet the following internal systems in your first week. All of them use single
sign-on with your company account.

- Lantern: the intranet, with news, the policy library, the desk finder, the visitor form
  and the office pages.
- Beacon: the HR system, for leave, timesheets, payslips, benefits, declarations of
  conflicts and gifts, and performance reviews.
- Ledgerline: the expense tool, for expense claims, corporate card reconciliation and
  missing receipt declarations.
- Harbor: the service portal of IT, Security and Workplace, for equipment, access requests,
  software, facilities requests and security exceptions.
- Keyfold: the company password manager.

# 2 Working Hours and Flexible Work
## 2.1 Standard working week
The standard working week is 40 hours for full-time employees in the United States and 39
hours for full-time employees in Ireland, worked Monday to Friday. You may arrange your
day as suits you and your team, provided you are available during the core collaboration
hours of 10:00 to 15:00 in the time zone of the office you are assigned to. Meetings that
involve more than one office should be scheduled inside the overlap window of 15:00 to
17:00 Dublin time, which is 09:00 to 11:00 in Madison and Austin.

Lunch breaks are unpaid and should last at least 30 minutes. In Ireland the statutory rest
rules apply: a break of 15 minutes after 4.5 hours of work and 30 minutes after 6 hours.

## 2.2 Hybrid working
Employees assigned to an office are expected to work from that office on two days each
week. Tuesday and Thursday are the company-wide anchor days, when teams plan workshops,
onboarding sessions and social events. You may swap an anchor day for another day with
your manager's agreement, for example when you travel for work or look after a sick
child. The other three days can be worked from home or from the office.

Roles designated as fully remote are identified in the offer letter. Fully remote
employees are invited to the office closest to them for at least one team week per
quarter; the company pays the travel in line with chapter 7.

## 2.3 Working from another country
You may work temporarily from a country other than the one in which you are employed for
up to 20 working days per calendar year. Submit a request in Beacon at least 15 business
days before you travel, naming the country and the dates. The request is reviewed by the
People Team for tax and immigration implications and by Security for the country risk
rating. Working from a country on the Security team's restricted list is not permitted,
even for a single day. Time spent on business travel does not count towards the 20 days.

## 2.4 Overtime and time recording
Non-exempt employees in the United States are paid for overtime at 1.5 times their regular
rate for hours beyond 40 in a week. Overtime must be approved by your manager in advance,
except in an emergency, when it must be reported the next working day. All non-exempt
employees record their hours in Beacon; the timesheet for a week must be submitted by 12:00
on the following Monday so that Payroll can process it.

## 2.5 On-call work
Engineers and support specialists who join an on-call rota receive an on-call allowance of
$250 (EUR 230) for each full week on call, paid whether or not they are called. Time spent
working on an incident between 20:00 and 08:00 or at a weekend is given back as time off in
lieu at the same duration, to be taken within 30 days. Nobody should be on call for more
than one week in four, and nobody should be on call in the week before or after a period
of annual leave of five days or more.

## 2.6 Meetings and focus time
Wednesday afternoons, from 13:00 in each office's time zone, are kept free of internal
meetings so that everyone has a regular block of focus time. Customer meetings, incident
calls and interviews are exempt. Internal meetings should have an agenda in the invitation,
start five minutes after the hour or half hour so that people can move between rooms, and
end with written actions. Meetings with more than eight participants should be recorded, or
have notes posted, for colleagues in other time zones.

Use the status in the chat tool to show when you are focusing, away or out of office, and
respect other people's status: a message sent outside someone's working hours does not need
an answer until their next working day. Managers should avoid sending messages at night or
at weekends unless the matter is urgent; if you write outside working hours, schedule the
message for the recipient's morning.

# 3 Time Off and Leave
Rested people do better work. We expect everyone to take their full annual leave and we ask
managers to check leave balances in the April and October review conversations. This
chapter sets out each type of leave, how much you receive and how to request it.

## 3.1 Annual leave
Full-time employees receive 25 days of paid annual leave per calendar year in addition to
public holidays. Leave accrues monthly at 2.08 days per month, so an employee who joins on
1 July has 12.5 days available in their first year. Leave can be taken as whole or half
days.

You may carry over up to 5 unused days into the next calendar year. Carried-over days must
be used by 31 March; any that remain on 1 April are forfeited, unless you could not take
them because of sick leave or parental leave, in which case they are kept for a further
12 months. Unused leave is not paid out, except when you leave the company (see chapter 11).

### Requesting annual leave
1. Check your balance and the team calendar in Beacon under Time Off.
2. Agree the dates informally with your manager if the absence is longer than three
  consecutive working days or falls in a known busy period such as a release week.
3. Submit the request in Beacon. Requests for more than three consecutive days must be
  submitted at least 10 business days before the first day of leave.
4. Your manager approves or declines within 3 business days. A request not answered in 3
  business days is escalated automatically to the manager's manager.
5. Add an out-of-office message and hand over open work before you go.

## 3.2 Public holidays
The United States offices observe ten paid public holidays. When a holiday falls on a
Saturday it is observed on the preceding Friday; when it falls on a Sunday it is observed on
the following Monday. Employees in Ireland observe the Irish public holidays. The table
shows the US holiday calendar for 2026.

@widths 50 50
| Holiday (United States offices) | Date observed in 2026 |
| New Year's Day | Thursday 1 January |
| Martin Luther King Jr. Day | Monday 19 January |
| Memorial Day | Monday 25 May |
| Juneteenth | Friday 19 June |
| Independence Day | Friday 3 July |
| Labor Day | Monday 7 September |
| Thanksgiving Day | Thursday 26 November |
| Day after Thanksgiving | Friday 27 November |
| Christmas Eve | Thursday 24 December |
| Christmas Day | Friday 25 December |

## 3.3 Sick leave
You receive 10 days of paid sick leave per calendar year. Sick leave does not carry over.
Tell your manager as early as possible on the first day of absence, by phone or chat, and
record the absence in Beacon when you are back. You may self-certify absences of up to 3
consecutive calendar days. From the fourth consecutive day you need a note from a doctor,
which you upload to Beacon. Sick leave can also be used for medical appointments and to
care for a sick child, partner or parent.

If you are ill for longer than 10 days in a year, talk to the People Team: the short-term
disability plan (United States) or the income protection scheme (Ireland) may then apply.
If you fall ill during annual leave and have a doctor's note, the days of illness are
treated as sick leave and your annual leave is given back.

## 3.4 Parental leave
Tallowfen provides paid parental leave to all parents following the birth of a child, the
adoption of a child or the placement of a foster child, provided they have completed 6
months of service on the day the leave starts.

@widths 34 22 44
| Type of leave | Paid at full salary | Conditions |
| Primary caregiver leave | 18 weeks | Taken in one block, starting at any time from 2 weeks
  before the expected birth or placement. |
| Secondary caregiver leave | 8 weeks | Taken in up to two blocks of at least 2 weeks each. |
| Phased return | 4 weeks | Work 80 percent of contracted hours at full pay immediately after
  primary caregiver leave. |

All paid parental leave must be taken within 12 months of the birth or placement. Give your
manager and the People Team at least 8 weeks' notice of the planned start date by submitting
the parental leave form in Beacon; for adoptions and foster placements, where the date is
often not known in advance, give notice as soon as the placement is confirmed. Statutory
payments to which you are entitled (for example Irish maternity benefit) are offset against
the company payment so that you receive full salary, not more.

Annual leave continues to accrue during parental leave, and benefits continue on the same
terms as before the leave. Employees who are not yet eligible for paid parental leave
still receive their statutory entitlement.

## 3.5 Bereavement leave
You receive up to 5 days of paid bereavement leave on the death of a spouse or partner,
child, parent, sibling, grandparent or grandchild, including step- and in-law relatives of
those degrees, and 2 days on the death of another relative or close friend. Following a
pregnancy loss, both parents receive 10 days of paid leave. The days do not have to be
consecutive and may be taken within 3 months of the death. You do not need to provide
evidence; just record the absence in Beacon.

## 3.6 Other paid leave
- Jury duty and civic duties: full pay for up to 15 working days per calendar year. Send a
  copy of the summons to the People Team.
- Volunteering: 2 paid days per calendar year for volunteering with a registered charity,
  school or community organisation.
- Moving house: 1 paid day per calendar year.
- Military reserve training (United States): up to 10 working days per year at the
  difference between military pay and your regular salary.
- Medical emergencies of a dependant: up to 3 paid days per incident, recorded as
  family leave.

## 3.7 Sabbatical
After 5 years of continuous service you may take a paid sabbatical of 4 weeks, once in
every 5-year period. Sabbaticals must be requested in Beacon at least 3 months in advance
and taken within 12 months of becoming eligible; they may be combined with annual leave to
make a longer break, up to a maximum of 8 consecutive weeks away. Sabbaticals cannot be
taken during the notice period after resignation.

## 3.8 Unpaid leave
You may ask for unpaid leave of up to 3 months for personal reasons such as extended
travel, study or caring for a relative. Unpaid leave of more than 10 working days needs the
approval of your department's vice president. During unpaid leave your benefits continue,
but annual leave does not accrue after the first month.

# 4 Pay, Benefits and Learning
## 4.1 Pay day and payslips
Salaries are paid monthly, on the last business day of the month, by bank transfer.
Payslips are published in Beacon two business days before pay day. If you think your pay
is wrong, contact Payroll before the 5th of the following month so that a correction can be
made in the next payroll run. Salary reviews take place once a year and take effect on 1
April.

## 4.2 Retirement savings
In the United States, Tallowfen matches 100 percent of your contributions to the 401(k)
plan up to 4 percent of your base salary. You are eligible from your first day, and
company matching contributions vest immediately. In Ireland, the company contributes 6
percent of base salary to the group pension scheme when you contribute at least 3
percent; you join the scheme automatically after your probation period.

## 4.3 Health and wellbeing
US employees may choose from two medical plans, one dental plan and one vision plan. The
company pays 90 percent of the premium for employee-only cover and 75 percent of the
premium for dependants. Irish employees receive private health insurance for themselves
and their dependants at the company's cost, which is a taxable benefit. Benefit elections
are made in Beacon within 30 days of joining and during the annual open enrolment in
November.

Every employee receives a wellbeing allowance of $60 (EUR 55) per month with their salary,
which can be spent on anything that supports their wellbeing, from a gym membership to
music lessons. The Employee Assistance Programme offers free, confidential counselling
for you and your household, 24 hours a day; details are on Lantern.

## 4.4 Learning budget
Each employee has a learning budget of $1,500 (EUR 1,400) per calendar year for courses,
books, conferences and certification exams related to their current or a planned future
role. Spend from the budget needs your manager's approval in Beacon before you book. The
budget does not roll over. Travel to a conference is paid from the travel budget of your
department, not from your learning budget, and follows chapter 7.

If the company pays more than $4,000 for a single course or programme and you resign within
12 months of completing it, you are asked to repay a share of the cost: 100 percent within
6 months of completion and 50 percent between 6 and 12 months.

## 4.5 Referral bonus
If you refer a candidate who is hired into a permanent role, you receive a referral bonus
of $3,000 (EUR 2,750), paid with the salary of the month after the new employee completes
90 days of employment. Referrals must be submitted through the referral form in Beacon
before the candidate applies. Managers cannot receive a bonus for hiring into their own
team, and no bonus is paid for rehiring a former employee who left less than 12 months ago.

## 4.6 Service anniversaries
We celebrate long service. On your fifth, tenth, fifteenth and twentieth work anniversaries
you receive a gift voucher of $250, $500, $750 and $1,000 respectively (or the equivalent in
euro), paid through payroll and taxed as income, and a note from the Chief Executive.
Anniversaries are counted from your original start date; periods of parental leave, sick
leave and approved unpaid leave count as service, and a former employee who returns within
12 months keeps their previous service. Teams are encouraged to mark anniversaries in their
own way, within the team celebration limit in chapter 6.

# 5 Equipment and Home Office
## 5.1 Laptops and peripherals
Every employee receives a company laptop, chosen from the two standard models on the IT
catalogue in Harbor, together with a headset, a docking station and one external monitor
for the office. Engineers may request a second monitor. Laptops are replaced every 3 years,
or earlier if they fail and cannot be repaired economically. Company laptops are managed
by IT and must not be used by family members or for personal businesses.

## 5.2 Home office allowance
Employees who work from home at least one day a week may claim a one-time home office
setup allowance of $500 (EUR 450) for a desk, an ergonomic chair, a monitor or similar
equipment. The purchases must be made within 6 months of joining or of the start of hybrid
working, and are claimed in Ledgerline with receipts under the normal rules of chapter 6.
In addition, an internet allowance of $40 (EUR 35) per month is paid with salary to all
employees who work from home at least one day a week. Items bought with the setup
allowance belong to the employee.

## 5.3 Mobile phones
Employees on an on-call rota and employees whose role requires frequent customer contact
(such as account executives and technical account managers) receive a company mobile
phone. Other employees may install the company's managed work profile on a personal phone
to receive email and chat; the company does not contribute to personal phone bills.

## 5.4 Returning equipment
When you leave Tallowfen you must return your laptop, phone, badge and any other company
equipment within 5 business days of your last working day. Remote employees receive a
prepaid return kit. The value of equipment that is not returned may be deducted from your
final pay where the law allows.

# 6 Expenses
## 6.1 Principles
Tallowfen reimburses reasonable expenses that you incur wholly for business purposes. Spend
company money as if it were your own: choose the cheaper of two similar options, book
early, and do not claim anything you would feel uncomfortable explaining to a colleague.
Your manager approves your claims and is accountable for their reasonableness; Finance
checks them against this chapter.

## 6.2 Submitting a claim
All expenses are claimed in Ledgerline, the expense tool, which is available on the web and
as a mobile app that can photograph receipts.

1. Photograph or upload the receipt in Ledgerline as soon as you receive it. Itemised
  receipts are required for every expense of $25 (EUR 25) or more.
2. Choose the expense category and the project or cost centre, and add the business
  purpose and, for meals, the names of all attendees.
3. Submit the claim within 30 days of the date the expense was incurred. Claims submitted
  later than 90 days are rejected except where the delay was caused by the company.
4. Your manager approves or returns the claim within 5 business days.
5. Finance reviews approved claims. Claims approved by the 20th of a month are paid with
  that month's salary; claims approved later are paid the following month.

### Lost receipts
If you lose a receipt, complete the missing receipt declaration in Ledgerline, describing
the expense and explaining why the receipt is not available. You may use the declaration
at most twice per calendar year, and only for expenses of up to $150. Repeated use is
reported to your vice president.

## 6.3 Expense limits
The limits below apply per person and include taxes and tips. Where a limit is exceeded,
only the limit is reimbursed unless a director approved the higher amount in advance.

@widths 34 22 44
| Expense | Limit | Notes |
| Meals while travelling (US) | $75 per day | Breakfast $15, lunch $20, dinner $40. Not claimable
  when the meal is provided. |
| Meals while travelling (Ireland) | EUR 65 per day | Breakfast EUR 12, lunch EUR 18, dinner EUR
  35. |
| Client entertainment | $120 per person | Director pre-approval; names and employers of guests
  required. |
| Team celebration | $50 per person | Up to twice per year per team, approved by the department
  head. |
| Mileage, own car (US) | $0.70 per mile | Business miles beyond your normal commute only. |
| Mileage, own car (Ireland) | EUR 0.45 per km | Business kilometres beyond your normal commute
  only. |
| Parking and tolls | Actual cost | Receipts required from $25, as for all expenses. |
| Home office setup | $500 once | See section 5.2. |

## 6.4 What we do not reimburse
- Alcohol, except as part of approved client entertainment or a team celebration.
- Traffic fines, parking penalties and speeding tickets.
- Upgrades to flights, hotel rooms or rental cars paid for by you.
- Hotel minibar, in-room films, laundry for trips shorter than 5 nights, and spa services.
- Personal items such as clothing, toiletries, luggage or books for leisure.
- Lost or stolen personal property, including cash.
- Costs of commuting between your home and your assigned office.
- Gifts to colleagues, including leaving gifts, unless approved by the People Team.

## 6.5 Corporate cards
Employees who travel for business more than four times a year, and employees who
regularly buy goods or services for the company, may apply for a corporate card. The card
is in your name and settled by the company; you are responsible for reconciling each
transaction in Ledgerline by the 5th business day of the following month. The card must not
be used for personal purchases, even if you intend to pay them back. Cash withdrawals are
limited to $200 per trip. If your card is lost or stolen, report it to the card issuer
immediately and inform Finance by email the same day.

# 7 Business Travel
## 7.1 Before you travel
Business travel must have a clear purpose that cannot reasonably be achieved by a video
call. Domestic trips are approved by your manager; international trips are approved by
your director. All flights, trains and hotels are booked through the Tallowfen Travel Desk,
which is run for us by Saltmarsh Corporate Travel. Bookings made elsewhere are reimbursed
only if they were cheaper than the fare the Travel Desk offered on the same day.

Book flights at least 14 days before departure; late bookings need director approval. The
Travel Desk can be reached on extension 3300 or at travel@tallowfen.example during office
hours, and through the Saltmarsh emergency line printed on your itinerary outside office
hours.

## 7.2 Class of travel
The class of travel depends on the scheduled flight time of each flight segment, not the
total journey time.

@widths 40 60
| Scheduled flight time | Class allowed |
| Under 6 hours | Economy class |
| 6 to 10 hours | Premium economy class |
| Over 10 hours | Business class, with vice president approval |
| Rail, any duration | Standard class; first class if cheaper than standard |

You may pay for an upgrade yourself or use loyalty points; you may keep the loyalty points
you earn on business travel. Do not choose a more expensive flight to collect points.

## 7.3 Hotels
Book a hotel through the Travel Desk. The nightly limit, excluding taxes, is $220 in the
United States and EUR 180 in Europe, except in the high-cost cities listed below, where the
limit is $300 or the local equivalent. Where a customer or conference hotel is more
expensive and staying there is a business need, your director may approve the higher rate.

- New York, San Francisco, Boston and Washington, D.C.
- London, Zurich, Geneva and Paris
- Tokyo, Singapore and Hong Kong

Staying with friends or family instead of in a hotel is welcome. You may then claim a
thank-you gift of up to $40 per trip instead of the hotel cost.

## 7.4 Ground transport
Use public transport where it is practical and safe. Taxis and ride-hailing services are
reimbursed for trips to and from airports and stations, when travelling with equipment,
and between 21:00 and 06:00. Rental cars must be compact or midsize; a larger car is allowed
when three or more employees travel together. In the United States decline the optional
collision damage waiver, because the company's insurance covers it; outside the United
States accept it.

## 7.5 Travel insurance and safety
All employees on business travel are covered by the company's travel insurance from
Larkspur Mutual Assurance, policy number MA-TF-558120, which includes medical treatment abroad,
medical evacuation and lost luggage. The insurance card and the 24-hour assistance number
are on Lantern. Carry them with you.

Trips to countries that Security rates as high risk need Security approval at least 10
business days before departure, a travel briefing, and usually a loaner laptop instead of
your own (see section 8.3). Register every international trip with the Travel Desk so that
the company can locate you in an emergency.

## 7.6 Travel time
Time spent travelling during normal working hours is working time. If a trip requires you
to travel on a weekend or a public holiday, you may take the equivalent time off within 30
days. Employees should not be asked to start work within 10 hours of arriving from an
overnight flight.

# 8 Security Rules for Everyone
This chapter is a summary of the security behaviour expected from every employee. The
binding rules, including the technical requirements for passwords, devices and incident
reporting, are in the Information Security Policy (SEC-POL-002), which every employee must
read in their first week and acknowledge each year in Beacon.

## 8.1 Everyday habits
- Wear your badge visibly in the office and do not lend it to anyone. Challenge people you
  do not recognise who are not wearing a visitor badge, or ask Reception to do so.
- Lock your screen whenever you leave your laptop, even for a moment.
- Keep a clear desk: lock away printed documents and notebooks at the end of the day.
- Use the company password manager, Keyfold, and never share passwords or one-time codes,
  including with IT staff, who will never ask for them.
- Report suspicious emails with the Report Phish button instead of forwarding them.
- Store company files in approved company systems only, never on personal cloud storage.

## 8.2 Lost devices and incidents
If your laptop, phone or badge is lost or stolen, or if you think that company information
has been exposed, report it at once. The Information Security Policy sets out the
reporting channels and deadlines. You will never be disciplined for reporting a mistake
promptly; hiding one is a serious matter.

## 8.3 Travelling with devices
Carry laptops and phones in your hand luggage, never in checked baggage. Use the company
VPN on public networks, and a privacy screen when working on trains and planes. For trips to
high-risk countries, IT provides a loaner laptop with a minimal set of data; your own
laptop stays at home. Collect loaners from the IT Service Desk at least 2 business days
before you leave and return them within 2 business days of your return, unopened by
anyone else.

# 9 Conduct, Conflicts and Gifts
## 9.1 Code of conduct
We treat colleagues, customers and partners with respect. Harassment, discrimination and
bullying are not tolerated in any form, whether in the office, at events or online. If you
experience or witness such behaviour, tell your manager, the People Team or the speak-up
line. Retaliation against anyone who raises a concern in good faith is itself a breach of
this code.

## 9.2 Conflicts of interest
A conflict of interest exists when your personal interests could influence, or appear to
influence, your decisions at work: for example, a relative who works for a supplier, or a
financial interest in a competitor. Declare actual and potential conflicts in Beacon as
soon as they arise; in addition, every employee completes an annual declaration in January.
Outside employment, including paid consulting, needs the written approval of your manager
and the People Team before you start.

## 9.3 Gifts and hospitality
You may accept gifts and hospitality of modest value that are offered openly and without
any expectation in return. Gifts worth more than $75 (EUR 70) must be declared in the gift
register in Beacon within 5 business days, and your manager decides whether you may keep
them. Never accept cash, vouchers or gifts from a supplier during a tender in which you are
involved. The same limits apply to gifts and hospitality that you offer to customers;
gifts to public officials of any value need approval from Legal in advance.

## 9.4 Speak-up line
The Candlewick Ethics Line is an independent service where you can report suspected
fraud, corruption, harassment or other misconduct, anonymously if you prefer. It is
available 24 hours a day by phone on +1 608 555 0177 and through the web form linked from
Lantern. Reports are passed to the General Counsel and, for reports about senior
management, to the chair of the Audit Committee.

# 10 Performance, Reviews and Promotion
## 10.1 Review cycle
Performance conversations take place twice a year, in April and October. Each cycle has
three steps: a self-assessment written in Beacon, feedback from two to four colleagues you
choose together with your manager, and a one-hour conversation with your manager. The
April cycle includes the annual salary review, which takes effect on 1 April as described
in section 4.1.

Ratings use a four-point scale: exceptional, strong, developing and not meeting
expectations. An employee rated not meeting expectations agrees a written improvement plan
with their manager, normally lasting 60 days, with fortnightly check-ins.

## 10.2 Probation
New employees in the United States have a probation period of 90 days; in Ireland the
probation period is 6 months. Your manager meets you at the midpoint and at the end of the
probation period to confirm your employment or, in exceptional cases, extend the period by
up to 3 months.

## 10.3 Promotions
The promotion committee for each department meets twice a year, in the month after each
review cycle. Managers nominate employees with a written case that refers to the career
framework for the role. Promotions take effect on the first day of the month after the
committee meeting. Employees can also ask their manager to be considered; the manager must
then either put the case forward or explain in writing which expectations are not yet met.

# 11 Leaving Tallowfen
## 11.1 Notice periods
Unless your contract says otherwise, the notice period for resignation is 4 weeks for
individual contributors and 8 weeks for people managers and employees at director level
and above. Submit your resignation in writing to your manager and through Beacon. The
company may ask you not to work during all or part of your notice period, in which case
you remain employed and paid until the end of it.

## 11.2 Your last day
Before your last working day, hand over your work and documents to your manager, delete no
company data, and complete the exit survey. The People Team invites every leaver to an
optional exit interview. Equipment must be returned as described in section 5.4. Your
access to company systems ends at 18:00 on your last working day.

## 11.3 Final pay
Your final salary is paid on the normal pay day after your last working day. Accrued but
unused annual leave for the current year, including carried-over days that have not yet
expired, is paid out with the final salary. Leave taken in excess of the accrued amount is
deducted where the law allows. Outstanding expense claims must be submitted before your
last working day so that they can be paid with your final salary.
"""

SECURITY_POLICY = """
# 1 Purpose, Scope and Roles
## 1.1 Purpose
This policy sets the minimum rules that protect the information entrusted to Tallowfen
Systems by its customers, employees and partners, and the systems that process it. It is
the binding reference for the security summary in chapter 8 of the Employee Handbook and
for the technical standards maintained by the Security team. Where a standard is stricter
than this policy, the standard applies.

## 1.2 Scope
The policy applies to all employees, contractors, interns and agency workers of Tallowfen
Systems, Inc. and Tallowfen Systems Ireland Limited, to every device that accesses company
information (whether owned by the company or not), and to all company information in any
form: electronic, printed or spoken. It also applies to the build, signing and release
infrastructure of Tallowfen Conduit and of the Conduit Edge appliance firmware, which are
treated as Restricted systems.

## 1.3 Roles and responsibilities
@widths 28 72
| Role | Responsibilities |
| Chief Information Security Officer (CISO) | Owns this policy; approves exceptions; reports on
  security risk to the executive team every month and to the Audit Committee every quarter. |
| Security Steering Committee | Meets on the second Wednesday of every month; prioritises security
  work; reviews incidents of category A and B. Members: CISO (chair), CTO, VP IT, General Counsel,
  VP Customer Support. |
| Security team | Maintains technical standards; runs monitoring, vulnerability management,
  awareness training and incident response. |
| IT | Operates identity, endpoint and network controls; processes access requests in Harbor. |
| Information owners | Heads of department who decide the classification of their information and
  approve access to it. |
| Managers | Ensure their team completes training and follows this policy; approve access requests
  for their reports. |
| Everyone | Follows this policy, completes training and reports incidents without delay. |

## 1.4 Review
The CISO reviews this policy at least once a year and after any category A incident.
Changes are approved by the Security Steering Committee and announced on Lantern. Employees
acknowledge the current version in Beacon within 30 days of a new version being published.

# 2 Information Classification and Handling
## 2.1 Classification levels
All company information is classified by its owner into one of four levels. Information
that has not been classified is treated as Internal. When information from different levels
is combined, for example in a report, the combination takes the highest level.

@widths 16 38 46
| Level | Definition | Examples |
| Public | Approved for release to anyone. Disclosure causes no harm. | Published documentation,
  press releases, job adverts, the public website. |
| Internal | For employees and contractors. Disclosure would cause minor harm. | The Employee
  Handbook, org charts, internal announcements, most meeting notes. |
| Confidential | For named groups with a business need. Disclosure would cause significant harm to
  the company, customers or employees. | Customer contracts, support case contents, unreleased
  roadmaps, salaries, source code. |
| Restricted | For named individuals only. Disclosure would cause severe harm or breach law.
  | Signing keys, production secrets, customer diagnostic bundles containing personal data, merger
  plans, health data of employees. |

## 2.2 Handling rules
@widths 19 27 27 27
| Activity | Internal | Confidential | Restricted |
| Email outside the company | Allowed to customers and partners under NDA | Only with encryption
  or via a Conduit share link that expires | Not allowed; use a Restricted Conduit share with
  named recipients |
| Storage | Approved company systems | Approved systems with access limited to a group | Approved
  systems with access limited to named people and logged |
| Printing | Allowed | Collect immediately from the printer using badge release | Only with owner
  approval; never at home |
| Disposal | Normal recycling for paper | Locked shredding bins | Locked shredding bins; media
  destroyed by IT with a certificate |
| Verbal discussion | Anywhere in the office | Not in public places | Only in closed rooms with
  named participants |

## 2.3 Labelling
Confidential and Restricted documents must carry their classification in the header or
footer of every page, and emails containing them must start their subject line with
[CONFIDENTIAL] or [RESTRICTED]. Source code repositories are Confidential by default and
do not need individual labels. Labels on Public documents are optional.

# 3 Identity, Passwords and Multi-Factor Authentication
## 3.1 Accounts
Every person has one personal account in the company identity provider, which is used to
sign in to all company systems through single sign-on. Shared accounts are not allowed,
with the exception of service accounts described in section 3.4. You are responsible for
all activity performed with your account.

## 3.2 Passwords
- Passwords for your company account must be at least 14 characters long. A passphrase of
  four or more unrelated words is the recommended form.
- Do not reuse your company password for any other account, company or personal.
- Store every work password in Keyfold, the company password manager. Storing passwords
  in browsers, spreadsheets, notes or chat messages is not allowed.
- Passwords are not changed on a fixed schedule. Change a password immediately if you
  suspect it is known to anyone else, and report the suspicion as an incident.
- Never disclose a password or a one-time code to anyone, including IT staff.

## 3.3 Multi-factor authentication
Multi-factor authentication (MFA) is required for every company system that supports it,
and single sign-on enforces it for all others. Approved second factors are push
notifications in the company authenticator app with number matching, and FIDO2 security
keys. SMS codes and phone calls are not approved factors.

Administrators of production systems, the identity provider, code signing and the finance
systems must use FIDO2 security keys. They are issued two keys, a primary and a backup,
and must keep the backup in a different place from the primary. Lost security keys are
reported to the IT Service Desk the same day and revoked immediately.

## 3.4 Service accounts and secrets
Service accounts are used only by systems, never interactively by people. Each has a named
owner. Their passwords and API keys are at least 32 random characters, are generated and
stored in the secrets vault, and are rotated every 12 months and whenever a person who
knew them leaves the team. Secrets must never be committed to source code repositories;
the pre-commit scanner blocks known secret formats, and a secret found in a repository is
treated as compromised and rotated within 24 hours.

# 4 Devices and Endpoints
## 4.1 Company devices
Only devices that are enrolled in the company's device management may access Internal,
Confidential or Restricted information. Enrolled laptops have full-disk encryption,
the endpoint detection and response (EDR) agent, the firewall and automatic updates turned
on; these controls must not be disabled. Screens lock automatically after 5 minutes of
inactivity, and laptops must be locked manually whenever they are left unattended.

Operating system and browser updates are installed automatically. You may postpone a
restart for up to 3 days; after that the update is forced. Software may be installed only
from the company software catalogue in Harbor; other software needs an approved request.

## 4.2 Personal devices
Personal phones and tablets may be used for email, chat and calendar only through the
managed work profile, which keeps company data in a separate, encrypted container that IT
can wipe without touching personal data. Personal computers must not be used to access
company systems, with the exception of the public customer support portal.

## 4.3 Removable media
USB mass storage devices are blocked on company laptops. Where data must be exchanged on
physical media, for example with a customer who has no network connection, IT provides an
encrypted USB drive that is logged out and in by serial number and wiped on return. Found
USB devices must be handed to the IT Service Desk, not plugged in.

## 4.4 Lost or stolen devices
Report a lost or stolen laptop, phone, security key or badge immediately, and in any case
within 1 hour of noticing the loss, to the IT Service Desk on extension 4357, or outside
office hours on the 24-hour IT line, +1 608 555 0143. IT will lock and, if necessary,
wipe the device remotely. Also report thefts to the police and send the reference number
to the IT Service Desk.

# 5 Access Control
## 5.1 Principles
Access is granted on the basis of least privilege and need to know: people receive the
minimum access required for their current role, for as long as they need it. Access to
Confidential information requires approval by the information owner; access to Restricted
information requires approval by the information owner and the CISO.

## 5.2 Joiners, movers and leavers
1. Joiners receive the standard access for their role on their first day, based on the
  role template in the identity provider. Additional access is requested in Harbor and
  approved by the manager and the information owner.
2. Movers keep their previous access for a transition period of at most 30 days. Within 5
  business days of the role change, the new manager reviews the access and removes
  anything the new role does not need.
3. Leavers' accounts are disabled automatically at the time recorded by the People Team in
  Beacon. For involuntary departures, the People Team informs IT in advance and access is
  removed within 1 hour of the conversation with the employee.

## 5.3 Privileged access
Administrative access to production systems is granted just in time through the
privileged access management (PAM) tool, for a maximum of 8 hours per elevation, and every
privileged session is recorded. Standing administrative access is allowed only for the
break-glass accounts, whose credentials are sealed in the secrets vault and whose use
triggers an alert to the Security team. Administrators use a separate administrative
account that is not used for email or web browsing.

## 5.4 Access reviews
Information owners review who has access to their systems every quarter, in January,
April, July and October. Privileged access and access to Restricted systems is reviewed
every month. Access that the owner does not confirm within 10 business days of the start
of a review is removed automatically. The results of each review are kept for 3 years as
evidence for audits.

# 6 Vulnerability and Patch Management
## 6.1 Remediation deadlines
The Security team scans all servers, containers and laptops for vulnerabilities at least
weekly, and internet-facing systems daily. Vulnerabilities are rated with CVSS version 3.1
base scores and must be fixed within the deadlines below, counted from the day the
vulnerability is detected or a fix becomes available, whichever is later.

@widths 22 22 28 28
| Severity | CVSS base score | Deadline, internal systems | Deadline, internet-facing systems |
| Critical | 9.0 - 10.0 | 7 days | 72 hours |
| High | 7.0 - 8.9 | 14 days | 7 days |
| Medium | 4.0 - 6.9 | 30 days | 30 days |
| Low | 0.1 - 3.9 | 90 days | 90 days |

A vulnerability that cannot be fixed in time needs a documented exception (chapter 10) with
compensating controls, such as a firewall rule or disabling the affected feature.

## 6.2 Penetration tests
An independent firm tests the company's internet-facing systems and the current release of
Tallowfen Conduit at least once a year, and additionally before any release that changes
authentication or the transfer protocol. Findings are tracked as vulnerabilities under
section 6.1.

## 6.3 Product security advisories
Vulnerabilities in Tallowfen Conduit or the Conduit Edge firmware are handled by the
product security team. When a fix is released, customers are informed through a Tallowfen
Security Advisory, numbered TFSA-year-sequence (for example TFSA-2025-007), published on
the support portal and sent to the security contacts registered for each customer.
External researchers report vulnerabilities to security@tallowfen.example; we acknowledge
reports within 2 business days and do not take legal action against good-faith research.

# 7 Acceptable Use
## 7.1 Email and messaging
Company email and chat are for business use. Occasional personal use is allowed if it is
brief, does not interfere with work and does not breach this policy. Automatic forwarding
of company email to external addresses is blocked. Report suspicious messages with the
Report Phish button in the mail client; do not click links, open attachments or reply.

## 7.2 Internet use
Web traffic from company laptops passes through the secure web gateway, which blocks
malicious sites and categories such as gambling and adult content. Do not try to bypass the
gateway, for example with personal VPN services or proxies. Downloading pirated software,
music or films is prohibited.

## 7.3 Generative AI tools
Employees may use the company-approved AI assistant, which is configured so that prompts
and files are not used to train models and are retained for 30 days. Public or personal AI
tools must not be given any Confidential or Restricted information, including source code,
customer names or support case contents. Output from any AI tool must be reviewed by a
person before it is sent to a customer or merged into the product.

## 7.4 Prohibited activities
- Accessing information or systems you are not authorised to use, or testing security
  controls without written approval from the Security team.
- Installing cryptocurrency miners, peer-to-peer file sharing or remote-access tools.
- Using company systems to harass others or to store offensive material.
- Sharing company information on social media or public forums without approval from
  Communications.
- Connecting personal network equipment, such as wireless access points, to the office
  network.

# 8 Incident Reporting and Response
## 8.1 What to report
A security incident is any event that may compromise the confidentiality, integrity or
availability of company or customer information. Examples include a lost laptop, an email
sent to the wrong recipient, a clicked phishing link, malware warnings, unexpected MFA
prompts, a colleague sharing passwords, or a customer reporting that they received another
customer's data. If in doubt, report it; the Security team would rather close a false alarm
than miss a real incident.

## 8.2 How to report
Report a suspected incident immediately, and in any case within 1 hour of discovering it:

1. Call the security hotline on extension 7233, or +1 608 555 0148 from outside the
  company network. The hotline is answered 24 hours a day.
2. If you cannot call, email security@tallowfen.example with the subject line INCIDENT and
  a short description.
3. Do not try to investigate yourself. Do not switch off an affected laptop; disconnect it
  from the network and leave it as it is.
4. Write down what happened and when, while you remember it, and keep any evidence such as
  the suspicious email.
5. Do not discuss the incident with customers, the press or on social media. The incident
  manager coordinates all communication.

## 8.3 Incident categories
@widths 14 46 40
| Category | Description | Response |
| A | Confirmed compromise of Restricted data, customer data or production systems; ransomware;
  incidents likely to require notification to regulators or customers. | Incident manager assigned
  within 15 minutes; CISO and General Counsel informed within 1 hour; executive updates every 4
  hours. |
| B | Confirmed compromise of a single account or device without evidence of data access;
  significant phishing campaign. | Incident manager assigned within 1 hour; daily updates to the
  Security Steering Committee. |
| C | Policy breaches and suspicious events with no evidence of compromise. | Handled by the
  on-duty security analyst within 1 business day. |

Notifications of personal data breaches to supervisory authorities and customers follow
the Data Retention and Privacy Policy (LEG-POL-004). A post-incident review is written for
every category A and B incident within 10 business days of closure.

# 9 Remote Work and Travel Security
## 9.1 Working outside the office
The company VPN connects automatically whenever a company laptop is outside an office
network and must stay connected. Home routers should use WPA2 or WPA3 encryption and a
password that is not the factory default. When working in public places, use a privacy
screen, do not leave devices unattended, and hold calls about Confidential matters only
where you cannot be overheard. Restricted information must not be printed at home.

## 9.2 Travel
Security rates countries as standard, elevated or high risk, based on the likelihood of
device inspection, theft and network surveillance. Travel to high-risk countries requires
Security approval and a loaner laptop, as described in section 8.3 of the Employee
Handbook. At border controls, comply with lawful requests to inspect devices, and report
any inspection to the security hotline as soon as you can; the device will be checked and
reimaged before it is used again.

# 10 Training, Exceptions and Enforcement
## 10.1 Security awareness training
New employees complete the security awareness course within 30 days of their start date;
until they do, their access is limited to the standard role template. All employees repeat
the course every year by 30 November. Engineers additionally complete the secure
development course every year, and administrators the privileged access course.

The Security team sends simulated phishing emails every month. Employees who click on three
simulated phishing emails within 12 months complete an additional 45-minute training
session with a member of the Security team. Simulation results are never used in
performance reviews.

## 10.2 Exceptions
When a business need cannot be met within this policy, request an exception in Harbor
using the form SEC-EXC. The request describes the need, the risk, the compensating controls
and the duration. Exceptions are approved by the CISO, are valid for at most 6 months and
may be renewed once; after that the underlying problem must be fixed or the risk formally
accepted by the executive team. The Security team keeps a register of all exceptions and
reports it to the Security Steering Committee every quarter.

## 10.3 Enforcement
Breaches of this policy may lead to disciplinary action up to and including dismissal, and
for contractors to termination of their contract. Deliberate breaches, such as disabling
security controls or taking Restricted information without authorisation, may also be
reported to the police. Honest mistakes that are reported promptly are treated as
opportunities to learn and are not a disciplinary matter.

## 10.4 Revision history
@widths 14 20 66
| Version | Date | Summary of changes |
| 3.0 | 2024-02-01 | Rewrote the access control chapter; introduced just-in-time privileged
  access. |
| 3.1 | 2025-01-15 | Added rules for generative AI tools; SMS removed as an approved second
  factor. |
| 3.2 | 2025-09-01 | Internet-facing patch deadlines shortened; phishing follow-up training
  clarified. |
"""

ADMIN_GUIDE_FRONT = """
## Conventions used in this guide
Commands that you type are shown in a monospace font on a shaded background. Commands that
must be run as root are prefixed with sudo. Placeholders that you replace with your own
values are written in capitals, for example HOSTNAME. Configuration keys are written in
dotted form, such as server.listen_port, which corresponds to the listen_port key inside the
server section of conduit.yaml.

This edition describes Tallowfen Conduit 4.2.1. Features that were added or changed in 4.2
are marked "(4.2)". For the differences between releases, see the Tallowfen Conduit Release
Notes (DOC-CON-RN). For hardware installation of the Conduit Edge appliance, which ships with
Conduit preinstalled, see the Conduit Edge Hardware Manual (DOC-EDGE-HW).

## Revision history
@widths 16 22 62
| Edition | Date | Changes |
| 4.0-A | 2025-02-11 | First edition for Conduit 4.0. |
| 4.1-A | 2025-06-03 | SAML single sign-on; offline installation bundles. |
| 4.2-A | 2025-10-07 | Proxy bypass list; preflight checks; session timeout default changed. |
| 4.2-B | 2025-11-18 | Updated for 4.2.1; error code reference extended; backup encryption
  examples. |
"""

ADMIN_GUIDE = """
# 1 Introduction
## 1.1 What Tallowfen Conduit does
Tallowfen Conduit is a self-hosted server for transferring and synchronising files securely
between people, systems and organisations. Users upload and share files through the web
console or the REST API; systems exchange files over SFTP or with the conduit-agent sync
client; administrators control who may send what to whom and keep a tamper-evident audit
log of every transfer. Because Conduit runs in your own data centre or cloud account, file
contents never pass through Tallowfen's infrastructure.

## 1.2 Components
A Conduit installation consists of the following components, all installed by the conduit
package:

- conduitd, the server daemon that serves the web console, the REST API and the SFTP
  endpoint, and schedules transfers.
- conduit-worker, the transfer worker processes that move, checksum and encrypt file data.
  The number of workers is set with TFC_MAX_WORKERS.
- A bundled PostgreSQL 15 database that holds users, metadata and the audit log. Large
  installations can use an external PostgreSQL 14 or later instead (see section 5.2).
- conduitctl, the command-line tool used to install, configure, back up and upgrade the
  server. It talks to conduitd over a local socket and must run on the server itself.

## 1.3 Editions
Conduit is sold in two editions. Both use the same package; the licence file enables the
Enterprise features.

@widths 40 30 30
| Feature | Standard | Enterprise |
| Web console, REST API, SFTP | Yes | Yes |
| Local users and LDAP directory | Yes | Yes |
| SAML 2.0 single sign-on | No | Yes |
| Clustering (3, 5 or 7 nodes) | No | Yes |
| Hardware security module for key storage | No | Yes |
| Maximum named users | 500 | Unlimited |
| Audit log export to syslog | Yes | Yes |

## 1.4 Deployment options
Conduit can be installed from Linux packages on a physical or virtual server (chapter 3),
run as a container image for evaluation and small deployments, or bought preinstalled on
the Conduit Edge appliance. The appliance is managed with the same conduitctl commands as a
package installation; appliance-specific commands are grouped under conduitctl appliance.

## 1.5 How a transfer works
When a user uploads a file, the web console or client splits it into chunks of
transfer.chunk_size_mb (8 MB by default) and sends them over up to transfer.parallel_streams
connections at once. Each chunk carries its SHA-256 checksum; the worker that receives it
verifies the checksum, encrypts the chunk with the server's data key and writes it to the
object store. When the last chunk has arrived, conduitd assembles the file's metadata,
records the transfer in the audit log and notifies the recipients. Downloads work the other
way round: the chunks are read, decrypted and verified before they leave the server.

Because every chunk is checked and stored separately, an interrupted upload does not start
again from the beginning. The client asks the server which chunks it already has and sends
only the missing ones, for up to transfer.resume_window_hours (72 hours) after the
interruption. A failed chunk is retried automatically, with a growing delay between
attempts, before the transfer as a whole is reported as failed.

## 1.6 Getting help
The full documentation set, including this guide, the release notes and the Conduit Edge
Hardware Manual, is at docs.tallowfen.example. Customers with a support plan open cases on
the support portal at support.tallowfen.example; the Customer Support and Service Level
Policy explains the support plans, response times and how to escalate a case. Before you
open a case, collect a diagnostic bundle as described in section 11.2; it answers most of
the questions a support engineer would otherwise ask first.

# 2 System Requirements
## 2.1 Hardware
@widths 34 33 33
| Resource | Minimum | Recommended for production |
| CPU | 4 vCPU, x86-64 with AES-NI | 8 vCPU or more |
| Memory | 16 GB | 32 GB or more; see section 2.5 |
| System disk | 40 GB | 80 GB SSD |
| Data storage | Sized for your files | XFS on SSD or NVMe, separate volume |
| Network | 1 Gbit/s | 10 Gbit/s for sustained bulk transfers |

The data directory (by default /var/lib/conduit) must be on a local file system or on a
block device; NFS and SMB shares are not supported for the data directory because they do
not provide the locking guarantees that the object store needs. The file system must be XFS
or ext4.

## 2.2 Operating systems
Conduit 4.2.1 is supported on 64-bit x86 servers running the following distributions:

- Ubuntu Server 22.04 LTS and 24.04 LTS
- Debian 12
- Red Hat Enterprise Linux 8.8 or later 8.x, and 9.2 or later 9.x
- Rocky Linux and AlmaLinux at the same versions as Red Hat Enterprise Linux

The server's clock must be synchronised with NTP or chrony. In a cluster, the clocks of the
nodes must not differ by more than 2 seconds (cluster.max_clock_skew_ms); a node whose clock
is further out refuses to join.

## 2.3 Network ports
Open the following ports in host and network firewalls. Inbound ports can be changed in
conduit.yaml; the defaults are shown.

@widths 16 14 38 32
| Port | Protocol | Purpose | Direction and scope |
| 8443 | TCP | Web console and REST API over HTTPS | Inbound from users and API clients |
| 2222 | TCP | SFTP endpoint | Inbound from SFTP clients |
| 7946 | TCP and UDP | Cluster membership (gossip) | Between cluster nodes only |
| 7947 | TCP | Cluster data replication | Between cluster nodes only |
| 9464 | TCP | Prometheus metrics | Inbound from your monitoring server |
| 5432 | TCP | Bundled PostgreSQL | Localhost only; never expose |
| 443 | TCP | Licence checks, packages and update downloads | Outbound to
  license.tallowfen.example, packages.tallowfen.example and updates.tallowfen.example |
| 636 | TCP | LDAPS directory lookups | Outbound to your directory servers |

## 2.4 Browsers
The web console supports the current and previous major versions of Chrome, Edge, Firefox
and Safari. Internet Explorer is not supported. The console needs JavaScript and cookies;
it stores no data in the browser except the session cookie.

## 2.5 Sizing guidance
The number of concurrent transfers, not the number of users, determines how much memory and
CPU a server needs. As a rule of thumb, each active transfer uses about 4 MB of memory per
parallel stream in the workers, and one vCPU can encrypt and checksum about 400 MB/s. The
table gives starting points for typical deployments; monitor conduit_transfers_active and
the CPU load during the first weeks and adjust.

@widths 30 25 20 25
| Deployment | Concurrent transfers | vCPU | Memory |
| Department or branch | up to 200 | 4 | 16 GB |
| Company-wide | up to 1,000 | 8 | 32 GB |
| Large, single server | up to 3,000 | 16 | 48 GB |
| Enterprise cluster, per node | up to 3,000 | 16 | 48 GB |

Plan the data volume for the files you keep plus the trash (storage.trash_retention_days)
and at least 15 percent free space, because uploads stop when the volume reaches
storage.readonly_percent.

# 3 Installation
## 3.1 Before you begin
Check the following before installing:

1. The server meets the requirements in chapter 2 and has a fully qualified DNS name that
  users will use to reach it, for example conduit.example.com.
2. The data volume is mounted at the path you will use as the data directory.
3. Outbound HTTPS to packages.tallowfen.example is allowed, or you have downloaded the
  offline bundle (section 3.5).
4. You have your licence file or your licence key from the Tallowfen customer portal.
5. You have a TLS certificate for the server's DNS name, or you accept the self-signed
  certificate until you install one (chapter 8).

## 3.2 Installing on Ubuntu and Debian
Add the Tallowfen package repository and its signing key, then install the package. Pin the
version so that an unattended system update cannot upgrade Conduit without the preflight
checks that conduitctl upgrade performs.

```
curl -fsSL https://packages.tallowfen.example/keys/conduit-2025.asc \\
  | sudo gpg --dearmor -o /usr/share/keyrings/tallowfen.gpg
echo "deb [signed-by=/usr/share/keyrings/tallowfen.gpg] \\
  https://packages.tallowfen.example/apt stable main" \\
  | sudo tee /etc/apt/sources.list.d/tallowfen.list
sudo apt-get update
sudo apt-get install conduit=4.2.1-1
sudo apt-mark hold conduit
```

## 3.3 Installing on Red Hat Enterprise Linux
```
sudo rpm --import https://packages.tallowfen.example/keys/conduit-2025.asc
sudo dnf config-manager --add-repo https://packages.tallowfen.example/rpm/conduit.repo
sudo dnf install conduit-4.2.1-1.el9
sudo dnf versionlock add conduit
```
On Red Hat Enterprise Linux 8 use the el8 package. If SELinux is enforcing, the package
installs the conduit_t policy module automatically; do not disable SELinux.

## 3.4 Initialising the server
The init command creates the data directory, the database, the self-signed certificate and
the first administrator account, and starts the service.

```
sudo conduitctl init --accept-eula \\
  --data-dir /srv/conduit \\
  --public-url https://conduit.example.com:8443 \\
  --admin-email it-admin@example.com \\
  --license-file /root/conduit.lic
```
init prints a one-time password for the first administrator. It is valid for 24 hours;
sign in to the web console at the public URL within that time and set a permanent password
and MFA. If the one-time password expires, create a new one with conduitctl user
reset-password --email it-admin@example.com.

Verify the installation with conduitctl status. A healthy server reports the version, the
licence state and all components as running:

```
$ sudo conduitctl status
conduitd        running   4.2.1 (build 4.2.1-1, 2025-11-14)
conduit-worker  running   8 workers
database        running   bundled PostgreSQL 15.10
license         valid     Enterprise, 1,200 users, expires 2026-10-31
storage         ok        2.41 TB used of 9.80 TB (24%)
```

## 3.5 Offline installation
For servers without internet access, download the offline bundle for your distribution from
the customer portal on a connected machine, check its SHA-256 checksum against the value on
the portal, and copy it to the server. The bundle contains the packages, their dependencies
and the signature file. Install with:

```
sudo conduitctl-bootstrap --offline-bundle /tmp/conduit-4.2.1-el9.tar
sudo conduitctl init --accept-eula --license-file /root/conduit.lic
```
The bundle's signature is verified before anything is installed; a bundle that fails the
check is rejected with E-7003 ERR_BUNDLE_SIGNATURE. Offline servers cannot perform the daily
online licence check, so they must use a licence file rather than a licence key.

## 3.6 Installing behind a proxy
If outbound traffic must pass through an HTTP proxy, set the proxy variables in
/etc/conduit/environment before running init. conduitd and conduitctl both read this file.

```
TFC_HTTP_PROXY=http://proxy.example.com:3128
TFC_HTTPS_PROXY=http://proxy.example.com:3128
TFC_NO_PROXY=localhost,127.0.0.1,.example.com,10.0.0.0/8
```
Conduit does not use the lower-case http_proxy variables of the shell, so that a proxy set
for interactive users does not change the server's behaviour unexpectedly. If the proxy
requires authentication, include the user name and password in the URL; a rejected proxy
login is reported as E-4007 ERR_PROXY_AUTH.

# 4 Command-Line Reference
## 4.1 Synopsis and global flags
conduitctl is run as root on the server. Its general form is conduitctl [global flags]
COMMAND [command flags]. The global flags apply to every command.

@widths 25 31 44
| Flag | Default | Description |
| --config PATH | /etc/conduit/conduit.yaml | Configuration file to use. Same as TFC_CONFIG. |
| --data-dir PATH | /var/lib/conduit | Data directory. Same as TFC_DATA_DIR. |
| --log-level LEVEL | info | One of debug, info, warn or error. Same as TFC_LOG_LEVEL. |
| --output FORMAT | table | Output format: table, json or yaml. |
| --timeout SECONDS | 60 | How long to wait for the daemon to answer. |
| --quiet | off | Print only errors. |
| --no-color | off | Disable coloured output, for logs and scripts. |

## 4.2 Commands
@widths 22 78
| Command | Purpose |
| init | Initialise a new server: data directory, database, certificate, first administrator. |
| start, stop, restart | Control the conduitd service through systemd. |
| status | Show the state of all components, the licence and storage use. |
| reload | Re-read conduit.yaml without interrupting transfers (section 6.1). |
| user | Create, list, disable and reset users; reset-password creates a one-time password. |
| token | Create and revoke API tokens. |
| cert | Install, show and renew TLS certificates (chapter 8). |
| backup, restore | Create and restore backups (chapter 9). |
| upgrade | Upgrade the server to a newer version with preflight checks (section 9.4). |
| diag | Collect diagnostic information for Tallowfen Support (section 11.2). |
| license | Show, install and check the licence. |
| cluster | Join, leave and inspect cluster nodes (Enterprise). |
| appliance | Conduit Edge only: firmware, RAID and hardware status. |

## 4.3 conduitctl upgrade
@widths 32 68
| Flag | Description |
| --to VERSION | Target version, for example 4.2.1. Default: the newest version in the configured
  repository. |
| --offline-bundle PATH | Upgrade from an offline bundle instead of the repository. |
| --no-cache-dir | Do not keep downloaded packages in /var/cache/conduit. By default the packages
  of the last 2 versions are kept so that a rollback does not need a download. Use this flag on
  servers with a small root file system. |
| --dry-run | Run the preflight checks and print the upgrade plan without changing anything. |
| --drain-timeout SECONDS | How long to wait for active transfers to finish before stopping the
  service. Default 600. Transfers still running after the timeout are paused and resume after the
  upgrade. |
| --ignore-check ID | (4.2) Continue even if the named preflight check fails. Can be repeated.
  Replaces --skip-preflight. |
| --skip-preflight | Deprecated in 4.2.0; still accepted but ignores all checks. Will be removed
  in 4.3. |

## 4.4 conduitctl backup and restore
@widths 32 68
| Flag | Description |
| --target PATH | Directory or s3:// URL to write the backup to. Default: backup.target. |
| --include-data | Also back up file contents. By default a backup contains the configuration, the
  database and the encrypted key store, but not the files themselves. |
| --encrypt | Encrypt the backup with the passphrase in TFC_BACKUP_PASSPHRASE. |
| --compress ALGO | zstd (default) or none. |
| --from PATH | restore only: the backup to restore. |
| --pre-upgrade | restore only: restore the automatic backup taken before the last upgrade. |

## 4.5 conduitctl diag
@widths 32 68
| Flag | Description |
| --bundle | Write a diagnostic bundle (tar.gz) to /var/lib/conduit/diag/ for Tallowfen Support. |
| --since DURATION | Period of logs to include, for example 6h or 3d. Default 24h. |
| --no-redact | Include user names, IP addresses and file names. By default they are replaced by
  stable pseudonyms (4.2). |
| --check | Run the built-in health checks only and print the result. |

# 5 Environment Variables
## 5.1 Precedence
Settings can come from four places. When the same setting is defined more than once, the
source higher in this list wins:

1. A command-line flag, such as --log-level.
2. An environment variable, such as TFC_LOG_LEVEL, set in the shell or in
  /etc/conduit/environment.
3. A key in the configuration file, such as log.level.
4. The built-in default.

Changes to /etc/conduit/environment take effect when the service is restarted; reload is not
enough, because environment variables are read only when a process starts.

## 5.2 Reference
@widths 30 70
| Variable | Meaning |
| TFC_CONFIG | Path of the configuration file. Default /etc/conduit/conduit.yaml. |
| TFC_DATA_DIR | Data directory. Default /var/lib/conduit. |
| TFC_LOG_LEVEL | Log level: debug, info (default), warn or error. |
| TFC_HTTP_PROXY | Proxy URL for outbound HTTP requests: licence checks, update downloads and
  webhook deliveries. |
| TFC_HTTPS_PROXY | Proxy URL for outbound HTTPS requests. If unset, TFC_HTTP_PROXY is used for
  HTTPS as well. |
| TFC_NO_PROXY | (4.2) Comma-separated host names, domain suffixes (.example.com) and CIDR ranges
  that bypass the proxy. |
| TFC_LICENSE_FILE | Path of an offline licence file. Overrides the licence key stored in the
  database. |
| TFC_DB_URL | Connection URL of an external PostgreSQL 14+ database. When set, the bundled
  database is not started. |
| TFC_DB_PASSWORD | Password for TFC_DB_URL, so that it does not need to appear in the URL. |
| TFC_MAX_WORKERS | Number of conduit-worker processes. Default: the number of CPU cores; maximum
  64. |
| TFC_BACKUP_PASSPHRASE | Passphrase used by backup --encrypt and by restore of encrypted backups. |
| TFC_TMPDIR | Directory for assembling uploaded chunks. Default DATA_DIR/tmp; must be on the same
  file system as the data directory. |

Do not store TFC_DB_PASSWORD or TFC_BACKUP_PASSPHRASE in shell history or in scripts under
version control. /etc/conduit/environment is created with mode 0600 and owned by root for this
reason.

# 6 Configuration File Reference
## 6.1 Location and reloading
The configuration file is /etc/conduit/conduit.yaml, in YAML format. Unknown keys are
rejected at start-up with E-1002 ERR_CONFIG_KEY_UNKNOWN so that typing mistakes are not
silently ignored. After changing the file, run conduitctl reload; the daemon validates the
new file first and keeps running with the old configuration if it is invalid. Keys marked
"restart" in the tables below only take effect after conduitctl restart.

A minimal configuration looks like this:

```
server:
  public_url: https://conduit.example.com:8443
  session_timeout_minutes: 15
transfer:
  max_file_size_gb: 50
storage:
  path: /srv/conduit/objects
auth:
  mfa_required: true
backup:
  schedule: "02:30"
  keep: 14
```

## 6.2 server and transfer
@widths 33 23 44
| Key | Default | Description |
| server.listen_address | 0.0.0.0 | Address for HTTPS (restart). |
| server.listen_port | 8443 | Port for the web console and REST API (restart). |
| server.public_url | none | External URL used in share links and emails. Required. |
| server.session_timeout_minutes | 15 | Idle time after which web console sessions end. |
| server.tls_min_version | 1.2 | Lowest TLS version accepted: 1.2 or 1.3. |
| server.max_request_body_mb | 64 | Largest REST API request body; file uploads use chunks and are
  not limited by it. |
| transfer.sftp_enabled | true | Enable the SFTP endpoint. |
| transfer.sftp_port | 2222 | Port for SFTP (restart). |
| transfer.max_file_size_gb | 50 | Largest single file accepted; larger uploads fail with E-5003. |
| transfer.chunk_size_mb | 8 | Size of upload chunks; each chunk is checksummed separately. |
| transfer.parallel_streams | 4 | Parallel connections per transfer, 1 to 16. |
| transfer.retry_attempts | 5 | Automatic retries of a failed chunk before the transfer fails. |
| transfer.retry_backoff_seconds | 10 | First retry delay; it doubles on each retry up to 300
  seconds. |
| transfer.keepalive_seconds | 30 | Interval of keepalive messages on idle transfer connections. |
| transfer.resume_window_hours | 72 | How long an interrupted upload can be resumed before its
  chunks are deleted. |

## 6.3 storage, share and auth
@widths 33 23 44
| Key | Default | Description |
| storage.path | DATA_DIR/objects | Location of the object store. |
| storage.quota_warning_percent | 85 | Volume usage at which administrators are warned. |
| storage.readonly_percent | 95 | Volume usage at which uploads stop (E-2004). |
| storage.trash_retention_days | 30 | Days deleted files stay in the trash before they are purged. |
| share.default_expiry_days | 7 | Default lifetime of share links. |
| share.max_expiry_days | 90 | Longest lifetime a user can choose for a share link. |
| auth.mfa_required | true | Require MFA for all local and LDAP users. |
| auth.password_min_length | 12 | Minimum length of local user passwords. |
| auth.lockout_threshold | 5 | Failed sign-in attempts before an account is locked. |
| auth.lockout_minutes | 20 | How long a locked account stays locked. |
| auth.token_default_days | 90 | Default lifetime of API tokens. |
| auth.token_max_days | 365 | Longest lifetime an API token can have. |

## 6.4 audit, log, backup, cluster, metrics and telemetry
@widths 33 23 44
| Key | Default | Description |
| audit.retention_days | 400 | Days audit events are kept in the database. |
| audit.syslog_target | none | host:port of a syslog server that receives a copy of each audit
  event. |
| log.dir | /var/log/conduit | Directory for service logs. |
| log.max_size_mb | 200 | Size at which a log file is rotated. |
| log.keep_files | 10 | Rotated files kept per log. |
| backup.schedule | "02:30" | Daily time (server local time) of the automatic backup; "off"
  disables it. |
| backup.keep | 14 | Number of automatic backups kept. |
| backup.target | DATA_DIR/backups | Where automatic backups are written. |
| cluster.enabled | false | Enable clustering (Enterprise, restart). |
| cluster.gossip_port | 7946 | Membership port, TCP and UDP (restart). |
| cluster.replication_port | 7947 | Replication port (restart). |
| cluster.max_clock_skew_ms | 2000 | Largest clock difference allowed between nodes. |
| metrics.enabled | true | Serve Prometheus metrics. |
| metrics.bind | 127.0.0.1:9464 | Address and port of the metrics endpoint (restart). |
| telemetry.enabled | false | Send anonymous usage statistics to Tallowfen. Off unless you opt in. |

## 6.5 Configuration in a cluster
In a Conduit Enterprise cluster every node has its own conduit.yaml. The files must be
identical on all nodes, except for server.listen_address and the certificate files, which
may differ per node. A node whose configuration differs from the cluster's in any other key
logs a warning at start-up and on every reload, and conduitctl cluster status marks it as
"config drift". To change a setting in a cluster, edit the file on every node and run
conduitctl reload on each node in turn; keys that need a restart are applied with a rolling
restart, one node at a time, so that the cluster keeps serving users.

Use your configuration management tool to distribute conduit.yaml rather than editing it by
hand on each node. Keep secrets such as TFC_DB_PASSWORD out of the file: they belong in
/etc/conduit/environment, which is read only by root.

# 7 Users, Roles and Authentication
## 7.1 Roles
Every account has exactly one role. Roles are assigned in the web console under
Administration > Users or with conduitctl user set-role.

@widths 20 80
| Role | Permissions |
| Owner | Everything, including licence management, deleting the server's data and assigning the
  Owner role. At least one Owner must exist. |
| Administrator | Manage users, groups, policies, certificates and configuration; view all
  transfers. Cannot manage the licence. |
| Auditor | Read-only access to the audit log and transfer reports. Cannot see file contents. |
| Operator | Monitor, pause, resume and retry transfers; view system health. Cannot change
  configuration. |
| User | Send, receive and share files within the policies that apply to their groups. |

## 7.2 Local users and LDAP
Local users are stored in the Conduit database and sign in with a password of at least
auth.password_min_length characters and a second factor. Directory users are looked up in
LDAP over LDAPS on port 636; Conduit binds with a service account configured under
auth.ldap and maps directory groups to Conduit groups. When the bind fails, for example
because the service account password has expired, directory users cannot sign in and the
log shows E-3010 ERR_LDAP_BIND. Local users, including the emergency Owner account, can still
sign in.

## 7.3 SAML single sign-on (Enterprise)
Conduit Enterprise acts as a SAML 2.0 service provider. Download the service provider
metadata from https://HOSTNAME:8443/saml/metadata and register it with your identity
provider, then upload the identity provider's metadata under Administration >
Authentication. Users who sign in with SAML are created on first sign-in with the User role.
MFA is then enforced by the identity provider, and auth.mfa_required does not apply to them.

## 7.4 Lockout and MFA
After auth.lockout_threshold failed sign-in attempts (default 5) the account is locked for
auth.lockout_minutes (default 20). Sign-in attempts during the lockout fail with E-3002
ERR_AUTH_LOCKED, even with the right password. An Administrator can unlock the account early
with conduitctl user unlock --email ADDRESS. Users who have not enrolled a second factor are
asked to do so at their next sign-in; API requests made with their password instead of a
token are refused with E-3005 ERR_MFA_REQUIRED.

## 7.5 API tokens
Scripts and integrations authenticate with API tokens, not passwords. A token belongs to a
user and has at most that user's permissions. Tokens expire after auth.token_default_days
(90 days) unless a shorter or longer lifetime is chosen, up to auth.token_max_days (365
days). Conduit emails the token owner 14 days before a token expires.

## 7.6 Groups and transfer policies
Users are organised in groups, either created in Conduit or mapped from LDAP or SAML groups.
Transfer policies are attached to groups and control what members may do: the external
domains they may send to, the largest file they may send (up to transfer.max_file_size_gb),
whether they may create share links and for how long, and the storage quota of the group.
When a user belongs to several groups, the most permissive value of each setting applies,
except for the list of blocked external domains, which is combined from all groups.

A new installation has one group, Everyone, with a default policy that allows sending to any
external domain, share links of up to share.max_expiry_days, and no quota. Most
organisations restrict external sending to a list of partner domains before they invite
users. Policy changes apply to new transfers immediately; transfers already in progress
finish under the policy that applied when they started.

# 8 TLS Certificates
## 8.1 The default certificate
conduitctl init creates a self-signed certificate for the public URL's host name, valid for
397 days. Browsers and SFTP clients will warn about it, so replace it with a certificate
from your organisation's certificate authority or a public authority before users start
working.

## 8.2 Installing a certificate
1. Create a private key and certificate signing request, or use an existing certificate
  whose subject alternative names include the host name in server.public_url.
2. Copy the certificate, the full chain of intermediate certificates and the private key to
  the server. The key must not be protected with a passphrase.
3. Install them with conduitctl cert install --cert server.crt --chain chain.pem --key
  server.key. The command checks that the key matches the certificate and that the chain is
  complete.
4. The new certificate is used for new connections immediately; existing connections are
  not interrupted.
5. Check the result with conduitctl cert show, which prints the subject, issuer and expiry
  date.

## 8.3 Expiry warnings
From 30 days before the certificate expires, the web console shows a banner to
Administrators and Owners, conduitctl status reports the certificate as "expiring", and the
metric conduit_certificate_expiry_days shows the remaining days. An expired certificate is
not replaced automatically; clients then fail with E-4001 ERR_TLS_HANDSHAKE.

# 9 Backup, Restore and Upgrade
## 9.1 Automatic backups
Conduit backs up its configuration, its database and its encrypted key store every day at
backup.schedule (02:30 server time by default) and keeps the newest backup.keep backups (14
by default). File contents are not included in automatic backups because they are usually
protected by storage snapshots; use conduitctl backup --include-data for a full backup.
Copy backups to a different system: a backup stored only on the server does not protect you
if the server is lost.

## 9.2 Manual and encrypted backups
```
export TFC_BACKUP_PASSPHRASE='use-a-long-random-passphrase'
sudo -E conduitctl backup --target s3://backups-example/conduit/ --encrypt
```
Keep the passphrase in your password vault. Tallowfen cannot recover an encrypted backup
whose passphrase is lost.

## 9.3 Restoring
A backup can be restored only to the same minor version that created it, for example a 4.2.0
backup to a 4.2.1 server, but not a 4.1.1 backup to a 4.2.1 server.

1. Stop the service with conduitctl stop.
2. If the backup is encrypted, set TFC_BACKUP_PASSPHRASE.
3. Run conduitctl restore --from PATH. The command shows the backup date and version and asks
  for confirmation.
4. Start the service with conduitctl start and check conduitctl status.
5. If the backup did not include file data, run conduitctl diag --check to list files whose
  contents are missing from the object store.

## 9.4 Upgrading
Upgrades within 4.x and from 3.8.4 or later 3.8 releases go directly to 4.2.1. Servers on
older 3.x releases must first upgrade to 3.8.4. In a cluster, upgrade one node at a time;
the cluster continues to serve users while each node is upgraded.

1. Read the release notes for every version between your current and your target version.
2. Run conduitctl upgrade --to 4.2.1 --dry-run and fix any failed preflight checks. The
  checks cover free disk space (at least 10 GB in the data directory), database health,
  licence validity, certificate expiry and, on Conduit Edge, the firmware version.
3. Announce a maintenance window. Active transfers are drained for up to
  --drain-timeout seconds and then paused.
4. Run conduitctl upgrade --to 4.2.1. A backup is taken automatically before the upgrade.
5. Check conduitctl status and sign in to the web console.

If an upgrade fails, conduitctl restores the previous version automatically. To go back
after a successful upgrade, reinstall the previous package and run conduitctl restore
--pre-upgrade; the pre-upgrade backup is kept for 14 days.

## 9.5 Disaster recovery
Plan for the loss of the whole server, not just a failed disk. A recovery needs three
things: the latest backup of the configuration and database, the file contents (from a
backup taken with --include-data or from storage snapshots), and the backup passphrase if
the backups are encrypted. Test a full restore to a spare server at least once a year, and
whenever you change your backup method.

With the default daily backup at 02:30, up to 24 hours of metadata changes can be lost in a
disaster; run additional backups with conduitctl backup from your scheduler if you need a
shorter recovery point. Restoring a server with about 1 TB of file data typically takes 2 to
4 hours, most of which is copying the files. Conduit Enterprise clusters survive the loss of
a minority of nodes without any restore: replace the failed node and join it to the cluster
with conduitctl cluster join.

# 10 Monitoring and Logging
## 10.1 Health endpoints
GET /healthz returns 200 while conduitd is running; use it for liveness checks. GET /readyz
returns 200 when the server can accept transfers and 503 while database migrations are
running, while the licence is expired or while storage is read-only; use it for load
balancer health checks. Neither endpoint requires authentication or reveals any data.

## 10.2 Metrics
When metrics.enabled is true, Prometheus metrics are served on http://127.0.0.1:9464/metrics.
Set metrics.bind to 0.0.0.0:9464 to scrape from another host, and restrict access with a
firewall. The most useful metrics are listed below.

@widths 44 56
| Metric | Meaning |
| conduit_transfers_active | Transfers in progress. |
| conduit_transfer_bytes_total | Bytes transferred since start, by direction. |
| conduit_transfer_failures_total | Failed transfers, labelled with the error code. |
| conduit_storage_used_ratio | Used share of the data volume, 0 to 1. |
| conduit_license_days_remaining | Days until the licence expires. |
| conduit_certificate_expiry_days | Days until the TLS certificate expires. |
| conduit_db_connections_in_use | Open database connections. |
| conduit_http_request_duration_seconds | Histogram of API response times. |

We recommend alerts when conduit_storage_used_ratio exceeds 0.80, when
conduit_license_days_remaining drops below 30, and when the rate of
conduit_transfer_failures_total exceeds 5 percent of transfers over 15 minutes.

## 10.3 Logs
Service logs are written to /var/log/conduit: conduitd.log for the daemon, worker.log for the
transfer workers and audit.log for a copy of the audit events. Logs are JSON lines and are
rotated when they reach log.max_size_mb (200 MB); log.keep_files (10) rotated files are kept
for each log. Set the log level to debug only while investigating a problem: debug logging
of an active server can produce several gigabytes per hour.

# 11 Troubleshooting and Error Codes
## 11.1 General approach
1. Run conduitctl status to see which component is unhealthy.
2. Look up the error code shown in the web console, the API response or the log in the
  reference table in section 11.3.
3. Check /var/log/conduit/conduitd.log around the time of the problem.
4. If the problem persists, create a diagnostic bundle and open a support case.

## 11.2 Diagnostic bundles
conduitctl diag --bundle collects the configuration (without secrets), the last 24 hours of
logs, the output of conduitctl status, system information and the results of the health
checks into one file under /var/lib/conduit/diag/. Since 4.2, user names, IP addresses and
file names are pseudonymised unless you pass --no-redact. Attach the bundle to your support
case through the support portal; do not send it by email.

## 11.3 Error code reference
Every error has a numeric code and a symbolic name. The first digit of the code shows the
area: 1 configuration and licensing, 2 storage and database, 3 authentication, 4 network, 5
transfers, 6 clustering and 7 upgrades.

@widths 11 33 56
| Code | Name | Meaning and action |
| E-1001 | ERR_CONFIG_PARSE | conduit.yaml is not valid YAML. The message gives the line number.
  Fix the file and run conduitctl reload. |
| E-1002 | ERR_CONFIG_KEY_UNKNOWN | conduit.yaml contains a key that does not exist, often a
  typing mistake. Remove or correct it. |
| E-1010 | ERR_LICENSE_EXPIRED | The licence expired more than 14 days ago. Uploads are refused;
  downloads still work. Install a renewed licence with conduitctl license install. |
| E-1011 | ERR_LICENSE_SEATS | Creating the user would exceed the licensed number of named users.
  Disable unused accounts or buy more seats. |
| E-2003 | ERR_DISK_FULL | The data volume or TFC_TMPDIR has no free space. Free space or extend
  the volume; transfers resume automatically. |
| E-2004 | ERR_STORAGE_READONLY | Volume usage reached storage.readonly_percent (95 percent).
  Uploads stop until usage falls below 90 percent. |
| E-2101 | ERR_DB_UNREACHABLE | conduitd cannot connect to the database. Check that PostgreSQL is
  running and TFC_DB_URL is correct. |
| E-2102 | ERR_DB_MIGRATION | A database migration failed during upgrade. The upgrade is rolled
  back automatically; send the diagnostic bundle to Support. |
| E-3001 | ERR_AUTH_INVALID | Wrong user name, password or second factor. |
| E-3002 | ERR_AUTH_LOCKED | The account is locked after too many failed attempts (section 7.4). |
| E-3005 | ERR_MFA_REQUIRED | The request needs a second factor or an API token. |
| E-3010 | ERR_LDAP_BIND | Conduit cannot bind to the LDAP directory with its service account.
  Check the account and the directory certificate. |
| E-4001 | ERR_TLS_HANDSHAKE | The TLS handshake failed: certificate expired or not trusted, or
  the client does not support TLS 1.2. |
| E-4007 | ERR_PROXY_AUTH | The outbound proxy rejected the credentials in TFC_HTTP_PROXY or
  TFC_HTTPS_PROXY. |
| E-4012 | ERR_CONN_RESET | A transfer connection was closed unexpectedly by the peer or a device
  in between. See section 11.4. |
| E-4015 | ERR_TIMEOUT | The peer did not answer within 120 seconds. Check network latency and
  firewall rules. |
| E-4020 | ERR_DNS_RESOLVE | A host name, such as the licence server, could not be resolved. Check
  the resolver and TFC_NO_PROXY. |
| E-5001 | ERR_CHECKSUM_MISMATCH | A chunk's SHA-256 checksum did not match after transfer. The
  chunk is retried automatically; repeated errors point to faulty memory or storage. |
| E-5003 | ERR_FILE_TOO_LARGE | The file is larger than transfer.max_file_size_gb. |
| E-5008 | ERR_QUOTA_EXCEEDED | The user or group has reached its storage quota. |
| E-6001 | ERR_CLUSTER_SPLIT | Fewer than a majority of cluster nodes can reach each other. The
  minority side stops accepting writes until the network recovers. |
| E-6002 | ERR_NODE_VERSION_SKEW | A node runs a different minor version from the rest of the
  cluster and is refused. Nodes may differ only by patch version during a rolling upgrade. |
| E-7001 | ERR_UPGRADE_PREFLIGHT | A preflight check failed. Run conduitctl upgrade --dry-run to
  see which, fix it, or use --ignore-check ID. |
| E-7003 | ERR_BUNDLE_SIGNATURE | The offline bundle's signature is invalid. Download the bundle
  again and verify its checksum. |

## 11.4 E-4012 ERR_CONN_RESET in detail
E-4012 means that the TCP connection carrying a transfer was reset before the transfer
finished: the other side, or a firewall, proxy or load balancer between the two sides,
closed it without the normal shutdown. Conduit retries the affected chunk up to
transfer.retry_attempts times (5 by default), so an occasional E-4012 in the log with a
successful transfer afterwards needs no action.

If transfers fail with E-4012 repeatedly, the most common cause is a network device that
drops connections it considers idle. Large chunks on slow links can take longer to send than
the idle timeout of a firewall or proxy. Check the following:

1. Find the idle timeout of firewalls, proxies and load balancers on the path. If it is
  shorter than 60 seconds, raise it, or lower transfer.keepalive_seconds below it.
2. Lower transfer.chunk_size_mb from 8 to 4 on slow or unreliable links, so that each chunk
  finishes sooner.
3. If the failures started after a proxy was introduced, check that the proxy allows
  long-lived connections and is not inspecting TLS on port 8443 or 2222.
4. If a load balancer is in front of a cluster, enable session persistence so that the
  chunks of one transfer reach the same node.

Before 4.0.2, an E-4012 during the last chunk of an upload could leave the transfer in the
"finalising" state; this was fixed in 4.0.2 and does not affect 4.2.1.

## 11.5 The web console cannot be reached
If the browser cannot connect at all, check that conduitd is running (conduitctl status),
that the host firewall allows port 8443, and that server.listen_address is not set to
127.0.0.1. If the browser connects but shows a certificate error, see chapter 8. If the
console loads but sign-in fails for every user, check the system clock: time-based one-time
codes fail when the server clock is more than 30 seconds wrong.

# 12 Glossary
@widths 26 74
| Term | Meaning |
| Chunk | A part of a file, by default 8 MB, that is checksummed, encrypted and stored separately. |
| conduitctl | The command-line tool for installing and administering a Conduit server. |
| conduitd | The Conduit server daemon. |
| Data directory | The directory that holds the database, object store, backups and temporary
  files; /var/lib/conduit by default. |
| Diagnostic bundle | An archive of logs, configuration and health-check results created with
  conduitctl diag --bundle for Tallowfen Support. |
| Drain | Waiting for active transfers to finish before the service stops, for example during an
  upgrade. |
| Named user | A user account that can sign in; licences limit the number of named users, not
  concurrent sessions. |
| Object store | The part of the data directory where encrypted chunks are stored. |
| Preflight check | A check run by conduitctl upgrade before anything is changed, identified by a
  check ID such as disk-space. |
| Share link | A URL that lets people without an account download or upload files, valid until its
  expiry date. |
| TAF | Tallowfen Appliance Firmware, the operating system of the Conduit Edge appliance. |
| Transfer policy | Rules attached to a group that limit what its members may send and to whom. |


@legal
"""

RELEASE_NOTES = """
# About These Release Notes
These release notes describe every Tallowfen Conduit release in the 4.x series, newest
first. Each release lists its release date, new features, changes in behaviour, fixed
issues with their tracking numbers (CON-nnnn), known issues and upgrade notes. Read the
notes for every version between the one you run and the one you are upgrading to: a change
in behaviour introduced in an intermediate release also applies to you.

Conduit version numbers have three parts, major.minor.patch. Patch releases (for example
4.2.0 to 4.2.1) contain only fixes and never change defaults or remove features. Minor
releases (4.1 to 4.2) add features and may change defaults; such changes are always listed
under "Changes in behaviour". Major releases may remove features after a deprecation period
of at least one minor release. How long each minor release receives fixes is set out in the
Software Lifecycle chapter of the Customer Support and Service Level Policy (CS-POL-010).

@widths 18 24 58
| Version | Release date | Type and summary |
| 4.2.1 | 18 November 2025 | Patch release: fixes; requires Conduit Edge firmware TAF 2.6.3. |
| 4.2.0 | 7 October 2025 | Minor release: proxy bypass list, preflight check control, redacted
  diagnostics, shorter default session timeout. |
| 4.1.1 | 15 July 2025 | Patch release: security fix TFSA-2025-007 and fixes. |
| 4.1.0 | 3 June 2025 | Minor release: SAML single sign-on, offline installation bundles,
  configurable session timeout. |
| 4.0.2 | 20 March 2025 | Patch release: fixes for upload finalisation and SFTP memory use. |
| 4.0.0 | 11 February 2025 | Major release: new transfer engine, PostgreSQL 15, new platform
  support. |

To find the version you are running, use conduitctl status or open Help > About in the web
console. Release packages are signed with the key conduit-2025; the fingerprint is
published on the customer portal.

# Conduit 4.2.1
Release date: 18 November 2025. Type: patch release.

## Requirements
Conduit 4.2.1 on the Conduit Edge appliance requires appliance firmware TAF 2.6.3 or later.
The upgrade preflight check refuses to upgrade an appliance with older firmware (E-7001
ERR_UPGRADE_PREFLIGHT, check ID appliance-firmware). Update the firmware first, as described
in the Conduit Edge Hardware Manual. Package installations are not affected.

## Fixed issues
- CON-5512: Uploads on XFS file systems with reflink enabled occasionally reported E-5001
  ERR_CHECKSUM_MISMATCH although the data was correct. The checksum is now computed after
  the file system has confirmed the write.
- CON-5520: LDAP sign-in failed with E-3010 ERR_LDAP_BIND when the directory returned a
  referral to another domain controller. Referrals are now followed up to 3 hops.
- CON-5527: conduitctl diag --bundle did not pseudonymise IP addresses in worker.log.
- CON-5531: The web console showed share links as expired one day early for users in time
  zones east of UTC+10.
- CON-5538: conduitctl upgrade --no-cache-dir left the downloaded packages in
  /var/cache/conduit/partial after a failed download. Partial downloads are now removed.
- CON-5544: The metric conduit_transfers_active could become negative after a worker restart.
- CON-5549: A cluster node that was restarted during a rolling upgrade could stay in the
  "joining" state for up to 10 minutes. It now joins within 30 seconds.

## Known issues
- CON-5561: When TFC_NO_PROXY contains an IPv6 CIDR range, the range is ignored and traffic
  to those addresses goes through the proxy. Workaround: list the individual IPv6 addresses.
  A fix is planned for 4.2.2.
- CON-5566: The Auditor role's CSV export of audit reports uses the server's time zone
  instead of the user's. The timestamps are correct but labelled with the server time zone.

## Upgrade notes
You can upgrade directly to 4.2.1 from any 4.x release and from 3.8.4 or later 3.8 releases.
Follow the upgrade procedure in section 9.4 of the Administration Guide.

# Conduit 4.2.0
Release date: 7 October 2025. Type: minor release.

## New features
- Proxy bypass list. The new environment variable TFC_NO_PROXY takes a comma-separated list
  of host names, domain suffixes and CIDR ranges that are reached directly instead of
  through the proxy set in TFC_HTTP_PROXY and TFC_HTTPS_PROXY.
- Preflight check control. conduitctl upgrade accepts --ignore-check ID to continue when a
  single named preflight check fails, for example --ignore-check disk-space. The IDs of
  failed checks are shown by conduitctl upgrade --dry-run.
- Redacted diagnostic bundles. conduitctl diag --bundle now replaces user names, IP
  addresses and file names with stable pseudonyms by default, so that bundles can be shared
  with Tallowfen Support without exposing personal data. Use --no-redact for the previous
  behaviour.
- Audit report export. The Auditor role can export transfer and audit reports as CSV from
  the web console.
- TLS 1.3 is preferred when both sides support it. The minimum version remains TLS 1.2 and
  can be raised with server.tls_min_version.

## Changes in behaviour
> Change to a default value. The default of server.session_timeout_minutes is now 15
> minutes. It was 30 minutes in 4.1.0 and 4.1.1, when the key was introduced. This value
> supersedes the default documented for 4.1.0. Servers whose conduit.yaml sets the key
> explicitly keep their configured value; servers that relied on the default will sign out
> idle web console users after 15 minutes from this release on.

- --skip-preflight is deprecated. It still works in 4.2 but prints a warning; it will be
  removed in 4.3. Use --ignore-check for the specific check instead.
- The upgrade preflight checks now include the Conduit Edge firmware version (check ID
  appliance-firmware) and the free space in the data directory, which must be at least 10 GB
  (check ID disk-space).
- Share links created through the REST API without an expiry now use
  share.default_expiry_days (7 days), like links created in the web console. Before 4.2.0,
  API-created links without an expiry lasted until share.max_expiry_days.

## Fixed issues
- CON-5402: Large directory listings over SFTP (more than 50,000 entries) timed out.
- CON-5417: Renewing a certificate with conduitctl cert install interrupted SFTP sessions.
  New certificates now apply only to new connections.
- CON-5433: Deleting a group that owned share links left the links active.
- CON-5450: conduitctl backup --target s3:// ignored TFC_HTTPS_PROXY.

## Known issues
- CON-5461: On Red Hat Enterprise Linux 8, the SELinux module must be reloaded after the
  upgrade with semodule -r conduit_t followed by a restart. Fixed in 4.2.1 by the package
  scripts.

# Conduit 4.1.1
Release date: 15 July 2025. Type: patch release.

## Security fix
This release fixes the vulnerability described in Tallowfen Security Advisory TFSA-2025-007
(CVSS 3.1 base score 8.1, High). An authenticated SFTP user could create a symbolic link
that pointed outside their home directory and then read files belonging to other users of
the same server. Exploitation required a valid account with SFTP access. All 4.0.x and
4.1.0 installations with transfer.sftp_enabled set to true are affected. Tallowfen is not
aware of any exploitation. We recommend upgrading within the 14-day deadline for high
severity issues used in most security policies; if you cannot upgrade, set
transfer.sftp_enabled to false until you can.

## Fixed issues
- CON-5301: TFSA-2025-007, SFTP symbolic link traversal (see above).
- CON-5288: The SAML metadata endpoint returned the wrong entity ID when server.public_url
  contained a path.
- CON-5294: conduitctl restore failed on backups larger than 64 GB with the message
  "unexpected end of archive".
- CON-5310: The audit log recorded downloads of shared files under the share creator's
  name instead of the recipient's.

## Upgrade notes
No configuration changes are required. Servers with SAML configured must restart after the
upgrade to refresh the cached metadata.

# Conduit 4.1.0
Release date: 3 June 2025. Type: minor release.

## New features
- SAML 2.0 single sign-on for Conduit Enterprise. Conduit acts as a service provider and
  was tested with the major identity providers. Users are created on first sign-in.
- Offline installation bundles. Servers without internet access can be installed and
  upgraded from a signed bundle with conduitctl-bootstrap --offline-bundle and conduitctl
  upgrade --offline-bundle. Bundles are available on the customer portal for each supported
  distribution.
- Configurable session timeout. The new key server.session_timeout_minutes sets how long an
  idle web console session stays signed in. Default: 30 minutes. (Changed to 15 minutes in
  4.2.0; see the 4.2.0 notes.)
- Certificate monitoring. The metric conduit_certificate_expiry_days and the expiry banner
  in the web console warn 30 days before the TLS certificate expires.
- Configurable share link lifetimes with share.default_expiry_days and share.max_expiry_days.

## Changes in behaviour
- TFC_HTTPS_PROXY is now optional. When it is not set, HTTPS requests use the proxy in
  TFC_HTTP_PROXY. Before 4.1.0, HTTPS requests bypassed the proxy when only TFC_HTTP_PROXY
  was set.
- API tokens created without an explicit lifetime now expire after 90 days
  (auth.token_default_days). Existing tokens keep their expiry dates.

## Fixed issues
- CON-5187: Uploads from the web console stalled at 99 percent in Safari.
- CON-5203: conduitctl status reported the bundled database as stopped while it was starting.
- CON-5219: Users with a plus sign in their email address could not reset their password.

# Conduit 4.0.2
Release date: 20 March 2025. Type: patch release.

## Fixed issues
- CON-5102: An E-4012 ERR_CONN_RESET during the last chunk of an upload could leave the
  transfer in the "finalising" state until an operator cancelled it. The last chunk is now
  retried like any other chunk.
- CON-5109: Memory use of conduitd grew by about 200 MB per day on servers with more than 500
  concurrent SFTP sessions.
- CON-5114: conduitctl diag --since did not accept durations in days.
- CON-5121: The installation on Debian 12 printed a harmless warning about a missing
  /etc/default/conduit file.

## Upgrade notes
Servers running 4.0.0 or 4.0.1 with heavy SFTP use should upgrade soon because of CON-5109.

# Conduit 4.0.0
Release date: 11 February 2025. Type: major release.

## Highlights
Conduit 4.0 replaces the transfer engine of the 3.x series. Files are now split into chunks
(8 MB by default, set by transfer.chunk_size_mb) that are checksummed with SHA-256 and sent
over up to 4 parallel streams per transfer. Interrupted uploads resume from the last
complete chunk for up to 72 hours. In Tallowfen's tests, transfers of large files over
high-latency links were up to 3.4 times faster than with Conduit 3.8.

## New features
- Chunked, resumable transfers with per-chunk checksums (see above).
- conduitctl diag for health checks and diagnostic bundles.
- Prometheus metrics on port 9464.
- A new Operator role for monitoring and retrying transfers without configuration rights.
- The conduit-agent 4.0 sync client for Windows, macOS and Linux.

## Platform changes
- The bundled database is now PostgreSQL 15. Existing PostgreSQL 13 databases are migrated
  automatically during the upgrade; allow about 10 minutes per 100 GB of database.
- New supported platforms: Ubuntu 24.04 LTS, Debian 12 and Red Hat Enterprise Linux 9.
- Removed platforms: CentOS 7, Red Hat Enterprise Linux 7 and Ubuntu 20.04 LTS.
- The minimum memory for a production server is now 16 GB.

## Removed features
- The legacy FTPS endpoint, deprecated since 3.6, has been removed. Use SFTP or HTTPS.
- The XML variant of the REST API has been removed; the API uses JSON only.

## Upgrade notes
Upgrade to 4.0.0 from 3.8.4 or a later 3.8 release. Servers on earlier 3.x releases must
first upgrade to 3.8.4. Back up the server with conduitctl backup --include-data before the
upgrade; the database migration cannot be reversed except by restoring a backup.

@legal
"""

HARDWARE_MANUAL = """
# 1 Safety and Regulatory Information
Read this chapter before you unpack, install or service a Conduit Edge appliance. Keep the
manual with the appliance. Only trained service personnel should open the chassis, and only
to replace the parts described in this manual as customer-replaceable.

## 1.1 Safety instructions
- The appliance is heavy. The CE-480 weighs 24.8 kg; always lift it with two people and
  never lift it by the handles of the power supplies or drive carriers.
- Install the appliance in a rack that is bolted to the floor or fitted with stabilisers.
  Load racks from the bottom up and extend only one device at a time.
- Connect both power supplies to separate, earthed power circuits. Do not use extension
  cords. The appliance is disconnected from power only when both power cords are removed.
- Do not block the ventilation openings at the front and rear. Leave at least 15 cm of free
  space behind the rack door.
- Wear an antistatic wrist strap connected to the chassis when you replace drives, power
  supplies or fans.
- The lithium battery on the system board must be replaced only by Tallowfen service
  personnel. There is a risk of explosion if it is replaced with an incorrect type.

## 1.2 Regulatory compliance
Conduit Edge appliances comply with FCC Part 15 Class A, ICES-003 Class A, EN 55032 Class A,
EN 55035, EN 62368-1 and the EU RoHS directive. Class A equipment is intended for commercial
environments; in a residential environment it may cause radio interference, in which case
the user may be required to take corrective measures. The regulatory model numbers are
TFS-E1U for the CE-240 and TFS-E2U for the CE-480. The declarations of conformity are
available at docs.tallowfen.example.

# 2 Product Overview
## 2.1 Models
Conduit Edge is a rack-mounted appliance with Tallowfen Conduit preinstalled and tuned for
the hardware. It is available in two models. The CE-240 is a 1U appliance for departmental
and branch deployments with up to about 2,000 users. The CE-480 is a 2U appliance for
data-centre deployments and clusters, with more storage and faster networking.

Both models run Tallowfen Appliance Firmware (TAF), a hardened Linux distribution that
contains the operating system, drivers, the RAID management tools and the Conduit package.
Conduit is licensed separately from the hardware; a Conduit Standard licence for up to 500
named users is included with every appliance.

## 2.2 In the box
- The Conduit Edge appliance with drives installed.
- Two power cords (C13 to C14 for the CE-240, C19 to C20 for the CE-480). Country-specific
  cords are supplied when ordered.
- A sliding rail kit for four-post racks with square or round holes, 610 to 915 mm deep.
- A cable management arm (CE-480 only).
- A serial console cable, RJ45 to USB-C.
- The front bezel with lock and two keys.
- A printed quick start card and the pull-out tag with the serial number, the MAC address of
  the management port and the initial administrator password.

# 3 Specifications
@widths 30 35 35
| Specification | CE-240 | CE-480 |
| Form factor | 1U rack | 2U rack |
| Processor | 1 x 16-core x86-64, 2.4 GHz | 2 x 24-core x86-64, 2.2 GHz |
| Memory | 128 GB DDR5 ECC | 512 GB DDR5 ECC |
| Data drives | 4 x 3.84 TB NVMe SSD, hot-swap | 12 x 7.68 TB NVMe SSD, hot-swap |
| RAID level | RAID 10 | RAID 6 |
| Usable capacity | 7.68 TB | 76.8 TB |
| Boot drives | 2 x 480 GB M.2 SSD, mirrored | 2 x 480 GB M.2 SSD, mirrored |
| Data network ports | 2 x 10 GbE SFP+ | 4 x 25 GbE SFP28 |
| Other network ports | 2 x 1 GbE RJ45, 1 x MGMT, 1 x BMC | 2 x 1 GbE RJ45, 1 x MGMT, 1 x BMC |
| Power supplies | 2 x 800 W, hot-swap, 80 PLUS Platinum | 2 x 1,600 W, hot-swap, 80 PLUS Titanium |
| Typical power draw | 240 W | 690 W |
| Maximum power draw | 420 W | 1,150 W |
| Heat dissipation (typical) | 819 BTU/h | 2,354 BTU/h |
| Dimensions (W x D x H) | 434 x 710 x 43 mm | 434 x 760 x 87 mm |
| Weight | 14.2 kg | 24.8 kg |
| Operating temperature | 10 to 35 degrees C | 10 to 35 degrees C |
| Operating humidity | 8 to 85 percent, non-condensing | 8 to 85 percent, non-condensing |
| Sustained transfer throughput | up to 8 Gbit/s | up to 36 Gbit/s |

Throughput figures were measured by Tallowfen with 1 GB files, 8 MB chunks and TLS 1.3
between two appliances on the same switch. Throughput in your network depends on file
sizes, latency and the clients used.

# 4 Front and Rear Panels
## 4.1 Front panel
@widths 28 72
| Element | Description |
| Power button | Press briefly to power on or to request a clean shutdown. Hold for 6 seconds to
  force power off; use this only if the appliance does not respond. |
| System status LED | Multi-colour LED that shows the overall state of the appliance (see chapter
  6). |
| Identify button and LED | Press to light the blue identify LEDs at the front and rear, so that
  the appliance can be found in the rack. |
| Drive bays | Hot-swap NVMe drive carriers, numbered from left to right starting at 0. Each has
  an activity LED and a status LED. |
| Reset button | Recessed; used for the factory reset procedure in section 9.3. |
| USB-C console port | Serial console, 115200 baud, 8 data bits, no parity, 1 stop bit (115200
  8N1). |

## 4.2 Rear panel
@widths 28 72
| Element | Description |
| PSU 1 and PSU 2 | Hot-swap power supplies, each with a status LED. PSU 1 is on the left seen
  from the rear. |
| MGMT port | 1 GbE RJ45 port for the appliance management interface and the web console. |
| BMC port | 1 GbE RJ45 port for the baseboard management controller (remote power control and
  hardware console). Keep it on a separate, protected management network. |
| DATA ports | SFP+ (CE-240) or SFP28 (CE-480) ports for file transfer traffic. Use
  Tallowfen-qualified optics or direct-attach cables. |
| 1 GbE ports | Two RJ45 ports that can be used for data traffic or as a cluster interconnect. |
| Identify LED | Blue, mirrors the front identify LED. |

# 5 Installation and First Start
## 5.1 Rack installation
1. Choose a rack position with enough space: 1U for the CE-240, 2U for the CE-480, plus the
  cable management arm behind the CE-480.
2. Attach the outer rails to the rack posts. The rails click into square holes; for round
  holes, use the adapters included in the rail kit.
3. Attach the inner rails to the sides of the chassis with the screws provided.
4. With two people for the CE-480, slide the appliance into the rails until the release
  latches click.
5. Tighten the captive screws on the front ears so that the appliance cannot slide out
  during transport of the rack.

## 5.2 Cabling
Connect the MGMT port to the network from which you will administer the appliance, the DATA
ports to the network that carries file transfers, and the BMC port to your out-of-band
management network. Connect the two power cords last, to two separate power circuits. The
appliance does not power on automatically when power is connected for the first time; press
the power button.

## 5.3 First start
1. Press the power button. The system status LED blinks green while the appliance boots;
  the first boot takes about 6 minutes because the data volume is initialised.
2. When the status LED is solid green, the appliance is ready. The management interface
  listens on 192.168.70.10/24 on the MGMT port; the BMC listens on 192.168.70.11/24.
3. Connect a laptop with the address 192.168.70.20/24 to the MGMT port, or use the serial
  console.
4. Sign in to https://192.168.70.10:8443 as admin with the initial password printed on the
  pull-out tag. You are asked to set a new password of at least 12 characters and to
  enrol a second factor before you can continue.
5. In the setup wizard, set the host name, the MGMT and DATA network addresses, DNS and NTP
  servers, and the time zone. The appliance restarts its network services and is then
  reachable at the new addresses.
6. Install your Conduit licence under Administration > Licence, or keep the included
  Standard licence.
7. Change the BMC password, which is also printed on the pull-out tag, in the BMC web
  interface at https://192.168.70.11.

> Security note. The initial passwords on the pull-out tag are unique to each appliance.
> Remove the tag and store it securely after you have changed both passwords; anyone who has
> the tag and physical access to the appliance can sign in until the passwords are changed.

## 5.4 Serial console
To configure the appliance without a network, connect the console cable to the USB-C console
port and open a terminal at 115200 baud, 8N1. Sign in as admin. The console menu offers
network configuration, a status summary, a shell for conduitctl, and restart or shutdown.
The console is also where boot messages are shown if the appliance fails to start.

# 6 LED Indicators and Beep Codes
## 6.1 System status LED
@widths 30 40 30
| LED | Meaning | Action |
| Off | No power, or powered off. | Check the power cords and press the power button. |
| Blinking green (1 per second) | Booting or shutting down. | Wait. |
| Solid green | Normal operation. | None. |
| Solid amber | Degraded: one drive, one power supply or one fan has failed, but the appliance is
  working. | Check conduitctl appliance health and replace the failed part. |
| Blinking amber (1 per second) | RAID rebuild in progress. | Do not remove further drives until
  the rebuild completes. |
| Solid red | Critical fault: the data volume is offline or a hardware fault stopped the Conduit
  service. | Check the console or the BMC log; contact Tallowfen Support. |
| Blinking red (2 per second) | Over-temperature: a component exceeded its temperature limit. The
  appliance throttles and shuts down after 5 minutes if the temperature does not fall. | Check
  airflow, blanking panels and room temperature. |
| Alternating blue and amber | Firmware update in progress. | Do not power off or remove power. |

## 6.2 Drive LEDs
Each drive carrier has two LEDs. The green activity LED flickers when the drive is read or
written. The status LED is off when the drive is healthy, solid amber when the drive has
failed and can be removed, blinking amber (4 per second) when the drive has been located
with conduitctl appliance locate-drive, and blinking green slowly while the drive is being
rebuilt.

## 6.3 Power supply and network LEDs
The LED on each power supply is solid green when the supply is working, blinking green when
the appliance is off but the supply has input power, solid amber when the supply has failed,
and off when it has no input power. The network ports have a link LED (green for the highest
supported speed, amber for a lower speed) and an activity LED that flickers with traffic.

## 6.4 Beep codes at power-on
@widths 30 70
| Beeps | Meaning |
| 1 short | Power-on self test passed. Normal at every start. |
| 3 short | No memory detected or memory failure. Contact Support. |
| 1 long, 2 short | No boot drive found. Check that both M.2 boot drives are seated. |
| 5 short | System board fault. Contact Support. |
| Continuous | Power supply fault during start. Remove power, wait 30 seconds and try again. |

# 7 Storage and RAID
## 7.1 Data volume layout
The data drives form a single data volume managed by TAF. The CE-240 uses RAID 10 across its
4 drives and survives the failure of one drive, and of a second drive if it is in the other
mirror pair. The CE-480 uses RAID 6 across its 12 drives and survives the failure of any two
drives. The boot drives are mirrored separately from the data volume. Spare drives are not
kept in the chassis; keep at least one spare drive on site for each appliance.

## 7.2 Replacing a failed drive
Drives are hot-swappable; the appliance keeps working while you replace a drive.

1. Identify the failed drive with conduitctl appliance health. The drive's status LED is
  solid amber. To be sure, run conduitctl appliance locate-drive --bay N; the drive's status
  LED then blinks amber quickly.
2. Press the release button on the carrier and pull the lever to remove the drive.
3. Insert the replacement drive in the same bay and close the lever until it clicks.
4. The rebuild starts automatically within 1 minute. The system status LED blinks amber and
  the new drive's status LED blinks green.
5. Follow progress with conduitctl appliance raid-status. A rebuild takes about 3 hours on
  the CE-240 and about 11 hours on the CE-480 when the appliance is lightly loaded.

Use only Tallowfen-qualified replacement drives: part number TF-DRV-3T84 for the CE-240 and
TF-DRV-7T68 for the CE-480. Other drives are rejected by the firmware and their status LED
stays amber.

## 7.3 Replacing a power supply or fan
Power supplies are hot-swappable. Remove the power cord from the failed supply, press the
release tab and pull the supply out by its handle; insert the replacement until it clicks
and reconnect the cord. Fans are replaceable with the appliance running on the CE-480 only;
on the CE-240, shut the appliance down first. Replace a failed fan within 48 hours.

# 8 Firmware Updates
## 8.1 Firmware versions
Tallowfen Appliance Firmware is updated independently of Conduit. The current release is
TAF 2.6.3, released on 4 November 2025. Conduit 4.2.1 requires TAF 2.6.3 or later on Conduit
Edge; Conduit 4.2.0 and earlier run on TAF 2.5.0 or later. Check the installed version with
conduitctl appliance version.

## 8.2 Updating the firmware
1. Download the firmware image and its signature from the customer portal, or let the
  appliance download them with conduitctl appliance firmware-download.
2. Take a backup with conduitctl backup.
3. Run conduitctl appliance firmware-update --image PATH. The signature is checked before
  anything is changed.
4. The update takes about 25 minutes and restarts the appliance twice. During the update the
  system status LED alternates blue and amber. Do not power off the appliance or remove
  power until the LED is solid green.
5. Check the new version with conduitctl appliance version.

The firmware is written to an inactive partition and activated only after it has been
verified, so an interrupted download never leaves the appliance unable to boot. If the new
firmware fails to start three times in a row, the appliance returns to the previous
firmware automatically.

# 9 Troubleshooting
## 9.1 Common problems
@widths 32 68
| Symptom | What to check |
| Appliance does not power on | Both power supply LEDs off: check the power circuits. PSU LEDs
  blinking green but nothing happens: press the power button for 1 second. |
| Cannot reach 192.168.70.10 | Your laptop must have an address in 192.168.70.0/24 and be
  connected to the MGMT port, not a DATA port. Use the serial console to check the address. |
| Status LED solid amber | Run conduitctl appliance health to see the failed part; replace it as
  described in chapter 7. |
| Status LED blinking red | Over-temperature. Check that the front is not blocked, blanking panels
  are fitted in empty rack units and the inlet temperature is below 35 degrees C. |
| DATA port link LED amber | The port has negotiated a lower speed. Check the optic or cable type
  and the switch port configuration. |
| Slow transfers on one appliance only | Check conduitctl appliance health for a RAID rebuild,
  which reduces throughput by up to 40 percent while it runs. |
| Upgrade refused with check ID appliance-firmware | Update the firmware to TAF 2.6.3 or later
  before upgrading Conduit to 4.2.1. |

## 9.2 Collecting information for Support
Before contacting Support about a hardware problem, collect the appliance serial number (on
the pull-out tag and in conduitctl appliance version), a diagnostic bundle created with
conduitctl diag --bundle, and the BMC system event log, which you can download from the BMC
web interface under Logs > System Event Log.

## 9.3 Factory reset
A factory reset restores the firmware's default configuration, including the management
address 192.168.70.10 and the initial passwords on the pull-out tag, and erases all data on
the data volume. It cannot be undone.

1. Take a backup with conduitctl backup --include-data if you need any of the data.
2. Power off the appliance.
3. Press and hold the recessed reset button on the front panel with a straightened paper
  clip, and press the power button while you keep holding the reset button.
4. Keep holding the reset button for 10 seconds, until the system status LED blinks red and
  green alternately, then release it.
5. Confirm the reset on the serial console by typing the appliance serial number. The reset
  takes about 20 minutes; the appliance then starts as on first delivery.

# 10 Warranty, Support and Returns
## 10.1 Hardware warranty
Conduit Edge appliances come with a 3-year hardware warranty from the date of delivery. Under
the standard warranty, you return the failed part or appliance to Tallowfen and we ship the
repaired or replacement part within 5 business days of receiving it. Drives, power supplies
and fans are shipped as individual parts; other failures are handled by replacing the
appliance.

## 10.2 Edge Care Plus
Edge Care Plus is an optional service that can be bought for 3 or 5 years. It includes:

- Advance replacement: the replacement part is shipped on the next business day after
  Tallowfen Support has diagnosed the failure, before you return the failed part.
- Keep Your Drive: failed data drives stay with you and can be destroyed by your own
  processes, so that no data leaves your premises.
- Extended warranty for the duration of the service, up to 5 years from delivery.

## 10.3 Returning parts (RMA)
Open a hardware case on the support portal with the serial number and the diagnostic
information from section 9.2. When Support confirms the failure, you receive a return
merchandise authorisation (RMA) number. Return the failed part within 15 business days in the
packaging of the replacement, with the RMA number on the label; parts not returned within
this time are invoiced at list price. Do not return data drives if you have Edge Care Plus.

## 10.4 End of life and recycling
At the end of the appliance's life, Tallowfen takes back Conduit Edge appliances for
recycling free of charge in the United States and the European Union. Erase the data volume
with the factory reset before returning an appliance, or remove and destroy the data drives
yourself.

@legal
"""

SLA_POLICY = """
# 1 Purpose and Scope
This policy describes the technical support that Tallowfen Systems provides for Tallowfen
Conduit software and Conduit Edge appliances, the service levels we commit to, and what we
need from customers to meet them. It forms part of every support agreement signed on or
after 1 October 2025 and replaces version 4.2 of this policy for renewals from that date.

Support covers: answering questions about installation, configuration and use of supported
versions; diagnosing and fixing defects in the software and firmware; providing patches,
updates and security fixes; and, for Conduit Edge, diagnosing hardware failures and
arranging replacements under the warranty or Edge Care Plus service.

Support does not cover: custom development; installing or configuring third-party software
such as identity providers, proxies or storage systems; performance tuning of customer
networks; training; or problems caused by modifications to the software that Tallowfen did
not make or approve. These services are available from Tallowfen Professional Services
under a separate order.

# 2 Support Plans
Every licence includes a support plan. Customers choose between Standard and Premier when
they buy or renew.

@widths 34 33 33
| | Standard | Premier |
| Support hours for severity 1 | 24 hours a day, 7 days a week | 24 hours a day, 7 days a week |
| Support hours for severity 2 to 4 | Business hours | 24 x 7 for severity 2; business hours for 3
  and 4 |
| Channels | Support portal, email | Support portal, email, phone |
| Named support contacts | 2 | 6 |
| Technical Account Manager | No | Yes, with a quarterly service review |
| Remote upgrade assistance | No | 2 assisted upgrades per year |
| Annual fee | 18 percent of licence list price | 25 percent of licence list price |

Business hours are 08:00 to 18:00, Monday to Friday, in the customer's support region,
excluding public holidays in that region. The regions are Americas, served from Madison and
Austin (Central Time), and Europe, Middle East and Africa, served from Dublin (Irish time).
Customers in Asia-Pacific are served by the Americas region unless their agreement says
otherwise.

Named support contacts are the people at the customer who may open and update cases. They
should be trained administrators of the product. Contacts can be changed at any time in the
support portal by an existing contact.

# 3 Severity Levels
The customer proposes a severity when opening a case. The support engineer confirms it, or
agrees a different severity with the customer, based on the definitions below. The
severity can change during the life of a case, for example when a workaround reduces the
impact.

## 3.1 Severity 1 - Critical
A production system is down or unusable, or there is an active security incident or data
loss, and no workaround exists. Examples: conduitd does not start after an upgrade; no user
can sign in; the data volume of a Conduit Edge appliance is offline; files are being
delivered to the wrong recipients. Severity 1 requires that the customer has a contact
available by phone for the whole time the case is worked on; if no contact is available,
the case is lowered to severity 2 until one is.

## 3.2 Severity 2 - High
A production system works but with a serious loss of function or performance that affects
many users, or a critical feature does not work and no acceptable workaround exists.
Examples: transfers to one important partner fail repeatedly; a cluster has lost one node;
backups have failed for two consecutive days; an appliance is degraded with a failed drive.

## 3.3 Severity 3 - Medium
A partial, non-critical loss of function, or a problem with an acceptable workaround; or any
problem in a non-production system. Examples: a report shows wrong totals; a single user
cannot use the SFTP endpoint; an error during a test upgrade.

## 3.4 Severity 4 - Low
Questions about use or configuration, documentation errors, cosmetic problems and requests
for new features. Feature requests are passed to Product Management, which decides on them
independently of this policy.

# 4 Response and Update Targets
## 4.1 Initial response
The initial response is the first reply from a support engineer who has read the case,
not an automatic acknowledgement. It is measured from the time the case is created in the
support portal or, for phone calls, from the time of the call. For severities 2 to 4 with
business-hours support, only time within business hours counts.

@widths 28 36 36
| Severity | Standard plan | Premier plan |
| 1 - Critical | 2 hours, 24 x 7 | 30 minutes, 24 x 7 |
| 2 - High | 8 business hours | 2 hours, 24 x 7 |
| 3 - Medium | 2 business days | 8 business hours |
| 4 - Low | 5 business days | 3 business days |

## 4.2 Updates and resolution effort
After the initial response, the support engineer updates the customer at the intervals below
until a fix or an accepted workaround is provided. For severity 1, Tallowfen works on the
case continuously, handing over between regions, for as long as the customer is also
available.

@widths 28 36 36
| Severity | Standard plan | Premier plan |
| 1 - Critical | Every 4 hours | Every 2 hours |
| 2 - High | Every business day | Every 8 hours |
| 3 - Medium | Every 5 business days | Every 3 business days |
| 4 - Low | When there is news | Every 10 business days |

Tallowfen does not promise a resolution time, because resolution often depends on
information and actions from the customer. We do commit to providing, for severity 1 and 2
defects, a workaround or a plan for a fix within 5 business days of confirming the defect.

## 4.3 Hardware replacement
For Conduit Edge appliances, the replacement times in the warranty and Edge Care Plus terms
of the Conduit Edge Hardware Manual apply once Support has diagnosed a hardware failure. A
hardware failure that makes the appliance unusable is handled as severity 1 for diagnosis.

# 5 How to Open a Case
## 5.1 Channels
- Support portal: https://support.tallowfen.example. The preferred channel for all
  severities, available 24 x 7. Cases opened in the portal are routed fastest because they
  contain the product, version and severity.
- Email: support@tallowfen.example. Emails create a case with severity 3; reply with the
  case number to change the severity.
- Phone (Premier, and severity 1 for all plans): +1 608 555 0199 for the Americas and +353 1
  555 0199 for Europe, Middle East and Africa. Always open a portal case as well, or ask the
  engineer on the phone to create one.

## 5.2 What to include
1. The product and version (output of conduitctl status) and, for appliances, the serial
   number.
2. A description of the problem: what you did, what you expected, what happened instead,
   and the exact error code, for example E-4012 ERR_CONN_RESET.
3. When the problem started and whether anything changed shortly before, such as an upgrade,
   a network change or a new certificate.
4. The business impact: how many users or partners are affected.
5. A diagnostic bundle from conduitctl diag --bundle, uploaded to the case in the portal. For
   severity 1, do not wait for the bundle before calling; upload it as soon as you can.

## 5.3 Remote sessions
When it helps to diagnose a problem, the support engineer may ask for a remote screen-sharing
session. The customer controls the session at all times and can end it whenever they want.
Tallowfen engineers never ask for passwords, licence keys or backup passphrases, and never
connect to customer systems without a session started by the customer.

# 6 Escalation
If you are not satisfied with the progress of a case, escalate it. Escalation does not
change the severity; it brings more senior attention to the case.

1. Ask the support engineer working on the case to escalate it, or use the Escalate button in
  the support portal. A support team lead reviews the case within 4 business hours, or
  within 1 hour for severity 1.
2. If the problem continues, ask for the support duty manager. The duty manager is available
  24 x 7 through the phone numbers in section 5.1 and calls you back within 1 hour.
3. For Premier customers, the Technical Account Manager coordinates escalations and can
  involve Engineering and Product Management directly.
4. The final escalation level is the Vice President of Customer Support, Priya Halloran,
  who can be reached through the duty manager.

# 7 Software Lifecycle
## 7.1 Supported versions
Each minor release of Tallowfen Conduit (for example 4.2) is supported for 18 months after
its general availability (GA) date. During that period it receives fixes for defects and
security vulnerabilities, delivered as patch releases. After the end of support, cases about
the release are answered on a best-effort basis, and the only fix offered is an upgrade to a
supported release. Tallowfen recommends staying on the newest patch release of a supported
minor release.

@widths 18 26 28 28
| Release | GA date | End of support | Status on 1 November 2025 |
| 3.8 | 19 March 2024 | 31 March 2026 (extended) | Supported; last 3.x release |
| 4.0 | 11 February 2025 | 11 August 2026 | Supported |
| 4.1 | 3 June 2025 | 3 December 2026 | Supported |
| 4.2 | 7 October 2025 | 7 April 2027 | Supported; current release |

Releases 3.7 and earlier are no longer supported. Conduit 3.8 received an extended support
period because it is the last release that runs on Red Hat Enterprise Linux 7.

## 7.2 Security fixes for unsupported releases
For vulnerabilities rated critical (CVSS 9.0 or higher), Tallowfen may at its discretion
publish fixes for a release whose support ended no more than 6 months earlier. Such fixes are
announced in the Tallowfen Security Advisory for the vulnerability.

## 7.3 Appliance lifecycle
Conduit Edge hardware models are sold for at least 3 years and supported for 5 years after
the last date of sale. The CE-240 and CE-480 were first sold on 1 April 2024; no end-of-sale
date has been announced. The appliance firmware follows the support period of the hardware
model it runs on.

# 8 Service Credits
## 8.1 When credits apply
If Tallowfen misses an initial response target for a severity 1 or severity 2 case, the
customer is entitled to a service credit, provided the case was opened through the support
portal or by phone and the severity was confirmed by Tallowfen.

@widths 40 60
| Missed target | Credit |
| Severity 1 initial response | 5 percent of the monthly support fee per missed case |
| Severity 2 initial response | 2 percent of the monthly support fee per missed case |
| Maximum per quarter | 25 percent of the support fees for that quarter |

## 8.2 Claiming credits
The customer claims a credit by email to support-credits@tallowfen.example within 30 days
of the end of the month in which the target was missed, quoting the case numbers. Approved
credits are applied to the next support invoice. Credits are the customer's only remedy for
missed response targets and are not paid out in cash.

# 9 Customer Responsibilities
Tallowfen can meet the targets in this policy only if the customer:

- Runs a supported release and installs security fixes within a reasonable time.
- Keeps its named support contacts up to date and makes sure they are trained on the product.
- Provides the information listed in section 5.2 and answers questions from Tallowfen
  promptly. The time between a request for information and the customer's answer does not
  count towards update targets.
- Keeps backups of its configuration and data. Tallowfen is not responsible for restoring
  data that the customer did not back up.
- Gives Tallowfen a contact available by phone for severity 1 cases.

# 10 Exclusions and Changes
The response targets do not apply to problems caused by events outside Tallowfen's
reasonable control, such as natural disasters, failures of networks operated by third
parties, or actions of the customer that contradict the documentation. They also do not
apply to releases that are out of support (chapter 7) or to software that the customer has
modified.

Tallowfen may change this policy once a year. Changes apply to a customer's support
agreement from its next renewal date, and Tallowfen informs customers at least 90 days
before a change takes effect. Changes never reduce the service levels of an agreement during
its current term.

@legal
"""

PRIVACY_POLICY = """
# 1 Purpose and Scope
This policy sets out how long Tallowfen Systems keeps the records it creates and receives,
how it disposes of them, and how it protects the personal data it processes, in line with
the EU General Data Protection Regulation (GDPR), the Irish Data Protection Act 2018 and the
privacy laws of the US states in which we operate. It applies to all records in any form held
by Tallowfen Systems, Inc. and Tallowfen Systems Ireland Limited, and to everyone who creates
or handles them.

The policy covers records about employees, job applicants, customers, partners, suppliers
and website visitors, and the company's financial, legal and operational records. It does
not cover the files that customers transfer with their own Tallowfen Conduit installations:
those stay on the customers' servers, Tallowfen has no access to them, and the customer
decides how long to keep them.

# 2 Roles and Responsibilities
## 2.1 Data Protection Officer
Tallowfen has appointed a Data Protection Officer (DPO), Tobias Reinholt-Vance, who reports
to the General Counsel and has direct access to the executive team. The DPO advises on data
protection, monitors compliance with this policy, is the contact point for supervisory
authorities and handles requests from individuals. The DPO can be reached at
privacy@tallowfen.example or by post at the Dublin office, marked for the attention of the
Data Protection Officer.

## 2.2 Controller and processor
Tallowfen is the controller of the personal data of its employees, applicants, customer
contacts and website visitors. For customer data that Tallowfen receives while providing
support, such as diagnostic bundles and support case contents, Tallowfen acts as a processor
on behalf of the customer under the data processing agreement that forms part of the
support agreement. For Conduit telemetry, which is sent only when a customer sets
telemetry.enabled to true, Tallowfen is the controller; telemetry contains no file names,
user names or IP addresses of end users.

## 2.3 Record owners
Every category of record in the retention schedule has an owner, normally the head of the
department that creates the records. The owner makes sure that the records are kept for the
period in the schedule, that they are deleted at the end of it, and that access is limited
to people who need it.

# 3 Data Protection Principles
Everyone who handles personal data at Tallowfen must follow these principles:

1. Lawfulness and transparency: process personal data only for a documented legal basis and
  tell people how their data is used, through the privacy notices on our website and on
  Lantern.
2. Purpose limitation: use personal data only for the purpose for which it was collected, or
  for a compatible purpose approved by the DPO.
3. Data minimisation: collect only the personal data that is needed. Do not add free-text
  fields to forms "in case they are useful".
4. Accuracy: keep personal data correct and up to date, and correct it without delay when
  asked.
5. Storage limitation: keep personal data no longer than the retention period in chapter 4.
6. Security: protect personal data with the controls in the Information Security Policy
  (SEC-POL-002). Personal data is at least Confidential; special categories of data, such as
  health data, are Restricted.
7. Accountability: be able to show that these principles are followed, for example by
  keeping records of processing and of decisions.

# 4 Retention Schedule
## 4.1 How to read the schedule
The retention period starts at the trigger event named in the table, for example the end of
employment or the closure of a support case. At the end of the period the records are
deleted or anonymised as described in chapter 5, unless a legal hold applies (chapter 6).
Where a record falls into two categories, the longer period applies.

## 4.2 Employee and applicant records
@widths 34 26 40
| Record | Retention period | Trigger and notes |
| Personnel file: contract, changes, performance reviews | 7 years | After the end of employment. |
| Payroll and tax records | 7 years | After the end of the tax year. |
| Leave and absence records | 3 years | After the end of the calendar year. Medical notes are
  Restricted. |
| Expense claims and receipts | 7 years | After the end of the financial year. |
| Unsuccessful job applications | 12 months | After the hiring decision. With the candidate's
  consent, up to 24 months for future vacancies. |
| Background check results | 6 months | After the check is completed; only the outcome is kept in
  the personnel file. |
| Building access logs (badge readers) | 90 days | After the event. |
| CCTV recordings | 30 days | After recording, unless needed for an investigation. |

## 4.3 Customer and business records
@widths 34 26 40
| Record | Retention period | Trigger and notes |
| Contracts and orders | 10 years | After the contract ends. |
| Accounting records and invoices | 10 years | After the end of the financial year. |
| Support cases: case history and correspondence | 3 years | After the case is closed. |
| Diagnostic bundles attached to support cases | 90 days | After the case is closed; deleted
  automatically by the support portal. |
| Support call recordings | 60 days | After the call. Callers are told about the recording at the
  start. |
| Licence records and activation logs | For the life of the licence plus 2 years | After the
  licence ends. |
| Conduit telemetry (opt-in) | 13 months | After collection; then aggregated without customer
  identifiers. |
| Marketing contacts | 24 months | After the last interaction, such as opening an email or
  attending an event. |
| Website analytics | 14 months | After collection. |

## 4.4 IT and security records
@widths 34 26 40
| Record | Retention period | Trigger and notes |
| Single sign-on and VPN logs | 18 months | After the event. |
| Email | 5 years | After sending or receipt; items under legal hold kept longer. |
| Chat messages | 2 years | After posting. |
| Security incident records | 6 years | After the incident is closed. |
| Access review evidence | 3 years | After the review. |
| Backups of company systems | 35 days | After the backup is taken (rolling). |

# 5 Deletion and Disposal
## 5.1 Electronic records
Records in company systems are deleted automatically at the end of their retention period
wherever the system supports it, as the support portal does for diagnostic bundles. Where
automatic deletion is not possible, the record owner runs a deletion review every quarter
and records the result. Deleted records disappear from backups when the backups expire after
35 days; they are not restored from backups except to recover from an incident.

## 5.2 Devices and media
Laptops, servers and storage media are wiped by IT using methods that meet NIST SP 800-88
Revision 1, purge level, before they are reused or leave the company. Media that cannot be
wiped, including failed drives, are physically destroyed by a certified contractor, who
provides a certificate of destruction listing each serial number. Certificates are kept for
6 years.

## 5.3 Paper records
Paper containing Internal information goes into the paper recycling bins; paper containing
Confidential or Restricted information goes into the locked shredding bins on each floor. The
shredding contractor empties the bins every two weeks and shreds the contents on site to
security level P-4 of DIN 66399, a particle size of at most 160 square millimetres.

# 6 Legal Holds
A legal hold suspends the deletion of records that may be relevant to litigation, an
investigation or an audit. Only the General Counsel can start or end a legal hold.

1. Legal identifies the people and systems holding relevant records and sends them a hold
  notice by email.
2. Recipients confirm the notice in Beacon within 2 business days and must not delete or
  alter the records described in it, even if their retention period has ended.
3. IT suspends automatic deletion for the affected accounts and systems.
4. Legal reviews every hold every 6 months and sends a reminder to the recipients.
5. When the hold ends, Legal informs the recipients and IT, and the normal retention periods
  apply again. Records whose period has ended are deleted within 30 days.

# 7 Rights of Individuals
## 7.1 Rights
Individuals whose personal data we process may ask to access it, correct it, have it
deleted, restrict or object to its processing, and receive it in a portable format. They may
also withdraw consent at any time where processing is based on consent, and complain to a
supervisory authority; in Ireland this is the Data Protection Commission.

## 7.2 Handling a request
1. Any employee who receives a request, in any form and even if it does not mention data
  protection law, forwards it to privacy@tallowfen.example on the same day.
2. The privacy team records the request and confirms receipt to the requester within 3
  business days.
3. The privacy team verifies the requester's identity, using information we already hold.
  We do not ask for copies of identity documents unless there is no other way.
4. The privacy team collects the data from the record owners, who must respond within 10
  business days.
5. We respond to the requester within one month of receiving the request. For complex or
  numerous requests, this period can be extended by two further months; the requester is
  told about the extension and the reasons within the first month.

Requests are free of charge. Where a request is manifestly unfounded or excessive, the DPO
may refuse it or charge a reasonable fee, and records the reasons.

## 7.3 Requests about customer data
When Tallowfen receives a request about personal data that it processes on behalf of a
customer, such as a person named in a support case, it forwards the request to the customer
within 5 business days and does not answer it directly, unless the customer instructs us to.

# 8 Personal Data Breaches
A personal data breach is a security incident that leads to the accidental or unlawful
destruction, loss, alteration, unauthorised disclosure of, or access to, personal data.
Breaches are reported and managed as security incidents under chapter 8 of the Information
Security Policy; in addition, the following deadlines apply.

@widths 36 64
| Notification | Deadline |
| Security team to the DPO | Immediately when an incident may involve personal data, and within 4
  hours of the incident being reported. |
| Tallowfen as controller to the supervisory authority | Within 72 hours of becoming aware of the
  breach, unless it is unlikely to result in a risk to individuals. |
| Tallowfen as controller to affected individuals | Without undue delay when the breach is likely
  to result in a high risk to them. |
| Tallowfen as processor to the affected customer | Within 48 hours of confirming a breach that
  affects the customer's data, as set out in the data processing agreement. |

The DPO keeps a register of all personal data breaches, including those that were not
notified, with the facts, the effects and the remedial action taken.

# 9 International Transfers and Subprocessors
## 9.1 Transfers
Personal data of employees and customers is transferred between Tallowfen Systems Ireland
Limited and Tallowfen Systems, Inc. in the United States under the European Commission's
standard contractual clauses (module 1 for controller-to-controller transfers and module 3
for processor-to-processor transfers), supported by a transfer impact assessment reviewed
every year by the DPO.

## 9.2 Subprocessors
Tallowfen uses the following subprocessors for customer data. Customers are informed at
least 30 days before a new subprocessor is added and may object during that period.

@widths 28 42 30
| Subprocessor | Service | Location of data |
| Fernhollow Cloud Services | Hosting of the support portal and its file storage | Ireland (EU) |
| Parcel and Wire Ltd. | Transactional email for support notifications | EU and United States |
| Quillon Voice Systems | Support phone lines and call recording | United States and Ireland |
| Halberd Shredding Services | On-site destruction of paper and failed drives | United States and
  Ireland |

# 10 Privacy by Design and Impact Assessments
Privacy is considered from the start of every project that processes personal data, whether
it is a new internal system, a change to the support portal or a new feature of Tallowfen
Conduit. The project lead completes the privacy screening questions in Harbor before
development starts. If the screening shows that the processing is likely to result in a
high risk to individuals, for example because it involves special categories of data,
systematic monitoring of employees or large-scale profiling, a data protection impact
assessment (DPIA) is carried out with the DPO before the processing begins.

New Conduit features that send any data to Tallowfen must be off by default and documented in
the Administration Guide, as telemetry is. Product teams use pseudonymised or synthetic data
for testing; production customer data is never used in development or test environments.

## 10.1 Revision history
@widths 14 20 66
| Version | Date | Summary of changes |
| 2.0 | 2024-03-01 | Merged the retention schedule and the privacy policy into one document. |
| 2.2 | 2025-01-20 | Diagnostic bundle retention reduced; subprocessor list updated. |
| 2.3 | 2025-07-01 | Call recording retention reduced to 60 days; legal hold review every 6
  months. |
"""

OFFICE_GUIDE = """
# 1 Welcome to Our Offices
@columns
### Three offices, one way of working
Tallowfen Systems works from three offices: the headquarters in Madison, Wisconsin, the
engineering and support hub in Austin, Texas, and the European office in Dublin, Ireland.
Each office has its own character, but the basics are the same everywhere. You badge in at
the entrance, book a desk or a meeting room on Lantern, make visitors welcome at reception,
and keep the shared spaces tidy for the next person. This guide collects the practical
information you need in each office: addresses, opening hours, parking, phone extensions,
meeting rooms, visitors, deliveries, Wi-Fi, printing and what to do in an emergency.

### Who looks after the offices
The Workplace team, part of Finance, runs all three offices. Each office has a facilities
coordinator who is your first contact for anything in the building, from a broken chair to
a heating problem; their extensions are in chapter 5. Requests that are not urgent go into
Harbor under Workplace, where you can follow their progress. For urgent problems, such as a
water leak or a door that does not lock, call the facilities coordinator directly or, out of
hours, the building security desk.

### Desks and lockers
All desks are shared. Book a desk on Lantern with the desk finder up to 14 days ahead; a
booking that is not confirmed by badging in before 10:30 is released for others. Teams have
neighbourhoods where they usually sit on anchor days, so that people who work together can
sit together. Lockers are available on every floor: take any free locker for the day, or ask
the facilities coordinator for a permanent locker if you are in the office at least three
days a week. Clear your desk at the end of each day, in line with the clear desk rule of the
Information Security Policy.

### Kitchens and wellbeing
Every floor has a kitchen with free coffee, tea, fruit and filtered water. On Thursdays each
office holds a team lunch that the company pays for; sign up on Lantern by 12:00 on
Wednesday so that the caterer can plan. Quiet rooms, which cannot be booked, are for focused
work and short breaks; phone calls and meetings belong in the phone booths and meeting
rooms. Each office also has a wellness room for nursing parents, prayer or rest, which can
be booked privately through the facilities coordinator.

@end

## 1.1 Lost and found
Items found in the offices are handed to reception, which keeps them for 30 days. After that,
unclaimed items are donated to charity, except for IT equipment and badges, which go to the
IT Service Desk, and documents, which are shredded.

# 2 Madison Headquarters
## 2.1 Address and access
Tallowfen Systems, Inc., 2200 Marrow Street, Madison, WI 53703, United States. The company
occupies floors 3 to 6 of the Marrow Building. Reception is on floor 3, directly opposite the
lifts, and is staffed from 08:00 to 18:00, Monday to Friday. The main switchboard number is
+1 608 555 0100.

The building is open to badge holders from 06:30 to 21:00 on weekdays. At other times, and at
weekends, your badge opens the building only if you have registered your visit with the
facilities coordinator by 15:00 on the last working day before; the building security desk
in the lobby checks the list.

## 2.2 Getting there and parking
The office is a five-minute walk from the Capitol Square bus stops. Forty parking spaces are
reserved for Tallowfen in the building's garage on level P2. Spaces are allocated for one
quarter at a time by lottery among employees who apply on Lantern in the last two weeks of
the previous quarter; employees with a disability badge and employees who are pregnant are
given a space without the lottery. Parking permits are free; visitors can park in the garage
at their own cost and have their ticket validated at reception for 3 hours of free parking.
Secure bicycle storage with 60 spaces, showers and lockers is on the ground floor.

## 2.3 Floors
@widths 15 85
| Floor | What you will find |
| 3 | Reception, visitor meeting rooms, the Mendota event space, the mailroom and the IT Service
  Desk walk-in bar (open 09:00 to 17:00). |
| 4 | Engineering and Product. Kitchen with the first-aid room and the defibrillator (AED). |
| 5 | Sales, Marketing and Customer Support. The wellness room is room 5.12. |
| 6 | Finance, People, Legal and the executive team. Board room. |

## 2.4 Meeting rooms
Madison's meeting rooms are named after the lakes around the city. Rooms for up to 6 people
can be booked for at most 2 hours at a time; longer bookings need the facilities
coordinator's approval. The Mendota event space holds up to 80 people theatre-style and is
booked through the facilities coordinator, who also arranges catering and the audio-visual
technician.

@widths 25 15 20 40
| Room | Floor | Seats | Equipment |
| Mendota | 3 | 80 | Event space, stage, two projectors, hearing loop |
| Monona | 3 | 12 | Video conferencing, whiteboard wall |
| Wingra | 4 | 8 | Video conferencing |
| Kegonsa | 5 | 6 | Video conferencing |
| Waubesa | 6 | 16 | Board room, video conferencing |

# 3 Austin Office
## 3.1 Address and access
Tallowfen Systems, Inc., 1180 Cedar Bend Drive, Suite 400, Austin, TX 78758, United States.
The office occupies the whole fourth floor of the building. Reception is staffed from 08:30 to
17:30, Monday to Friday; the switchboard number is +1 512 555 0160. The building is open to
badge holders 24 hours a day, because the Customer Support team works round the clock; the
floor's main door is locked from 19:00 to 07:00 and opens only with a badge.

## 3.2 Parking and transport
Parking in the surface lot in front of the building is free for employees and visitors; use
any space not marked as reserved. Electric vehicle chargers are in the first row next to the
entrance. Please move your car after 4 hours of charging so that colleagues can use the
chargers. The office is served by the MetroRapid 801 bus; the stop is 400 metres south of the
building.

## 3.3 Meeting rooms and support floor
Austin's meeting rooms are named after Texas rivers: Pedernales (14 seats), Llano (8 seats),
San Saba (6 seats) and Blanco (4 seats). The support operations room in the east wing is
reserved for the Customer Support team on duty; other employees may enter it only when
invited, because support engineers there may have customer data on screen. Please keep noise
down in the corridor next to it.

# 4 Dublin Office
## 4.1 Address and access
Tallowfen Systems Ireland Limited, 14 Fennel Row, Dublin 8, D08 K7P2, Ireland. Since August
2025 the company occupies the first and second floors of the building, with 150 desks in
total. Reception is on the first floor and is staffed from 08:30 to 17:30, Monday to Friday;
the switchboard number is +353 1 555 0150. The building is open to badge holders from 07:00
to 20:00 on weekdays. Weekend access follows the same registration rule as in Madison.

## 4.2 Getting there
There is no car parking at the Dublin office. The Luas red line stop is a six-minute walk,
and several Dublin Bus routes stop on the quays. Covered bicycle parking for 30 bicycles is
in the courtyard, with showers and drying lockers on the ground floor. Employees in Ireland
can join the Cycle to Work scheme and the TaxSaver commuter ticket scheme through Beacon.

## 4.3 Meeting rooms
Dublin's rooms are named after the city's rivers: Liffey (20 seats, with video conferencing
and a hearing loop), Dodder (10 seats), Tolka (6 seats) and Camac (4 seats). Booking rules
are the same as in Madison.

# 5 Phone Extensions
All three offices share one internal phone system. Dial the four-digit extension from any
office phone or from the softphone app on your laptop. From outside, call the switchboard of
the office and ask for the extension. Departments answer their extensions during the
business hours of their office unless the table says otherwise.

@widths 44 16 40
| Department or service | Extension | Notes |
| Reception, Madison | 1000 | Also the operator for the switchboard. |
| Reception, Austin | 1100 | |
| Reception, Dublin | 1200 | |
| Facilities coordinator, Madison | 2100 | Gunnar Ellery. |
| Facilities coordinator, Austin | 2150 | Rosa Delacroix-Webb. |
| Facilities coordinator, Dublin | 2180 | Niamh Corrigan-Hale. |
| Building emergency line (all offices) | 2999 | Answered 24 hours a day by building security. |
| Mailroom, Madison | 2400 | Courier collections at 16:00. |
| People Team | 3100 | |
| Payroll | 3150 | |
| Travel Desk | 3300 | Run by Saltmarsh Corporate Travel. |
| IT Service Desk | 4357 | Weekdays 07:00 to 19:00 Central Time. |
| Legal | 5200 | |
| Privacy team | 5250 | Data protection requests and questions. |
| Customer Support, internal escalations | 6100 | For employees only; customers use the numbers in
  the SLA policy. |
| Security hotline | 7233 | 24 hours a day. Report incidents here. |
| Finance, accounts payable | 8100 | Supplier invoices and payment questions. |
| Procurement | 8200 | Purchases over $10,000 need a purchase order. |
| Executive assistants | 9000 | |

# 6 Visitors and Deliveries
## 6.1 Registering visitors
Register every visitor on the Lantern visitor form at least 24 hours before the visit, with
their name, company, the date and the host. Reception prints a visitor badge and asks the
visitor to sign the visitor agreement, which includes a confidentiality clause. Visitors must
be met at reception by their host, wear their badge visibly, and be accompanied at all times
outside the visitor meeting rooms on floor 3 in Madison and the meeting rooms in Austin and
Dublin. Visitors are not allowed in the Austin support operations room.

Contractors who work in the office for more than 5 days receive a temporary contractor badge
from the facilities coordinator, valid for at most 3 months. Family members are welcome for
short visits, registered like any other visitor; children must be accompanied by their
parent at all times.

## 6.2 Deliveries
Business deliveries are received by the mailroom in Madison and by reception in Austin and
Dublin, which notify the recipient by email. Collect deliveries within 3 business days. The
offices do not accept personal deliveries; parcels addressed to individuals that are clearly
personal are returned to the sender. Outgoing courier parcels must be booked in Harbor by
15:00 for same-day collection.

# 7 Network, Printing and Equipment
## 7.1 Wi-Fi
@widths 22 78
| Network | Use |
| TF-Corp | Company laptops only. Connects automatically with the device certificate; no password. |
| TF-Guest | Visitors and personal devices. Reception issues a voucher valid for 24 hours.
  Internet access only. |
| TF-Devices | Printers, screens and other office equipment managed by IT. Do not connect anything
  else to it. |

## 7.2 Printing
Printers are on every floor. Print jobs are held until you release them by tapping your badge
on the printer, so documents are not left lying in the output tray. Colour printing is off by
default; request it in Harbor if your role needs it. Printers scan to your company email
address only. Confidential paper goes into the locked shredding bins next to each printer.

## 7.3 IT Service Desk walk-in
In Madison the IT Service Desk has a walk-in bar on floor 3, open 09:00 to 17:00 on weekdays,
where you can collect new equipment, swap a broken charger or get help in person. In Austin
and Dublin, IT staff hold walk-in hours on Tuesdays and Thursdays from 10:00 to 12:00 in the
kitchen area.

# 8 Health, Safety and Emergencies
## 8.1 In an emergency
Call the public emergency number first: 911 in the United States, 112 or 999 in Ireland. From
an office phone, dial 9 before the number. Then call the building emergency line on
extension 2999 so that building security can meet the emergency services at the entrance and
guide them to you.

## 8.2 Fire alarms and evacuation
When the fire alarm sounds, leave the building by the nearest stairway, not the lift, and go
to your office's assembly point. Fire wardens wear yellow vests and check that their floor is
empty; follow their instructions. Do not return to the building until the fire service or the
chief fire warden says it is safe.

@widths 20 80
| Office | Assembly point |
| Madison | Marrow Street plaza, next to the clock, on the opposite side of the street. |
| Austin | The north-east corner of the surface parking lot, by the flagpole. |
| Dublin | Fennel Row square, opposite the main entrance. |

The fire alarm is tested every Wednesday at 10:00 in Madison and every Monday at 09:30 in
Austin and Dublin; the test lasts less than 30 seconds and needs no action. Full evacuation
drills are held twice a year in every office, unannounced.

## 8.3 First aid
Each floor has at least two trained first aiders, whose names and photos are posted in the
kitchens and on Lantern. First-aid kits are in every kitchen. Defibrillators (AEDs) are in
the floor 4 kitchen in Madison, at reception in Austin and at reception in Dublin. Report
every accident and near miss in Harbor under Workplace > Health and safety within 24 hours,
even if nobody was hurt.

## 8.4 Accessibility
All three offices are step-free from the street, have accessible toilets on every floor and
height-adjustable desks in every neighbourhood. Evacuation chairs are kept at the top of
each stairway. If you need a personal emergency evacuation plan, the facilities coordinator
will agree one with you in your first week.
"""

QUARTERLY_REPORT = """
# 1 The Quarter at a Glance
The third quarter of fiscal year 2025 ran from 1 July to 30 September 2025. Tallowfen's fiscal
year is the calendar year. All amounts are in US dollars, unaudited, and rounded to one
decimal place in millions; comparisons are with the third quarter of 2024 unless stated
otherwise.

@widths 40 20 20 20
| Key figure | Q3 2025 | Q3 2024 | Change |
| Revenue | $48.6M | $42.6M | +14% |
| Annual recurring revenue (ARR), end of quarter | $171.2M | $146.3M | +17% |
| Gross margin | 78.4% | 77.0% | +1.4 points |
| Operating income | $2.4M | $0.8M | +$1.6M |
| Free cash flow | $6.8M | $3.1M | +$3.7M |
| Paying customers, end of quarter | 1,912 | 1,688 | +13% |
| Net revenue retention | 112% | 109% | +3 points |
| Conduit Edge appliances shipped | 640 | 515 | +24% |
| Employees, end of quarter | 642 | 587 | +9% |

Revenue grew faster than in any quarter since 2022, driven by strong renewals and expansion
among existing customers and by record appliance shipments in the Americas. The quarter's
most important product event was the security release Conduit 4.1.1 on 15 July, which fixed
the vulnerability described in advisory TFSA-2025-007; 81 percent of customers who share
telemetry or support data with us had upgraded by the end of the quarter.

# 2 Letter from the Chief Executive
@columns
### Dear colleagues,
This was a quarter in which a lot of quiet, careful work paid off. Revenue reached $48.6
million, 14 percent more than a year ago, and for the first time our annual recurring revenue
passed $170 million. More important to me than either number is where the growth came from:
almost two thirds of it came from customers who already run Conduit and decided to use it for
more of their work. That is the clearest signal we can get that the product is doing its job.

### Security first, even when it is uncomfortable
In early July an external researcher reported a serious flaw in the way our SFTP endpoint
handled symbolic links. The product security team confirmed it within a day, the fix shipped
as Conduit 4.1.1 twelve days after the report, and our support engineers called every Premier
customer personally. Several customers told us that the speed and openness of our advisory
made them trust us more, not less. I want to thank everyone involved, and the researcher, who
followed our disclosure process to the letter.

### Hardware that sells itself
We shipped 640 Conduit Edge appliances in the quarter, a record, and 168 of them were the
larger CE-480. Customers who buy appliances renew at higher rates than those who install the
software on their own servers, because the appliance removes the most common causes of
support cases. Our supply chain team deserves credit for keeping delivery times under three
weeks through the summer despite component shortages.

### Growing in Europe
In August we took over the second floor of our Dublin building, giving us room to grow the
European support and sales teams. Revenue from Europe, the Middle East and Africa grew 19
percent, helped by customers who need to keep data in their own data centres for regulatory
reasons. Conduit's self-hosted model is a strength there, and we will keep investing in it.

### The people behind the numbers
Our support engineers handled more cases than ever this quarter, many of them about the
4.1.1 upgrade, and still answered almost every case within the targets we promise customers.
Our engineering teams spent a large part of the summer on work that customers will never see
directly: faster upgrade checks, better diagnostics and cleaner proxy handling. That work is
what makes the next release feel effortless to the administrators who install it, and it is
why our renewal rates keep rising. Thank you to every team that made room for it.

### Looking ahead
In the fourth quarter we released Conduit 4.2.0 in October, with simpler proxy configuration
and safer upgrades, and we will focus on making the upgrade to 4.2 easy for every customer
before the holiday freeze. We expect fourth-quarter revenue of $50.5 to $51.5 million. Thank
you for the care you bring to your work every day; it shows in every one of these numbers.

Ilse Varga-Thornbury, Chief Executive Officer
@end

# 3 Financial Results
## 3.1 Income statement
@widths 40 20 20 20
| In millions of US dollars | Q3 2025 | Q3 2024 | Change |
| Subscription and support revenue | 36.9 | 32.4 | +14% |
| Appliance hardware revenue | 7.4 | 5.9 | +25% |
| Professional services revenue | 4.3 | 4.3 | 0% |
| Total revenue | 48.6 | 42.6 | +14% |
| Cost of revenue | 10.5 | 9.8 | +7% |
| Gross profit | 38.1 | 32.8 | +16% |
| Research and development | 14.2 | 12.9 | +10% |
| Sales and marketing | 15.9 | 14.0 | +14% |
| General and administrative | 5.6 | 5.1 | +10% |
| Operating income | 2.4 | 0.8 | +200% |
| Net income | 1.9 | 0.5 | +280% |

Subscription and support revenue, which includes term licences and support plans, was 76
percent of total revenue. Hardware revenue grew with appliance shipments; its gross margin
was 41 percent, compared with 89 percent for subscription and support. Professional services
revenue was flat because more customers used the assisted upgrades included in the Premier
support plan instead of buying separate upgrade projects.

Operating expenses grew 12 percent, slower than revenue, mainly because hiring in Research
and development slowed after the second quarter. The operating margin was 4.9 percent,
compared with 1.9 percent a year ago.

## 3.2 Revenue by region
@widths 40 20 20 20
| Region | Q3 2025 revenue | Share of total | Growth |
| Americas | $29.2M | 60% | +12% |
| Europe, Middle East and Africa | $15.1M | 31% | +19% |
| Asia-Pacific | $4.3M | 9% | +13% |

## 3.3 Five-quarter trend
@widths 25 15 15 15 15 15
| Metric | Q3 2024 | Q4 2024 | Q1 2025 | Q2 2025 | Q3 2025 |
| Revenue ($M) | 42.6 | 44.9 | 44.1 | 46.0 | 48.6 |
| ARR ($M) | 146.3 | 152.0 | 157.8 | 164.5 | 171.2 |
| Gross margin | 77.0% | 77.4% | 77.8% | 78.0% | 78.4% |
| Appliances shipped | 515 | 602 | 488 | 571 | 640 |

## 3.4 Cash
Cash and cash equivalents were $92.4 million at 30 September 2025, up from $85.9 million at 30
June 2025. Free cash flow, defined as cash from operations minus capital expenditure, was $6.8
million. Capital expenditure of $1.2 million was mainly for the Dublin office fit-out and test
hardware for the engineering labs. The company has no debt.

## 3.5 Bookings and deferred revenue
Bookings, the total value of new and renewed contracts signed in the quarter, were $61.3
million, of which $14.8 million were multi-year contracts with annual billing. Deferred
revenue, the value of invoices issued for services not yet delivered, was $103.5 million at
the end of the quarter. Remaining performance obligations, which also include contracted
amounts not yet invoiced, were $236.0 million; about 62 percent of them are expected to be
recognised as revenue in the next twelve months.

# 4 Customers and Operations
## 4.1 Customers
Tallowfen ended the quarter with 1,912 paying customers, 63 more than at the end of the second
quarter. Customers with annual recurring revenue above $100,000 grew to 386. Net revenue
retention, which measures the change in recurring revenue from the customers we had a year
ago, including expansion and churn, was 112 percent; gross revenue retention was 94 percent.
The largest new customer of the quarter was a European logistics group that replaced three
separate file-transfer products with a seven-node Conduit Enterprise cluster on CE-480
appliances.

@widths 40 30 30
| Appliance model | Units shipped Q3 2025 | Units shipped Q3 2024 |
| CE-240 | 472 | 401 |
| CE-480 | 168 | 114 |
| Total | 640 | 515 |

## 4.2 Customer support
Customer Support handled 4,870 cases in the quarter, 6 percent more than a year earlier, while
the installed base grew 13 percent. Initial responses met the service level targets of the
support policy in 98.7 percent of cases; all 23 severity 1 cases received their initial
response within target. Customer satisfaction after case closure averaged 4.6 out of 5. The
most common topic of cases was upgrading to 4.1.1, followed by proxy configuration, which
Conduit 4.2.0 simplifies with the new proxy bypass list.

## 4.3 People
The company had 642 employees on 30 September 2025, an increase of 21 in the quarter. Voluntary
attrition over the last twelve months was 8.9 percent.

@widths 30 20 30 20
| Location | Employees | Function | Employees |
| Madison | 318 | Engineering and Product | 248 |
| Austin | 171 | Sales and Marketing | 162 |
| Dublin | 113 | Customer Support and Services | 131 |
| Remote | 40 | General and Administrative | 101 |

# 5 Outlook
For the fourth quarter of 2025, Tallowfen expects revenue of $50.5 million to $51.5 million and
an operating margin of 5 to 7 percent. For the full fiscal year 2025, this implies revenue of
$189.2 million to $190.2 million, an increase of 13 to 14 percent over fiscal year 2024. ARR at
the end of the year is expected to be between $176 million and $178 million.

The main risks to the outlook are the timing of large appliance orders, which customers
sometimes move between quarters, component prices for NVMe drives, and exchange rates, since
31 percent of revenue is invoiced in euro or pounds sterling.

## 5.1 Forward-looking statements
This report contains forward-looking statements about Tallowfen's expected revenue, margins
and business plans. They are based on management's current expectations and involve risks and
uncertainties that could cause actual results to differ materially. Tallowfen undertakes no
obligation to update forward-looking statements. This report is for employees and the board
of directors only and must not be shared outside the company.

@legal
"""


INTERNAL = "Confidential - Internal"
PUBLIC = "Public"

DOCS = [
    DocSpec(
        filename="employee-handbook.pdf",
        title="Employee Handbook",
        subtitle="Working at Tallowfen Systems: hours, leave, pay, expenses, travel and conduct",
        short_title="Employee Handbook",
        classification=INTERNAL,
        doc_id="HR-POL-001",
        version="7.1",
        date="1 September 2025",
        owner="Raymond Castellanos-Peck, Chief People Officer",
        body=HANDBOOK,
        front=HANDBOOK_FRONT,
        cover=True,
        justify=True,
        hyphenate=True,
    ),
    DocSpec(
        filename="information-security-policy.pdf",
        title="Information Security Policy",
        subtitle="Rules for protecting company and customer information, devices and accounts",
        short_title="Information Security Policy",
        classification=INTERNAL,
        doc_id="SEC-POL-002",
        version="3.2",
        date="1 September 2025",
        owner="Marguerite Okafor-Lind, Chief Information Security Officer",
        body=SECURITY_POLICY,
        justify=True,
        hyphenate=True,
        h1_new_page=False,
    ),
    DocSpec(
        filename="conduit-admin-guide.pdf",
        title="Tallowfen Conduit 4.2 Installation and Administration Guide",
        subtitle="Installing, configuring, operating and troubleshooting Conduit 4.2.1",
        short_title="Conduit 4.2 Administration Guide",
        classification=PUBLIC,
        doc_id="DOC-CON-ADM",
        version="4.2-B",
        date="18 November 2025",
        owner="Technical Publications",
        body=ADMIN_GUIDE,
        front=ADMIN_GUIDE_FRONT,
        cover=True,
        customer=True,
    ),
    DocSpec(
        filename="conduit-edge-hardware-manual.pdf",
        title="Conduit Edge Hardware Manual",
        subtitle="CE-240 and CE-480 appliances: installation, indicators, maintenance and warranty",
        short_title="Conduit Edge Hardware Manual",
        classification=PUBLIC,
        doc_id="DOC-EDGE-HW",
        version="Rev. C",
        date="November 2025",
        owner="Technical Publications",
        body=HARDWARE_MANUAL,
        customer=True,
        h1_new_page=False,
    ),
    DocSpec(
        filename="conduit-release-notes.pdf",
        title="Tallowfen Conduit Release Notes",
        subtitle="Conduit 4.0.0 to 4.2.1: new features, changes, fixes and known issues",
        short_title="Conduit Release Notes",
        classification=PUBLIC,
        doc_id="DOC-CON-RN",
        version="4.2.1",
        date="18 November 2025",
        owner="Product Management",
        body=RELEASE_NOTES,
        customer=True,
        h1_new_page=False,
    ),
    DocSpec(
        filename="support-sla-policy.pdf",
        title="Customer Support and Service Level Policy",
        subtitle="Support plans, severity levels, response targets, escalation and lifecycle",
        short_title="Support and Service Level Policy",
        classification=PUBLIC,
        doc_id="CS-POL-010",
        version="5.0",
        date="1 October 2025",
        owner="Priya Halloran, Vice President of Customer Support",
        body=SLA_POLICY,
        justify=True,
        customer=True,
        h1_new_page=False,
    ),
    DocSpec(
        filename="data-retention-privacy-policy.pdf",
        title="Data Retention and Privacy Policy",
        subtitle="Retention schedule, disposal, legal holds, individual rights and breaches",
        short_title="Data Retention and Privacy Policy",
        classification=INTERNAL,
        doc_id="LEG-POL-004",
        version="2.3",
        date="1 July 2025",
        owner="Tobias Reinholt-Vance, Data Protection Officer",
        body=PRIVACY_POLICY,
        justify=True,
        hyphenate=True,
        h1_new_page=False,
    ),
    DocSpec(
        filename="office-guide.pdf",
        title="Office Guide",
        subtitle="Madison, Austin and Dublin: access, parking, extensions, visitors and safety",
        short_title="Office Guide",
        classification=INTERNAL,
        doc_id="FAC-GDE-003",
        version="1.8",
        date="15 August 2025",
        owner="Workplace team",
        body=OFFICE_GUIDE,
        h1_new_page=False,
    ),
    DocSpec(
        filename="quarterly-report-q3-2025.pdf",
        title="Quarterly Business Report: Third Quarter 2025",
        subtitle="Results for July to September 2025, for employees and the board",
        short_title="Quarterly Business Report Q3 2025",
        classification=INTERNAL,
        doc_id="FIN-RPT-2025-Q3",
        version="1.0",
        date="28 October 2025",
        owner="Desmond Achterberg, Chief Financial Officer",
        body=QUARTERLY_REPORT,
        running_header=False,
        justify=True,
    ),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    total = 0
    for spec in DOCS:
        path, pages = build(spec, args.out)
        total += pages
        print(f"{path}  {pages:3d} pages")
    print(f"{len(DOCS)} documents, {total} pages")


if __name__ == "__main__":
    main()
