"""Bullhorn ``JobOrder`` → Recruit AI position.

To change what is sent, edit the tables: one row per field, for instance
``Field("Skills", "skillList")`` in ATTRIBUTES. The extract reads exactly the
fields these tables name (``fields``), so a new row is all it takes.

Only an *available* job (``is_available``: open, public, not deleted, and of an
employment type the firm recruits for through Recruit AI) is posted whole. Every
other job in a window is posted as a closed tombstone (``tombstone_attributes``),
so that Recruit AI stops recommending a job that closed, went private, changed
type or was deleted since it was last posted.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from include.mappings import Field, apply_table, form_payload, source_fields
from include.mappings.bullhorn import (
    BOOKKEEPING_FIELDS,
    COUNTRY_NAME,
    association_names,
    bullhorn_ids,
    fields_parameter,
    with_country_name,
)
from include.mappings.converters import (
    as_text,
    epoch_ms_to_utc_iso,
    first_html_text,
    join_location,
    positive_amount,
    whole_number,
)

ENTITY = "JobOrder"

# Employment types of the jobs Recruit AI recommends (the law firm's portal shows these);
# a firm that recruits for others passes its own list to ``is_available`` and ``to_payload``.
AVAILABLE_EMPLOYMENT_TYPES: tuple[str, ...] = ("Job Req", "Bench Req")
# The fields ``is_available`` reads.
AVAILABILITY_FIELDS = ("isOpen", "isPublic", "employmentType")

# To-many fields, spelled whole: Bullhorn returns 5 associated entities unless asked, 10 at most.
TO_MANY = {"categories": "categories[10](name)"}

# Recruit AI's top-level position fields.
FIELDS: tuple[Field, ...] = (
    Field("JobTitle", "title", required=True),
    # The internal description is the fuller one; the public one stands in when it is blank.
    Field("JobDescription", ("description", "publicDescription"), first_html_text),
    Field("Company", "clientCorporation.name"),
    Field("CreatedDate", "dateAdded", epoch_ms_to_utc_iso),
    Field("LastModifiedDate", "dateLastModified", epoch_ms_to_utc_iso, required=True),
)

# An available job is open: Recruit AI may recommend it.
OPEN_ATTRIBUTES = {"OpenClosed": "Open"}

# Further keys of an available job's Attributes JSON.
ATTRIBUTES: tuple[Field, ...] = (
    Field("Status", "status"),
    Field("EmploymentType", "employmentType"),
    Field("Location", ("address.city", "address.state", COUNTRY_NAME), join_location),
    Field("City", "address.city"),
    Field("State", "address.state"),
    Field("PostalCode", "address.zip"),
    Field("Country", COUNTRY_NAME),
    Field("Salary", "salary", positive_amount),  # 0 is Bullhorn's "not set"
    Field("SalaryUnit", "salaryUnit"),
    Field("Categories", "categories", association_names),
    Field("NumOpenings", "numOpenings", whole_number),
)

# A tombstone: the ids, these fields, and ``tombstone_attributes``.
TOMBSTONE_FIELDS: tuple[Field, ...] = (
    Field("JobTitle", "title", required=True),
    Field("LastModifiedDate", "dateLastModified", epoch_ms_to_utc_iso, required=True),
)
# The Status of a deleted job's tombstone (the contract's).
DELETED_STATUS = "Deleted"


def fields() -> str:
    """Return the ``fields`` parameter of the JobOrder query: bookkeeping, availability, the sources above."""
    return fields_parameter(
        [*BOOKKEEPING_FIELDS, *AVAILABILITY_FIELDS, *source_fields(FIELDS, ATTRIBUTES, TOMBSTONE_FIELDS)],
        TO_MANY,
    )


def is_available(
    job: Mapping[str, Any],
    employment_types: Collection[str] = AVAILABLE_EMPLOYMENT_TYPES,
) -> bool:
    """Whether Recruit AI may recommend the job: open, public, not deleted, of a recruited employment type.

    ``isPublic`` is an integer in Bullhorn (-1, 0 or 1): only 1 is public.
    """
    return (
        job.get("isOpen") is True
        and job.get("isPublic") == 1
        and not job.get("isDeleted")
        and as_text(job.get("employmentType") or "") in employment_types
    )


def is_tombstone(
    job: Mapping[str, Any],
    employment_types: Collection[str] = AVAILABLE_EMPLOYMENT_TYPES,
) -> bool:
    """Whether the job is posted as a tombstone: every job that is not available is."""
    return not is_available(job, employment_types)


def tombstone_attributes(job: Mapping[str, Any]) -> dict[str, str]:
    """Return a tombstone's Attributes: closed, with Status "Deleted" for a deleted job, else the job's own.

    A job without a status has none in its tombstone either.
    """
    status = DELETED_STATUS if job.get("isDeleted") else as_text(job.get("status") or "")
    return {"OpenClosed": "Closed", **({"Status": status} if status else {})}


def to_payload(
    job: Mapping[str, Any],
    countries: Mapping[int, str],
    employment_types: Collection[str] = AVAILABLE_EMPLOYMENT_TYPES,
) -> dict[str, str]:
    """Return Recruit AI's form for one job, or its tombstone when it is not available.

    ``countries`` maps Bullhorn country ids to names (``country_names``). Raises
    ``MappingError`` for a job that cannot be mapped.
    """
    ids = bullhorn_ids(job, "PositionID", "p")
    if is_tombstone(job, employment_types):
        return form_payload(ids, job, TOMBSTONE_FIELDS, tombstone_attributes(job))
    job = with_country_name(job, countries)
    return form_payload(ids, job, FIELDS, OPEN_ATTRIBUTES | apply_table(job, ATTRIBUTES))
