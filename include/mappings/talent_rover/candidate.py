"""Talent Rover candidate (a Contact) → Recruit AI candidate.

Edit the tables to change what is sent: add a row per field, e.g.
``Field("PracticeArea", "Practice_Area__c")`` in ATTRIBUTES. The extract selects
exactly the fields these tables name. Email and phone are never sent: Recruit AI
matches on résumés, not on contact details.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from include.mappings import Field, MappingError, apply_table, source_fields
from include.mappings.converters import join_location, to_utc_iso

SOBJECT = "Contact"

# Which Contacts are candidates. In Talent Rover, contact types are a picklist, not
# a record type; orgs differ, so change this filter here for yours.
FILTER = "TR1__Candidate_Status__c != null AND TR1__Candidate_Status__c != 'Not Applicable'"

FIELDS = (
    Field("FirstName", "FirstName"),
    Field("LastName", "LastName"),
    Field("JobTitle", "Title"),
    Field("CreatedDate", "CreatedDate", to_utc_iso),
    Field("LastModifiedDate", "LastModifiedDate", to_utc_iso, required=True),
)

ATTRIBUTES = (
    Field("Title", "Title"),
    Field("Status", "TR1__Candidate_Status__c"),
    Field("CandidateSource", "LeadSource"),
    Field("Location", ("MailingCity", "MailingState", "MailingCountry"), join_location),
    Field("City", "MailingCity"),
    Field("State", "MailingState"),
    Field("Country", "MailingCountry"),
)


def soql_fields() -> list[str]:
    """The fields the extract selects: Id, the window stamp, and every source above."""
    return source_fields((Field("Id", "Id"), Field("SystemModstamp", "SystemModstamp")), FIELDS, ATTRIBUTES)


def to_payload(record: Mapping[str, Any], resume_text: str | None) -> dict[str, str]:
    """Build Recruit AI's form for one candidate, or raise ``MappingError``."""
    if not record.get("Id"):
        raise MappingError("Id: required value is missing")
    candidate_id = f"c{record['Id']}"
    payload = {"CandidateID": candidate_id, "InternalID": candidate_id, **apply_table(record, FIELDS)}
    if resume_text:
        payload["Resume"] = resume_text
    payload["Attributes"] = json.dumps(
        apply_table(record, ATTRIBUTES), ensure_ascii=False, separators=(",", ":")
    )
    return payload
