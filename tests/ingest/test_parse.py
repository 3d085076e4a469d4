from __future__ import annotations

from pathlib import Path

import pytest

from ingest.clean import dehyphenate, normalize, strip_running_lines
from ingest.errors import (
    CorruptPdf,
    DocumentError,
    EmptyFile,
    EncryptedPdf,
    MissingFile,
    NotAPdf,
    NoTextLayer,
    UnreadableFile,
)
from ingest.parse import parse_pdf
from tests.conftest import FIXTURES


def test_parse_clean_pdf_removes_running_header_and_footer() -> None:
    doc = parse_pdf(FIXTURES / "clean.pdf")
    assert doc.page_count == 3
    assert [p.number for p in doc.pages] == [1, 2, 3]
    assert doc.pages[0].text == (
        "Chapter 1. Getting started\n"
        "Unpack the widget and connect it to a grounded power outlet.\n"
        "The widget supports up to 42 concurrent sessions.\n"
        "Each session is isolated from the others."
    )
    assert doc.pages[2].text == (
        "Chapter 3. Getting help\n"
        "Contact support at extension 7781.\n"
        "Support is available on weekdays from 9 to 5."
    )
    assert doc.removed_lines == 6
    assert not any("Acme Widget Manual" in p.text or "of 3" in p.text for p in doc.pages)


def test_parse_joins_words_hyphenated_across_lines_and_keeps_identifiers() -> None:
    page2 = parse_pdf(FIXTURES / "clean.pdf").pages[1].text
    assert "Regular maintenance keeps the widget running." in page2
    assert "ERR_CONN_RESET" in page2
    assert "HTTP_PROXY" in page2
    assert "--no-cache-dir" in page2


def test_parse_expands_ligatures() -> None:
    doc = parse_pdf(FIXTURES / "ligatures.pdf")
    assert doc.pages[0].text == "The final flow is efficient.\nA field of flowers."


def test_parse_keeps_physical_numbers_and_page_labels() -> None:
    doc = parse_pdf(FIXTURES / "labels.pdf")
    assert [(p.number, p.label) for p in doc.pages] == [(1, "i"), (2, "ii"), (3, "1"), (4, "2")]
    assert [p.text for p in doc.pages] == [f"This is physical page {n}." for n in range(1, 5)]


def test_parse_opens_pdf_encrypted_with_empty_password() -> None:
    doc = parse_pdf(FIXTURES / "encrypted_empty.pdf")
    assert doc.pages[0].text == "Encrypted with an empty user password."


def test_parse_counts_pages_without_text_layer() -> None:
    doc = parse_pdf(FIXTURES / "partly_scanned.pdf")
    assert [p.text for p in doc.pages] == ["Text page one.", "", "Text page three."]
    assert doc.pages_without_text == 1
    assert doc.notes == ["1 of 3 pages have no text layer (OCR not supported)"]


@pytest.mark.parametrize(
    ("name", "error", "reason"),
    [
        ("empty.pdf", EmptyFile, "empty file (0 bytes)"),
        ("not_a_pdf.pdf", NotAPdf, "not a PDF (no %PDF header): another format renamed .pdf?"),
        ("garbage.pdf", CorruptPdf, "corrupt or truncated PDF"),
        ("truncated.pdf", CorruptPdf, "corrupt or truncated PDF"),
        ("encrypted_secret.pdf", EncryptedPdf, "encrypted: password required"),
        ("scanned.pdf", NoTextLayer, "no text layer on any of 2 pages: OCR not supported"),
    ],
)
def test_parse_rejects_bad_input_with_reason(
    name: str, error: type[DocumentError], reason: str
) -> None:
    with pytest.raises(error) as info:
        parse_pdf(FIXTURES / name)
    assert info.value.reason.startswith(reason)


def test_parse_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(MissingFile):
        parse_pdf(tmp_path / "gone.pdf")


def test_parse_directory_named_pdf_is_unreadable(tmp_path: Path) -> None:
    (tmp_path / "folder.pdf").mkdir()
    with pytest.raises(UnreadableFile, match="is a directory"):
        parse_pdf(tmp_path / "folder.pdf")


def test_strip_running_lines_only_removes_lines_repeated_at_page_edges() -> None:
    bodies = ["Leave is 25 days.", "ACME Handbook rules apply.", "Expenses need receipts."]
    pages = [
        f"ACME Handbook\nConfidential\n{b}\nSecond line {b}\nThird line {b}\nACME Handbook\n"
        f"Fourth line {b}\nFifth line {b}\nPage {n} of 3"
        for n, b in enumerate(bodies, start=1)
    ]
    cleaned, removed = strip_running_lines(pages)
    # The header (2 lines) and footer go; "ACME Handbook" in mid-page stays.
    assert cleaned[0] == (
        "Leave is 25 days.\nSecond line Leave is 25 days.\nThird line Leave is 25 days.\n"
        "ACME Handbook\nFourth line Leave is 25 days.\nFifth line Leave is 25 days."
    )
    assert removed == 9


def test_strip_running_lines_leaves_short_documents_alone() -> None:
    pages = ["Title\nBody one.", "Title\nBody two."]
    assert strip_running_lines(pages) == (pages, 0)


def test_dehyphenate_keeps_real_hyphens() -> None:
    assert dehyphenate("mainte-\nnance") == "maintenance"
    assert dehyphenate("well-known") == "well-known"
    assert dehyphenate("Version 2-\nBeta") == "Version 2-\nBeta"


def test_normalize_collapses_spaces_and_drops_control_characters() -> None:
    assert normalize("a\u00a0\u00a0b\x00c\r\n  d ") == "a bc\nd"


@pytest.mark.parametrize("name", ["white_text.pdf", "invisible_text.pdf", "offpage_text.pdf"])
def test_hardening_20_hidden_text_is_dropped_at_parse(name: str) -> None:
    from tests.fixtures.make_fixtures import BANNER_SENTENCE, HIDDEN_SENTENCES, HIDDEN_VISIBLE

    doc = parse_pdf(FIXTURES / "hidden" / name)
    visible = [*HIDDEN_VISIBLE, BANNER_SENTENCE] if name == "white_text.pdf" else HIDDEN_VISIBLE
    assert doc.pages[0].text.split("\n") == list(visible)
    assert not any(s in doc.pages[0].text for s in HIDDEN_SENTENCES[name])
    hidden = len(HIDDEN_SENTENCES[name])
    assert doc.notes == [f"{hidden} hidden text run(s) not indexed (white, invisible or off-page)"]


def test_running_lines_with_the_page_number_are_removed_even_when_they_alternate() -> None:
    # Odd and even headers differ, chapter headers change: no form is on half the pages,
    # but each carries the page number (printed = physical + 3) at one end.
    pages = []
    for i in range(12):
        printed = i + 4
        header = f"{printed} Manual 5.4" if i % 2 else f"Chapter {1 + i // 6}: Basics {printed}"
        pages.append(f"{header}\nBody line {i} says something useful.\nMore body text.\n{printed}")
    pages[7] = "11 Setup and install\nThis heading carries the page number 11 by chance.\nEnd."
    cleaned, removed = strip_running_lines(pages)
    assert cleaned[3] == "Body line 3 says something useful.\nMore body text."
    assert cleaned[4] == "Body line 4 says something useful.\nMore body text."
    # A heading whose number equals the page number but whose words never recur stays.
    assert cleaned[7] == pages[7]
    assert removed == 22
