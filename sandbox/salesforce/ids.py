"""Salesforce record ids: 15-character case-sensitive ids and their 18-character forms.

An id is a 3-character key prefix naming the object (``003`` Contact), then
12 characters, then (in the 18-character form) a 3-character checksum of
where the upper-case letters are, which makes the id case-insensitive.
"""

from __future__ import annotations

import functools
import re

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CHECKSUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID_SHAPE = re.compile(r"[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?")

# "Dn" stands where Salesforce puts the pod and reserved characters.
_POD = "Dn"
_SERIAL_WIDTH = 10
# Serial numbers start past the all-digit range so ids carry letters, as real ones do.
_FIRST_SERIAL = 62**5


def checksum(id15: str) -> str:
    """Return the 3-character suffix that turns a 15-character id into its 18-character form."""
    suffix = []
    for start in (0, 5, 10):
        bits = 0
        for position, char in enumerate(id15[start : start + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << position
        suffix.append(_CHECKSUM[bits])
    return "".join(suffix)


def is_id(value: str) -> bool:
    """Whether ``value`` has the shape of a 15- or 18-character Salesforce id."""
    return bool(_ID_SHAPE.fullmatch(value))


def to_18(value: str) -> str:
    """Return the 18-character form of a 15- or 18-character id (ValueError when it is neither)."""
    if not is_id(value):
        raise ValueError(f"invalid ID field: {value}")
    if len(value) == 18:
        # The suffix is case-insensitive; the first 15 characters are not.
        return value[:15] + checksum(value[:15])
    return value + checksum(value)


# Generating 400,000 ids must be quick: the last two serial digits come from a table, the
# rest (and its share of the checksum) from a cache that changes every 3,844 ids.
_PAIRS = tuple(high + low for high in _BASE62 for low in _BASE62)
_PAIR_BITS = tuple((high.isupper()) << 3 | (low.isupper()) << 4 for high in _BASE62 for low in _BASE62)


@functools.lru_cache(maxsize=256)
def _head(prefix: str, high: int) -> tuple[str, str, int]:
    """The first 13 characters, the first two checksum characters and the third's bits so far."""
    digits = []
    for _ in range(_SERIAL_WIDTH - 2):
        high, remainder = divmod(high, 62)
        digits.append(_BASE62[remainder])
    head = prefix + _POD + "".join(reversed(digits))
    partial = checksum(head + "00")
    bits = _CHECKSUM.index(partial[2])
    return head, partial[:2], bits


def make_id(prefix: str, serial: int) -> str:
    """Return the 18-character id number ``serial`` of the object with key prefix ``prefix``."""
    high, low = divmod(serial + _FIRST_SERIAL, len(_PAIRS))
    head, suffix, bits = _head(prefix, high)
    return head + _PAIRS[low] + suffix + _CHECKSUM[bits | _PAIR_BITS[low]]
