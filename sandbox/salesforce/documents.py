"""Résumé files for the sandbox org, rendered on request from a document's text.

Formats: PDF (fpdf2; long résumés run to several pages), DOCX (python-docx),
plain text (UTF-8, some cp1252) and HTML. fpdf2's core fonts cover Latin-1
only, so in PDFs letters outside it (Ł, ś, …) are transliterated; every other
format keeps them.
"""

from __future__ import annotations

import html
import io
import unicodedata

from docx import Document
from fpdf import FPDF

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "txt": "text/plain",
    "html": "text/html",
}
_TRANSLITERATE = str.maketrans({"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "ß": "ss", "Ø": "O", "ø": "o"})


def render(lines: list[str], file_format: str, *, encoding: str = "utf-8") -> bytes:
    """Render résumé lines (the first is the heading) as a file of the given format."""
    if file_format == "pdf":
        return _pdf(lines)
    if file_format == "docx":
        return _docx(lines)
    if file_format == "html":
        body = "\n".join(
            f"<h1>{html.escape(line)}</h1>" if i == 0 else f"<p>{html.escape(line)}</p>"
            for i, line in enumerate(lines)
        )
        return f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{body}</body></html>".encode()
    return "\n".join(lines).encode(encoding, errors="replace")


def latin1(text: str) -> str:
    """Return text that fpdf2's core fonts can draw (what a PDF of it will say)."""
    text = text.translate(_TRANSLITERATE)
    if all(ord(c) < 256 for c in text):
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if ord(c) < 256 and not unicodedata.combining(c))


def _pdf(lines: list[str]) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=16)
    pdf.multi_cell(0, 9, latin1(lines[0]), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    for line in lines[1:]:
        pdf.multi_cell(0, 6, latin1(line), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _docx(lines: list[str]) -> bytes:
    document = Document()
    document.add_heading(lines[0], level=1)
    for line in lines[1:]:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
