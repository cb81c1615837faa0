"""Résumé text extraction, on real files of each format built here with the usual libraries."""

from __future__ import annotations

import contextlib
import io
import os
import random
import re
import signal
import struct
import threading
import time
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from docx import Document
from docx.oxml import parse_xml
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from include import resume_text
from include.plain_text import recruit_ai_text
from include.resume_text import (
    DEFAULT_EXTRACTION_SECONDS,
    DEFAULT_MAX_RESUME_BYTES,
    MAX_RESUME_CHARS,
    UnreadableResume,
    detect_format,
    extract_resume_text,
    run_with_time_limit,
)
from sandbox.salesforce.documents import FORMATS, FileSpec, compose, document_text, render, unicode_pdf_font

FIXTURES = Path(__file__).parents[1] / "fixtures"

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
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "corrupt OLE2 container: "),
        (b"PK\x03\x04 not really a zip", "corrupt ZIP container"),
        (bytes(range(256)) * 8, "unsupported format (binary data)"),
        (b"\x00\x01\x02\x03" * 100, "unsupported format (binary data)"),
    ],
)
def test_unreadable_files_give_a_precise_reason(content: bytes, reason: str) -> None:
    with pytest.raises(UnreadableResume) as refused:
        extract_resume_text(content, "cv.pdf")
    assert refused.value.reason.startswith(reason)


def test_zip_archives_that_are_not_text_documents() -> None:
    ods = _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"})
    with pytest.raises(UnreadableResume, match=r"unsupported format \(OpenDocument spreadsheet\)"):
        detect_format(ods, "cv.odt")
    with pytest.raises(UnreadableResume, match=r"unsupported format \(OpenDocument file\)"):
        detect_format(_zip({"content.xml": b"<x/>"}), "cv.odt")
    with pytest.raises(UnreadableResume, match=r"unsupported format \(ZIP archive\)"):
        detect_format(_zip({"cv.txt": b"Zoe"}), "cv.zip")


def test_markup_with_no_text_is_refused() -> None:
    with pytest.raises(UnreadableResume, match="no text in the file"):
        extract_resume_text(b"<html><body><p> </p><script>x()</script></body></html>")


# --- Every format, as the sandbox org generates it -----------------------------------------------

_CONTACTS = {
    "latin": {"Id": "003A", "FirstName": "Zoë", "LastName": "Ó Súilleabháin", "MailingCity": "Zürich"},
    "polish": {"Id": "003B", "FirstName": "Łukasz", "LastName": "Wiśniewski", "MailingCity": "Łódź"},
    "chinese": {"Id": "003C", "FirstName": "芳", "LastName": "王", "MailingCity": "北京"},
    # Beyond the Latin cut of the PDF font the generator uses: a PDF embeds the whole font.
    "greek": {"Id": "003D", "FirstName": "Γιώργος", "LastName": "Παπαδόπουλος", "MailingCity": "Αθήνα"},
}


def _spec(file_format: str, contact: str, *, long: bool = False, legacy: bool = False) -> FileSpec:
    return FileSpec(
        document_id="a0X000000000001",
        kind="Resume",
        version=2,
        file_format=file_format,
        legacy_encoding=legacy,
        long=long,
        contact=_CONTACTS[contact],
        created=datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC),
        seed=11,
    )


@pytest.mark.parametrize("long", [False, True])
@pytest.mark.parametrize("contact", sorted(_CONTACTS))
@pytest.mark.parametrize("file_format", FORMATS)
def test_sandbox_files_of_every_format_give_their_text(file_format: str, contact: str, long: bool) -> None:
    spec = _spec(file_format, contact, long=long, legacy=True)
    if file_format == "pdf" and (contact == "chinese" or not unicode_pdf_font()):
        pytest.skip("the sandbox's PDF font has no glyphs for this name")
    content = render(spec)
    source = document_text(spec)
    if file_format == "html":  # list items come out as "- item", as in any HTML résumé
        source = "\n".join(("- " if block.style == "bullet" else "") + block.text for block in compose(spec))
    expected = recruit_ai_text(source)
    text = extract_resume_text(content, spec.file_name)
    if file_format == "pdf":  # a PDF holds lines as laid out: long paragraphs wrap
        assert text.replace("|", " ").split() == expected.replace("|", " ").split()
        assert set(expected.split("|")) - set(text.split("|")) <= {
            line for line in source.splitlines() if len(line) > 60
        }
    else:
        assert text == expected
    assert text.startswith(document_text(spec).splitlines()[0])  # the name, letters intact
    assert text.endswith("|Version 2")
    if file_format == "pdf" and long:
        assert len(PdfReader(io.BytesIO(content)).pages) >= 2


def test_detection_trusts_content_over_the_file_name() -> None:
    for file_format, detected in {"odt": "odt", "rtf": "rtf", "docx": "docx", "pdf": "pdf"}.items():
        assert detect_format(render(_spec(file_format, "latin")), "cv.txt") == detected
    assert detect_format((FIXTURES / "doc" / "zoe_short.doc").read_bytes(), "cv.pdf") == "doc"


# --- DOC (Word 97-2003), through antiword ----------------------------------------------------------

needs_antiword = pytest.mark.skipif(
    not __import__("shutil").which("antiword"), reason="antiword is not installed (make setup)"
)
# antiword prints the outline number Word gives a heading ("2 Skills").
_HEADING_NUMBER = re.compile(r"^\d+ ")


@needs_antiword
@pytest.mark.parametrize("name", ["zoe_short", "lukasz_wang_long", "john_cover_letter"])
def test_doc_files_give_their_text(name: str) -> None:
    content = (FIXTURES / "doc" / f"{name}.doc").read_bytes()
    source = (FIXTURES / "doc" / f"{name}.txt").read_text(encoding="utf-8")
    text = extract_resume_text(content, f"{name}.doc")
    assert [_HEADING_NUMBER.sub("", line) for line in text.split("|")] == recruit_ai_text(source).split("|")


@needs_antiword
def test_doc_keeps_non_ascii_letters() -> None:
    text = extract_resume_text((FIXTURES / "doc" / "lukasz_wang_long.doc").read_bytes())
    assert text.startswith("Łukasz Wiśniewski-王芳|Kraków, Poland")


def test_doc_without_antiword_says_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resume_text, "ANTIWORD", "antiword-that-is-not-installed")
    with pytest.raises(UnreadableResume, match=r"^cannot read DOC: antiword is not installed"):
        extract_resume_text((FIXTURES / "doc" / "zoe_short.doc").read_bytes())


def _with_fib_flags(content: bytes, flags: int) -> bytes:
    """The DOC with its header's flags changed in place (the WordDocument stream starts with the FIB)."""
    import olefile

    with olefile.OleFileIO(content) as ole:
        header = bytearray(ole.openstream("WordDocument").read(12))
    struct.pack_into("<H", header, 10, struct.unpack_from("<H", header, 10)[0] | flags)
    position = content.index(bytes(header[:10]))  # the FIB's start: magic, version, language...
    return content[:position] + bytes(header) + content[position + 12 :]


def test_encrypted_doc_is_refused() -> None:
    content = _with_fib_flags((FIXTURES / "doc" / "zoe_short.doc").read_bytes(), 0x0100)
    with pytest.raises(UnreadableResume) as refused:
        extract_resume_text(content)
    assert refused.value.reason == "encrypted DOC (needs a password)"


@needs_antiword
def test_damaged_doc_never_escapes_as_a_library_error() -> None:
    content = (FIXTURES / "doc" / "lukasz_wang_long.doc").read_bytes()
    for size in (0, 512, 4096, len(content) // 2, len(content) - 1):
        with contextlib.suppress(UnreadableResume):
            assert extract_resume_text(content[:size])
    rng = random.Random(3)
    for _ in range(10):
        damaged = bytearray(content)
        for _ in range(16):
            damaged[rng.randrange(512, len(damaged))] = rng.randrange(256)
        with contextlib.suppress(UnreadableResume):
            extract_resume_text(bytes(damaged))


# --- ODT and RTF details ---------------------------------------------------------------------------

_ODF = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
)


def _odt(body: str) -> bytes:
    content = f"<office:document-content {_ODF}><office:body><office:text>{body}</office:text></office:body>"
    return _zip(
        {
            "mimetype": b"application/vnd.oasis.opendocument.text",
            "content.xml": (content + "</office:document-content>").encode(),
        }
    )


def test_odt_tables_spaces_and_breaks_but_not_comments_or_deleted_text() -> None:
    content = _odt(
        "<text:tracked-changes><text:changed-region><text:deletion><text:p>Old name</text:p>"
        "</text:deletion></text:changed-region></text:tracked-changes>"
        "<text:h>Zoë<text:s text:c='3'/>Müller</text:h>"
        "<text:p>Avocate<office:annotation><text:p>check this</text:p></office:annotation> à Paris"
        "<text:line-break/>Droit<text:tab/>social</text:p>"
        "<table:table><table:table-row><table:table-cell><text:p>Langues</text:p></table:table-cell>"
        "<table:table-cell><text:p>français, 中文</text:p></table:table-cell></table:table-row></table:table>"
    )
    assert extract_resume_text(content) == "Zoë Müller|Avocate à Paris|Droit social|Langues|français, 中文"


def test_odt_entities_are_not_expanded() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        f"<office:document-content {_ODF}><office:body><office:text><text:p>Zoë &b;</text:p>"
        "</office:text></office:body></office:document-content>"
    )
    content = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": bomb.encode()})
    with contextlib.suppress(UnreadableResume):
        assert "aaaaaaaaaa" not in extract_resume_text(content)


@pytest.mark.parametrize(
    ("members", "reason"),
    [
        ({"content.xml": b"<office:document-content"}, "corrupt ODT: XMLSyntaxError"),
        ({}, "corrupt ODT: KeyError"),
        ({"content.xml": b"<x/>"}, "corrupt ODT: no document body"),
    ],
)
def test_corrupt_odt_is_refused_with_its_reason(members: dict[str, bytes], reason: str) -> None:
    content = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", **members})
    with pytest.raises(UnreadableResume) as refused:
        extract_resume_text(content)
    assert refused.value.reason == reason


def test_rtf_code_page_and_unicode_escapes() -> None:
    content = (
        rb"{\rtf1\ansi\ansicpg1252\deff0\uc1{\fonttbl{\f0\fswiss\fcharset0 Arial;}}"
        rb"{\info{\title CV}}\f0\b Zo\'eb M\'fcller\b0\par "
        rb"\u321?ukasz \u29579?\u33459?\par\pard Skills:\tab GDPR | M\'26A\par}"
    )
    assert extract_resume_text(content, "cv.rtf") == "Zoë Müller|Łukasz 王芳|Skills: GDPR / M&A"


def test_rtf_with_nothing_but_markup_is_refused() -> None:
    with pytest.raises(UnreadableResume, match="no text in the file"):
        extract_resume_text(rb"{\rtf1\ansi{\fonttbl{\f0 Arial;}}\par\par}")


# --- Limits: size and time -------------------------------------------------------------------------


def test_defaults_are_documented_values() -> None:
    assert DEFAULT_MAX_RESUME_BYTES == 10 * 1024 * 1024
    assert DEFAULT_EXTRACTION_SECONDS == 30


def test_zero_byte_file_is_refused() -> None:
    with pytest.raises(UnreadableResume) as refused:
        extract_resume_text(b"", "cv.pdf")
    assert refused.value.reason == "empty file (0 bytes)"


def test_file_over_the_size_limit_is_refused_unread() -> None:
    content = _pdf(["Zoë Müller"])
    assert extract_resume_text(content, max_bytes=len(content)) == "Zoë Müller"
    with pytest.raises(UnreadableResume) as refused:
        extract_resume_text(content, max_bytes=len(content) - 1)
    assert (
        refused.value.reason == f"file too large ({len(content):,} bytes, the limit is {len(content) - 1:,})"
    )
    huge = b"Zoe\n" * (DEFAULT_MAX_RESUME_BYTES // 4 + 1)
    with pytest.raises(
        UnreadableResume, match=r"^file too large \(10,485,76\d bytes, the limit is 10,485,760\)"
    ):
        extract_resume_text(huge)


def _sleep_then_answer(seconds: float) -> str:
    """Run in the worker process: a stand-in for a parser stuck on a pathological file."""
    time.sleep(seconds)
    return "too late"


def _raise_value_error(_: bytes) -> str:
    raise ValueError("a parser bug")


def _exit_abruptly(code: int) -> str:
    os._exit(code)


def test_an_extraction_over_its_time_limit_is_stopped() -> None:
    started = time.monotonic()
    with pytest.raises(UnreadableResume) as refused:
        run_with_time_limit(_sleep_then_answer, 30.0, timeout_seconds=0.5)
    assert refused.value.reason == "extraction timed out after 0.5 s"
    assert time.monotonic() - started < 5, "the caller waited for the stuck extraction"
    # The stuck worker was replaced: the next file is read as usual.
    assert run_with_time_limit(_sleep_then_answer, 0.0, timeout_seconds=30) == "too late"


def _worker_pid_after(seconds: float) -> str:
    """Run in the worker process: which worker served the request, after a short wait."""
    time.sleep(seconds)
    return str(os.getpid())


def test_no_more_workers_run_at_once_than_the_bound_and_waiting_does_not_count() -> None:
    bound = resume_text._MAX_WORKERS
    requests = bound * 3

    def ask(seconds: float, timeout: float) -> str:
        return run_with_time_limit(_worker_pid_after, seconds, timeout_seconds=timeout)

    with ThreadPoolExecutor(max_workers=requests) as threads:
        # Started first (overlapping, so each request starts its own) and kept idle for what is timed.
        list(threads.map(lambda _: ask(0.5, 30), range(bound)))
        started = time.monotonic()
        # Three rounds of 1 s: the last waits 2 s, so it would overrun 2.5 s if waiting counted.
        pids = list(threads.map(lambda _: ask(1.0, 2.5), range(requests)))
    assert len(set(pids)) <= bound, f"{len(set(pids))} workers for a bound of {bound}"
    assert time.monotonic() - started >= 1.0 * 3, "the requests beyond the bound waited their turn"


def _length_of(content: bytes) -> str:
    return str(len(content))


def test_a_worker_that_stops_reading_cannot_hold_a_request_past_its_time_limit() -> None:
    assert run_with_time_limit(_length_of, b"x" * 10, timeout_seconds=30) == "10"
    worker = resume_text._POOL.take()
    resume_text._POOL.give_back(worker)  # the idle worker the next request takes
    os.kill(worker.process.pid, signal.SIGSTOP)  # alive, reading nothing: the pipe fills
    with ThreadPoolExecutor(max_workers=1) as thread:
        request = thread.submit(run_with_time_limit, _length_of, b"x" * 4_000_000, timeout_seconds=1)
        try:
            refused = request.exception(timeout=5)
        except TimeoutError:
            worker.stop()  # frees the blocked write, so the test ends
            pytest.fail("the request's write waited past the time limit")
    assert isinstance(refused, UnreadableResume)
    assert refused.reason == "extraction timed out after 1 s"
    assert not worker.alive(), "the stuck worker is stopped"
    assert run_with_time_limit(_length_of, b"x" * 4_000_000, timeout_seconds=30) == "4000000"


def test_a_large_pdf_against_a_tiny_time_limit() -> None:
    content = _pdf(*[[f"Page {page} of Zoë's CV"] * 40 for page in range(60)])
    assert extract_resume_text(content, timeout_seconds=60).startswith("Page 0 of Zoë's CV|")
    with pytest.raises(UnreadableResume, match=r"^extraction timed out after 0\.001 s$"):
        extract_resume_text(content, timeout_seconds=0.001)


@needs_antiword
def test_doc_extraction_has_the_time_limit_too() -> None:
    content = (FIXTURES / "doc" / "lukasz_wang_long.doc").read_bytes()
    with pytest.raises(UnreadableResume, match=r"^extraction timed out after 1e-06 s$"):
        extract_resume_text(content, timeout_seconds=1e-6)


def test_a_failing_or_crashing_worker_becomes_a_reason() -> None:
    with pytest.raises(UnreadableResume) as failed:
        run_with_time_limit(_raise_value_error, b"", timeout_seconds=30)
    assert failed.value.reason == "extraction failed: ValueError"
    with pytest.raises(UnreadableResume) as crashed:
        run_with_time_limit(_exit_abruptly, 3, timeout_seconds=30)
    assert crashed.value.reason == "extraction crashed (worker exit code 3)"
    assert run_with_time_limit(_sleep_then_answer, 0.0, timeout_seconds=30) == "too late"


def test_no_time_limit_reads_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> str:
        raise AssertionError("no worker process wanted")

    monkeypatch.setattr(resume_text, "run_with_time_limit", refuse)
    assert extract_resume_text(_pdf(["Zoë Müller"]), timeout_seconds=None) == "Zoë Müller"


def test_threads_share_the_workers_safely() -> None:
    files = [
        render(_spec(file_format, contact))
        for file_format in ("pdf", "docx", "odt", "rtf")
        for contact in ("latin", "polish")
    ]
    expected = [extract_resume_text(content) for content in files]
    results: dict[int, list[str]] = {}

    def work(number: int, extract: Callable[[bytes], str] = extract_resume_text) -> None:
        results[number] = [extract(content) for content in files]

    threads = [threading.Thread(target=work, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert results == dict.fromkeys(range(4), expected)
