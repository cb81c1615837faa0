"""Plain text for Recruit AI: HTML without markup, clean lines, lines joined with "|"."""

from __future__ import annotations

import pytest

from include.plain_text import html_to_text, normalised_lines, recruit_ai_text


def _lines(html: str) -> list[str]:
    return normalised_lines(html_to_text(html))


def test_block_elements_become_lines_and_inline_ones_do_not() -> None:
    html = "<h2>About <b>the</b> role</h2><p>Join us</p><div>in Dublin<br>or remote</div>text after"
    assert _lines(html) == ["About the role", "Join us", "in Dublin", "or remote", "text after"]


def test_list_items_keep_a_bullet() -> None:
    html = (
        "<ul><li>Tribunals</li><li><p>Advocacy</p></li><li></li><li>Parent<ol><li>child</li></ol></li></ul>"
    )
    assert _lines(html) == ["- Tribunals", "- Advocacy", "- Parent", "- child"]


def test_table_cells_of_a_row_share_a_line() -> None:
    html = "<table><tr><th>Skill</th><th>Years</th></tr><tr><td>GDPR</td><td>5</td></tr></table>"
    assert _lines(html) == ["Skill Years", "GDPR 5"]


def test_entities_are_decoded_and_invisible_content_dropped() -> None:
    html = (
        "<html><head><title>CV</title><style>p {color: red}</style></head><body>"
        "<p>Smith &amp; Partners&nbsp;&ndash; &lt;London&gt; &#233;</p>"
        "<script>track('Zoë')</script><!-- internal note -->tail<noscript>enable JS</noscript>"
        "</body></html>"
    )
    assert _lines(html) == ["Smith & Partners – <London> é", "tail"]


def test_source_line_breaks_are_whitespace_except_in_pre() -> None:
    html = "<p>A sentence wrapped\n   in the source</p><pre>kept\nas written</pre>"
    assert _lines(html) == ["A sentence wrapped in the source", "kept", "as written"]


def test_text_without_markup_keeps_its_line_breaks() -> None:
    assert _lines("First line\nSecond &amp; last; salary <50k") == [
        "First line",
        "Second & last; salary <50k",
    ]


@pytest.mark.parametrize(
    "html",
    ["", "   \n", "<!-- only a comment -->", "</p></div>", "<p></p><br/>", "<script>x()</script>"],
)
def test_empty_or_invisible_input_gives_no_text(html: str) -> None:
    assert normalised_lines(html_to_text(html)) == []


def test_broken_markup_and_odd_input_still_give_text() -> None:
    assert _lines("<p>unclosed <b>bold <i>italic") == ["unclosed bold italic"]
    assert _lines('<?xml version="1.0" encoding="utf-8"?><html><body><p>Zoë</p></body></html>') == ["Zoë"]
    assert _lines("<p>a\x00b</p><p>\ud800c</p>") == ["ab", "c"]
    assert _lines("<<<p>>>") == ["<<", ">>"]


def test_deeply_nested_markup_loses_nothing() -> None:
    assert _lines("<div>" * 1000 + "deep" + "</div>" * 1000 + "after") == ["deep", "after"]


def test_normalised_lines_clean_each_line_and_keep_every_letter() -> None:
    text = (
        "  Zoë \u200bÓ  Súilleabháin\t \r\n\r\n"  # zero-width space, tab, blank line
        "\x00Łukasz\u00a0\u00a0| Wi\u00adśniewski"  # NUL, no-break spaces, "|", soft hyphen
        "\x0c王小明\u2028律师\x85end"  # form feed, line separator, next line
    )
    assert normalised_lines(text) == ["Zoë Ó Súilleabháin", "Łukasz / Wiśniewski", "王小明", "律师", "end"]


def test_recruit_ai_text_joins_lines_with_the_separator() -> None:
    assert recruit_ai_text("王小明\n\n  律师 | 北京  \n") == "王小明|律师 / 北京"
    assert recruit_ai_text("") == ""


def test_recruit_ai_text_is_capped_on_a_line_boundary_where_possible() -> None:
    assert recruit_ai_text("one\ntwo\nthree", max_chars=8) == "one|two"
    assert recruit_ai_text("one\ntwo\nthree", max_chars=7) == "one|two"
    assert recruit_ai_text("one\ntwo", max_chars=100) == "one|two"
    # No boundary in the second half of the allowance: the long line itself is cut.
    assert recruit_ai_text("ab\n" + "word " * 10, max_chars=12) == "ab|word word"
    assert recruit_ai_text("x" * 50, max_chars=10) == "x" * 10
