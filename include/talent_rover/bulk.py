"""Reading a large window through a Bulk API 2.0 query job instead of REST query pages.

Every HTTP request to Salesforce counts one call against the org's daily allowance,
whichever API it goes to. A REST window costs one call per page of up to 2,000
records. A Bulk API 2.0 query job costs a fixed handful (create, a few polls,
delete, and a describe per object to type the CSV) plus one call per result page
of up to ``max_records`` records. So Bulk is cheaper only for large windows.

How many records a window holds is learnt for free: the sync asks REST for the
window's first page anyway, and that page's ``totalSize`` is the count. A
``SELECT COUNT()`` beforehand would cost a call that a small window (the hourly
case) would then have spent in vain; the first page never costs more than REST
alone would. The sync then reads the rest of the window through REST or Bulk,
whichever ``use_bulk`` says costs fewer calls, but only once the window holds at
least ``bulk_threshold`` records (Bulk jobs also count against the org's 10,000
daily jobs, and a small job mostly waits on polls).

Bulk CSV carries no types, so ``csv_record`` turns a row back into the record a REST
query returns, using the field types from the object's describe.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from airflow.sdk.exceptions import AirflowException

# Records per REST query page at most (Salesforce serves fewer when many long text fields are selected).
REST_PAGE_SIZE = 2000
# Records per Bulk result page asked for: 12 times fewer calls than REST pages. A page is spooled to
# disk and staged in REST-sized files, so memory does not bound it; Salesforce's advice against
# timeouts on very large pages does, and a page cut off mid-answer is downloaded again whole.
BULK_MAX_RECORDS = 25_000
# Windows expected to hold fewer records than this are always read through REST.
DEFAULT_BULK_THRESHOLD = 10_000
# Polls a job is expected to need: polls back off from 1 s (see the hook), so four polls give it
# 15 s. A job that takes longer costs a poll more per doubling of its time.
EXPECTED_POLLS = 4

# Describe types whose REST values are JSON booleans and numbers; every other type is a string in both.
_BOOLEAN = frozenset({"boolean"})
_INTEGER = frozenset({"int", "long"})
_DECIMAL = frozenset({"double", "currency", "percent"})


class BulkJobFailed(AirflowException):
    """A Bulk query job that ended ``Failed`` or ``Aborted``, or did not complete in time."""


def rest_calls(records: int, page_size: int = REST_PAGE_SIZE) -> int:
    """Calls REST query pages of ``page_size`` spend to read ``records`` records (a page at least)."""
    return max(1, math.ceil(records / page_size))


def bulk_calls(
    records: int, *, max_records: int = BULK_MAX_RECORDS, describes: int = 1, polls: int = EXPECTED_POLLS
) -> int:
    """Calls a Bulk query job spends to read ``records`` records.

    Create, ``polls``, a result page per ``max_records`` (one at least), delete,
    and ``describes`` describe calls to type the CSV columns.
    """
    return 1 + polls + max(1, math.ceil(records / max_records)) + 1 + describes


def use_bulk(
    expected: int,
    remaining: int,
    *,
    threshold: int | None,
    page_size: int = REST_PAGE_SIZE,
    max_records: int = BULK_MAX_RECORDS,
    describes: int = 1,
) -> bool:
    """Whether to read the ``remaining`` records of a window of ``expected`` records through Bulk.

    Only when the window is large (``expected >= threshold``; ``threshold`` None
    never) and a Bulk job costs fewer calls than the REST pages it replaces.
    """
    if threshold is None or expected < threshold or remaining <= 0:
        return False
    return bulk_calls(remaining, max_records=max_records, describes=describes) < rest_calls(
        remaining, page_size
    )


def describes_needed(fields: Sequence[str]) -> int:
    """Describe calls that type these fields: the object's, and one per related object (``A.B``)."""
    return 1 + len({field.split(".")[0] for field in fields if "." in field})


def csv_value(text: str, field_type: str | None) -> Any:
    """One CSV cell as REST has it: None for an empty cell, booleans and numbers typed, else the text.

    Salesforce stores no empty strings: an empty cell is a null. Datetimes and dates
    are the same strings in Bulk CSV and REST JSON (``2026-11-02T12:00:00.000+0000``).
    """
    if text == "":
        return None
    if field_type in _BOOLEAN:
        return text == "true"
    if field_type in _INTEGER:
        return int(text)
    if field_type in _DECIMAL:
        return float(text)
    return text


def csv_record(headers: Sequence[str], row: Sequence[str], types: Mapping[str, str]) -> dict[str, Any]:
    """A CSV row as the record a REST query returns (without ``attributes``).

    ``types`` maps each header to its describe type. A relationship field's dotted
    header (``TR1__Account__r.Name``) becomes a nested record, or None when every
    field of the related record is empty (no related record), as REST has it.
    """
    if len(row) != len(headers):
        raise ValueError(f"a CSV row of {len(row)} cells under {len(headers)} headers")
    record: dict[str, Any] = {}
    for header, text in zip(headers, row, strict=True):
        *path, name = header.split(".")
        target = record
        for relationship in path:
            target = target.setdefault(relationship, {})
        target[name] = csv_value(text, types.get(header))
    return _without_empty_relationships(record)


def _without_empty_relationships(record: dict[str, Any]) -> dict[str, Any]:
    """Replace nested records whose fields are all None by None (REST's null relationship)."""
    for key, value in record.items():
        if isinstance(value, dict):
            nested = _without_empty_relationships(value)
            record[key] = None if all(item is None for item in nested.values()) else nested
    return record
