"""Résumé, cover-letter and reference files, rendered on demand from a small spec.

No file body is stored: a ``FileSpec`` (document id, kind, version, format and
the contact as it was when the file was written) renders the same text every
time, so an org of 100,000 candidates costs no file memory. Formats: PDF
(fpdf2, some running to several pages), DOCX (python-docx's default template,
with a body of Title, Heading 1, "List Bullet" and bold paragraphs), ODT (an
OpenDocument zip written here: content.xml with headings, a bulleted list and
bold entries, plus its manifest), RTF (written here: Windows-1252 escapes for
Western letters, ``\\uN?`` for the rest), plain text (UTF-8, or Windows-1252
with CRLF line ends when the text fits it) and HTML.

Word 97-2003 DOC files are not generated: no maintained pure-Python library
writes them. ``tests/fixtures/*.doc`` holds a few real ones, converted once by
LibreOffice from this module's ODT files.

PDF fonts: fpdf2's core Helvetica covers Latin-1 only. A document whose text
fits Latin-1 once bullets, dashes and the euro sign are spelled in ASCII is set
in Helvetica (fast). Any other (Łukasz, Dvořák, Łódź) embeds DejaVu Sans from
the machine (Debian's fonts-dejavu-core, or matplotlib's copy); where no
DejaVu Sans is found, its text is transliterated to Latin-1 (Łukasz → Lukasz).

Speed: a real org serves stored bytes, while this sandbox makes them on the cores
the sync under test shares. So the servers render in worker processes
(``render_in_pool``), off the GIL their requests need; DejaVu is cut down once
to the Latin-1 and Latin Extended-A letters and the punctuation the generator
writes (``pdf_font_cut``: parsing and subsetting the whole 700 KB font took
100 ms a file), and only text beyond that, never generated, embeds the whole
font; a DOCX is the default template, compressed once, with its own body
appended (python-docx parsed 350 KB of styles per file).
``document_text`` returns the text exactly as rendered, so what an extractor
reads can be compared with it.
"""

from __future__ import annotations

import functools
import hashlib
import html
import importlib.util
import io
import logging
import multiprocessing
import os
import random
import struct
import tempfile
import threading
import unicodedata
import zipfile
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import fontTools
from docx import Document
from fontTools import subset
from fpdf import FPDF, XPos, YPos

from sandbox.salesforce.vocabulary import (
    CONTACT_TITLES,
    FIELDS_OF_WORK,
    LANGUAGES,
    NAMED_ACCOUNTS,
    SECTORS,
    UNIVERSITIES,
)

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "txt": "text/plain",
    "html": "text/html",
    "odt": "application/vnd.oasis.opendocument.text",
    "rtf": "application/rtf",
}
FORMATS = tuple(CONTENT_TYPES)

_ASCII_TYPOGRAPHY = str.maketrans({"•": "-", "–": "-", "—": "-", "€": "EUR ", "’": "'", "“": '"', "”": '"'})
# Letters NFKD does not take apart into a base letter and an accent.
_FOLDS = str.maketrans(
    {"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Đ": "D", "đ": "d", "Œ": "OE", "œ": "oe", "ı": "i", "Æ": "AE"}
    | {"æ": "ae", "ß": "ss", "Þ": "Th", "þ": "th", "Ð": "D", "ð": "d"}
)
_DEJAVU_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


@dataclass(frozen=True, slots=True)
class FileSpec:
    """Everything needed to render one document's file.

    ``contact`` is the Contact record as it was generated (records are replaced,
    never mutated, when they change), so a file does not change when the
    candidate's record does, as in a real org.
    """

    document_id: str
    kind: str  # Resume, Cover Letter or Reference
    version: int
    file_format: str  # one of FORMATS
    legacy_encoding: bool  # plain text saved as Windows-1252 when it fits
    long: bool  # a résumé long enough to run over several PDF pages
    contact: Mapping[str, Any]
    created: datetime
    seed: int

    @property
    def content_type(self) -> str:
        """The file's MIME type."""
        return CONTENT_TYPES[self.file_format]

    @property
    def file_name(self) -> str:
        """A file name as a candidate would upload it, e.g. ``Zoe_Muller_Resume_v2.pdf``."""
        name = "_".join(ascii_fold(part).replace(" ", "_") for part in _name_parts(self.contact))
        kind = self.kind.replace(" ", "_")
        return f"{name}_{kind}_v{self.version}.{self.file_format}"


@dataclass(frozen=True, slots=True)
class Block:
    """One line of a document: a title, contact line, heading, entry, paragraph or bullet."""

    style: str
    text: str


@functools.lru_cache(maxsize=4096)
def ascii_fold(text: str) -> str:
    """Spell text in ASCII letters (Łukasz Ñúñez → Lukasz Nunez), dropping apostrophes."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLDS))
    return "".join(char for char in decomposed if char.isascii() and char != "'")


def full_name(contact: Mapping[str, Any]) -> str:
    """The contact's name as a heading shows it."""
    return " ".join(_name_parts(contact))


def document_text(spec: FileSpec) -> str:
    """The text the file is rendered from, as a text extractor should find it, one block a line."""
    blocks, font = _rendered_blocks(spec)
    # Formats with real list markup carry no bullet character in their text.
    bullet = "" if spec.file_format in ("docx", "html", "odt") else "• "
    if spec.file_format == "pdf" and font is None:
        bullet = "- "
    return "\n".join(bullet + block.text if block.style == "bullet" else block.text for block in blocks)


def render(spec: FileSpec) -> bytes:
    """Render the file's bytes."""
    blocks, font = _rendered_blocks(spec)
    if spec.file_format == "pdf":
        return _pdf(blocks, spec, font)
    if spec.file_format == "docx":
        return _docx(blocks, spec)
    if spec.file_format == "html":
        return _html(blocks, spec).encode("utf-8")
    if spec.file_format == "odt":
        return _odt(blocks, spec)
    if spec.file_format == "rtf":
        return _rtf(blocks, spec)
    return _plain_text(spec)


_pool_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


def render_in_pool(spec: FileSpec) -> bytes:
    """Render the file's bytes in a worker process (started on first use, shared by the process).

    Rendering a PDF or DOCX is CPU work: in a server's request thread it would hold
    the GIL every other request needs, and use one core. A real org serves stored
    bytes; this keeps the sandbox's cost of making them off the API's path. A broken
    pool (a worker killed) is replaced by rendering here.
    """
    global _pool  # noqa: PLW0603 -- one pool per process, made on first use
    with _pool_lock:
        if _pool is None:
            workers = min(4, os.cpu_count() or 1)
            # Spawned, not forked: the servers' threads may hold locks a fork would copy held.
            _pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
        pool = _pool
    try:
        return pool.submit(render, spec).result()
    except (BrokenProcessPool, RuntimeError):  # a worker killed, or the pool shut down at exit
        with _pool_lock:
            if _pool is pool:
                _pool = None
        pool.shutdown(wait=False, cancel_futures=True)
        return render(spec)


def _name_parts(contact: Mapping[str, Any]) -> list[str]:
    return [part for part in (contact.get("FirstName"), contact.get("LastName")) if part]


# ---- what a document says ------------------------------------------------------------------------


def compose(spec: FileSpec) -> list[Block]:
    """The document's content, with its real typography (bullets, dashes, accents)."""
    # Versions of one candidate's document share their body: only the version line differs.
    rng = random.Random(f"{spec.seed}:{spec.contact['Id']}:{spec.kind}")
    if spec.kind == "Cover Letter":
        blocks = _cover_letter(spec, rng)
    elif spec.kind == "Reference":
        blocks = _reference(spec, rng)
    else:
        blocks = _resume(spec, rng)
    blocks.append(Block("paragraph", f"Version {spec.version}"))
    return blocks


def _contact_line(contact: Mapping[str, Any]) -> str:
    """Where the candidate is and how to reach them, always at least two parts joined by " | "."""
    location = ", ".join(part for part in (contact.get("MailingCity"), contact.get("MailingCountry")) if part)
    email = contact.get("Email") or f"{ascii_fold(full_name(contact)).lower().replace(' ', '.')}@example.com"
    parts = [location or "Open to relocation", email]
    if contact.get("Phone"):
        parts.append(contact["Phone"])
    return " | ".join(parts)


def _resume(spec: FileSpec, rng: random.Random) -> list[Block]:
    contact = spec.contact
    work = FIELDS_OF_WORK[rng.choice(sorted(FIELDS_OF_WORK))]
    title = contact.get("Title") or rng.choice(CONTACT_TITLES)
    summary = work["summary"].format(
        title=title,
        years=rng.randint(2, 25),
        sector=rng.choice(SECTORS),
        skill=rng.choice(work["skills"]).lower(),
    )
    blocks = [
        Block("title", full_name(contact)),
        Block("contact", _contact_line(contact)),
        Block("heading", "Summary"),
        Block("paragraph", summary),
        Block("heading", "Skills"),
        Block("paragraph", ", ".join(rng.sample(work["skills"], k=rng.randint(4, 7)))),
        Block("heading", "Experience"),
    ]
    year = 2026
    for number in range(rng.randint(9, 12) if spec.long else rng.randint(2, 4)):
        start = year - rng.randint(1, 4)
        until = "present" if number == 0 else str(year)
        employer = rng.choice(NAMED_ACCOUNTS)
        blocks.append(Block("entry", f"{rng.choice(CONTACT_TITLES)}, {employer} ({start}–{until})"))
        for bullet in rng.sample(work["bullets"], k=rng.randint(2, 4)):
            text = bullet.format(
                client=rng.choice(NAMED_ACCOUNTS), amount=rng.randint(2, 400), team=rng.randint(2, 9)
            )
            blocks.append(Block("bullet", text))
        year = start
    blocks.append(Block("heading", "Education"))
    blocks.append(
        Block("paragraph", f"{rng.choice(work['degrees'])}, {rng.choice(UNIVERSITIES)} ({year - 1})")
    )
    if rng.random() < 0.4:
        languages = ", ".join(rng.sample(LANGUAGES, k=rng.randint(1, 2)))
        blocks.append(Block("heading", "Languages"))
        blocks.append(Block("paragraph", f"English (fluent), {languages}"))
    return blocks


def _cover_letter(spec: FileSpec, rng: random.Random) -> list[Block]:
    contact = spec.contact
    role = contact.get("Title") or rng.choice(CONTACT_TITLES)
    firm = rng.choice(NAMED_ACCOUNTS)
    return [
        Block("title", full_name(contact)),
        Block("contact", _contact_line(contact)),
        Block("paragraph", "Dear Hiring Manager,"),
        Block(
            "paragraph",
            f"I am writing to apply for the {role} role. For the last {rng.randint(2, 12)} years I have "
            f"worked with {firm}, where I learnt to deliver under pressure – and to enjoy it.",
        ),
        Block(
            "paragraph",
            "I would welcome the chance to discuss how my experience fits your team's plans for "
            f"{rng.choice(SECTORS)} clients.",
        ),
        Block("paragraph", "Kind regards,"),
        Block("paragraph", full_name(contact)),
    ]


def _reference(spec: FileSpec, rng: random.Random) -> list[Block]:
    name = full_name(spec.contact)
    return [
        Block("title", f"Reference for {name}"),
        Block(
            "paragraph",
            f"I have known {name} for {rng.randint(2, 9)} years as a colleague at "
            f"{rng.choice(NAMED_ACCOUNTS)} and recommend them without reservation.",
        ),
        Block("paragraph", "References available on request: this letter may be shared with employers."),
    ]


# ---- formats -------------------------------------------------------------------------------------


def _has_bold(font: Path) -> bool:
    return font.with_name("DejaVuSans-Bold.ttf").is_file()


@functools.cache
def unicode_pdf_font() -> Path | None:
    """DejaVu Sans, wherever the machine has it; None means non-Latin-1 PDF text is transliterated."""
    directories = list(_DEJAVU_DIRS)
    matplotlib = importlib.util.find_spec("matplotlib")
    if matplotlib is not None and matplotlib.origin:
        directories.append(Path(matplotlib.origin).parent / "mpl-data" / "fonts" / "ttf")
    for directory in directories:
        regular = directory / "DejaVuSans.ttf"
        if regular.is_file():
            return regular
    return None


# Latin-1 and Latin Extended-A letters, dashes, quotes, bullets and the euro sign.
_CUT_RANGES = ((0x20, 0x7E), (0xA0, 0x17F), (0x2010, 0x2027), (0x20AC, 0x20AC))
_CUT_CHARACTERS = frozenset(chr(code) for first, last in _CUT_RANGES for code in range(first, last + 1))
_cut_lock = threading.Lock()
_cuts: dict[Path, Path] = {}  # font → its cut, in this process
log = logging.getLogger(__name__)
# fontTools narrates each subset at INFO and warns of tables it drops (FFTM): not the sandbox's news.
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)


def pdf_font_cut(font: Path) -> Path:
    """``font`` cut down to ``_CUT_RANGES`` (the bold face beside it), made once per machine and user.

    The cut goes to the temporary directory under a name that says which user,
    font file, ranges and fontTools made it, so every process (the render pool's
    workers, the next run) reuses it; it is written under a temporary name and
    moved into place, so a reader never sees half a font. Where it cannot be
    made or kept (a read-only or foreign directory), the whole font is used.
    """
    with _cut_lock:
        cut = _cuts.get(font)
        if cut is not None and cut.is_file():  # made already (and not cleaned away since)
            return cut
        try:
            _cuts[font] = cut = _cut_font(font)
            return cut
        except OSError as error:
            log.warning("Embedding the whole PDF font: could not cut it (%s)", type(error).__name__)
            return font


def _cut_font(font: Path) -> Path:
    stat = font.stat()
    source = repr((str(font), stat.st_size, stat.st_mtime_ns, _CUT_RANGES, fontTools.version))
    tag = hashlib.sha256(source.encode()).hexdigest()[:16]
    directory = Path(tempfile.gettempdir()) / f"sandbox-pdf-font-{os.getuid()}-{tag}"
    directory.mkdir(mode=0o700, exist_ok=True)
    if directory.stat().st_uid != os.getuid():
        raise PermissionError(f"{directory} belongs to another user")
    faces = [font, *([font.with_name("DejaVuSans-Bold.ttf")] if _has_bold(font) else [])]
    for face in faces:
        if (directory / face.name).is_file():
            continue
        options = subset.Options()
        options.name_IDs = ["*"]  # keep the family name PDF readers show
        options.notdef_outline = True
        cutter = subset.Subsetter(options)
        cutter.populate(unicodes=[ord(char) for char in _CUT_CHARACTERS])
        cut = subset.load_font(str(face), options)
        cutter.subset(cut)
        with tempfile.NamedTemporaryFile(dir=directory, suffix=".part", delete=False) as part:
            subset.save_font(cut, part.name, options)
        os.replace(part.name, directory / face.name)
    return directory / font.name


def _fits_latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def _to_latin1(text: str) -> str:
    """Transliterate what Latin-1 cannot hold (Ł → L, ř → r)."""
    return "".join(char if ord(char) < 256 else ascii_fold(char) or "?" for char in text)


def _pdf_font(blocks: list[Block]) -> Path | None:
    """None when Helvetica can set the blocks, else the Unicode font to embed (blocks use real typography)."""
    if all(_fits_latin1(block.text.translate(_ASCII_TYPOGRAPHY)) for block in blocks):
        return None
    return unicode_pdf_font()


def _rendered_blocks(spec: FileSpec) -> tuple[list[Block], Path | None]:
    """The blocks as the format can set them: PDFs without a Unicode font get Latin-1 text."""
    blocks = compose(spec)
    if spec.file_format != "pdf":
        return blocks, None
    font = _pdf_font(blocks)
    if font is not None:
        return blocks, font
    return [Block(block.style, _to_latin1(block.text.translate(_ASCII_TYPOGRAPHY))) for block in blocks], None


_PDF_STYLES = {
    # style: (bold, size, line height, space before)
    "title": (True, 18.0, 9.0, 0.0),
    "contact": (False, 9.5, 5.0, 0.0),
    "heading": (True, 12.5, 7.0, 4.0),
    "entry": (True, 10.5, 6.0, 2.0),
    "paragraph": (False, 10.5, 5.5, 1.0),
    "bullet": (False, 10.5, 5.5, 0.0),
}


def _pdf(blocks: list[Block], spec: FileSpec, font: Path | None) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(spec.created)
    pdf.set_creator("Talent Rover")
    pdf.set_title(f"{spec.kind} v{spec.version}")
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(auto=True, margin=18)
    family, bullet = "Helvetica", "-"
    if font is not None:
        family, bullet = "DejaVu", "•"
        if all(_CUT_CHARACTERS.issuperset(block.text) for block in blocks):
            font = pdf_font_cut(font)
        pdf.add_font(family, "", str(font))
        pdf.add_font(family, "B", str(font.with_name("DejaVuSans-Bold.ttf") if _has_bold(font) else font))
    pdf.add_page()
    for block in blocks:
        bold, size, height, space = _PDF_STYLES[block.style]
        pdf.set_font(family, "B" if bold else "", size)
        if space:
            pdf.ln(space)
        text = f"{bullet} {block.text}" if block.style == "bullet" else block.text
        indent = 4 if block.style == "bullet" else 0
        pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(pdf.epw - indent, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


_DOCX_BODY, _DOCX_CORE = "word/document.xml", "docProps/core.xml"
# python-docx's default template's style ids (Word's "Title", "Heading 1", "List Bullet").
_DOCX_STYLE_IDS = {"title": "Title", "heading": "Heading1", "bullet": "ListBullet"}
_DOCX_CORE_XML = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
    ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:title>{title}</dc:title><dc:creator>Talent Rover</dc:creator><cp:revision>1</cp:revision>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
    "</cp:coreProperties>"
)


@functools.cache
def _docx_skeleton() -> tuple[bytes, str, str]:
    """python-docx's default document without its body and core properties, and the body's two ends.

    Every file is this package (styles, numbering, theme, compressed once) with its
    own ``document.xml`` and ``core.xml`` appended: building each with python-docx
    parsed the 350 KB of styles every time.
    """
    template = io.BytesIO()
    Document().save(template)
    skeleton = io.BytesIO()
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(skeleton, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename not in (_DOCX_BODY, _DOCX_CORE):
                # Word stamps every member 1980-01-01; python-docx stamps the clock's time,
                # which would make each process's copy (and so each file) differ.
                member = zipfile.ZipInfo(item.filename, date_time=(1980, 1, 1, 0, 0, 0))
                member.compress_type = zipfile.ZIP_DEFLATED
                target.writestr(member, source.read(item))
        body = source.read(_DOCX_BODY).decode("utf-8")
    opening, closing = body.index("<w:body>") + len("<w:body>"), body.index("<w:sectPr")
    return skeleton.getvalue(), body[:opening], body[closing:]


# Characters XML 1.0 forbids (python-docx refused them); tabs and line breaks become spaces.
_XML_UNSAFE = str.maketrans({code: " " if code in (9, 10, 13) else None for code in range(32)})


def _docx_paragraph(block: Block) -> str:
    text = f'<w:t xml:space="preserve">{html.escape(block.text.translate(_XML_UNSAFE), quote=False)}</w:t>'
    if block.style == "entry":
        return f"<w:p><w:r><w:rPr><w:b/></w:rPr>{text}</w:r></w:p>"
    style = _DOCX_STYLE_IDS.get(block.style)
    properties = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f"<w:p>{properties}<w:r>{text}</w:r></w:p>"


def _docx(blocks: list[Block], spec: FileSpec) -> bytes:
    skeleton, opening, closing = _docx_skeleton()
    body = opening + "".join(_docx_paragraph(block) for block in blocks) + closing
    created = spec.created.astimezone(UTC)
    core = _DOCX_CORE_XML.format(
        title=html.escape(f"{spec.kind} v{spec.version}", quote=False),
        stamp=created.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    buffer = io.BytesIO(skeleton)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as package:
        for name, xml in ((_DOCX_CORE, core), (_DOCX_BODY, body)):
            # Stamped with the file's own time, not the clock's: the same spec, the same bytes.
            member = zipfile.ZipInfo(name, date_time=created.timetuple()[:6])
            member.compress_type = zipfile.ZIP_DEFLATED
            package.writestr(member, xml)
    return buffer.getvalue()


def _html(blocks: list[Block], spec: FileSpec) -> str:
    tags = {"title": "h1", "heading": "h2", "entry": "h3", "contact": "p", "paragraph": "p"}
    body: list[str] = []
    in_list = False
    for block in blocks:
        text = html.escape(block.text, quote=False)
        if block.style == "bullet":
            if not in_list:
                body.append("<ul>")
                in_list = True
            body.append(f"  <li>{text}</li>")
            continue
        if in_list:
            body.append("</ul>")
            in_list = False
        tag = tags[block.style]
        body.append(f"<{tag}>{text}</{tag}>")
    if in_list:
        body.append("</ul>")
    title = html.escape(f"{spec.kind} v{spec.version}")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )


def _plain_text(spec: FileSpec) -> bytes:
    text = document_text(spec)
    if spec.legacy_encoding:
        try:
            return text.replace("\n", "\r\n").encode("cp1252")
        except UnicodeEncodeError:
            pass  # Windows-1252 cannot hold this name (Łukasz): saved as UTF-8, as an editor would
    return text.encode("utf-8")


# ---- OpenDocument text ----------------------------------------------------------------------------

_ODT_MIMETYPE = CONTENT_TYPES["odt"]
_ODT_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3"'
)
_ODT_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
    ' manifest:version="1.3">\n'
    ' <manifest:file-entry manifest:full-path="/" manifest:version="1.3"'
    f' manifest:media-type="{_ODT_MIMETYPE}"/>\n'
    ' <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>\n'
    ' <manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>\n'
    "</manifest:manifest>\n"
)
# Automatic styles: a bold text span for entries, a bulleted list.
_ODT_STYLES = (
    "<office:automatic-styles>"
    '<style:style style:name="Bold" style:family="text"><style:text-properties fo:font-weight="bold"/>'
    "</style:style>"
    '<text:list-style style:name="Bullets">'
    '<text:list-level-style-bullet text:level="1" text:bullet-char="•"/>'
    "</text:list-style>"
    "</office:automatic-styles>"
)


def _odt(blocks: list[Block], spec: FileSpec) -> bytes:
    """An OpenDocument text file as a word processor writes it (the mimetype first, stored)."""
    body: list[str] = []
    in_list = False
    for block in blocks:
        text = html.escape(block.text, quote=False)
        if block.style == "bullet":
            if not in_list:
                body.append('<text:list text:style-name="Bullets">')
                in_list = True
            body.append(f"<text:list-item><text:p>{text}</text:p></text:list-item>")
            continue
        if in_list:
            body.append("</text:list>")
            in_list = False
        if block.style == "title":
            body.append(f'<text:h text:outline-level="1">{text}</text:h>')
        elif block.style == "heading":
            body.append(f'<text:h text:outline-level="2">{text}</text:h>')
        elif block.style == "entry":
            body.append(f'<text:p><text:span text:style-name="Bold">{text}</text:span></text:p>')
        else:
            body.append(f"<text:p>{text}</text:p>")
    if in_list:
        body.append("</text:list>")
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {_ODT_NAMESPACES}>'
        f"{_ODT_STYLES}<office:body><office:text>{''.join(body)}</office:text></office:body>"
        "</office:document-content>\n"
    )
    created = spec.created.strftime("%Y-%m-%dT%H:%M:%S")
    meta = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-meta {_ODT_NAMESPACES}><office:meta>'
        f"<dc:title>{html.escape(f'{spec.kind} v{spec.version}')}</dc:title>"
        f"<meta:initial-creator>Talent Rover</meta:initial-creator>"
        f"<meta:creation-date>{created}</meta:creation-date></office:meta></office:document-meta>\n"
    )
    # Fixed timestamps keep the bytes the same on every render.
    stamp = spec.created.timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        members = [
            ("mimetype", _ODT_MIMETYPE, zipfile.ZIP_STORED),
            ("content.xml", content, zipfile.ZIP_DEFLATED),
            ("meta.xml", meta, zipfile.ZIP_DEFLATED),
            ("META-INF/manifest.xml", _ODT_MANIFEST, zipfile.ZIP_DEFLATED),
        ]
        for name, data, compression in members:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = compression
            archive.writestr(info, data.encode("utf-8"))
    return buffer.getvalue()


# ---- RTF ------------------------------------------------------------------------------------------

_RTF_STYLES = {
    # style: (font size in half points, bold, space before in twips)
    "title": (36, True, 0),
    "contact": (19, False, 0),
    "heading": (25, True, 160),
    "entry": (21, True, 80),
    "paragraph": (21, False, 40),
    "bullet": (21, False, 0),
}


def _rtf_escape(text: str) -> str:
    """RTF for text: Windows-1252 letters as \\'xx, anything else as \\uN? (N a signed 16-bit unit)."""
    out: list[str] = []
    for char in text:
        if char in "\\{}":
            out.append("\\" + char)
        elif " " <= char <= "~":
            out.append(char)
        else:
            try:
                out.append(f"\\'{char.encode('cp1252')[0]:02x}")
            except UnicodeEncodeError:
                data = char.encode("utf-16-le")  # two units (a surrogate pair) beyond the BMP
                for (unit,) in struct.iter_unpack("<h", data):
                    out.append(f"\\u{unit}?")
    return "".join(out)


def _rtf(blocks: list[Block], spec: FileSpec) -> bytes:
    """An RTF document as WordPad or TextEdit writes it (ASCII only: every other letter escaped)."""
    lines = [
        "{\\rtf1\\ansi\\ansicpg1252\\deff0\\uc1",
        "{\\fonttbl{\\f0\\fswiss\\fcharset0 Helvetica;}}",
        "{\\info{\\title " + _rtf_escape(f"{spec.kind} v{spec.version}") + "}{\\author Talent Rover}}",
    ]
    for block in blocks:
        size, bold, space = _RTF_STYLES[block.style]
        text = _rtf_escape(f"• {block.text}" if block.style == "bullet" else block.text)
        indent = "\\li360" if block.style == "bullet" else ""
        weight = "\\b" if bold else "\\b0"
        lines.append(f"\\pard\\sb{space}{indent}\\f0\\fs{size}{weight} {text}\\par")
    lines.append("}")
    return ("\r\n".join(lines) + "\r\n").encode("ascii")
