"""Bullhorn ``Candidate`` (with its education and work history) → Recruit AI candidate.

To change what is sent, edit the tables: one row per field, for instance
``Field("Skills", "skillSet")`` in ATTRIBUTES. The extract reads exactly the
fields these tables name (``fields``), so a new row is all it takes. Email and
phone are never read: Recruit AI matches on résumés, not on contact details.

The custom fields below are the law firm's (its candidate portal stores them so);
another firm's Bullhorn uses its custom fields for other things: change those rows.

A candidate's ``CandidateEducation`` and ``CandidateWorkHistory`` rows are read
in batches by candidate id (``include.bullhorn.queries``), grouped with
``rows_by_candidate``, and summarised into the Attributes as lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from include.mappings import Field, apply_table, form_payload, source_fields
from include.mappings.bullhorn import (
    BOOKKEEPING_FIELDS,
    COUNTRY_NAME,
    bullhorn_ids,
    fields_parameter,
    with_country_name,
)
from include.mappings.converters import (
    comma_list,
    epoch_ms_to_utc_iso,
    join_location,
    text_list,
    year,
    yes_no,
)
from include.plain_text import html_to_text, recruit_ai_text
from include.resume_text import MAX_RESUME_CHARS

# Bullhorn answers Candidate through ``search`` only (Lucene), never ``query``.
ENTITY = "Candidate"
# Which candidates to sync, as a Lucene fragment ANDed to the window (code, not input).
# Every Candidate record is a candidate, and a deleted one must become a tombstone.
FILTER: str | None = None

EDUCATION_ENTITY = "CandidateEducation"
WORK_HISTORY_ENTITY = "CandidateWorkHistory"
# The path, in an education or work history row, of the candidate it belongs to.
CANDIDATE_LINK = "candidate.id"

# Bullhorn keeps the text of a parsed résumé, as HTML, in the candidate's description.
RESUME_SOURCE = "description"

# Recruit AI's top-level candidate fields.
FIELDS: tuple[Field, ...] = (
    Field("FirstName", "firstName"),
    Field("LastName", "lastName"),
    Field("JobTitle", "occupation"),
    Field("CreatedDate", "dateAdded", epoch_ms_to_utc_iso),
    Field("LastModifiedDate", "dateLastModified", epoch_ms_to_utc_iso, required=True),
)

# Keys of the candidate's Attributes JSON: first those Recruit AI's own Bullhorn component sent.
ATTRIBUTES: tuple[Field, ...] = (
    Field("Status", "status"),
    Field("CandidateSource", "source"),
    Field("EmploymentPreference", "employmentPreference"),
    Field("Experience", "experience"),  # years, sent as text as the component did
    Field("Location", ("address.city", "address.state", COUNTRY_NAME), join_location),
    Field("City", "address.city"),
    Field("State", "address.state"),
    Field("PostalCode", "address.zip"),
    Field("Country", COUNTRY_NAME),
    # The law firm's custom fields.
    Field("QualificationYear", "customInt1", year),
    Field("BarAdmissions", "customText2", comma_list),  # "US - New York,US - New Jersey"
    Field("VisaSponsorshipNeeded", "customText7", yes_no),  # "No - I will not require assistance…"
    Field("LinkedInURL", "customTextBlock5"),
    Field("PrimarySpecialty", "category.name"),
)
# Attributes sent as null rather than left out when unknown: a yes/no question's
# "unknown" tells a recruiter the question is still open.
NULL_WHEN_UNKNOWN = ("VisaSponsorshipNeeded",)

# One entry of Attributes.Education per CandidateEducation row.
EDUCATION: tuple[Field, ...] = (
    Field("school", "school"),
    Field("degree", "degree"),
    Field("major", "major"),
    Field("graduationYear", "customInt1", year),  # the law firm's portal stores the year here
)

# One entry of Attributes.WorkHistory per CandidateWorkHistory row.
WORK_HISTORY: tuple[Field, ...] = (
    Field("title", "title"),
    Field("companyName", "companyName"),
    Field("start", "startDate", epoch_ms_to_utc_iso),
    Field("end", "endDate", epoch_ms_to_utc_iso),
)

# A soft-deleted candidate's tombstone: the ids, these fields, and the contract's Attributes.
TOMBSTONE_FIELDS: tuple[Field, ...] = (
    Field("LastModifiedDate", "dateLastModified", epoch_ms_to_utc_iso, required=True),
)
TOMBSTONE_ATTRIBUTES = {"Status": "Deleted"}


def fields() -> str:
    """Return the ``fields`` parameter of the candidate search: bookkeeping, the sources above, résumé."""
    return fields_parameter(
        [*BOOKKEEPING_FIELDS, *source_fields(FIELDS, ATTRIBUTES, TOMBSTONE_FIELDS), RESUME_SOURCE]
    )


def education_fields() -> str:
    """Return the ``fields`` parameter of the CandidateEducation query."""
    return fields_parameter(["id", CANDIDATE_LINK, *source_fields(EDUCATION)])


def work_history_fields() -> str:
    """Return the ``fields`` parameter of the CandidateWorkHistory query."""
    return fields_parameter(["id", CANDIDATE_LINK, *source_fields(WORK_HISTORY)])


def rows_by_candidate(rows: Iterable[Mapping[str, Any]]) -> dict[int, list[Mapping[str, Any]]]:
    """Group education or work history rows by the id of their candidate, in the order given.

    Rows without a candidate are dropped (Bullhorn does not make them; a broken row must not stop a sync).
    """
    grouped: dict[int, list[Mapping[str, Any]]] = {}
    for row in rows:
        candidate = row.get("candidate")
        candidate_id = candidate.get("id") if isinstance(candidate, Mapping) else None
        if isinstance(candidate_id, int):
            grouped.setdefault(candidate_id, []).append(row)
    return grouped


def description_resume_text(record: Mapping[str, Any]) -> str | None:
    """Return the plain text of the résumé Bullhorn parsed into the candidate's description, or None."""
    description = record.get(RESUME_SOURCE)
    if not description:
        return None
    return recruit_ai_text(html_to_text(str(description)), max_chars=MAX_RESUME_CHARS) or None


def is_tombstone(record: Mapping[str, Any]) -> bool:
    """Whether the candidate is soft-deleted (Recruit AI must stop recommending it)."""
    return bool(record.get("isDeleted"))


def to_payload(
    record: Mapping[str, Any],
    education: Sequence[Mapping[str, Any]],
    work_history: Sequence[Mapping[str, Any]],
    resume_text: str | None,
    countries: Mapping[int, str],
) -> dict[str, str]:
    """Return Recruit AI's form for one candidate, its education, work history and résumé text.

    A soft-deleted candidate gives its tombstone. ``countries`` maps Bullhorn
    country ids to names (``country_names``). Raises ``MappingError`` for a record
    that cannot be mapped.
    """
    ids = bullhorn_ids(record, "CandidateID", "c")
    if is_tombstone(record):
        return form_payload(ids, record, TOMBSTONE_FIELDS, TOMBSTONE_ATTRIBUTES)
    record = with_country_name(record, countries)
    attributes = apply_table(record, ATTRIBUTES)
    for key in NULL_WHEN_UNKNOWN:
        attributes.setdefault(key, None)
    if entries := _summaries(education, EDUCATION):
        attributes["Education"] = entries
    if entries := _summaries(work_history, WORK_HISTORY):
        attributes["WorkHistory"] = entries
    payload = form_payload(ids, record, FIELDS, attributes)
    if resume_text:
        payload["Resume"] = resume_text
    return payload


def _summaries(rows: Sequence[Mapping[str, Any]], table: Sequence[Field]) -> str | None:
    """Summarise the rows that are not deleted as one Attributes value: "a, b, c; d, e", or None.

    Each row is mapped through the table and its values joined in the table's order;
    rows with nothing to say are left out.
    """
    mapped = (apply_table(row, table) for row in rows if not row.get("isDeleted"))
    return text_list(", ".join(str(value) for value in entry.values()) for entry in mapped if entry)
