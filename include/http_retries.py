"""How the hooks pace a retry: which errors are transient, exponential backoff, ``Retry-After``.

Both hooks (Salesforce and Recruit AI) retry the same way, so the rules live here once.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests

# Errors worth another try: the request may not have arrived, or the answer was cut off.
TRANSIENT_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


def backoff_seconds(attempt: int, base: float, cap: float) -> float:
    """Return the pause before retry ``attempt`` (from 1): full jitter up to ``base * 2**(attempt - 1)``.

    The ceiling is capped at ``cap`` seconds.
    """
    ceiling = min(cap, base * 2 ** (attempt - 1))
    return random.uniform(0, ceiling)  # noqa: S311 - jitter spreads retries; it guards no secret


def retry_after_seconds(response: requests.Response, cap: float) -> float | None:
    """Return the ``Retry-After`` pause (seconds or an HTTP date), capped; None if absent or unreadable."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), cap)
