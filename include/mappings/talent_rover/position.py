"""Talent Rover position (a ``TR1__Job__c``) → Recruit AI position.

Every job is synced: closed and held ones say so in ``OpenClosed`` so that
Recruit AI stops recommending them. Edit the tables to change what is sent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from include.mappings import Field, MappingError, apply_table, source_fields
from include.mappings.converters import html_to_recruit_ai_text, join_location, open_closed, to_utc_iso

SOBJECT = "TR1__Job__c"
FILTER: str | None = None

FIELDS = (
    Field("JobTitle", "Name", required=True),
    Field("JobDescription", "TR1__Client_Job_Description__c", html_to_recruit_ai_text),
    Field("Company", "TR1__Account__r.Name"),
    Field("CreatedDate", "CreatedDate", to_utc_iso),
    Field("LastModifiedDate", "LastModifiedDate", to_utc_iso, required=True),
)

ATTRIBUTES = (
    Field("OpenClosed", "TR1__Status__c", open_closed, required=True),
    Field("Status", "TR1__Status__c"),
    Field("Location", ("TR1__City__c", "TR1__State_Area__c"), join_location),
    Field("City", "TR1__City__c"),
    Field("State", "TR1__State_Area__c"),
)


def soql_fields() -> list[str]:
    """The fields the extract selects: Id, the window stamp, and every source above."""
    return source_fields((Field("Id", "Id"), Field("SystemModstamp", "SystemModstamp")), FIELDS, ATTRIBUTES)


def to_payload(record: Mapping[str, Any]) -> dict[str, str]:
    """Build Recruit AI's form for one position, or raise ``MappingError``."""
    if not record.get("Id"):
        raise MappingError("Id: required value is missing")
    position_id = f"p{record['Id']}"
    payload = {"PositionID": position_id, "InternalID": position_id, **apply_table(record, FIELDS)}
    payload["Attributes"] = json.dumps(
        apply_table(record, ATTRIBUTES), ensure_ascii=False, separators=(",", ":")
    )
    return payload
