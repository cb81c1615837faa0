"""The entities the sandbox Bullhorn serves, their fields and what kind of value each holds.

Kinds decide how a value is checked on write, compared in a JPQL ``where``,
matched in a Lucene ``query`` (dates as ``yyyyMMddHHmmss``, booleans as 0/1)
and rendered in ``fields`` selections. "Heavy" fields (long texts) make a list
page shorter, as real Bullhorn's page cap varies with the fields asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Kind(Enum):
    """What a field holds."""

    INT = "int"
    FLOAT = "float"
    TEXT = "text"
    BOOL = "bool"
    DATE = "date"  # epoch milliseconds, negative before 1970
    ADDRESS = "address"  # {address1, address2, city, state, zip, countryID}
    TO_ONE = "to_one"  # {"id": …, and the target's name fields}
    TO_MANY = "to_many"  # rendered as {"total", "data": [...]}


ADDRESS_PARTS = ("address1", "address2", "city", "state", "zip", "countryID")


@dataclass(frozen=True)
class FieldDef:
    """One field of an entity."""

    name: str
    kind: Kind
    target: str | None = None  # the entity a TO_ONE / TO_MANY field points at
    heavy: bool = False
    max_length: int | None = None
    read_only: bool = False


@dataclass(frozen=True)
class EntityDef:
    """One entity: its fields and which list endpoints serve it."""

    name: str
    fields: dict[str, FieldDef]
    queryable: bool  # /query/{Entity}; Candidate is search-only, as in Bullhorn
    searchable: bool  # /search/{Entity}
    required: tuple[str, ...] = ()
    # Fields shown when another entity's to-one field points here and no sub-fields are asked for.
    reference_fields: tuple[str, ...] = ("id",)
    to_many_rows: dict[str, str] = field(
        default_factory=dict
    )  # to-many field → child entity's back-reference

    def get(self, name: str) -> FieldDef | None:
        """The field named ``name``, or None."""
        return self.fields.get(name)


def _fields(*definitions: FieldDef) -> dict[str, FieldDef]:
    return {definition.name: definition for definition in definitions}


def _common() -> tuple[FieldDef, ...]:
    return (
        FieldDef("id", Kind.INT, read_only=True),
        FieldDef("dateAdded", Kind.DATE),
        FieldDef("dateLastModified", Kind.DATE, read_only=True),
    )


def _text(name: str, max_length: int | None = 100, *, heavy: bool = False) -> FieldDef:
    return FieldDef(name, Kind.TEXT, max_length=max_length, heavy=heavy)


CANDIDATE = EntityDef(
    "Candidate",
    _fields(
        *_common(),
        _text("firstName", 50),
        _text("lastName", 50),
        _text("name", 100),
        _text("email"),
        _text("phone", 20),
        _text("mobile", 20),
        _text("status"),
        _text("source"),
        _text("occupation", 50),
        _text("employmentPreference"),
        FieldDef("experience", Kind.INT),
        _text("companyName"),
        FieldDef("address", Kind.ADDRESS),
        FieldDef("category", Kind.TO_ONE, target="Category"),
        FieldDef("customInt1", Kind.INT),
        _text("customText2"),
        _text("customText7"),
        _text("customTextBlock5", None),
        _text("description", None, heavy=True),
        FieldDef("isDeleted", Kind.BOOL),
        FieldDef("educations", Kind.TO_MANY, target="CandidateEducation", read_only=True),
        FieldDef("workHistories", Kind.TO_MANY, target="CandidateWorkHistory", read_only=True),
    ),
    queryable=False,
    searchable=True,
    required=("lastName",),
    reference_fields=("id", "firstName", "lastName"),
    to_many_rows={"educations": "candidate", "workHistories": "candidate"},
)

CANDIDATE_EDUCATION = EntityDef(
    "CandidateEducation",
    _fields(
        *_common(),
        FieldDef("candidate", Kind.TO_ONE, target="Candidate"),
        _text("school"),
        _text("major"),
        _text("degree"),
        FieldDef("gpa", Kind.FLOAT),
        FieldDef("customInt1", Kind.INT),
        FieldDef("startDate", Kind.DATE),
        FieldDef("endDate", Kind.DATE),
        _text("comments", None),
        FieldDef("isDeleted", Kind.BOOL),
    ),
    queryable=True,
    searchable=False,
    required=("candidate",),
)

CANDIDATE_WORK_HISTORY = EntityDef(
    "CandidateWorkHistory",
    _fields(
        *_common(),
        FieldDef("candidate", Kind.TO_ONE, target="Candidate"),
        _text("title"),
        _text("companyName"),
        FieldDef("startDate", Kind.DATE),
        FieldDef("endDate", Kind.DATE),
        _text("comments", None),
        FieldDef("isDeleted", Kind.BOOL),
    ),
    queryable=True,
    searchable=False,
    required=("candidate",),
)

JOB_ORDER = EntityDef(
    "JobOrder",
    _fields(
        *_common(),
        _text("title"),
        _text("status"),
        FieldDef("isOpen", Kind.BOOL),
        FieldDef("isPublic", Kind.INT),  # -1, 0 or 1 in Bullhorn, not a boolean
        FieldDef("isDeleted", Kind.BOOL),
        _text("employmentType"),
        FieldDef("dateClosed", Kind.DATE),
        FieldDef("address", Kind.ADDRESS),
        _text("description", None, heavy=True),
        _text("publicDescription", None, heavy=True),
        FieldDef("salary", Kind.FLOAT),
        _text("salaryUnit"),
        FieldDef("clientCorporation", Kind.TO_ONE, target="ClientCorporation"),
        FieldDef("numOpenings", Kind.INT),
        FieldDef("categories", Kind.TO_MANY, target="Category", read_only=True),
    ),
    queryable=True,
    searchable=True,
    required=("title",),
    reference_fields=("id", "title"),
)

JOB_SUBMISSION = EntityDef(
    "JobSubmission",
    _fields(
        *_common(),
        FieldDef("candidate", Kind.TO_ONE, target="Candidate"),
        FieldDef("jobOrder", Kind.TO_ONE, target="JobOrder"),
        _text("status"),
        _text("source"),
        FieldDef("dateWebResponse", Kind.DATE),
        FieldDef("isDeleted", Kind.BOOL),
    ),
    queryable=True,
    searchable=False,
    required=("candidate", "jobOrder", "status"),
)

ENTITIES: dict[str, EntityDef] = {
    entity.name: entity
    for entity in (CANDIDATE, CANDIDATE_EDUCATION, CANDIDATE_WORK_HISTORY, JOB_ORDER, JOB_SUBMISSION)
}

# Entities referenced but not served here: their references carry {id, name}.
REFERENCE_ONLY_FIELDS = ("id", "name")


class UnknownField(ValueError):
    """A field (or dotted path) the entity does not have; the message names it."""


@dataclass(frozen=True)
class FieldPath:
    """A field, or a dotted path through a to-one field or address (``candidate.id``, ``address.city``)."""

    parts: tuple[str, ...]
    kind: Kind


def resolve_path(entity: EntityDef, dotted: str) -> FieldPath:
    """The path ``dotted`` names on ``entity`` and the kind of value at its end; ``UnknownField`` if none."""
    parts = tuple(dotted.split("."))
    definition = entity.get(parts[0])
    if definition is None or len(parts) > 2:
        raise UnknownField(f"Invalid field '{dotted}' for entity {entity.name}")
    if len(parts) == 1:
        return FieldPath(parts, definition.kind)
    child = parts[1]
    if definition.kind is Kind.ADDRESS and child in ADDRESS_PARTS:
        return FieldPath(parts, Kind.INT if child == "countryID" else Kind.TEXT)
    if definition.kind is Kind.TO_ONE and definition.target:
        target = ENTITIES.get(definition.target)
        if (
            target is not None
            and (target_field := target.get(child))
            and target_field.kind is not Kind.TO_MANY
        ):
            return FieldPath(parts, target_field.kind)
        if target is None and child in REFERENCE_ONLY_FIELDS:
            return FieldPath(parts, Kind.INT if child == "id" else Kind.TEXT)
    raise UnknownField(f"Invalid field '{dotted}' for entity {entity.name}")
