"""Résumé text: recognise a file's format from its content, then extract its text.

Recruit AI matches candidates on this text, so it is extracted with care: every
page of a PDF; the paragraphs of a DOCX or ODT in document order, tables and text
boxes included; a Word 97-2003 DOC through ``antiword``; RTF without its control
words; HTML without its markup; text in whichever common encoding it came in.

``extract_resume_text`` is the entry point. A file that yields no text raises
``UnreadableResume`` with a short reason, never a library's own exception: a
broken file is a fact about one candidate, not a failure of the sync.

Limits, all documented here and overridable per call:

* ``DEFAULT_MAX_RESUME_BYTES`` (10 MiB): a larger file is refused unread.
* ``DEFAULT_EXTRACTION_SECONDS`` (30 s): the time one file may take. Parsers of
  complex formats (PDF, DOCX, ODT, RTF) run in a reusable worker process that is
  killed when it overruns, so a pathological file cannot hang the task; DOC runs
  in ``antiword`` under the same limit. Plain text and HTML are read in-process:
  decoding and lxml's HTML parser take time linear in the size, which is capped.
* ``MAX_RESUME_CHARS`` (100,000 characters): the text is cut there, on a line
  boundary when possible.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import os
import pickle
import re
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import olefile
from docx.oxml import parse_xml
from lxml import etree
from pypdf import PasswordType, PdfReader
from striprtf.striprtf import rtf_to_text

from include.plain_text import html_to_text, recruit_ai_text

# Recruit AI stores a résumé as one text field and refuses bodies over 5 MiB; the
# first 100,000 characters (some 30 pages) hold everything worth matching on.
MAX_RESUME_CHARS = 100_000
# A résumé is a few hundred KiB at most; a file ten times the size of a long,
# picture-laden one is not worth the memory and time of parsing it.
DEFAULT_MAX_RESUME_BYTES = 10 * 1024 * 1024
# Generous for any real résumé (the largest sandbox PDF takes well under a second);
# short enough that one pathological file cannot stall an hourly run.
DEFAULT_EXTRACTION_SECONDS = 30.0


class UnreadableResume(ValueError):
    """A résumé file with no usable text; ``reason`` says why in a few words, e.g. "encrypted PDF".

    ``lasting`` is False when the same file might be read another time (a time
    limit, a crash, a size limit that may be raised, a missing tool): only a lasting
    verdict about a file may be remembered in the résumé cache.
    """

    def __init__(self, reason: str, *, lasting: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.lasting = lasting


# --- Format detection ------------------------------------------------------------------------

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_RTF_MAGIC = b"{\\rtf"

# Formats recognised by their first bytes that we cannot read, for a precise reason.
_UNSUPPORTED_MAGIC = {
    b"\x89PNG": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
    b"II*\x00": "TIFF image",
    b"MM\x00*": "TIFF image",
    b"\x1f\x8b": "gzip archive",
    b"Rar!": "RAR archive",
    b"7z\xbc\xaf": "7-Zip archive",
}

# What a ZIP holds, by a member that only that kind of file has.
_ZIP_DOCX_BODY = "word/document.xml"
_ZIP_MEMBERS = {
    _ZIP_DOCX_BODY: "docx",
    "xl/workbook.xml": "unsupported format (Excel workbook)",
    "ppt/presentation.xml": "unsupported format (PowerPoint presentation)",
}
# OpenDocument files name their kind in a "mimetype" member; only text documents are résumés.
_ODT_MIMETYPES = (
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.text-template",
)

# What an OLE2 container holds, by a stream that only that kind of file has.
_OLE_STREAMS = {
    "WordDocument": "doc",
    # Office 2007+ files saved with a password are wrapped in OLE2 with the real file encrypted.
    "EncryptedPackage": "encrypted Office document (needs a password)",
    "Workbook": "unsupported format (Excel workbook)",
    "Book": "unsupported format (Excel workbook)",
    "PowerPoint Document": "unsupported format (PowerPoint presentation)",
}
# In a Word 97-2003 file's header (FIB), bit 8 of the flags at offset 10 is fEncrypted.
_FIB_FLAGS_OFFSET = 10
_FIB_ENCRYPTED = 0x0100

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
    """Return "pdf", "docx", "odt", "doc", "rtf", "html" or "text", judged from the content.

    Raises ``UnreadableResume`` for an empty file or one in a format we cannot
    read. The filename only breaks a tie: a text file holding tags is HTML when
    it is named ``.html``/``.htm``. A DOCX named ``cv.pdf`` is still a DOCX.
    """
    if not content:
        raise UnreadableResume("empty file (0 bytes)")
    if content.isspace():
        raise UnreadableResume("empty file (only whitespace)")
    if b"%PDF-" in content[:_PDF_HEADER_WINDOW]:
        return "pdf"
    for magic, container in _CONTAINERS.items():
        if content.startswith(magic):
            return container(content)
    if content.lstrip()[: len(_RTF_MAGIC)] == _RTF_MAGIC:
        return "rtf"
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
    """Return "docx" or "odt" for a ZIP holding a text document; raise ``UnreadableResume`` for others."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise UnreadableResume("corrupt ZIP container") from None
    for member, verdict in _ZIP_MEMBERS.items():
        if member in names:
            if verdict == "docx":
                return verdict
            raise UnreadableResume(verdict)
    declared = mimetype.decode("ascii", "replace").strip()
    if declared in _ODT_MIMETYPES:
        return "odt"
    if declared.startswith("application/vnd.oasis.opendocument."):
        kind = declared.rsplit(".", 1)[1]
        raise UnreadableResume(f"unsupported format (OpenDocument {kind})")
    if "content.xml" in names:
        raise UnreadableResume("unsupported format (OpenDocument file)")
    raise UnreadableResume("unsupported format (ZIP archive)")


def _ole_format(content: bytes) -> str:
    """Return "doc" for a Word 97-2003 file; raise ``UnreadableResume`` for any other OLE2 file."""
    try:
        with olefile.OleFileIO(io.BytesIO(content)) as ole:
            streams = {"/".join(path) for path in ole.listdir()}
            verdict = next((v for stream, v in _OLE_STREAMS.items() if stream in streams), None)
            header = ole.openstream("WordDocument").read(12) if verdict == "doc" else b""
    except Exception as error:  # olefile raises OSError and assorted errors on broken containers
        raise UnreadableResume(f"corrupt OLE2 container: {type(error).__name__}") from None
    if verdict is None:
        raise UnreadableResume("unsupported format (OLE2 file that is no Word document)")
    if verdict != "doc":
        raise UnreadableResume(verdict)
    if len(header) < 12:
        raise UnreadableResume("corrupt DOC: header too short")
    (flags,) = struct.unpack_from("<H", header, _FIB_FLAGS_OFFSET)
    if flags & _FIB_ENCRYPTED:
        raise UnreadableResume("encrypted DOC (needs a password)")
    return "doc"


# Containers whose members say what the file is.
_CONTAINERS: dict[bytes, Callable[[bytes], str]] = {b"PK\x03\x04": _zip_format, _OLE2_MAGIC: _ole_format}


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
        # Only the body part: opening the whole package with python-docx parsed every
        # part, the styles' hundreds of KB included, for each file.
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            body = parse_xml(package.read(_ZIP_DOCX_BODY)).body
        return "\n".join(paragraph.text for paragraph in _DOCX_PARAGRAPHS(body))
    except Exception as error:  # python-docx, zipfile and lxml all raise on broken files
        raise UnreadableResume(f"corrupt DOCX: {type(error).__name__}") from None


_TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
# Paragraphs and headings end a line wherever they are: body, table cells, lists, frames.
_ODT_LINES = frozenset({f"{{{_TEXT_NS}}}p", f"{{{_TEXT_NS}}}h"})
# Content no reader sees as the document's text: comments, deleted tracked changes,
# the names of sequence and bookmark declarations.
_ODT_HIDDEN = frozenset(
    {
        f"{{{_OFFICE_NS}}}annotation",
        f"{{{_TEXT_NS}}}tracked-changes",
        f"{{{_TEXT_NS}}}sequence-decls",
        f"{{{_TEXT_NS}}}variable-decls",
    }
)
# No DTDs, no entity expansion (a "billion laughs" file), no network; deep nesting allowed.
_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


def _odt_text(content: bytes) -> str:
    """Return the text of an OpenDocument text file, one line per paragraph or heading, in order."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            root = etree.fromstring(archive.read("content.xml"), parser=_SAFE_XML)
    except Exception as error:  # zipfile and lxml raise on broken files
        raise UnreadableResume(f"corrupt ODT: {type(error).__name__}") from None
    body = root.find(f"{{{_OFFICE_NS}}}body")
    if body is None:
        raise UnreadableResume("corrupt ODT: no document body")
    return _OdtText().read(body)


class _OdtText:
    """Collects an ODT body's text in document order, a line per paragraph or heading."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._hidden = 0  # depth inside content that is not text

    def read(self, body: etree._Element) -> str:
        """Walk the body and return its text."""
        for event, element in etree.iterwalk(body, events=("start", "end")):
            if event == "start":
                self._start(element)
            else:
                self._end(element, is_body=element is body)
        return "".join(self._parts)

    def _start(self, element: etree._Element) -> None:
        tag = element.tag
        if tag in _ODT_HIDDEN:
            self._hidden += 1
        if self._hidden:
            return
        if tag in _ODT_LINES:
            self._parts.append("\n")
        elif tag == f"{{{_TEXT_NS}}}s":  # a run of spaces, stored as a count
            count = element.get(f"{{{_TEXT_NS}}}c", "1")
            self._parts.append(" " * (min(int(count), 100) if count.isdigit() else 1))
        elif tag == f"{{{_TEXT_NS}}}tab":
            self._parts.append("\t")
        elif tag == f"{{{_TEXT_NS}}}line-break":
            self._parts.append("\n")
        self._parts.append(element.text or "")

    def _end(self, element: etree._Element, *, is_body: bool) -> None:
        if element.tag in _ODT_HIDDEN:
            self._hidden -= 1
        elif self._hidden:
            return
        elif element.tag in _ODT_LINES:
            self._parts.append("\n")
        if not self._hidden and not is_body:
            self._parts.append(element.tail or "")


def _rtf_text(content: bytes) -> str:
    """Return the text of an RTF document (its own code page declarations decide the encoding)."""
    # RTF is 7-bit text; other bytes are characters of its declared code page. Latin-1
    # maps bytes one to one, so striprtf sees exactly what the file holds.
    try:
        return rtf_to_text(content.decode("latin-1"), errors="replace")
    except Exception as error:  # striprtf raises on some malformed files (bad hex, unknown code page)
        raise UnreadableResume(f"corrupt RTF: {type(error).__name__}") from None


# antiword reads Word 2, 6, 95, 97-2003 files; Debian's package, installed by `make setup`.
ANTIWORD = "antiword"


def _doc_text(content: bytes, timeout_seconds: float | None = None) -> str:
    """Return the text of a Word 97-2003 file, one line per paragraph, through ``antiword``."""
    executable = shutil.which(ANTIWORD)
    if executable is None:
        raise UnreadableResume("cannot read DOC: antiword is not installed (run `make setup`)", lasting=False)
    # antiword seeks in its input, so it reads a file rather than a pipe.
    with tempfile.NamedTemporaryFile(suffix=".doc") as file:
        file.write(content)
        file.flush()
        try:
            # -w 0: a paragraph on one line; -m UTF-8.txt: every character, not the locale's subset.
            result = subprocess.run(  # noqa: S603 -- a fixed executable and our own temporary file
                [executable, "-w", "0", "-m", "UTF-8.txt", file.name],
                capture_output=True,
                timeout=timeout_seconds,
                check=False,
                env={**os.environ, "LC_ALL": "C.UTF-8"},
            )
        except subprocess.TimeoutExpired:
            reason = f"extraction timed out after {timeout_seconds:g} s"
            raise UnreadableResume(reason, lasting=False) from None
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = message[-1] if message else f"exit code {result.returncode}"
        if "ncrypt" in detail:
            raise UnreadableResume("encrypted DOC (needs a password)")
        raise UnreadableResume(f"corrupt DOC: {detail[:120]}")
    return result.stdout.decode("utf-8", "replace")


def _plain_text(content: bytes) -> str:
    """Return a text file's text, decoded from a common encoding."""
    text = _decode(content)
    if text is None:
        raise UnreadableResume("unsupported format (binary data)")
    return text


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


# How each format's raw text is extracted. To support another format, add a row
# here and teach ``detect_format`` to recognise it.
EXTRACTORS: dict[str, Callable[[bytes], str]] = {
    "pdf": _pdf_text,
    "docx": _docx_text,
    "odt": _odt_text,
    "rtf": _rtf_text,
    "doc": _doc_text,
    "html": _html_text,
    "text": _plain_text,
}
# Formats whose parser could run away on a crafted file (deep object graphs, zip
# bombs, regular expressions over a whole file): these run in a worker process.
_ISOLATED = frozenset({"pdf", "docx", "odt", "rtf"})


def extract_resume_text(
    content: bytes,
    filename: str | None = None,
    *,
    max_chars: int = MAX_RESUME_CHARS,
    max_bytes: int = DEFAULT_MAX_RESUME_BYTES,
    timeout_seconds: float | None = DEFAULT_EXTRACTION_SECONDS,
) -> str:
    """Return a résumé file's text as Recruit AI wants it (clean lines joined by "|").

    At most ``max_chars`` long. A file over ``max_bytes`` is refused unread.
    Extraction may take ``timeout_seconds`` at most (None: no limit, and every
    parser runs in this process). Raises ``UnreadableResume`` when the file
    cannot be read or holds no text.
    """
    if len(content) > max_bytes:
        raise UnreadableResume(
            f"file too large ({len(content):,} bytes, the limit is {max_bytes:,})", lasting=False
        )
    file_format = detect_format(content, filename)
    if file_format == "doc":
        raw = _doc_text(content, timeout_seconds)
    elif file_format in _ISOLATED and timeout_seconds is not None:
        raw = run_with_time_limit(EXTRACTORS[file_format], content, timeout_seconds=timeout_seconds)
    else:
        raw = EXTRACTORS[file_format](content)
    text = recruit_ai_text(raw, max_chars=max_chars)
    if not text:
        raise UnreadableResume("no text in the file")
    return text


# --- Time limit: a pool of reusable worker processes ----------------------------------------------
#
# A parser stuck in a loop cannot be interrupted from another thread, and signals
# (SIGALRM) work only in the main thread of the main interpreter, which an Airflow
# task calling us from a thread pool is not. So the work goes to a child process,
# which is killed when it overruns. Children are plain ``python -c`` subprocesses,
# not multiprocessing ones: multiprocessing's "spawn" re-runs the parent's main
# script in each child (for the ``airflow`` command, importing all of Airflow), and
# daemonic parents (Celery's pool) may not have multiprocessing children at all.
# A worker serves one request at a time and is reused, so the interpreter start
# and imports (some 0.3 s) are paid once per task process, not per file.

# A request or reply: 8-byte big-endian length, then a pickle. Both ends are this
# module, in a parent and the child it started: nothing untrusted is unpickled.
_LENGTH = struct.Struct(">Q")
# Workers busy at once in this process: extraction is CPU work, so more than the
# cores gain nothing, and each worker holds some 50-60 MB of its own. Threads
# beyond it wait their turn before their file's time limit starts. Idle workers
# are kept for reuse, at most this many.
_MAX_WORKERS = max(1, min(4, os.cpu_count() or 1))


class _Worker:
    """One child process running ``_serve``, talking over its stdin and a private stdout."""

    def __init__(self) -> None:
        module = __name__
        code = (
            f"import sys; sys.path[:0] = {sys.path!r}; import importlib; "
            f"importlib.import_module({module!r})._serve()"
        )
        self.process = subprocess.Popen(  # noqa: S603 -- our own interpreter and code
            [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0
        )
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self._request_fd = self.process.stdin.fileno()
        # Written without blocking, so that a child that stops reading cannot hold us past the deadline.
        os.set_blocking(self._request_fd, False)
        self._reply_fd = self.process.stdout.fileno()

    def call(self, function: Callable[..., str], args: tuple[Any, ...], deadline: float) -> tuple[str, Any]:
        """Run ``function(*args)`` in the child: ("ok", text), ("unreadable", reason) or ("error", name).

        Raises ``TimeoutError`` when no reply comes before ``deadline`` (``time.monotonic``),
        ``EOFError`` when the child died.
        """
        request = pickle.dumps((function, args), protocol=pickle.HIGHEST_PROTOCOL)
        self._write(_LENGTH.pack(len(request)) + request, deadline)
        (length,) = _LENGTH.unpack(self._read(_LENGTH.size, deadline))
        reply: tuple[str, Any] = pickle.loads(self._read(length, deadline))  # noqa: S301 -- see _LENGTH
        return reply

    def _write(self, data: bytes, deadline: float) -> None:
        unsent = memoryview(data)
        while unsent:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([], [self._request_fd], [], remaining)[1]:
                raise TimeoutError
            with contextlib.suppress(BlockingIOError):
                unsent = unsent[os.write(self._request_fd, unsent) :]

    def _read(self, size: int, deadline: float) -> bytes:
        chunks: list[bytes] = []
        while size:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._reply_fd], [], [], remaining)[0]:
                raise TimeoutError
            chunk = os.read(self._reply_fd, min(size, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def alive(self) -> bool:
        """Whether the child is still running."""
        return self.process.poll() is None

    def stop(self) -> None:
        """Kill the child and reap it (it holds no state worth a graceful exit)."""
        self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


class _WorkerPool:
    """Workers for reuse, at most ``size`` busy at once, safe to share between threads."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._owner = os.getpid()
        self._busy = threading.BoundedSemaphore(size)

    def _own(self) -> None:
        """Under the lock: forget what a parent process left behind, after a fork."""
        if os.getpid() != self._owner:
            # The idle children and the slots threads held belong to the parent.
            self._idle, self._owner = [], os.getpid()
            self._busy = threading.BoundedSemaphore(self._size)

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        """Hold one of the ``size`` slots, waiting for it if they are all taken."""
        with self._lock:
            self._own()
            busy = self._busy
        with busy:
            yield

    def take(self) -> _Worker:
        """An idle live worker, or a new one."""
        with self._lock:
            self._own()
            while self._idle:
                worker = self._idle.pop()
                if worker.alive():
                    return worker
                worker.stop()
        return _Worker()

    def give_back(self, worker: _Worker) -> None:
        """Keep a worker that finished its request cleanly, or stop it when enough are idle."""
        with self._lock:
            if os.getpid() == self._owner and len(self._idle) < self._size:
                self._idle.append(worker)
                return
        worker.stop()

    def close(self) -> None:
        """Stop every idle worker (at interpreter exit; busy ones are stopped by their caller)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()


_POOL = _WorkerPool(_MAX_WORKERS)
atexit.register(_POOL.close)


def run_with_time_limit(function: Callable[..., str], *args: Any, timeout_seconds: float) -> str:
    """Return ``function(*args)`` computed in a worker process, or raise ``UnreadableResume``.

    ``function`` must be importable by name (a module-level function) and its
    arguments picklable. An ``UnreadableResume`` it raises is raised here; any
    other exception, a crash of the worker, or a reply later than
    ``timeout_seconds`` becomes ``UnreadableResume`` with a reason saying which.
    """
    with _POOL.turn():
        status, value = _call_a_worker(function, args, timeout_seconds)
    if status == "unreadable":
        raise UnreadableResume(value)
    if status == "error":
        raise UnreadableResume(f"extraction failed: {value}", lasting=False)
    text: str = value
    return text


def _call_a_worker(
    function: Callable[..., str], args: tuple[Any, ...], timeout_seconds: float
) -> tuple[str, Any]:
    """Run one request on a pooled worker; a worker that overran, died or was interrupted is stopped."""
    deadline = time.monotonic() + timeout_seconds
    worker = _POOL.take()
    try:
        status, value = worker.call(function, args, deadline)
    except TimeoutError:
        worker.stop()
        raise UnreadableResume(f"extraction timed out after {timeout_seconds:g} s", lasting=False) from None
    except (EOFError, OSError):  # the worker died: killed for memory, or a crash in C code
        worker.stop()
        raise UnreadableResume(
            f"extraction crashed (worker exit code {worker.process.returncode})", lasting=False
        ) from None
    except BaseException:
        worker.stop()  # e.g. KeyboardInterrupt mid-request: the worker's state is unknown
        raise
    _POOL.give_back(worker)
    return status, value


def _serve() -> None:
    """A worker's loop: read requests from stdin, write replies to the original stdout, until EOF."""
    # Replies go to a private copy of stdout; anything a library prints goes to stderr
    # (the task log) instead of corrupting the replies.
    replies = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    requests = sys.stdin.buffer
    while True:
        header = requests.read(_LENGTH.size)
        if len(header) < _LENGTH.size:
            return  # the parent closed the pipe or exited
        (length,) = _LENGTH.unpack(header)
        function, args = pickle.loads(requests.read(length))  # noqa: S301 -- see _LENGTH
        try:
            reply: tuple[str, Any] = ("ok", function(*args))
        except UnreadableResume as unreadable:
            reply = ("unreadable", unreadable.reason)
        except Exception as error:  # reported by name: a broken file is not a broken worker
            reply = ("error", type(error).__name__)
        data = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        replies.write(_LENGTH.pack(len(data)) + data)
