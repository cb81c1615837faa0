"""Résumé text: recognise a file's format from its content, then extract its text.

Recruit AI matches candidates on this text, so it is extracted with care: every
page of a PDF; the paragraphs of a DOCX in document order, tables and text boxes
included; HTML without its markup; text in whichever common encoding it came in.

``extract_resume_text`` is the entry point. A file that yields no text raises
``UnreadableResume`` with a short reason, never a library's own exception: a
broken file is a fact about one candidate, not a failure of the sync.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable

from docx import Document
from lxml import etree
from pypdf import PasswordType, PdfReader

from include.plain_text import html_to_text, recruit_ai_text

# Recruit AI stores a résumé as one text field and refuses bodies over 5 MiB; the
# first 100,000 characters (some 30 pages) hold everything worth matching on.
MAX_RESUME_CHARS = 100_000


class UnreadableResume(ValueError):
    """A résumé file with no usable text; ``reason`` says why in a few words, e.g. "encrypted PDF"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- Format detection ------------------------------------------------------------------------

# Formats recognised by their first bytes that we cannot read (yet), for a precise reason.
_UNSUPPORTED_MAGIC = {
    b"\x89PNG": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
    b"II*\x00": "TIFF image",
    b"MM\x00*": "TIFF image",
    # An OLE2 container: a Word 97-2003 .doc, or a password-protected DOCX.
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": "legacy Word .doc or password-protected Office file",
    b"{\\rtf": "RTF document",
    b"\x1f\x8b": "gzip archive",
    b"Rar!": "RAR archive",
    b"7z\xbc\xaf": "7-Zip archive",
}

# What a ZIP holds, by a member that only that kind of file has.
_ZIP_MEMBERS = {
    "word/document.xml": "docx",
    "content.xml": "unsupported format (OpenDocument file)",
    "xl/workbook.xml": "unsupported format (Excel workbook)",
    "ppt/presentation.xml": "unsupported format (PowerPoint presentation)",
}

# A PDF's header must lie within its first 1024 bytes (some writers put junk before it).
_PDF_HEADER_WINDOW = 1024
# HTML announces itself with a doctype or an html/head/body tag somewhere near the top.
_HTML_DOCUMENT = re.compile(r"<!doctype\s+html|<(?:html|head|body)\b", re.IGNORECASE)
# A fragment (as some ATSs store résumés) starts with a common tag, after optional whitespace.
_HTML_FRAGMENT = re.compile(r"\s*<(?:p|div|h[1-6]|ul|ol|table|span|br|b|strong|meta)\b", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[A-Za-z][^>]*>")
# Text is "mostly printable" when this share of its first characters is.
_PRINTABLE_SHARE = 0.95
_SAMPLE_CHARS = 4096


def detect_format(content: bytes, filename: str | None = None) -> str:
    """Return "pdf", "docx", "html" or "text", judged from the content; raise ``UnreadableResume``.

    The filename only breaks a tie: a text file holding tags is HTML when it is
    named ``.html``/``.htm``. A DOCX named ``cv.pdf`` is still a DOCX.
    """
    if not content or content.isspace():
        raise UnreadableResume("empty file")
    if b"%PDF-" in content[:_PDF_HEADER_WINDOW]:
        return "pdf"
    if content.startswith(b"PK\x03\x04"):
        return _zip_format(content)
    for magic, name in _UNSUPPORTED_MAGIC.items():
        if content.startswith(magic):
            raise UnreadableResume(f"unsupported format ({name})")
    text = _decode(content)
    if text is None:
        raise UnreadableResume("unsupported format (binary data)")
    head = text[:_SAMPLE_CHARS]
    if _HTML_DOCUMENT.search(head) or _HTML_FRAGMENT.match(head):
        return "html"
    if (filename or "").lower().endswith((".html", ".htm")) and _ANY_TAG.search(head):
        return "html"
    return "text"


def _zip_format(content: bytes) -> str:
    """Return "docx" for a ZIP holding a Word document; raise ``UnreadableResume`` for any other ZIP."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise UnreadableResume("corrupt ZIP container") from None
    for member, verdict in _ZIP_MEMBERS.items():
        if member in names:
            if verdict == "docx":
                return verdict
            raise UnreadableResume(verdict)
    raise UnreadableResume("unsupported format (ZIP archive)")


def _decode(content: bytes) -> str | None:
    """Return the content decoded as text, or None when it does not look like text.

    A byte order mark decides the encoding; otherwise UTF-8 is tried, then
    Windows-1252 (what Word and Outlook on Windows write).
    """
    if content.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        encodings = ["utf-32"]
    elif content.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    elif content.startswith(b"\xef\xbb\xbf"):
        encodings = ["utf-8-sig"]
    else:
        encodings = ["utf-8", "cp1252"]
    for encoding in encodings:
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        sample = text[:_SAMPLE_CHARS]
        printable = sum(char.isprintable() or char in "\n\r\t\f" for char in sample)
        if printable >= _PRINTABLE_SHARE * len(sample):
            return text
    return None


# --- Extractors: bytes → raw text, one per format ------------------------------------------------


def _pdf_text(content: bytes) -> str:
    """Return the text of every page of a PDF."""
    try:
        reader = PdfReader(io.BytesIO(content))
        # Many PDFs are encrypted only to restrict printing or copying, with an empty
        # password to open them: pypdf reads those. Only a real password stops us.
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise UnreadableResume("encrypted PDF (needs a password)")
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except UnreadableResume:
        raise
    except Exception as error:  # pypdf raises many kinds of errors on broken files
        raise UnreadableResume(f"corrupt PDF: {type(error).__name__}") from None
    if not text.strip():
        raise UnreadableResume("PDF has no text layer (a scan?)")
    return text


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
# Every paragraph in document order: body, table cells, nested tables, text boxes.
# A text box is stored twice (modern and VML fallback); only the first copy is read.
_DOCX_PARAGRAPHS = etree.XPath(".//w:p[not(ancestor::mc:Fallback)]", namespaces={"w": _W, "mc": _MC})


def _docx_text(content: bytes) -> str:
    """Return the text of a DOCX's body, one line per paragraph (table cells included), in order."""
    try:
        body = Document(io.BytesIO(content)).element.body
        return "\n".join(paragraph.text for paragraph in _DOCX_PARAGRAPHS(body))
    except Exception as error:  # python-docx, zipfile and lxml all raise on broken files
        raise UnreadableResume(f"corrupt DOCX: {type(error).__name__}") from None


# An HTML file may declare its encoding; the declaration wins over guessing.
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def _html_text(content: bytes) -> str:
    """Return the text of an HTML file, in its declared encoding when it has one."""
    declared = _META_CHARSET.search(content[:_SAMPLE_CHARS])
    if declared and not content.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        try:
            return html_to_text(content.decode(declared.group(1).decode("ascii")))
        except (LookupError, UnicodeDecodeError):
            pass  # an unknown or wrong declaration: guess as for any text
    return html_to_text(_plain_text(content))


def _plain_text(content: bytes) -> str:
    """Return a text file's text, decoded from a common encoding."""
    text = _decode(content)
    if text is None:
        raise UnreadableResume("unsupported format (binary data)")
    return text


# How each format's raw text is extracted. To support another format (DOC, RTF,
# ODT), add a row here and teach ``detect_format`` to recognise it.
EXTRACTORS: dict[str, Callable[[bytes], str]] = {
    "pdf": _pdf_text,
    "docx": _docx_text,
    "html": _html_text,
    "text": _plain_text,
}


def extract_resume_text(
    content: bytes, filename: str | None = None, *, max_chars: int = MAX_RESUME_CHARS
) -> str:
    """Return a résumé file's text as Recruit AI wants it (clean lines joined by "|").

    At most ``max_chars`` long. Raises ``UnreadableResume`` when the file cannot
    be read or holds no text.
    """
    extract = EXTRACTORS[detect_format(content, filename)]
    text = recruit_ai_text(extract(content), max_chars=max_chars)
    if not text:
        raise UnreadableResume("no text in the file")
    return text
