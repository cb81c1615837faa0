"""Plain text as Recruit AI wants it: no markup, one line per paragraph, lines joined with "|".

Three steps, each usable alone:

* ``html_to_text`` turns HTML into text with one line per block element;
* ``normalised_lines`` cleans text into non-empty lines;
* ``recruit_ai_text`` joins those lines with "|", Recruit AI's line separator.

Recruit AI's own integrations stripped non-ASCII characters as well; we do not:
Zoë, Łukasz and 王 are data, not noise. Only control characters and invisible
formatting characters go.
"""

from __future__ import annotations

import re
from html import unescape

import lxml.html
from lxml import etree

LINE_SEPARATOR = "|"

# A "|" inside a line would read as a line break to Recruit AI, so it becomes "/",
# which keeps the sense of "A | B" (an alternative or a list) without splitting the line.
SEPARATOR_STAND_IN = "/"

# Elements that start and end a line of text.
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
        "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tr", "ul",
    }
)  # fmt: skip
# Table cells share their row's line, separated by whitespace.
_CELLS = frozenset({"td", "th"})
# Elements whose content is never text a reader sees.
_INVISIBLE = ("head", "script", "style", "template", "noscript")

# Comments and processing instructions are dropped while parsing (their tails are kept).
# The parser reads UTF-8 bytes: str input with an XML declaration would be refused.
# huge_tree raises libxml2's nesting limit from 255 (past it, the rest of a document is lost) to 2048.
_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True)
# "<" followed by a letter, "/", "!" or "?" is markup; "salary <50k" is not.
_MARKUP = re.compile(r"<[A-Za-z/!?]")

# Control characters (C0 and C1, except the line breaks and tabs that whitespace
# handling deals with), lone surrogates (they cannot be encoded for posting), and
# invisible characters that would split a word in two: soft hyphen, zero-width
# space, word joiner, byte order mark.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u00ad\u200b\u2060\ufeff\ud800-\udfff]")
_WHITESPACE = re.compile(r"\s+")


def html_to_text(html: str) -> str:
    """Return the text of an HTML document or fragment, one line per block element.

    Entities are decoded, ``script``, ``style`` and ``head`` are dropped, list items
    start with "- ", table cells of a row share a line. Whitespace inside text
    collapses as a browser would (except in ``pre``). Text without any markup keeps
    its own line breaks. Broken markup is parsed as leniently as a browser would;
    empty input gives "".
    """
    if not html.strip():
        return ""
    if not _MARKUP.search(html):
        return unescape(html)
    # Strip NULs and other control characters first: libxml2 turns them into U+FFFD.
    data = _CONTROL.sub("", html).encode("utf-8", errors="replace")
    try:
        root = lxml.html.document_fromstring(data, parser=_PARSER)
    except etree.ParserError:  # nothing but comments or stray closing tags
        return ""
    etree.strip_elements(root, *_INVISIBLE, with_tail=False)
    return _BlockText().read(root)


class _BlockText:
    """Collects an element tree's text, starting a new line at every block element."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._bullet_due = False  # a list item's "- " waits for the item's first visible text
        self._pre_depth = 0  # inside <pre>, whitespace is kept as written

    def read(self, root: etree._Element) -> str:
        """Walk the tree in document order and return its text."""
        for event, element in etree.iterwalk(root, events=("start", "end")):
            tag = element.tag
            if event == "start":
                if tag in _BLOCKS:
                    self._parts.append("\n")
                elif tag in _CELLS:
                    self._parts.append("\t")
                if tag == "li":
                    self._bullet_due = True
                elif tag == "pre":
                    self._pre_depth += 1
                self._add(element.text)
            else:
                if tag in _BLOCKS:
                    self._parts.append("\n")
                if tag == "li":
                    self._bullet_due = False  # an empty item leaves no stray bullet
                elif tag == "pre":
                    self._pre_depth -= 1
                self._add(element.tail)
        return "".join(self._parts)

    def _add(self, text: str | None) -> None:
        if not text:
            return
        if not self._pre_depth:
            text = _WHITESPACE.sub(" ", text)
        if self._bullet_due and not text.isspace():
            self._parts.append("- ")
            self._bullet_due = False
        self._parts.append(text)


def normalised_lines(text: str) -> list[str]:
    """Split text into clean, non-empty lines.

    Any line break (\\n, \\r\\n, \\r, form feed, U+2028, …) ends a line; within a line,
    runs of whitespace (tabs, no-break spaces, …) become one space and control
    characters are removed. Letters of every script are kept. A "|" inside a line
    becomes "/" (``SEPARATOR_STAND_IN``), since "|" is Recruit AI's line separator.
    """
    lines = (_WHITESPACE.sub(" ", _CONTROL.sub("", line)).strip() for line in text.splitlines())
    return [line.replace(LINE_SEPARATOR, SEPARATOR_STAND_IN) for line in lines if line]


def recruit_ai_text(text: str, *, max_chars: int | None = None) -> str:
    """Return the text's clean lines joined with "|", at most ``max_chars`` long.

    The cut falls on a line boundary when one lies in the second half of the
    allowed length; otherwise (one enormous line) the line itself is cut.
    """
    joined = LINE_SEPARATOR.join(normalised_lines(text))
    if max_chars is None or len(joined) <= max_chars:
        return joined
    boundary = joined.rfind(LINE_SEPARATOR, 0, max_chars + 1)
    if boundary > max_chars // 2:
        return joined[:boundary]
    return joined[:max_chars].rstrip()
