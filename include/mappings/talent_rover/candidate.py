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

from include.mappings import Field, RelatedChange, apply_table, form_payload, recruit_ai_ids
from include.mappings.converters import join_location, to_utc_iso
from include.mappings.talent_rover import soql_fields as talent_rover_fields

SOBJECT = "Contact"

# Which Contacts are, or were, candidates (the rest are client contacts). Orgs differ: some
# use other statuses or a record type; change this condition here for yours.
FILTER = "TR1__Candidate_Status__c != null"
# Statuses of a contact that is no longer a candidate: it is posted as a tombstone, as a
# deleted one is, so that Recruit AI stops recommending it.
NOT_A_CANDIDATE = frozenset({"Not Applicable"})

# A candidate whose résumé document changed is synced even if its Contact did not change.
RELATED_CHANGES = (RelatedChange("TR1__ContactDocument__c", "TR1__Contact__c", "TR1__Type__c = 'Resume'"),)

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


# A tombstone: the ids, these fields, and these Attributes (the contract's "Deleted" candidate).
TOMBSTONE_FIELDS: tuple[Field, ...] = (
    Field("LastModifiedDate", "SystemModstamp", to_utc_iso, required=True),
)
TOMBSTONE_ATTRIBUTES = {"Status": "Deleted"}


def soql_fields() -> list[str]:
    """Return the fields the extract selects: the bookkeeping fields and every source above."""
    return talent_rover_fields(FIELDS, ATTRIBUTES, TOMBSTONE_FIELDS)


def is_tombstone(record: Mapping[str, Any]) -> bool:
    """Whether the Contact is deleted or no longer a candidate (Recruit AI must stop recommending it)."""
    return bool(record.get("IsDeleted")) or record.get("TR1__Candidate_Status__c") in NOT_A_CANDIDATE


def to_payload(record: Mapping[str, Any], resume_text: str | None) -> dict[str, str]:
    """Return Recruit AI's form for one Contact and its résumé text, or its tombstone.

    Raises ``MappingError`` for a record that cannot be mapped.
    """
    ids = recruit_ai_ids(record, "CandidateID", "c")
    if is_tombstone(record):
        return form_payload(ids, record, TOMBSTONE_FIELDS, TOMBSTONE_ATTRIBUTES)
    payload = form_payload(ids, record, FIELDS, apply_table(record, ATTRIBUTES))
    if resume_text:
        payload["Resume"] = resume_text
    return payload
