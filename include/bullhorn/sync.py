"""The Bullhorn side of a sync: extract a window, attach what candidates need, find résumés.

Each step reads and writes staged JSON Lines pages (``include/pages.py``) and
returns a small manifest for XCom; mapping and loading are the same as for
Talent Rover. The Bullhorn client is passed in (``BullhornHook`` provides it),
so the steps run the same against the sandbox and a real corporation.

Calls, at the floor Bullhorn allows:

* job orders: one ``query`` call per page (up to 500 rows);
* candidates: one ``search`` call per page, plus one ``query`` each for the
  page's CandidateEducation and CandidateWorkHistory rows (``candidate.id IN``),
  never one call per candidate;
* résumés: none when the candidate's ``description`` holds Bullhorn's parsed
  résumé; otherwise one ``entityFiles`` call, and one download only when the
  résumé cache does not hold that file already.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from airflow.sdk import ObjectStoragePath

from include.api_limit import ApiLimitReached
from include.bullhorn.queries import candidate_rows_wheres
from include.mappings.bullhorn.candidate import description_resume_text, rows_by_candidate
from include.pages import ID, Extracted, PageStager, Record
from include.resume_files import ResumeReader, in_order
from include.window import Window, parse_instant, progress

log = logging.getLogger(__name__)

# A to-many list attached to each staged candidate, by the entity it comes from.
EDUCATIONS = "educations"
WORK_HISTORIES = "workHistories"
RESUME_FILE_TYPES = ("resume", "résumé", "cv")


class DownloadedFile(Protocol):
    """A file's bytes as the hook returns them."""

    content: bytes


class BullhornClient(Protocol):
    """What the sync needs from a Bullhorn connection (``BullhornHook`` provides it)."""

    def query_pages(
        self, entity: str, where: str, fields: Sequence[str], order_by: str | None = None
    ) -> Iterator[list[Record]]:
        """Yield the rows of a JPQL query page by page."""
        ...

    def search_pages(
        self, entity: str, query: str, fields: Sequence[str], sort: str | None = None
    ) -> Iterator[list[Record]]:
        """Yield the rows of a Lucene search page by page."""
        ...

    def entity_files(self, candidate_id: int) -> list[Record]:
        """Return the descriptions of a candidate's files."""
        ...

    def download_file(
        self, candidate_id: int, file_id: int, *, max_bytes: int | None = None
    ) -> DownloadedFile | None:
        """Return one of a candidate's files, or None when it does not exist."""
        ...


def stamp_of(record: Mapping[str, Any]) -> str:
    """The instant a record was last modified (``dateLastModified``, epoch ms), as ISO 8601 in UTC."""
    return datetime.fromtimestamp(int(record["dateLastModified"]) / 1000, UTC).isoformat()


def _staged(record: Record) -> Record:
    """Bullhorn ids are numbers; staged records carry them as strings under ``ID`` as well."""
    return {**record, ID: str(record["id"])}


def extract_job_orders(
    client: BullhornClient,
    where: str,
    fields: str,
    window: Window,
    directory: ObjectStoragePath,
) -> Extracted:
    """Stage the job orders a JPQL ``where`` selects (a window), oldest change first, one file per page.

    Every job order changed in the window comes, available or not, deleted ones
    included: the mapping makes the unavailable ones tombstones.
    """
    stager = PageStager(directory, "positions", _staged)
    return _extract(
        "positions",
        window,
        stager,
        lambda: client.query_pages("JobOrder", where, [fields], order_by="dateLastModified"),
    )


def extract_candidates(
    client: BullhornClient,
    query: str,
    fields: str,
    window: Window,
    directory: ObjectStoragePath,
    *,
    education_fields: str,
    work_history_fields: str,
) -> Extracted:
    """Stage the candidates a Lucene ``query`` finds (a window), each with its education and work history.

    Candidate supports no ``query``, only ``search``. Each page's CandidateEducation
    and CandidateWorkHistory rows come in one query each for the whole page.
    """
    stager = PageStager(directory, "candidates", _staged)

    def pages() -> Iterator[list[Record]]:
        for records in client.search_pages("Candidate", query, [fields], sort="dateLastModified"):
            ids = [int(record["id"]) for record in records]
            educations = _by_candidate(client, "CandidateEducation", ids, education_fields)
            histories = _by_candidate(client, "CandidateWorkHistory", ids, work_history_fields)
            yield [
                {
                    **record,
                    EDUCATIONS: educations.get(int(record["id"]), []),
                    WORK_HISTORIES: histories.get(int(record["id"]), []),
                }
                for record in records
            ]

    return _extract("candidates", window, stager, pages)


def _by_candidate(
    client: BullhornClient, entity: str, candidate_ids: Sequence[int], fields: str
) -> dict[int, list[Record]]:
    """Return a to-many entity's rows for many candidates (one query per 500), grouped by candidate id."""
    if not candidate_ids:
        return {}
    rows = (
        row
        for where in candidate_rows_wheres(candidate_ids)
        for page in client.query_pages(entity, where, [fields], order_by="id")
        for row in page
    )
    return {owner: [dict(row) for row in owned] for owner, owned in rows_by_candidate(rows).items()}


def _extract(
    name: str, window: Window, stager: PageStager, pages: Callable[[], Iterator[list[Record]]]
) -> Extracted:
    """Stage pages (oldest change first) until done or an API limit; say how much of the window is covered."""
    covered_through: str | None = None
    try:
        for records in pages():
            stager.write(records, stamp_of)
            if records:
                covered_through = stamp_of(records[-1])
    except ApiLimitReached as stop:
        covered = progress(
            window,
            resume_from=parse_instant(covered_through) if covered_through else None,
            stopped=stop.reason,
        )
        log.warning("Stopped extracting %s: %s. %d staged", name, stop.reason, stager.records)
    else:
        covered = progress(window)
    log.info("Staged %d %s changed in %s, in %d page(s)", stager.records, name, window, len(stager.files))
    return Extracted(object=name, files=stager.files, records=stager.records, progress=covered)


def resume_rows(
    client: BullhornClient,
    records: list[Record],
    needs_resume: Callable[[Record], bool],
    reader: ResumeReader,
) -> Generator[Record]:
    """Yield one page's résumé rows, in order: the parsed ``description``, else the résumé file.

    One at a time, ahead of the posts of the rows before it (``BullhornHook``'s
    session, refresh token and call budget are not shared across threads); a file
    version already in the reader's cache costs no download. Rows are as
    ``include.pages.sync_page`` says.
    """

    def row(record: Record) -> Record:
        if not needs_resume(record):
            return {ID: record[ID], "reason": "a tombstone needs no résumé"}
        return _resume_row(client, reader, record)

    yield from in_order(row, records, in_flight=1)


def _resume_row(client: BullhornClient, reader: ResumeReader, record: Record) -> Record:
    """Return one candidate's résumé row: its text, or why there is none."""
    if text := description_resume_text(record):
        return {ID: record[ID], "source": "description", "text": text}
    candidate_id = int(record["id"])
    chosen = resume_file(client.entity_files(candidate_id))
    if chosen is None:
        return {ID: record[ID], "reason": "no parsed résumé and no résumé file"}
    file_id = int(chosen["id"])
    outcome = reader.read(
        f"Candidate/{candidate_id}/{file_id}",
        file_version(chosen),
        lambda limit: _content(client.download_file(candidate_id, file_id, max_bytes=limit)),
        f"{file_id}",
    )
    if outcome.text is None:
        return {ID: record[ID], "reason": f"résumé file {file_id}: {outcome.reason}"}
    return {ID: record[ID], "source": f"file {file_id}", "text": outcome.text}


def _content(downloaded: DownloadedFile | None) -> bytes | None:
    return None if downloaded is None else downloaded.content


def resume_file(files: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """Choose a candidate's résumé among its files: those typed as a résumé first, then the newest.

    Returns None when the candidate has no file at all.
    """

    def rank(file: Mapping[str, Any]) -> tuple[bool, int, int]:
        kind = str(file.get("type") or "").strip().lower()
        return (kind in RESUME_FILE_TYPES, int(file.get("dateAdded") or 0), int(file.get("id") or 0))

    candidates = [file for file in files if file.get("id") is not None]
    return max(candidates, key=rank) if candidates else None


def file_version(file: Mapping[str, Any]) -> str:
    """What identifies one version of a file for the résumé cache: a new upload is a new id.

    The added date and size guard against an id that Bullhorn would ever reuse.
    """
    return f"{file.get('dateAdded') or ''}|{file.get('fileSize') or ''}|{file.get('contentType') or ''}"
