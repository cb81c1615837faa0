"""How the hooks pace a retry: which errors are transient, exponential backoff, ``Retry-After``.

Every hook (Salesforce, Bullhorn, Recruit AI) retries the same way, and refuses an
untrusted certificate the same way, so the rules live here once.
"""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

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


# How Python's ssl module words a refused server certificate (untrusted issuer, wrong host, expired).
_CERTIFICATE_REFUSED = re.compile(r"certificate verify failed: ([^('\"]+)")


def untrusted_certificate(error: Exception, service: str, url: str) -> str | None:
    """Say why ``error`` is a server certificate this client does not trust, or None if it is not.

    Retrying cannot help (unlike a TLS handshake cut short), and the fix is the trust
    store: the message names ``REQUESTS_CA_BUNDLE``, never a way to switch verification off.
    """
    refusal = _CERTIFICATE_REFUSED.search(str(error))
    if not (isinstance(error, requests.exceptions.SSLError) and refusal):
        return None
    server = urlsplit(url)
    return (
        f"{service} at {server.scheme}://{server.netloc}: its TLS certificate is not trusted "
        f"({refusal[1].strip()}). If it is signed by a private CA, set REQUESTS_CA_BUNDLE to that "
        "CA's PEM bundle in the workers' environment; certificate verification stays on."
    )


def verification_off(session: requests.Session, conn_id: str) -> str | None:
    """Say why a session built from connection ``conn_id`` is refused: its extra turns TLS verification off.

    The http provider applies the extra's ``verify`` to the session; a hook that
    sends credentials checks this before its first request.
    """
    if session.verify is not False:
        return None
    return (
        f"Connection '{conn_id}' switches certificate verification off. Trust a private CA with "
        "REQUESTS_CA_BUNDLE (or extra 'verify': '/path/to/ca.pem') instead."
    )
