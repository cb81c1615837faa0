"""Talent Rover position (a ``TR1__Job__c``) → Recruit AI position.

To change what is sent, edit the tables: one row per field, for instance
``Field("PracticeArea", "Practice_Area__c")`` in ATTRIBUTES for an org's custom
field. The extract selects exactly the fields these tables name, so a new row is
all it takes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from include.mappings import Field, MappingError, apply_table, attributes_json, source_fields
from include.mappings.converters import (
    as_text,
    html_to_recruit_ai_text,
    join_location,
    open_closed,
    to_utc_iso,
)

SOBJECT = "TR1__Job__c"

# Every job is synced: a job on hold or closed is posted with OpenClosed "Closed",
# so that Recruit AI stops recommending it.
FILTER: str | None = None

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


def soql_fields() -> list[str]:
    """Return the fields the extract selects: Id, the window's SystemModstamp, every source above."""
    return list(dict.fromkeys(["Id", "SystemModstamp", *source_fields(FIELDS, ATTRIBUTES)]))


def to_payload(record: Mapping[str, Any]) -> dict[str, str]:
    """Return Recruit AI's form for one job; raise ``MappingError``."""
    record_id = as_text(record.get("Id") or "")
    if record_id is None:
        raise MappingError("PositionID: record has no Id")
    payload = {"PositionID": f"p{record_id}", "InternalID": f"p{record_id}"}
    payload.update((target, str(value)) for target, value in apply_table(record, FIELDS).items())
    payload["Attributes"] = attributes_json(apply_table(record, ATTRIBUTES))
    return payload
