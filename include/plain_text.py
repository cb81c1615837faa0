"""Plain text as Recruit AI wants it: no markup, one line per paragraph, lines joined with "|".

Recruit AI's integrations stripped markup and joined lines with "|". Unlike
them, every letter is kept (Zoë, Łukasz and 王 are data, not noise); only
control characters go.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

LINE_SEPARATOR = "|"
# "|" inside a line would read as a line break to Recruit AI.
_SEPARATOR_STAND_IN = "/"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\ufeff]")
_SPACES = re.compile(r"[^\S\n]+")
_BLOCKS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "section",
     "article", "header", "footer", "blockquote", "pre", "dt", "dd"}
)  # fmt: skip


def html_to_text(html: str) -> str:
    """Turn an HTML document or fragment into text, one line per block element."""
    if not html or not html.strip():
        return ""
    try:
        root = lxml.html.fromstring(html)
    except (etree.ParserError, ValueError):
        return html
    for element in list(root.iter("script", "style", "head", "title")):
        element.drop_tree()
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "li":
            element.text = "- " + (element.text or "")
        if element.tag in _BLOCKS:
            element.tail = "\n" + (element.tail or "")
            if element.tag != "br":
                element.text = "\n" + (element.text or "")
    return root.text_content()


def normalised_lines(text: str) -> list[str]:
    """Split text into clean lines: spaces collapsed, control characters removed, empty lines dropped."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " "))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return [line.replace(LINE_SEPARATOR, _SEPARATOR_STAND_IN) for line in lines if line]


def recruit_ai_text(text: str, *, max_chars: int | None = None) -> str:
    """Join the text's lines with "|", cut at ``max_chars`` on a line boundary where one is near."""
    joined = LINE_SEPARATOR.join(normalised_lines(text))
    if max_chars is None or len(joined) <= max_chars:
        return joined
    cut = joined.rfind(LINE_SEPARATOR, 0, max_chars + 1)
    return joined[:cut] if cut > max_chars // 2 else joined[:max_chars]
