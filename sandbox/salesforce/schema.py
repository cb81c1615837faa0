"""The objects of the sandbox org and their fields, as a describe call would list them.

Names are looked up case-insensitively, as Salesforce does, and always come
back in their canonical spelling. See ``docs/talent-rover-data-model.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum


class FieldType(StrEnum):
    """A Salesforce field type, named as in describe results."""

    ID = "id"
    REFERENCE = "reference"
    STRING = "string"
    PICKLIST = "picklist"
    EMAIL = "email"
    PHONE = "phone"
    TEXTAREA = "textarea"
    URL = "url"
    BOOLEAN = "boolean"
    DOUBLE = "double"
    INT = "int"
    DATETIME = "datetime"
    DATE = "date"
    BASE64 = "base64"

    @property
    def is_text(self) -> bool:
        """Whether values are strings compared case-insensitively."""
        return self in _TEXT_TYPES

    @property
    def is_id(self) -> bool:
        """Whether values are record ids."""
        return self in (FieldType.ID, FieldType.REFERENCE)

    @property
    def is_number(self) -> bool:
        """Whether values are numbers."""
        return self in (FieldType.DOUBLE, FieldType.INT)

    @property
    def soql_name(self) -> str:
        """The type's name in SOQL error messages (``dateTime``, ``double``...)."""
        if self.is_text:
            return "string"
        return {FieldType.DATETIME: "dateTime", FieldType.REFERENCE: "id"}.get(self, self.value)


_TEXT_TYPES = frozenset(
    {
        FieldType.STRING,
        FieldType.PICKLIST,
        FieldType.EMAIL,
        FieldType.PHONE,
        FieldType.TEXTAREA,
        FieldType.URL,
    }
)


@dataclass(frozen=True)
class FieldDef:
    """One field of an object.

    ``filterable``/``sortable`` are false for long text areas and blobs, which
    Salesforce refuses in WHERE and ORDER BY. ``deferred`` fields (file sizes)
    are computed from the file when first read instead of being stored.
    """

    name: str
    type: FieldType
    reference_to: str | None = None
    relationship_name: str | None = None
    filterable: bool = True
    sortable: bool = True
    required: bool = False
    system: bool = False
    deferred: bool = False
    picklist: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """A human label derived from the API name."""
        return self.name.removeprefix("TR1__").removesuffix("__c").replace("_", " ")


@dataclass
class SObjectDef:
    """One object (sObject): its name, key prefix and fields."""

    name: str
    key_prefix: str
    label: str
    fields: tuple[FieldDef, ...]
    _by_name: dict[str, FieldDef] = field(init=False, repr=False)
    _by_relationship: dict[str, FieldDef] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name = {f.name.lower(): f for f in self.fields}
        self._by_relationship = {f.relationship_name.lower(): f for f in self.fields if f.relationship_name}

    def field(self, name: str) -> FieldDef | None:
        """Return the field called ``name`` (any case), or None."""
        return self._by_name.get(name.lower())

    def relationship(self, name: str) -> FieldDef | None:
        """Return the reference field whose relationship is called ``name`` (any case), or None."""
        return self._by_relationship.get(name.lower())


class Schema:
    """The set of objects an org knows."""

    def __init__(self, sobjects: Iterable[SObjectDef]) -> None:
        self._by_name = {sobject.name.lower(): sobject for sobject in sobjects}
        self._by_prefix = {sobject.key_prefix: sobject for sobject in self._by_name.values()}

    def sobject(self, name: str) -> SObjectDef | None:
        """Return the object called ``name`` (any case), or None."""
        return self._by_name.get(name.lower())

    def by_prefix(self, key_prefix: str) -> SObjectDef | None:
        """Return the object whose ids start with ``key_prefix``, or None."""
        return self._by_prefix.get(key_prefix)

    def __iter__(self) -> Iterator[SObjectDef]:
        return iter(self._by_name.values())


def _system_fields() -> tuple[FieldDef, ...]:
    """The audit fields every object has."""
    return (
        FieldDef("CreatedDate", FieldType.DATETIME, system=True),
        FieldDef("LastModifiedDate", FieldType.DATETIME, system=True),
        FieldDef("SystemModstamp", FieldType.DATETIME, system=True),
        FieldDef("IsDeleted", FieldType.BOOLEAN, system=True),
    )


def _id() -> FieldDef:
    return FieldDef("Id", FieldType.ID, system=True)


def _text(name: str, *, required: bool = False) -> FieldDef:
    return FieldDef(name, FieldType.STRING, required=required)


def _long_text(name: str) -> FieldDef:
    # Long and rich text areas cannot be filtered or sorted on in SOQL.
    return FieldDef(name, FieldType.TEXTAREA, filterable=False, sortable=False)


CANDIDATE_STATUSES = ("Active", "Passive", "Placed", "Not Applicable")
JOB_STATUSES = ("Open", "Hold", "Closed")
DOCUMENT_TYPES = ("Resume", "Cover Letter", "Reference")

ACCOUNT = SObjectDef(
    "Account",
    "001",
    "Account",
    (
        _id(),
        _text("Name", required=True),
        FieldDef("Type", FieldType.PICKLIST, picklist=("Customer", "Prospect", "Partner")),
        FieldDef("Industry", FieldType.PICKLIST, picklist=("Legal", "Financial Services", "Technology")),
        _text("BillingCity"),
        _text("BillingCountry"),
        *_system_fields(),
    ),
)

CONTACT = SObjectDef(
    "Contact",
    "003",
    "Contact",
    (
        _id(),
        _text("FirstName"),
        _text("LastName", required=True),
        FieldDef("Name", FieldType.STRING, system=True),
        FieldDef("Email", FieldType.EMAIL),
        FieldDef("Phone", FieldType.PHONE),
        _text("Title"),
        FieldDef("LeadSource", FieldType.PICKLIST),
        _text("MailingCity"),
        _text("MailingState"),
        _text("MailingCountry"),
        FieldDef("AccountId", FieldType.REFERENCE, reference_to="Account", relationship_name="Account"),
        FieldDef("TR1__Candidate_Status__c", FieldType.PICKLIST, picklist=CANDIDATE_STATUSES),
        *_system_fields(),
    ),
)

JOB = SObjectDef(
    "TR1__Job__c",
    "a0J",
    "Job",
    (
        _id(),
        _text("Name", required=True),
        FieldDef("TR1__Status__c", FieldType.PICKLIST, picklist=JOB_STATUSES),
        _long_text("TR1__Client_Job_Description__c"),
        FieldDef(
            "TR1__Account__c",
            FieldType.REFERENCE,
            reference_to="Account",
            relationship_name="TR1__Account__r",
        ),
        _text("TR1__City__c"),
        _text("TR1__State_Area__c"),
        *_system_fields(),
    ),
)

CONTACT_DOCUMENT = SObjectDef(
    "TR1__ContactDocument__c",
    "a0C",
    "Contact Document",
    (
        _id(),
        _text("Name"),
        FieldDef(
            "TR1__Contact__c",
            FieldType.REFERENCE,
            reference_to="Contact",
            relationship_name="TR1__Contact__r",
            required=True,
        ),
        FieldDef("TR1__Type__c", FieldType.PICKLIST, picklist=DOCUMENT_TYPES),
        FieldDef("TR1__isDefault__c", FieldType.BOOLEAN),
        FieldDef("TR1__Version__c", FieldType.DOUBLE),
        FieldDef("TR1__Internal_URL__c", FieldType.URL),
        FieldDef("TR1__ContentVersionId__c", FieldType.STRING),
        *_system_fields(),
    ),
)

ATTACHMENT = SObjectDef(
    "Attachment",
    "00P",
    "Attachment",
    (
        _id(),
        FieldDef("ParentId", FieldType.REFERENCE, reference_to="TR1__ContactDocument__c", required=True),
        _text("Name", required=True),
        _text("ContentType"),
        FieldDef("BodyLength", FieldType.INT, system=True, deferred=True),
        FieldDef("Body", FieldType.BASE64, filterable=False, sortable=False, required=True),
        *_system_fields(),
    ),
)

CONTENT_VERSION = SObjectDef(
    "ContentVersion",
    "068",
    "Content Version",
    (
        _id(),
        FieldDef("ContentDocumentId", FieldType.REFERENCE, system=True),
        _text("Title", required=True),
        _text("PathOnClient", required=True),
        FieldDef("FileExtension", FieldType.STRING, system=True),
        FieldDef("ContentSize", FieldType.INT, system=True, deferred=True),
        _text("VersionNumber"),
        FieldDef("IsLatest", FieldType.BOOLEAN, system=True),
        FieldDef("VersionData", FieldType.BASE64, filterable=False, sortable=False, required=True),
        *_system_fields(),
    ),
)

TALENT_ROVER = Schema((ACCOUNT, CONTACT, JOB, CONTACT_DOCUMENT, ATTACHMENT, CONTENT_VERSION))

ORGANIZATION_PREFIX = "00D"
USER_PREFIX = "005"
CONTENT_DOCUMENT_PREFIX = "069"
QUERY_LOCATOR_PREFIX = "01g"
