"""Talent Rover position (a ``TR1__Job__c``) → Recruit AI position.

To change what is sent, edit the tables: one row per field, for instance
``Field("PracticeArea", "Practice_Area__c")`` in ATTRIBUTES for an org's custom
field. The extract selects exactly the fields these tables name, so a new row is
all it takes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from include.mappings import Field, apply_table, form_payload, recruit_ai_ids
from include.mappings.converters import (
    html_to_recruit_ai_text,
    join_location,
    open_closed,
    to_utc_iso,
)
from include.mappings.talent_rover import soql_fields as talent_rover_fields

SOBJECT = "TR1__Job__c"

# Every job is synced: a job on hold or closed is posted with OpenClosed "Closed",
# and a deleted one as a tombstone, so that Recruit AI stops recommending it.
FILTER: str | None = None
RELATED_CHANGES = ()

# Recruit AI's top-level position fields.
FIELDS: tuple[Field, ...] = (
    Field("JobTitle", "Name", required=True),
    Field("JobDescription", "TR1__Client_Job_Description__c", html_to_recruit_ai_text),
    Field("Company", "TR1__Account__r.Name"),
    Field("CreatedDate", "CreatedDate", to_utc_iso),
    Field("LastModifiedDate", "LastModifiedDate", to_utc_iso, required=True),
)

# Keys of the position's Attributes JSON.
ATTRIBUTES: tuple[Field, ...] = (
    Field("OpenClosed", "TR1__Status__c", open_closed, required=True),
    Field("Status", "TR1__Status__c"),
    Field("Location", ("TR1__City__c", "TR1__State_Area__c"), join_location),
    Field("City", "TR1__City__c"),
    Field("State", "TR1__State_Area__c"),
)


# A deleted job's tombstone: the ids, these fields, and these Attributes (the contract's).
TOMBSTONE_FIELDS: tuple[Field, ...] = (
    Field("JobTitle", "Name", required=True),
    Field("LastModifiedDate", "SystemModstamp", to_utc_iso, required=True),
)
TOMBSTONE_ATTRIBUTES = {"OpenClosed": "Closed", "Status": "Deleted"}


def soql_fields() -> list[str]:
    """Return the fields the extract selects: the bookkeeping fields and every source above."""
    return talent_rover_fields(FIELDS, ATTRIBUTES, TOMBSTONE_FIELDS)


def is_tombstone(record: Mapping[str, Any]) -> bool:
    """Whether the job is deleted."""
    return bool(record.get("IsDeleted"))


def to_payload(record: Mapping[str, Any]) -> dict[str, str]:
    """Return Recruit AI's form for one job (or its tombstone); raise ``MappingError``."""
    ids = recruit_ai_ids(record, "PositionID", "p")
    if is_tombstone(record):
        return form_payload(ids, record, TOMBSTONE_FIELDS, TOMBSTONE_ATTRIBUTES)
    return form_payload(ids, record, FIELDS, apply_table(record, ATTRIBUTES))
