"""The Talent Rover side of a sync: extract a window, find résumés, map records.

Each step reads and writes staged JSON Lines files, one per page, and returns
a small manifest (paths and counts) for XCom. The Salesforce client is passed
in, so the steps run the same against the sandbox and a real org.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from types import ModuleType
from typing import Any, Protocol, TypedDict

from airflow.sdk import ObjectStoragePath

from include.mappings import MappingError
from include.rejects import Reject, reject
from include.resume_text import UnreadableResume, extract_resume_text
from include.staging import read_jsonl, write_jsonl
from include.talent_rover.resumes import current_documents, resume_file
from include.talent_rover.soql import MAX_IDS_PER_QUERY, resume_documents_query, window_query
from include.window import Window

log = logging.getLogger(__name__)

Record = dict[str, Any]


class TalentRoverClient(Protocol):
    """What the sync needs from a Salesforce connection (``TalentRoverHook`` provides it)."""

    def query_pages(self, soql: str, *, include_deleted: bool = False) -> Iterator[list[Record]]:
        """Yield the records of a query page by page."""
        ...

    def download(self, sobject: str, record_id: str, blob_field: str) -> bytes | None:
        """Return a file body, or None when the file does not exist."""
        ...


class Staged(TypedDict):
    """What one step staged: the files, and how many records they hold."""

    object: str
    files: list[str]
    records: int


class Mapped(Staged):
    """What the mapping step staged, and what it refused."""

    rejects_file: str
    rejected: int
    skipped: int


def extract_window(
    client: TalentRoverClient, mapping: ModuleType, window: Window, directory: ObjectStoragePath, name: str
) -> Staged:
    """Stage the records of ``mapping.SOBJECT`` modified in the window, one file per API page.

    Only the fields the mapping names are selected, and ``mapping.FILTER`` decides
    which records belong to the object (for instance, which Contacts are candidates).
    """
    soql = window_query(mapping.SOBJECT, mapping.soql_fields(), window, mapping.FILTER)
    staged = Staged(object=name, files=[], records=0)
    for number, records in enumerate(client.query_pages(soql), start=1):
        if not records:
            continue
        page = directory / f"{name}-page-{number:05d}.jsonl"
        staged["records"] += write_jsonl(page, (_without_attributes(record) for record in records))
        staged["files"].append(str(page))
    log.info(
        "Staged %d %s modified in %s, in %d page(s)", staged["records"], name, window, len(staged["files"])
    )
    return staged


def _without_attributes(record: Record) -> Record:
    """Drop Salesforce's per-record ``attributes`` (type and URL): staging holds only data."""
    return {
        key: _without_attributes(value) if isinstance(value, dict) else value
        for key, value in record.items()
        if key != "attributes"
    }


def fetch_resumes(
    client: TalentRoverClient, candidates: Mapping[str, Any], directory: ObjectStoragePath
) -> Staged:
    """Stage the current résumé text of every staged candidate, one file per candidate page.

    Résumé documents are looked up for many candidates per query (``IN (…)``),
    never one query per candidate. Each row is ``{"Id", "document_id", "text"}``,
    or ``{"Id", "reason"}`` when the candidate has no usable résumé.
    """
    staged = Staged(object="resumes", files=[], records=0)
    found = documented = 0
    for page_path in candidates["files"]:
        contact_ids = [record["Id"] for record in read_jsonl(page_path)]
        # A candidate's documents may span query pages: rank them all before choosing.
        documents = current_documents(
            document
            for start in range(0, len(contact_ids), MAX_IDS_PER_QUERY)
            for page in client.query_pages(
                resume_documents_query(contact_ids[start : start + MAX_IDS_PER_QUERY])
            )
            for document in page
        )
        rows = [_resume_row(client, contact_id, documents.get(contact_id)) for contact_id in contact_ids]
        documented += len(documents)
        found += sum("text" in row for row in rows)
        out = directory / ObjectStoragePath(page_path).name.replace("candidates-page", "resumes-page")
        staged["records"] += write_jsonl(out, rows)
        staged["files"].append(str(out))
    log.info(
        "Résumés: %d of %d candidates have a résumé document; text extracted for %d",
        documented,
        staged["records"],
        found,
    )
    return staged


def _resume_row(client: TalentRoverClient, contact_id: str, document: Mapping[str, Any] | None) -> Record:
    """Download and read one candidate's current résumé, or say why there is none."""
    if document is None:
        return {"Id": contact_id, "reason": "no résumé document"}
    location = resume_file(document)
    if location is None:
        return {"Id": contact_id, "reason": f"résumé document {document['Id']} names no file"}
    content = client.download(location.sobject, location.file_id, location.blob_field)
    if content is None:
        return {"Id": contact_id, "reason": f"résumé file {location.sobject} {location.file_id} not found"}
    try:
        text = extract_resume_text(content)
    except UnreadableResume as unreadable:
        return {"Id": contact_id, "reason": f"résumé {location.document_id}: {unreadable.reason}"}
    return {"Id": contact_id, "document_id": location.document_id, "text": text}


def map_pages(
    pages: Mapping[str, Any],
    to_payload: Callable[[Record, int], Mapping[str, Any]],
    directory: ObjectStoragePath,
    object_name: str,
) -> Mapped:
    """Map staged pages into Recruit AI payload files; refused records go to a rejects file.

    ``to_payload(record, page_number)`` returns the payload, or raises
    ``MappingError`` (a reject) or ``Skip`` (the record is deliberately not posted).
    """
    mapped = Mapped(object=object_name, files=[], records=0, rejects_file="", rejected=0, skipped=0)
    refused: list[Reject] = []
    for number, page_path in enumerate(pages["files"]):
        payloads: list[Mapping[str, Any]] = []
        for record in read_jsonl(page_path):
            try:
                payloads.append(to_payload(record, number))
            except Skip as skip:
                mapped["skipped"] += 1
                refused.append(reject(record.get("Id", "?"), object_name, "resume", str(skip)))
            except MappingError as error:
                mapped["rejected"] += 1
                refused.append(reject(record.get("Id", "?"), object_name, "map", str(error)))
        out = directory / f"{object_name}-payloads-{number + 1:05d}.jsonl"
        mapped["records"] += write_jsonl(out, payloads)
        mapped["files"].append(str(out))
    rejects_path = directory / f"{object_name}-rejects-map.jsonl"
    write_jsonl(rejects_path, refused)
    mapped["rejects_file"] = str(rejects_path)
    log.info(
        "Mapped %d %s payloads; %d rejected, %d skipped (reasons in %s)",
        mapped["records"],
        object_name,
        mapped["rejected"],
        mapped["skipped"],
        rejects_path,
    )
    return mapped


class Skip(Exception):
    """A record deliberately left out of the load (for instance, a candidate without a résumé)."""


def candidate_payloads(
    resumes: Mapping[str, Any],
    to_payload: Callable[[Record, str | None], Mapping[str, Any]],
    *,
    require_resume: bool,
) -> Callable[[Record, int], Mapping[str, Any]]:
    """Return a per-record mapper that joins each candidate with its staged résumé text."""
    cache: dict[int, dict[str, Record]] = {}

    def mapper(record: Record, page_number: int) -> Mapping[str, Any]:
        if page_number not in cache:
            cache.clear()  # one page of résumés in memory at a time
            cache[page_number] = {row["Id"]: row for row in read_jsonl(resumes["files"][page_number])}
        resume = cache[page_number].get(record.get("Id", ""), {"reason": "no résumé looked up"})
        text = resume.get("text")
        if require_resume and not text:
            raise Skip(f"no usable résumé: {resume.get('reason', 'empty text')}")
        return to_payload(record, text)

    return mapper
