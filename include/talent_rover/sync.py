"""The Talent Rover side of a sync: extract a window, and read a page's résumés.

The extract writes staged JSON Lines files, one per page, and returns a small
manifest (paths and counts) for XCom; ``resume_rows`` yields the résumé rows
of one page for ``include.pages.sync_page``. The Salesforce client is passed
in, so the steps run the same against the sandbox and a real org.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Iterator, Mapping
from datetime import UTC, datetime
from types import ModuleType
from typing import Any, Protocol

from airflow.sdk import ObjectStoragePath

from include.api_limit import ApiLimitReached
from include.mappings import RelatedChange
from include.pages import Extracted, PageStager, Record
from include.resume_files import ResumeReader, in_order
from include.talent_rover.bulk import DEFAULT_BULK_THRESHOLD, describes_needed, use_bulk
from include.talent_rover.errors import QueryTimeout
from include.talent_rover.resumes import current_documents, resume_file, resume_version
from include.talent_rover.soql import (
    MAX_IDS_PER_QUERY,
    is_salesforce_id,
    records_by_id_query,
    resume_documents_query,
    window_query,
)
from include.window import Window, parse_instant, progress

log = logging.getLogger(__name__)


class TalentRoverClient(Protocol):
    """What the sync needs from a Salesforce connection (``TalentRoverHook`` provides it)."""

    def query_pages(self, soql: str, *, include_deleted: bool = False) -> Iterator[list[Record]]:
        """Yield the records of a query page by page."""
        ...

    def query_pages_with_total(
        self, soql: str, *, include_deleted: bool = False
    ) -> tuple[int, Iterator[list[Record]]]:
        """Read a query's first page now; return how many records it matches, and all its pages."""
        ...

    def bulk_query_pages(self, soql: str, *, include_deleted: bool = True) -> Iterator[list[Record]]:
        """Yield the records of a query run as a Bulk API 2.0 query job, in pages of at most a REST page."""
        ...

    def download(
        self, sobject: str, record_id: str, blob_field: str, *, max_bytes: int | None = None
    ) -> bytes | None:
        """Return a file body, or None when the file does not exist (``FileTooLarge`` over ``max_bytes``)."""
        ...


# Before any Salesforce org existed: the lower bound a full resync's window is split from.
EARLIEST = datetime(1999, 1, 1, tzinfo=UTC)
# QUERY_TIMEOUT on a window split this many times over (1/4096 of it) is an error, not a reason to split.
MAX_WINDOW_SPLITS = 12


def extract_window(
    client: TalentRoverClient,
    mapping: ModuleType,
    window: Window,
    directory: ObjectStoragePath,
    name: str,
    *,
    bulk_threshold: int | None = DEFAULT_BULK_THRESHOLD,
) -> Extracted:
    """Stage the records of ``mapping.SOBJECT`` changed in the window, one file per page of up to 2,000.

    * Only the fields the mapping names are selected, and ``mapping.FILTER``
      decides which records belong to the object.
    * The window is read with ``queryAll``: deleted records come back too, and
      are posted as tombstones.
    * Records whose ``mapping.RELATED_CHANGES`` changed in the window (a
      candidate's résumé document) are staged as well, even if they did not change
      (a window from the beginning holds them all already).
    * A window of at least ``bulk_threshold`` records (None: never) is read
      through a Bulk API 2.0 query job after its first REST page, when that
      costs fewer API calls (``include/talent_rover/bulk.py``).
    * At the API limit (``ApiLimitReached``) the extract stops cleanly: what is
      staged stays, and ``progress`` says where the next run resumes.
    """
    stager = PageStager(directory, name, _without_attributes)
    covered_through: str | None = None
    try:
        # From the beginning (a full resync) every record is in the window itself: the
        # related pass would spend API calls to stage the same records twice.
        for related in mapping.RELATED_CHANGES if window.start is not None else ():
            _stage_related(client, mapping, related, window, stager, bulk_threshold=bulk_threshold)
        for records in _window_pages(
            client,
            mapping.SOBJECT,
            mapping.soql_fields(),
            window,
            where=mapping.FILTER,
            bulk_threshold=bulk_threshold,
        ):
            stager.write(records, lambda record: record["SystemModstamp"])
            if records:
                covered_through = records[-1]["SystemModstamp"]
    except ApiLimitReached as stop:
        resume_from = parse_instant(covered_through) if covered_through else None
        covered = progress(window, resume_from=resume_from, stopped=stop.reason)
        log.warning(
            "Stopped extracting %s: %s. %d staged; the next run resumes from %s",
            name,
            stop.reason,
            stager.records,
            covered["resume_from"] or covered["window_start"] or "the beginning",
        )
    else:
        covered = progress(window)
    log.info("Staged %d %s changed in %s, in %d page(s)", stager.records, name, window, len(stager.files))
    return Extracted(object=name, files=stager.files, records=stager.records, progress=covered)


def _window_pages(
    client: TalentRoverClient,
    sobject: str,
    fields: list[str],
    window: Window,
    *,
    where: str | None,
    bulk_threshold: int | None = None,
    splits: int = 0,
) -> Iterator[list[Record]]:
    """Yield the pages of a window query, oldest stamp first, including deleted records.

    On ``QUERY_TIMEOUT`` the part of the window not yet read is split in two and
    each half queried in turn; pages already read are not asked for again.
    """
    last_stamp: str | None = None
    try:
        for records in _rest_or_bulk_pages(
            client, sobject, fields, window, where=where, bulk_threshold=bulk_threshold
        ):
            yield records
            if records:
                last_stamp = records[-1]["SystemModstamp"]
    except QueryTimeout:
        # Records at the last stamp read may continue past it: start the rest there (repeats are dropped).
        rest_start = parse_instant(last_stamp) if last_stamp else (window.start or EARLIEST)
        middle = (rest_start + (window.end - rest_start) / 2).replace(microsecond=0)
        if splits >= MAX_WINDOW_SPLITS or not rest_start < middle < window.end:
            raise
        log.warning("QUERY_TIMEOUT on %s in %s: querying it in two halves, at %s", sobject, window, middle)
        for half in (Window(rest_start, middle), Window(middle, window.end)):
            yield from _window_pages(
                client, sobject, fields, half, where=where, bulk_threshold=bulk_threshold, splits=splits + 1
            )


def _rest_or_bulk_pages(
    client: TalentRoverClient,
    sobject: str,
    fields: list[str],
    window: Window,
    *,
    where: str | None,
    bulk_threshold: int | None,
) -> Iterator[list[Record]]:
    """Yield a window's pages: the first through REST, the rest through REST or Bulk, whichever is cheaper.

    The first REST page says how many records the window holds (``totalSize``) and
    how many REST serves per page, at no extra call. The Bulk job then reads from
    the last stamp of that page on (ordered by stamp, as REST is), so progress by
    the last staged stamp still holds; records repeated at that stamp are dropped
    by the stager.
    """
    total, pages = client.query_pages_with_total(
        window_query(sobject, fields, window, where), include_deleted=True
    )
    first = next(pages, [])
    yield first
    remaining = total - len(first)
    if not first or not use_bulk(
        total,
        remaining,
        threshold=bulk_threshold,
        page_size=len(first),
        describes=describes_needed(fields),
    ):
        yield from pages
        return
    rest_start = parse_instant(first[-1]["SystemModstamp"])
    if not rest_start < window.end:
        yield from pages
        return
    log.info(
        "%s: %d records in %s; reading the %d after the first page through a Bulk API query job",
        sobject,
        total,
        window,
        remaining,
    )
    rest = Window(rest_start, window.end)
    yield from client.bulk_query_pages(window_query(sobject, fields, rest, where), include_deleted=True)


def _stage_related(
    client: TalentRoverClient,
    mapping: ModuleType,
    related: RelatedChange,
    window: Window,
    stager: PageStager,
    *,
    bulk_threshold: int | None,
) -> None:
    """Stage the records whose related records changed in the window, many ids per query."""
    fields = ["Id", related.link_field, "SystemModstamp"]
    changed: dict[str, str] = {}  # linked record id → stamp of its first related change in the window
    pages = _window_pages(
        client, related.sobject, fields, window, where=related.where, bulk_threshold=bulk_threshold
    )
    for records in pages:
        for record in records:
            linked = record.get(related.link_field)
            if linked and is_salesforce_id(linked):
                changed.setdefault(linked, record["SystemModstamp"])
    ids = list(changed)
    for start in range(0, len(ids), MAX_IDS_PER_QUERY):
        soql = records_by_id_query(
            mapping.SOBJECT, mapping.soql_fields(), ids[start : start + MAX_IDS_PER_QUERY], mapping.FILTER
        )
        for records in client.query_pages(soql, include_deleted=True):
            stager.write(records, lambda record: changed[record["Id"]])
    log.info("%d %s records changed in %s", len(ids), related.sobject, window)


def _without_attributes(record: Record) -> Record:
    """Drop Salesforce's per-record ``attributes`` (type and URL): staging holds only data."""
    return {
        key: _without_attributes(value) if isinstance(value, dict) else value
        for key, value in record.items()
        if key != "attributes"
    }


def resume_rows(
    client: TalentRoverClient,
    records: list[Record],
    needs_resume: Callable[[Record], bool],
    reader: ResumeReader,
) -> Generator[Record]:
    """Yield one page's résumé rows, in order (``include.pages.sync_page``'s ``resumes``).

    Résumé documents are looked up for many candidates per query (``IN (…)``),
    never one query per candidate; tombstones (``needs_resume`` false) need none.
    Each row is ``{"Id", "document_id", "text"}``, or ``{"Id", "reason"}`` when the
    candidate has no usable résumé. A few résumés are read at once (``in_order``);
    a document version already in the reader's cache costs no download.
    """
    wanted = [record["Id"] for record in records if needs_resume(record)]
    # A candidate's documents may span query pages: rank them all before choosing.
    documents = current_documents(
        document
        for start in range(0, len(wanted), MAX_IDS_PER_QUERY)
        for page in client.query_pages(resume_documents_query(wanted[start : start + MAX_IDS_PER_QUERY]))
        for document in page
    )

    def row(record: Record) -> Record:
        if needs_resume(record):
            return _resume_row(client, reader, record["Id"], documents.get(record["Id"]))
        return {"Id": record["Id"], "reason": "a tombstone needs no résumé"}

    yield from in_order(row, records)


def _resume_row(
    client: TalentRoverClient, reader: ResumeReader, contact_id: str, document: Mapping[str, Any] | None
) -> Record:
    """Return one candidate's résumé row: its text, or why there is none."""
    if document is None:
        return {"Id": contact_id, "reason": "no résumé document"}
    location = resume_file(document)
    if location is None:
        return {"Id": contact_id, "reason": f"résumé document {document['Id']} names no file"}
    outcome = reader.read(
        location.document_id,
        resume_version(document, location),
        lambda max_bytes: client.download(
            location.sobject, location.file_id, location.blob_field, max_bytes=max_bytes
        ),
        f"{location.sobject} {location.file_id}",
    )
    if outcome.text is None:
        return {"Id": contact_id, "reason": f"résumé {location.document_id}: {outcome.reason}"}
    return {"Id": contact_id, "document_id": location.document_id, "text": outcome.text}
