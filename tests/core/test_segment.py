"""Splitting page text into sentence and list-item spans."""

from __future__ import annotations

from core.segment import segment_page


def test_segment_page_splits_sentences_and_list_items() -> None:
    text = "Intro. Second sentence here!\n1. First step\n2. Second step\nA heading\nBody text."
    spans = [text[s:e] for s, e in segment_page(text)]
    assert spans == [
        "Intro.",
        "Second sentence here!",
        "1. First step",
        "2. Second step",
        "A heading",
        "Body text.",
    ]


def test_segment_page_joins_lines_wrapped_in_a_narrow_column() -> None:
    text = (
        "Leave type Length\n"
        "Secondary caregiver leave 8 weeks, within a year of the birth, adoption or foster\n"
        "placement. Take it in up to two blocks.\n"
        "Email outside the\n"
        "company\n"
        "Allowed to customers"
    )
    spans = [text[s:e] for s, e in segment_page(text)]
    assert spans == [
        "Leave type Length",
        "Secondary caregiver leave 8 weeks, within a year of the birth, adoption or foster\n"
        "placement.",
        "Take it in up to two blocks.",
        "Email outside the\ncompany",
        "Allowed to customers",
    ]


def test_segment_page_keeps_abbreviations_inside_brackets_in_the_sentence() -> None:
    text = (
        "For other TeX terminals see cairolatex (p. 241), context (pp. 247-250) and the "
        "notes (cf. the epslatex entry). The width of all lines can be scaled (Vol. 2, "
        "ch. 3). Done."
    )
    spans = [text[s:e] for s, e in segment_page(text)]
    assert spans == [
        "For other TeX terminals see cairolatex (p. 241), context (pp. 247-250) and the "
        "notes (cf. the epslatex entry).",
        "The width of all lines can be scaled (Vol. 2, ch. 3).",
        "Done.",
    ]
