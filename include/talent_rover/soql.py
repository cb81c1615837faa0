"""SOQL for the sync, built from datetimes and validated ids only.

Nothing from a record or a Param is pasted into a query as text: window bounds
are formatted from datetimes, and ids must look like Salesforce ids.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from include.window import Window

WINDOW_FIELD = "SystemModstamp"

# The REST query is a GET, and Salesforce refuses request lines over 16 KB:
# 500 quoted 18-character ids keep the query string near 11 KB.
MAX_IDS_PER_QUERY = 500

_SALESFORCE_ID = re.compile(r"[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?")

RESUME_DOCUMENT_FIELDS = (
    "Id",
    "TR1__Contact__c",
    "TR1__isDefault__c",
    "TR1__Version__c",
    "TR1__Internal_URL__c",
    "TR1__ContentVersionId__c",
    "SystemModstamp",
)


def soql_datetime(moment: datetime, *, round_up: bool = False) -> str:
    """Format a datetime as a SOQL datetime literal in UTC, to the second.

    Stamps carry milliseconds: a window's start is rounded down and its end
    up (``round_up``), so a window only ever widens and loses no record.
    """
    if moment.tzinfo is None:
        raise ValueError("SOQL datetimes must be timezone-aware")
    moment = moment.astimezone(UTC)
    if round_up and moment.microsecond:
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def window_query(sobject: str, fields: Sequence[str], window: Window, where: str | None = None) -> str:
    """SELECT the fields of records whose ``SystemModstamp`` lies in the window, oldest first.

    ``where`` is a fixed filter from a mapping module (code, not input).
    """
    conditions = [f"({where})"] if where else []
    if window.start is not None:
        conditions.append(f"{WINDOW_FIELD} >= {soql_datetime(window.start)}")
    conditions.append(f"{WINDOW_FIELD} < {soql_datetime(window.end, round_up=True)}")
    return (
        f"SELECT {', '.join(fields)} FROM {sobject} WHERE {' AND '.join(conditions)} "
        f"ORDER BY {WINDOW_FIELD} ASC, Id ASC"
    )


def is_salesforce_id(value: str) -> bool:
    """Whether a string has the shape of a 15- or 18-character Salesforce id."""
    return bool(_SALESFORCE_ID.fullmatch(value))


def quoted_ids(ids: Sequence[str]) -> str:
    """Return ``'id1', 'id2'`` for an IN list, refusing anything that is not a Salesforce id."""
    for record_id in ids:
        if not is_salesforce_id(record_id):
            raise ValueError(f"not a Salesforce id: {record_id[:40]!r}")
    return ", ".join(f"'{record_id}'" for record_id in ids)


def records_by_id_query(
    sobject: str, fields: Sequence[str], ids: Sequence[str], where: str | None = None
) -> str:
    """SELECT the fields of up to ``MAX_IDS_PER_QUERY`` records by id (``where``: a fixed filter)."""
    if not 0 < len(ids) <= MAX_IDS_PER_QUERY:
        raise ValueError(f"between 1 and {MAX_IDS_PER_QUERY} ids per query, not {len(ids)}")
    condition = f"({where}) AND " if where else ""
    return f"SELECT {', '.join(fields)} FROM {sobject} WHERE {condition}Id IN ({quoted_ids(ids)})"


def resume_documents_query(contact_ids: Sequence[str]) -> str:
    """SELECT the résumé documents of up to ``MAX_IDS_PER_QUERY`` candidates in one query."""
    if not 0 < len(contact_ids) <= MAX_IDS_PER_QUERY:
        raise ValueError(f"between 1 and {MAX_IDS_PER_QUERY} contact ids per query, not {len(contact_ids)}")
    return (
        f"SELECT {', '.join(RESUME_DOCUMENT_FIELDS)} FROM TR1__ContactDocument__c "
        f"WHERE TR1__Type__c = 'Resume' AND TR1__Contact__c IN ({quoted_ids(contact_ids)})"
    )
