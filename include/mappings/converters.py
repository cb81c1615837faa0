"""Small named converters for field tables. Each takes a raw ATS value and returns
a Recruit AI value, None for "nothing to send", or raises ValueError."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from include.plain_text import html_to_text, recruit_ai_text

# Recruit AI indexes job descriptions as text fields; cut runaway ones.
MAX_DESCRIPTION_CHARS = 50_000


def as_text(value: Any) -> str | None:
    """Stripped text; empty becomes None."""
    text = str(value).strip()
    return text or None


def to_utc_iso(value: Any) -> str:
    """Any ISO 8601 datetime with an offset (Salesforce: ``2026-11-01T10:00:00.000+0000``) → ``…Z`` in UTC."""
    text = str(value).strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    elif len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        # Not the library's message: it would quote the value into the rejects file.
        raise ValueError("not an ISO 8601 datetime") from None
    if moment.tzinfo is None:
        raise ValueError("datetime has no timezone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def html_to_recruit_ai_text(value: Any) -> str | None:
    """HTML → plain text with lines joined by "|"; None when nothing is left."""
    return recruit_ai_text(html_to_text(str(value)), max_chars=MAX_DESCRIPTION_CHARS) or None


# A job on hold must not be recommended, so only "Open" is open.
_OPEN_CLOSED = {"open": "Open", "hold": "Closed", "closed": "Closed"}


def open_closed(value: Any) -> str:
    """Talent Rover job status (Open, Hold, Closed) → Recruit AI's OpenClosed."""
    try:
        return _OPEN_CLOSED[str(value).strip().lower()]
    except KeyError:
        raise ValueError(f"unknown job status {str(value)[:40]!r}") from None


def join_location(parts: tuple[Any, ...]) -> str | None:
    """(city, state, country) → "City, State, Country", blanks skipped; None when all blank."""
    return ", ".join(str(part).strip() for part in parts if part and str(part).strip()) or None
