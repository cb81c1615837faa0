"""Which file is a candidate's current résumé in Talent Rover.

A candidate may have several ``TR1__ContactDocument__c`` rows of type Resume.
The current one is the default document, else the highest version (then the
latest stamp). Its file is either an Attachment, named after ``file=`` in
``TR1__Internal_URL__c``, or a ContentVersion in ``TR1__ContentVersionId__c``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from include.talent_rover.soql import is_salesforce_id


@dataclass(frozen=True)
class ResumeFile:
    """Where to download one résumé document's file from."""

    document_id: str
    sobject: str  # "Attachment" or "ContentVersion"
    file_id: str
    blob_field: str  # "Body" or "VersionData"


def _rank(document: Mapping[str, Any]) -> tuple[bool, float, str]:
    return (
        bool(document.get("TR1__isDefault__c")),
        float(document.get("TR1__Version__c") or 0),
        str(document.get("SystemModstamp") or ""),
    )


def current_documents(documents: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """Map each contact id to its current résumé document."""
    current: dict[str, Mapping[str, Any]] = {}
    for document in documents:
        contact_id = document.get("TR1__Contact__c")
        if not contact_id:
            continue
        best = current.get(contact_id)
        if best is None or _rank(document) > _rank(best):
            current[contact_id] = document
    return current


def resume_file(document: Mapping[str, Any]) -> ResumeFile | None:
    """Return where the document's file lives, or None when it names no usable file id.

    The id goes into a URL path, so anything that is not a Salesforce id is refused.
    """
    document_id = str(document["Id"])
    internal_url = document.get("TR1__Internal_URL__c")
    attachment_ids = parse_qs(urlsplit(str(internal_url)).query).get("file") if internal_url else None
    if attachment_ids and is_salesforce_id(attachment_ids[0]):
        return ResumeFile(document_id, "Attachment", attachment_ids[0], "Body")
    content_version_id = str(document.get("TR1__ContentVersionId__c") or "")
    if is_salesforce_id(content_version_id):
        return ResumeFile(document_id, "ContentVersion", content_version_id, "VersionData")
    return None


def resume_version(document: Mapping[str, Any], location: ResumeFile) -> str:
    """Return what identifies this version of a document's file, for the résumé cache.

    Everything that changes when the file does: the document's version number and
    ``SystemModstamp`` (any edit to the document, a new file included, moves it),
    and the file's own id (a new ContentVersion is a new id).
    """
    return "|".join(
        (
            str(document.get("TR1__Version__c") or ""),
            str(document.get("SystemModstamp") or ""),
            f"{location.sobject}:{location.file_id}",
        )
    )
