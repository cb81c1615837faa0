"""Résumé text extraction, on real files of each format built here with the usual libraries."""

from __future__ import annotations

import contextlib
import io
import random
import zipfile

import pytest
from docx import Document
from docx.oxml import parse_xml
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from include.resume_text import MAX_RESUME_CHARS, UnreadableResume, detect_format, extract_resume_text

# --- Files ----------------------------------------------------------------------------------------


def _pdf(*pages: list[str]) -> bytes:
    """A PDF with one page per list of lines (fpdf2's core fonts cover Latin-1 only)."""
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for lines in pages:
        pdf.add_page()
        for line in lines:
            pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _encrypted(pdf: bytes, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password, owner_password="owner-secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _docx(before: list[str], table: list[list[str]] | None = None, after: list[str] | None = None) -> bytes:
    document = Document()
    for text in before:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, text in enumerate(row):
                grid.cell(r, c).text = text
    for text in after or []:
        document.add_paragraph(text)
    return _saved(document)


def _saved(document: object) -> bytes:
    out = io.BytesIO()
    document.save(out)  # type: ignore[attr-defined]
    return out.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


# --- PDF --------------------------------------------------------------------------------------------


def test_multi_page_pdf_keeps_every_page_in_order() -> None:
    content = _pdf(["Zoë Müller", "Senior Associate"], ["Experience", "M&A at Société Générale | Paris"])
    assert len(PdfReader(io.BytesIO(content)).pages) == 2
    assert extract_resume_text(content, "cv.pdf") == (
        "Zoë Müller|Senior Associate|Experience|M&A at Société Générale / Paris"
    )


def test_pdf_without_a_text_layer_is_refused() -> None:
    scan = FPDF()
    scan.add_page()
    scan.rect(10, 10, 100, 50, style="F")  # a page with a picture-like shape and no text
    with pytest.raises(UnreadableResume, match="PDF has no text layer"):
        extract_resume_text(bytes(scan.output()))


def test_pdf_protected_by_a_password_is_refused() -> None:
    with pytest.raises(UnreadableResume, match="encrypted PDF") as refused:
        extract_resume_text(_encrypted(_pdf(["Secret CV"]), user_password="open-sesame"))
    assert refused.value.reason == "encrypted PDF (needs a password)"


def test_pdf_encrypted_only_against_copying_is_read() -> None:
    # An empty user password: any viewer opens it, and so do we.
    content = _encrypted(_pdf(["Zoë Müller", "Senior Associate"]), user_password="")
    assert PdfReader(io.BytesIO(content)).is_encrypted
    assert extract_resume_text(content) == "Zoë Müller|Senior Associate"


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.4\n%garbage that is not a PDF at all",
        b"%PDF-1.7\n" + bytes(range(256)) * 4,
    ],
)
def test_corrupt_pdf_is_refused_with_its_reason(content: bytes) -> None:
    with pytest.raises(UnreadableResume, match=r"^corrupt PDF: "):
        extract_resume_text(content)


def test_truncated_pdf_never_escapes_as_a_library_error() -> None:
    content = _pdf(["Zoë Müller"], ["Page two"])
    for size in range(100, len(content), max(1, len(content) // 40)):
        try:
            text = extract_resume_text(content[:size])
        except UnreadableResume:
            continue
        assert text


# --- DOCX -------------------------------------------------------------------------------------------


def test_docx_paragraphs_and_table_cells_in_document_order() -> None:
    content = _docx(
        ["Łukasz Wiśniewski", "", "Radca prawny  –  Kraków"],
        table=[["Skills", "GDPR | due diligence"], ["Languages", "polski, 中文"]],
        after=["References on request"],
    )
    assert extract_resume_text(content, "cv.docx") == (
        "Łukasz Wiśniewski|Radca prawny – Kraków|Skills|GDPR / due diligence|Languages|polski, 中文"
        "|References on request"
    )


def test_docx_text_boxes_are_read_once() -> None:
    document = Document()
    document.add_paragraph("Zoë Ó Súilleabháin")
    anchor = document.add_paragraph("Profile").add_run()
    # A text box as Word stores it (trimmed): the drawing, and a VML copy for old readers.
    anchor._r.append(
        parse_xml(
            '<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
            ' xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            '<mc:Choice Requires="wps"><w:txbxContent><w:p><w:r><w:t>Employment law</w:t></w:r></w:p>'
            "</w:txbxContent></mc:Choice>"
            "<mc:Fallback><w:txbxContent><w:p><w:r><w:t>Employment law</w:t></w:r></w:p>"
            "</w:txbxContent></mc:Fallback></mc:AlternateContent>"
        )
    )
    assert extract_resume_text(_saved(document)) == "Zoë Ó Súilleabháin|Profile|Employment law"


def test_docx_named_pdf_is_read_as_docx() -> None:
    content = _docx(["Søren Kierkegaard", "Philosopher"])
    assert detect_format(content, "cv.pdf") == "docx"
    assert extract_resume_text(content, "cv.pdf") == "Søren Kierkegaard|Philosopher"


def test_corrupt_docx_is_refused_with_its_reason() -> None:
    content = _zip({"[Content_Types].xml": b"<not xml", "word/document.xml": b"\x00\x01"})
    with pytest.raises(UnreadableResume, match=r"^corrupt DOCX: "):
        extract_resume_text(content)


def test_damaged_docx_never_escapes_as_a_library_error() -> None:
    content = bytearray(_docx(["Zoë Müller", "Senior Associate"], table=[["a", "b"]]))
    rng = random.Random(7)
    for _ in range(40):
        damaged = bytearray(content)
        for _ in range(8):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        with contextlib.suppress(UnreadableResume):
            extract_resume_text(bytes(damaged))


# --- HTML and text -------------------------------------------------------------------------------


def test_html_loses_markup_but_keeps_structure() -> None:
    content = (
        "<!DOCTYPE html><html><head><title>CV</title><style>p{}</style></head><body>"
        "<h1>José García</h1><p>Paralegal &amp; notary<br>Madrid</p>"
        "<ul><li>Conveyancing</li><li>Wills | probate</li></ul><script>x()</script></body></html>"
    ).encode()
    assert detect_format(content, "cv.txt") == "html"
    assert extract_resume_text(content, "cv.txt") == (
        "José García|Paralegal & notary|Madrid|- Conveyancing|- Wills / probate"
    )


def test_html_in_its_declared_encoding() -> None:
    content = '<html><head><meta charset="windows-1252"></head><body><p>Zoë “Zo” Müller</p></body></html>'
    assert extract_resume_text(content.encode("cp1252")) == "Zoë “Zo” Müller"


def test_html_fragment_and_the_filename_as_tie_breaker() -> None:
    assert detect_format(b"<p>Zo\xc3\xab</p><p>Lawyer</p>") == "html"
    assert detect_format(b"Name: <i>Zo\xc3\xab</i>", "cv.htm") == "html"
    assert detect_format(b"Name: <i>Zo\xc3\xab</i>", "cv.txt") == "text"
    assert detect_format(b"Plain text, no tags", "cv.html") == "text"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-32", "cp1252"])
def test_plain_text_in_common_encodings(encoding: str) -> None:
    content = "François Dubois\r\n\tCorporate   Solicitor – “M&A”\r\n\r\nSkills: négociation\x07\n"
    assert extract_resume_text(content.encode(encoding), "cv.txt") == (
        "François Dubois|Corporate Solicitor – “M&A”|Skills: négociation"
    )


def test_non_latin_text() -> None:
    assert extract_resume_text("王小明\n律师 | 北京\nŁukasz".encode()) == "王小明|律师 / 北京|Łukasz"


def test_long_text_is_capped_on_a_line_boundary() -> None:
    content = "\n".join(f"Line {number} of a very long CV" for number in range(20_000)).encode()
    text = extract_resume_text(content)
    assert len(text) <= MAX_RESUME_CHARS
    assert text.endswith(" of a very long CV")
    assert extract_resume_text(content, max_chars=40) == "Line 0 of a very long CV"


# --- What cannot be read ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b" \r\n\t", "empty file"),
        (b"\x89PNG\r\n\x1a\n" + bytes(64), "unsupported format (PNG image)"),
        (b"\xff\xd8\xff\xe0" + bytes(64), "unsupported format (JPEG image)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "unsupported format (legacy Word .doc"),
        (b"{\\rtf1\\ansi Zo\\'eb}", "unsupported format (RTF document)"),
        (b"PK\x03\x04 not really a zip", "corrupt ZIP container"),
        (bytes(range(256)) * 8, "unsupported format (binary data)"),
        (b"\x00\x01\x02\x03" * 100, "unsupported format (binary data)"),
    ],
)
def test_unreadable_files_give_a_precise_reason(content: bytes, reason: str) -> None:
    with pytest.raises(UnreadableResume) as refused:
        extract_resume_text(content, "cv.pdf")
    assert refused.value.reason.startswith(reason)


def test_zip_archives_that_are_not_word_documents() -> None:
    odt = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})
    with pytest.raises(UnreadableResume, match=r"unsupported format \(OpenDocument file\)"):
        detect_format(odt, "cv.odt")
    with pytest.raises(UnreadableResume, match=r"unsupported format \(ZIP archive\)"):
        detect_format(_zip({"cv.txt": b"Zoe"}), "cv.zip")


def test_markup_with_no_text_is_refused() -> None:
    with pytest.raises(UnreadableResume, match="no text in the file"):
        extract_resume_text(b"<html><body><p> </p><script>x()</script></body></html>")
