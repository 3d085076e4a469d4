"""How the sample documents look: fonts, running header and footer, and the blocks.

``SamplePDF`` draws the blocks that ``sample_markup.py`` parses. ``make_sample.py`` adds the
pages around them (cover, About page, contents, title block) and runs the layout passes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import FontFace
from sample_markup import Block, Document, Shared

CREATION_DATE = datetime(2026, 1, 1, tzinfo=UTC)

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


def roman(n: int) -> str:
    """Lower-case roman numeral, for front-matter page labels."""
    out = ""
    for value, numeral in [(10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]:
        while n >= value:
            out += numeral
            n -= value
    return out


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
    def __init__(self, doc: Document, shared: Shared, layout: Layout | None) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.doc = doc
        self.shared = shared
        self.hyphen_re, self.hyphen_map = shared.soft_hyphenator()
        self.known = layout
        self.seen = Layout()
        self.front_pages = 0
        self.in_front = doc.cover
        self.h1_seen = False  # the first chapter starts on the title page
        self.recording = False  # record heading pages (body only, not front matter)
        self.set_creation_date(CREATION_DATE)
        self.set_title(doc.title)
        self.set_author(shared.company)
        self.set_subject(doc.subtitle)
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
        if self.doc.cover and self.page_no() == 1:
            return
        if not self.doc.running_header:
            return
        self.set_y(10)
        self.set_font(self.sans, "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, self.t(f"{self.shared.company_short} \u2013 {self.doc.header}"))
        self.set_x(self.l_margin)
        self.cell(0, 5, self.t(self.doc.classification), align="R")
        self.set_draw_color(*RULE)
        self.line(self.l_margin, 16, self.w - self.r_margin, 16)
        self.set_text_color(0, 0, 0)
        self.set_y(self.t_margin)

    def footer(self) -> None:
        if self.doc.cover and self.page_no() == 1:
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
        self.cell(0, 5, self.t(f"{self.doc.doc_id} \u00b7 Version {self.doc.version}"))
        self.set_x(self.l_margin)
        self.cell(0, 5, label, align="R")
        self.set_text_color(0, 0, 0)

    # blocks ---------------------------------------------------------------------------
    def prose(self, text: str) -> str:
        if self.doc.hyphenate and self.unicode:
            text = self.hyphen_re.sub(lambda m: self.hyphen_map[m.group(1)], text)
        return self.t(text)

    def ensure_space(self, mm: float) -> None:
        if self.y + mm > self.page_break_trigger:
            self.add_page()

    def heading(self, level: int, text: str, index: int) -> None:
        if level == 1:
            if self.h1_seen and self.doc.chapter_new_page and self.y > self.t_margin + 1:
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
        align = Align.J if self.doc.justify else Align.L
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
        self.mc(0, 4.6, self.t(self.shared.texts["legal-notice"]), align=Align.L)
        self.body_font()

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
