"""Résumé text extraction from real files of each format, made here with the libraries users' ATSs use."""

from __future__ import annotations

import io

import pytest
from docx import Document
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from include.plain_text import html_to_text, normalised_lines, recruit_ai_text
from include.resume_text import UnreadableResume, detect_format, extract_resume_text


def _pdf(pages: list[list[str]]) -> bytes:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for lines in pages:
        pdf.add_page()
        for line in lines:
            pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _docx(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    document = Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_multi_page_pdf_keeps_every_page_in_order() -> None:
    content = _pdf([["Zoë Müller", "Senior Associate"], ["Experience", "- M&A at Société Générale"]])
    assert len(PdfReader(io.BytesIO(content)).pages) == 2
    text = extract_resume_text(content, "cv.pdf")
    assert text.split("|")[:2] == ["Zoë Müller", "Senior Associate"]
    assert text.index("Senior Associate") < text.index("Société Générale")


def test_docx_paragraphs_and_tables_with_non_ascii_letters() -> None:
    content = _docx(
        ["Łukasz Wiśniewski", "", "Radca prawny  –  Kraków"], table=[["Skills", "GDPR, due diligence"]]
    )
    assert (
        extract_resume_text(content) == "Łukasz Wiśniewski|Radca prawny – Kraków|Skills GDPR, due diligence"
    )


def test_html_loses_markup_but_keeps_structure() -> None:
    content = "<html><head><style>p{}</style></head><body><h1>José García</h1><p>Paralegal &amp; notary<br>Madrid</p><ul><li>Conveyancing</li><li>Wills | probate</li></ul><script>x()</script></body></html>"  # noqa: E501
    assert extract_resume_text(content.encode()) == (
        "José García|Paralegal & notary|Madrid|- Conveyancing|- Wills / probate"
    )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_plain_text_in_common_encodings(encoding: str) -> None:
    content = "François Dubois\r\n\tCorporate   Solicitor\r\n\r\nSkills: négociation\x07\n".encode(encoding)
    assert extract_resume_text(content, "cv.txt") == "François Dubois|Corporate Solicitor|Skills: négociation"


def test_format_is_detected_from_content_not_name() -> None:
    assert detect_format(_docx(["Søren"]), "cv.pdf") == "docx"
    assert detect_format(_pdf([["Søren"]]), "cv.docx") == "pdf"
    assert detect_format(b"<!DOCTYPE html><html><body>x</body></html>", "cv.txt") == "html"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b"\x89PNG\r\n\x1a\n" + bytes(64), "PNG image"),
        (b"%PDF-1.4\n%garbage that is not a PDF", "corrupt PDF"),
        (b"PK\x03\x04 not really a zip", "corrupt ZIP"),
        (bytes(range(256)) * 8, "binary data"),
    ],
)
def test_unreadable_files_give_a_precise_reason(content: bytes, reason: str) -> None:
    with pytest.raises(UnreadableResume, match=reason):
        extract_resume_text(content)


def test_pdf_without_text_layer_and_encrypted_pdf() -> None:
    blank = FPDF()
    blank.add_page()
    with pytest.raises(UnreadableResume, match="no text layer"):
        extract_resume_text(bytes(blank.output()))

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf([["Secret CV"]]))))
    writer.encrypt("open-sesame")
    encrypted = io.BytesIO()
    writer.write(encrypted)
    with pytest.raises(UnreadableResume, match="encrypted PDF"):
        extract_resume_text(encrypted.getvalue())


def test_text_helpers() -> None:
    assert html_to_text("") == ""
    assert normalised_lines("  a \u200b b \n\n\x00c|d  ") == ["a b", "c/d"]
    assert recruit_ai_text("one\ntwo\nthree", max_chars=8) == "one|two"
    assert recruit_ai_text("王小明\n律师") == "王小明|律师"
