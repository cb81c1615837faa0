"""Talent Rover candidate (a ``Contact``) → Recruit AI candidate.

To change what is sent, edit the tables: one row per field, for instance
``Field("PracticeArea", "Practice_Area__c")`` in ATTRIBUTES for an org's custom
field. The extract selects exactly the fields these tables name, so a new row is
all it takes. Email and phone are never sent: Recruit AI matches on résumés,
not on contact details.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from include.mappings import Field, MappingError, apply_table, attributes_json, source_fields
from include.mappings.converters import as_text, join_location, to_utc_iso

SOBJECT = "Contact"

# Which Contacts are candidates (the rest are client contacts). Orgs differ: some use
# other statuses or a record type; change this condition here for yours.
FILTER = "TR1__Candidate_Status__c != null AND TR1__Candidate_Status__c != 'Not Applicable'"

# Recruit AI's top-level candidate fields.
FIELDS: tuple[Field, ...] = (
    Field("FirstName", "FirstName"),
    Field("LastName", "LastName"),
    Field("JobTitle", "Title"),
    Field("CreatedDate", "CreatedDate", to_utc_iso),
    Field("LastModifiedDate", "LastModifiedDate", to_utc_iso, required=True),
)

# Keys of the candidate's Attributes JSON.
ATTRIBUTES: tuple[Field, ...] = (
    Field("Title", "Title"),
    Field("Status", "TR1__Candidate_Status__c"),
    Field("CandidateSource", "LeadSource"),
    Field("Location", ("MailingCity", "MailingState", "MailingCountry"), join_location),
    Field("City", "MailingCity"),
    Field("State", "MailingState"),
    Field("Country", "MailingCountry"),
)


def soql_fields() -> list[str]:
    """Return the fields the extract selects: Id, the window's SystemModstamp, every source above."""
    return list(dict.fromkeys(["Id", "SystemModstamp", *source_fields(FIELDS, ATTRIBUTES)]))


def to_payload(record: Mapping[str, Any], resume_text: str | None) -> dict[str, str]:
    """Return Recruit AI's form for one Contact and its résumé text; raise ``MappingError``."""
    record_id = as_text(record.get("Id") or "")
    if record_id is None:
        raise MappingError("CandidateID: record has no Id")
    payload = {"CandidateID": f"c{record_id}", "InternalID": f"c{record_id}"}
    payload.update((target, str(value)) for target, value in apply_table(record, FIELDS).items())
    if resume_text:
        payload["Resume"] = resume_text
    payload["Attributes"] = attributes_json(apply_table(record, ATTRIBUTES))
    return payload
