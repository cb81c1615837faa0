"""Small named converters for field tables.

A converter takes one raw ATS value (never None: ``apply_table`` skips those) or,
for a row with several sources, a tuple of raw values. It returns the Recruit AI
value, None for "nothing to send", or raises ``BadValue`` (a ``ValueError``)
saying why in words that never quote the value: the reason ends up in rejects
files and logs, and the value may be personal data.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from include.plain_text import html_to_text, recruit_ai_text

# Recruit AI refuses a request body over 5 MiB; a description this long is already mostly noise.
MAX_DESCRIPTION_CHARS = 50_000


class BadValue(ValueError):
    """A value a converter refuses; the message says why without quoting the value."""


def as_text(value: Any) -> str | None:
    """Return the value as stripped text; empty text becomes None."""
    return str(value).strip() or None


def to_utc_iso(value: Any) -> str | None:
    """Return an ISO 8601 datetime with an offset as UTC with a "Z": ``2026-11-01T10:00:00Z``.

    Salesforce writes ``2026-11-01T10:00:00.000+0000``; ``+01:00`` and ``Z`` offsets
    work too. Fractions of a second are dropped. Blank text is None; a datetime
    without an offset, or anything that is not a datetime, raises ``BadValue``.
    """
    text = str(value).strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadValue("not an ISO 8601 datetime") from None
    if moment.tzinfo is None:
        raise BadValue("datetime has no timezone offset")
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00
        raise BadValue("datetime out of range") from None
    return utc.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def html_to_recruit_ai_text(value: Any) -> str | None:
    """Return HTML as plain text with lines joined by "|"; None when no text is left."""
    return recruit_ai_text(html_to_text(str(value)), max_chars=MAX_DESCRIPTION_CHARS) or None


# Talent Rover job status → Recruit AI's OpenClosed. A job on hold must not be
# recommended, so only "Open" is open. An org with more statuses adds rows here.
_OPEN_CLOSED = {"open": "Open", "hold": "Closed", "closed": "Closed"}


def open_closed(value: Any) -> str:
    """Return "Open" for an open job, "Closed" for a job on hold or closed; else raise ``BadValue``."""
    try:
        return _OPEN_CLOSED[str(value).strip().lower()]
    except KeyError:
        raise BadValue("unknown job status (expected Open, Hold or Closed)") from None


def join_location(parts: tuple[Any, ...]) -> str | None:
    """Return ("City", None, "Country") as "City, Country": blanks skipped, None when all are blank."""
    texts = (as_text(part) for part in parts if part is not None)
    return ", ".join(text for text in texts if text) or None
