"""Small named converters for field tables.

A converter takes one raw ATS value (never None: ``apply_table`` skips those) or,
for a row with several sources, a tuple of raw values. It returns the Recruit AI
value, None for "nothing to send", or raises ``BadValue`` (a ``ValueError``)
saying why in words that never quote the value: the reason ends up in rejects
files and logs, and the value may be personal data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
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


# --- Epoch milliseconds (Bullhorn's dates) --------------------------------------------------------

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MILLISECOND = timedelta(milliseconds=1)


def datetime_from_epoch_ms(value: Any) -> datetime:
    """Return epoch milliseconds as an aware UTC datetime; negative values are before 1970.

    Raises ``BadValue`` for anything that is not a whole number (a boolean is not)
    or that lies outside the years 1 to 9999.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadValue("not epoch milliseconds")
    try:
        # Adding a timedelta, not datetime.fromtimestamp: that one refuses negative stamps on some platforms.
        return EPOCH + timedelta(milliseconds=value)
    except OverflowError:
        raise BadValue("epoch milliseconds out of range") from None


def epoch_ms(moment: datetime, *, round_up: bool = False) -> int:
    """Return an aware datetime as epoch milliseconds, rounded down (or up, with ``round_up``).

    A window's end is rounded up so that a window only ever widens and loses no record.
    """
    if moment.tzinfo is None:
        raise ValueError("epoch milliseconds need a timezone-aware datetime")
    # A plain timedelta: Airflow's datetimes are pendulum's, whose differences do not divide by one.
    gap = moment - EPOCH
    elapsed = timedelta(days=gap.days, seconds=gap.seconds, microseconds=gap.microseconds)
    if round_up:
        return -(-elapsed // _ONE_MILLISECOND)
    return elapsed // _ONE_MILLISECOND


def epoch_ms_to_utc_iso(value: Any) -> str:
    """Return epoch milliseconds as Recruit AI's UTC datetime, ``1969-06-14T08:05:01Z``.

    Milliseconds are dropped (rounded down, also before 1970). Raises ``BadValue``
    as ``datetime_from_epoch_ms`` does.
    """
    moment = datetime_from_epoch_ms(value)
    return moment.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


# --- Numbers, lists and answers ---------------------------------------------------------------------


def whole_number(value: Any) -> int:
    """Return an integer as it is; raise ``BadValue`` for anything else (a boolean included)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadValue("not a whole number")
    return value


def year(value: Any) -> int | None:
    """Return a year (1 to 9999); 0, an integer field's "not set", is None; else raise ``BadValue``."""
    number = whole_number(value)
    if number == 0:
        return None
    if not 1 <= number <= 9999:
        raise BadValue("not a year")
    return number


def positive_amount(value: Any) -> int | float | None:
    """Return a positive number as it is; 0 or less ("not set" in most ATS forms) is None.

    Raises ``BadValue`` for anything that is not a number.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadValue("not a number")
    return value if value > 0 else None


# Recruit AI's Attributes hold strings, numbers, booleans or null (its contract): a list
# of values travels as one string, its items joined by this.
LIST_SEPARATOR = "; "


def text_list(items: Iterable[str | None]) -> str | None:
    """Return items (blank ones dropped) as one Attributes value, "A; B; C"; None when none is left."""
    kept = [item.strip() for item in items if item and item.strip()]
    return LIST_SEPARATOR.join(kept) or None


def comma_list(value: Any) -> str | None:
    """Return "A, B,,C " as "A; B; C": split on commas, trimmed, empties dropped; None when empty."""
    return text_list(str(value).split(","))


# The first word of an answer: "Yes - I will need a visa" → "Yes".
_FIRST_WORD = re.compile(r"[^\W\d_]+")
_YES_NO = {"yes": True, "no": False}


def yes_no(value: Any) -> bool | None:
    """Return True for an answer whose first word is "Yes", False for "No", None for anything else.

    "No - I will not require assistance" is False; "Not sure", "N/A" or "Maybe" are
    None: an answer that is not a clear yes or no is unknown, not a no.
    """
    first_word = _FIRST_WORD.match(str(value).strip())
    return _YES_NO.get(first_word.group().lower()) if first_word else None


def first_html_text(values: tuple[Any, ...]) -> str | None:
    """Return the text (as ``html_to_recruit_ai_text``) of the first of several HTML fields that has any."""
    for value in values:
        if value is not None and (text := html_to_recruit_ai_text(value)):
            return text
    return None
