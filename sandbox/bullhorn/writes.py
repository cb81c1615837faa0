"""Creating and updating entities (``PUT /entity/X``, ``POST /entity/X/{id}``) and uploading candidate files.

Values are checked against the entity's fields as Bullhorn does: an unknown
property, a value of the wrong type, text over its length, a read-only field
or (on create) a missing required one is refused with 400
``errors.cannotPersistEntity`` and one ``errors`` entry per property. A
``{"id": …}`` reference must name an existing record. REST does not compute
``name``: clients send it.

Uploads are accepted as text, HTML, PDF, DOC and DOCX, recognised by their
content (and extension for plain text); anything else is refused.
"""

from __future__ import annotations

import base64
import binascii
import email.parser
import email.policy
import io
import zipfile
from collections.abc import Mapping
from typing import Any

from sandbox.bullhorn.errors import BullhornError, bad_request, persist_error
from sandbox.bullhorn.org import CATEGORIES, CandidateFile, Org
from sandbox.bullhorn.schema import ADDRESS_PARTS, ENTITIES, EntityDef, Kind

_CATEGORY_NAMES = dict(CATEGORIES)
UPLOAD_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
    "html": "text/html",
    "txt": "text/plain",
}


def checked_values(org: Org, entity: EntityDef, body: Any, *, creating: bool) -> dict[str, Any]:
    """The body's values as the record stores them; ``BullhornError`` listing every refused property."""
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object")
    errors: list[dict[str, Any]] = []
    values: dict[str, Any] = {}
    for name, value in body.items():
        definition = entity.get(name)
        if definition is None:
            errors.append(_problem(name, "UNKNOWN_PROPERTY", f"{entity.name} has no property '{name}'"))
            continue
        if definition.read_only or definition.kind is Kind.TO_MANY:
            errors.append(_problem(name, "READ_ONLY_PROPERTY", f"'{name}' cannot be set"))
            continue
        problem, stored = _check(org, definition.kind, definition.target, definition.max_length, value)
        if problem:
            errors.append(
                _problem(name, "INVALID_VALUE" if problem != "length" else "INVALID_LENGTH", problem)
            )
        else:
            values[name] = stored
    if creating:
        errors += [
            _problem(name, "MISSING_REQUIRED_PROPERTY", f"'{name}' is required")
            for name in entity.required
            if body.get(name) is None
        ]
    if errors:
        raise persist_error(entity.name, errors)
    return values


def _problem(name: str, kind: str, detail: str) -> dict[str, Any]:
    return {"propertyName": name, "severity": "ERROR", "type": kind, "detail": detail}


def _check(  # noqa: PLR0911 - one answer per kind of field
    org: Org, kind: Kind, target: str | None, max_length: int | None, value: Any
) -> tuple[str, Any]:
    """(problem, stored value): an empty problem means the value is fine."""
    if value is None:
        return "", None
    if kind is Kind.TEXT:
        if not isinstance(value, str):
            return "expected a string", None
        if max_length is not None and len(value) > max_length:
            return "length", None
        return "", value
    if kind in (Kind.INT, Kind.DATE):
        if not isinstance(value, int) or isinstance(value, bool):
            return "expected an integer" + (" (epoch milliseconds)" if kind is Kind.DATE else ""), None
        return "", value
    if kind is Kind.FLOAT:
        if not isinstance(value, int | float) or isinstance(value, bool):
            return "expected a number", None
        return "", float(value)
    if kind is Kind.BOOL:
        return ("", value) if isinstance(value, bool) else ("expected true or false", None)
    if kind is Kind.ADDRESS:
        if not isinstance(value, dict) or any(part not in ADDRESS_PARTS for part in value):
            return f"an address has only {', '.join(ADDRESS_PARTS)}", None
        return "", {part: value.get(part) for part in ADDRESS_PARTS}
    return _reference(org, target or "", value)


def _reference(org: Org, target: str, value: Any) -> tuple[str, Any]:
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("id"), int)
        or isinstance(value.get("id"), bool)
    ):
        return 'expected a reference {"id": <integer>}', None
    record_id = value["id"]
    if target in ENTITIES:
        return (
            ("", {"id": record_id})
            if org.get(target, record_id)
            else (f"no {target} with id {record_id}", None)
        )
    if target == "Category":
        name = _CATEGORY_NAMES.get(record_id)
        return ("", {"id": record_id, "name": name}) if name else (f"no Category with id {record_id}", None)
    return "", {"id": record_id, "name": value.get("name")}


# ---- file uploads ----------------------------------------------------------------------------------


def multipart_file(content_type: str, body: bytes) -> tuple[str, bytes]:
    """The file name and bytes of the ``file`` part of a multipart/form-data body."""
    if "multipart/form-data" not in content_type.lower():
        raise bad_request("Expected a multipart/form-data body with a 'file' part")
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "file":
            payload = part.get_payload(decode=True)
            return part.get_filename() or "upload", payload if isinstance(payload, bytes) else b""
    raise bad_request("The multipart body has no 'file' part")


def json_file(body: Any) -> tuple[str, bytes, dict[str, Any]]:
    """The name, bytes and other properties of a JSON file upload (``fileContent`` in base64)."""
    if not isinstance(body, dict) or not isinstance(body.get("fileContent"), str):
        raise bad_request("Expected a JSON body with fileContent (base64)")
    try:
        content = base64.b64decode(body["fileContent"], validate=True)
    except (binascii.Error, ValueError):
        raise bad_request("fileContent is not valid base64") from None
    return str(body.get("name") or body.get("externalID") or "upload"), content, body


def file_format(name: str, content: bytes) -> str:
    """The format an upload is (a key of ``UPLOAD_TYPES``); ``BullhornError`` for any other."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "doc"
    if content.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(content)).namelist()
        except zipfile.BadZipFile:
            names = []
        if "word/document.xml" in names:
            return "docx"
    elif content and b"\x00" not in content[:4096] and _is_text(content):
        head = content[:1024].lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html")) or extension in ("html", "htm"):
            return "html"
        if extension in ("", "txt", "text"):
            return "txt"
    raise BullhornError(
        400,
        f"File type not supported: {name}. Accepted: text, html, pdf, doc, docx.",
        "errors.fileTypeNotSupported",
    )


def _is_text(content: bytes) -> bool:
    for encoding in ("utf-8", "cp1252"):
        try:
            content.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def store_upload(
    org: Org, candidate_id: int, name: str, content: bytes, *, options: Mapping[str, Any], stamp_ms: int
) -> CandidateFile:
    """Attach an accepted upload to a candidate and log it; return the stored file."""
    detected = file_format(name, content)
    attached = CandidateFile(
        id=org.next_id("File"),
        candidate_id=candidate_id,
        name=str(options.get("name") or name),
        type=str(options.get("type") or options.get("fileType") or "SAMPLE"),
        description=str(options.get("description") or ""),
        content_type=UPLOAD_TYPES[detected],
        extension=detected,
        date_added=stamp_ms,
        content=content,
        external_id=str(options.get("externalID") or "") or None,
    )
    org.attach(attached)
    org.log_write(
        {
            "entity": "File",
            "changeType": "INSERT",
            "id": attached.id,
            "candidateId": candidate_id,
            "name": attached.name,
            "contentType": attached.content_type,
            "fileSize": len(content),
            "externalID": attached.external_id,
        }
    )
    return attached
