"""Résumé text: detect a file's format from its content and extract its text.

Recruit AI matches candidates on this text, so it is extracted with care:
every page of a PDF, paragraphs and tables of a DOCX, HTML without markup,
text in whichever common encoding it came in. A file that yields no text
raises ``UnreadableResume`` with a short reason, never a library's exception.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

from include.plain_text import html_to_text, recruit_ai_text

# Recruit AI stores résumés as text fields; a CV longer than this is mostly noise.
MAX_RESUME_CHARS = 100_000


class UnreadableResume(ValueError):
    """A résumé file with no usable text, and why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def detect_format(content: bytes, filename: str | None = None) -> str:
    """Return "pdf", "docx", "html" or "text", judged from the content first, the name second."""
    if not content:
        raise UnreadableResume("empty file")
    head = content[:1024].lstrip()
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                if "word/document.xml" in archive.namelist():
                    return "docx"
        except zipfile.BadZipFile:
            raise UnreadableResume("corrupt ZIP container") from None
        raise UnreadableResume("unsupported format (ZIP archive that is not a Word document)")
    for magic, name in _BINARY_MAGIC.items():
        if content.startswith(magic):
            raise UnreadableResume(f"unsupported format ({name})")
    lowered = head[:200].lower()
    if lowered.startswith((b"<!doctype html", b"<html")) or b"<body" in content[:4096].lower():
        return "html"
    if _decode(content) is not None:
        name = (filename or "").lower()
        return "html" if name.endswith((".html", ".htm")) else "text"
    raise UnreadableResume("unsupported format (binary data)")


_BINARY_MAGIC = {
    b"\x89PNG": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
    b"\xd0\xcf\x11\xe0": "legacy Office document",
    b"{\\rtf": "RTF document",
}


def _decode(content: bytes) -> str | None:
    """Decode text in a common encoding, or None when it does not look like text."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    elif content.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    else:
        candidates = ["utf-8", "cp1252"]
    for encoding in candidates:
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        printable = sum(ch.isprintable() or ch in "\n\r\t" for ch in text[:4096])
        if printable >= 0.95 * min(len(text), 4096):
            return text
    return None


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            raise UnreadableResume("encrypted PDF")
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except UnreadableResume:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        raise UnreadableResume(f"corrupt PDF: {type(error).__name__}") from None
    if not text.strip():
        raise UnreadableResume("PDF has no text layer (scanned?)")
    return text


def _docx_text(content: bytes) -> str:
    from docx import Document

    try:
        document = Document(io.BytesIO(content))
    except Exception as error:
        raise UnreadableResume(f"corrupt DOCX: {type(error).__name__}") from None
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append("  ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def _html_text(content: bytes) -> str:
    return html_to_text(_decode(content) or content.decode("utf-8", errors="replace"))


def _plain_text(content: bytes) -> str:
    text = _decode(content)
    if text is None:
        raise UnreadableResume("unsupported format (binary data)")
    return text


EXTRACTORS: dict[str, Callable[[bytes], str]] = {
    "pdf": _pdf_text,
    "docx": _docx_text,
    "html": _html_text,
    "text": _plain_text,
}


def extract_resume_text(
    content: bytes, filename: str | None = None, *, max_chars: int = MAX_RESUME_CHARS
) -> str:
    """Return a résumé's text as Recruit AI wants it (lines joined by "|"); raise ``UnreadableResume``."""
    text = recruit_ai_text(EXTRACTORS[detect_format(content, filename)](content), max_chars=max_chars)
    if not text:
        raise UnreadableResume("no text in the file")
    return text
