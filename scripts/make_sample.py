"""Render the bundled sample corpus: nine PDFs of a fictional company, Tallowfen Systems.

Tallowfen Systems, Inc. is a made-up, mid-size software company that sells a self-hosted
file-transfer server ("Tallowfen Conduit") and a hardware appliance that runs it ("Conduit
Edge"). The text of its documents lives in ``data/sample/source/``: one file per document
and ``_shared.md`` for the boilerplate that several repeat, in the markup described in
``data/sample/source/README.md``. This script writes them to ``data/sample/<slug>.pdf``.

Why: the RAG pipeline needs a corpus that (a) anyone can ingest without downloading
anything, (b) has specific, non-contradictory facts - amounts, limits, deadlines, error
codes, port numbers - each stated on one identifiable page, so that a golden evaluation
set (eval/golden/) can be written over it, and (c) exercises the layout problems that real
PDFs have: running headers and footers, "Page N of M" lines, roman-numeral front matter
(page labels i, ii, iii followed by 1, 2, 3), a table of contents, tables, numbered and
bulleted lists, two-column pages, words hyphenated across line breaks (via soft hyphens)
and boilerplate repeated across documents. The golden set quotes the PDFs' text: an edit
to the sources must be re-checked against it. Every fact is invented. The one deliberate
"contradiction" is dated and explained: the release notes for Conduit 4.2.0 supersede the
4.1.0 default session timeout.

The output is deterministic: a fixed creation date, no randomness, and a two-pass layout
(the first pass counts pages for the table of contents and "Page N of M"). Running it twice
gives byte-identical files for the same sources, fpdf2 version and font files.

Modules: ``sample_markup.py`` parses the sources; ``sample_pdf.py`` draws the running
header and footer and the blocks; this script adds the cover, About, contents and title
pages, puts each document's pages in order and writes the files.

Usage: python scripts/make_sample.py [--out data/sample] [--source data/sample/source]
Needs: fpdf2 (the "dev" extra in pyproject.toml).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import FontFace
from sample_markup import Block, Document, MarkupError, Shared, load_corpus
from sample_pdf import ACCENT, RULE, Layout, SamplePDF

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "data" / "sample"
DEFAULT_SOURCE = DEFAULT_OUT / "source"


class DocumentPDF(SamplePDF):
    """A whole document: the pages around the blocks (cover, About page, contents, title)."""

    def about_box(self) -> None:
        self.note(self.doc.about)

    def metadata_table(self) -> None:
        s = self.doc
        rows = [
            ["Document ID", s.doc_id, "Version", s.version],
            ["Effective / published", s.date, "Owner", s.owner],
            ["Classification", s.classification, "Company", self.shared.company],
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

    def cover_page(self) -> None:
        s = self.doc
        self.add_page()
        self.set_page_label("r")
        self.set_fill_color(*ACCENT)
        self.rect(0, 0, self.w, 12, style="F")
        self.set_y(70)
        self.body_font("B", 12)
        self.set_text_color(*ACCENT)
        self.cell(0, 8, self.shared.company.upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
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

    def about_page(self) -> None:
        self.add_page()
        self.start_section("About This Document", level=0)
        self.body_font("B", 16)
        self.set_text_color(*ACCENT)
        self.cell(0, 9, "About This Document", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.ln(3)
        self.metadata_table()
        self.about_box()
        self.render_blocks(self.doc.front)

    def title_block(self) -> None:
        s = self.doc
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


def render(doc: Document, shared: Shared, known: Layout | None) -> DocumentPDF:
    """One layout pass. ``known`` is what the previous pass learnt (None on the first)."""
    pdf = DocumentPDF(doc, shared, known)
    if doc.cover:
        pdf.cover_page()
        pdf.about_page()
        pdf.contents_page(doc.body)
        pdf.front_pages = pdf.page_no()
        pdf.seen.front = pdf.front_pages
        pdf.add_page()
        # add_page() has just drawn the footer of the last front-matter page (with its
        # roman label); the page it opened is body page 1.
        pdf.in_front = False
        pdf.recording = True
        pdf.set_page_label("D", label_start=1)
        pdf.render_blocks(doc.body)
    else:
        pdf.in_front = False
        pdf.recording = True
        pdf.add_page()
        pdf.title_block()
        pdf.render_blocks(doc.body)
    pdf.seen.total = pdf.page_no()
    return pdf


def build(doc: Document, shared: Shared, out_dir: Path) -> tuple[Path, int]:
    """Two passes: the first learns page numbers, the second prints them."""
    first = render(doc, shared, None)
    second = render(doc, shared, first.seen)
    if second.seen.total != first.seen.total:
        raise RuntimeError(f"{doc.slug}: layout changed between passes")
    path = out_dir / f"{doc.slug}.pdf"
    second.output(str(path))
    return path, second.seen.total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    parser.add_argument(
        "--source", type=Path, default=DEFAULT_SOURCE, help="directory of the .md sources"
    )
    args = parser.parse_args()
    if args.out.resolve() == args.source.resolve():
        parser.error("--out must not be the source directory (ingest would read the PDFs twice)")
    try:
        shared, docs = load_corpus(args.source)
    except MarkupError as exc:
        parser.exit(1, f"make_sample: {exc}\n")
    args.out.mkdir(parents=True, exist_ok=True)
    total = 0
    for doc in docs:
        path, pages = build(doc, shared, args.out)
        total += pages
        print(f"{path}  {pages:3d} pages")
    print(f"{len(docs)} documents, {total} pages")


if __name__ == "__main__":
    main()
