"""Staged pages: the half of a sync that is the same for every ATS.

An extract writes the records it reads as JSON Lines pages under the run's
staging directory (``PageStager``), the mapping step turns each page into a
page of Recruit AI payloads (``map_pages``), and candidates are joined with
their staged résumé rows on the way (``candidate_payloads``). Each step returns
a small manifest (paths and counts) for XCom. The ATS-specific halves live in
``include/talent_rover`` and ``include/bullhorn``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypedDict

from airflow.sdk import ObjectStoragePath

from include.api_limit import ApiLimitReached
from include.mappings import MappingError
from include.rejects import Reject, reject
from include.resume_files import ResumeReader
from include.staging import read_jsonl, write_jsonl
from include.window import Progress, parse_instant, stopped_at

log = logging.getLogger(__name__)

Record = dict[str, Any]
STAMP = "_stamp"  # staged with each record: the stamp that brought it into the window
ID = "Id"  # every staged record and résumé row carries its ATS id, as a string, under this key


class Staged(TypedDict):
    """What one step staged: the files, and how many records they hold."""

    object: str
    files: list[str]
    records: int


class Extracted(Staged):
    """What an extract staged, and how much of its window that covers."""

    progress: Progress


class StagedResumes(Extracted):
    """What the résumé step staged, and how many résumés it downloaded or found in the cache."""

    downloaded: int
    from_cache: int


class Mapped(Staged):
    """What the mapping step staged, what it refused or held back, and how much of the window is covered."""

    rejects_file: str
    rejected: int
    skipped: int
    deleted: int
    deferred: int
    progress: Progress


class PageStager:
    """Writes pages of records to staging, each record once, with the stamp that brought it in.

    ``prepare`` turns an ATS record into what is staged (dropping API bookkeeping,
    say); it must keep or set the record's ``ID``.
    """

    def __init__(self, directory: ObjectStoragePath, name: str, prepare: Callable[[Record], Record]) -> None:
        self.directory = directory
        self.name = name
        self.prepare = prepare
        self.files: list[str] = []
        self.records = 0
        self._seen: set[str] = set()

    def write(self, records: list[Record], stamp: Callable[[Record], str]) -> None:
        """Stage one page of records (those not staged already), each with ``stamp(record)``."""
        fresh = []
        for record in records:
            staged = {**self.prepare(record), STAMP: stamp(record)}
            if staged[ID] not in self._seen:
                self._seen.add(staged[ID])
                fresh.append(staged)
        if not fresh:
            return
        page = self.directory / f"{self.name}-page-{len(self.files) + 1:05d}.jsonl"
        self.records += write_jsonl(page, fresh)
        self.files.append(str(page))


def stage_resumes(
    candidates: Extracted,
    directory: ObjectStoragePath,
    rows_for_page: Callable[[list[Record]], Iterator[Record]],
    reader: ResumeReader,
) -> StagedResumes:
    """Stage one résumé row per staged candidate, one file per candidate page.

    ``rows_for_page(records)`` yields the rows of one page in order (each
    ``{ID, "text", ...}`` or ``{ID, "reason"}``), reading files through
    ``reader``. When it raises ``ApiLimitReached`` the rest of the candidates are
    staged as ``{ID, "deferred": true}``: they are not posted by this run, and
    ``progress`` says where the next one resumes (at the earliest deferred stamp).
    """
    staged = StagedResumes(
        object="resumes", files=[], records=0, progress=candidates["progress"], downloaded=0, from_cache=0
    )
    found = 0
    stop: ApiLimitReached | None = None
    deferred_from: str | None = None
    for page_path in candidates["files"]:
        records = list(read_jsonl(page_path))
        rows: list[Record] = []
        if stop is None:
            try:
                rows.extend(rows_for_page(records))
            except ApiLimitReached as limit:
                stop = limit
        for record in records[len(rows) :]:
            rows.append({ID: record[ID], "deferred": True})
            deferred_from = min(filter(None, (deferred_from, record[STAMP])), key=parse_instant)
        found += sum("text" in row for row in rows)
        out = directory / ObjectStoragePath(page_path).name.replace("candidates-page", "resumes-page")
        staged["records"] += write_jsonl(out, rows)
        staged["files"].append(str(out))
    staged["downloaded"], staged["from_cache"] = reader.downloaded, reader.from_cache
    if stop is not None:
        resume_from = parse_instant(deferred_from) if deferred_from else None
        staged["progress"] = stopped_at(candidates["progress"], resume_from, stop.reason)
        log.warning("Stopped fetching résumés: %s. The next run resumes from %s", stop.reason, resume_from)
    log.info(
        "Résumés: text for %d of %d candidates; %d downloaded, %d from the cache",
        found,
        staged["records"],
        reader.downloaded,
        reader.from_cache,
    )
    return staged


def map_pages(
    pages: Extracted,
    to_payload: Callable[[Record, int], Mapping[str, Any]],
    directory: ObjectStoragePath,
    object_name: str,
    is_tombstone: Callable[[Record], bool],
) -> Mapped:
    """Map staged pages into Recruit AI payload files; refused records go to a rejects file.

    ``to_payload(record, page_number)`` returns the payload (a tombstone when
    ``is_tombstone``), or raises ``MappingError`` (a reject), ``Skip`` (the record
    is deliberately not posted) or ``Deferred`` (left to the next run).
    """
    mapped = Mapped(
        object=object_name,
        files=[],
        records=0,
        rejects_file="",
        rejected=0,
        skipped=0,
        deleted=0,
        deferred=0,
        progress=pages["progress"],
    )
    refused: list[Reject] = []

    def page_payloads(number: int, page_path: str) -> Iterator[Mapping[str, Any]]:
        # A generator, so that a page is mapped record by record as it is written: memory stays flat.
        for record in read_jsonl(page_path):
            try:
                payload = to_payload(record, number)
            except Deferred:
                mapped["deferred"] += 1
            except Skip as skip:
                mapped["skipped"] += 1
                refused.append(reject(record.get(ID, "?"), object_name, "resume", str(skip)))
            except MappingError as error:
                mapped["rejected"] += 1
                refused.append(reject(record.get(ID, "?"), object_name, "map", str(error)))
            else:
                mapped["deleted"] += is_tombstone(record)
                yield payload

    # At least one payload file, even for an empty window: the load fans out over them.
    page_paths: list[str | None] = [*pages["files"]] or [None]
    for number, page_path in enumerate(page_paths):
        out = directory / f"{object_name}-payloads-{number + 1:05d}.jsonl"
        mapped["records"] += write_jsonl(out, page_payloads(number, page_path) if page_path else ())
        mapped["files"].append(str(out))
    rejects_path = directory / f"{object_name}-rejects-map.jsonl"
    write_jsonl(rejects_path, refused)
    mapped["rejects_file"] = str(rejects_path)
    log.info(
        "Mapped %d %s payloads (%d tombstones); %d rejected, %d skipped, %d deferred (reasons in %s)",
        mapped["records"],
        object_name,
        mapped["deleted"],
        mapped["rejected"],
        mapped["skipped"],
        mapped["deferred"],
        rejects_path,
    )
    return mapped


class Skip(Exception):
    """A record deliberately left out of the load (for instance, a candidate without a résumé)."""


class Deferred(Exception):
    """A record this run could not finish (the API limit came first); the next run syncs it."""


def candidate_payloads(
    resumes: Mapping[str, Any],
    to_payload: Callable[[Record, str | None], Mapping[str, Any]],
    is_tombstone: Callable[[Record], bool],
    *,
    require_resume: bool,
) -> Callable[[Record, int], Mapping[str, Any]]:
    """Return a per-record mapper that joins each candidate with its staged résumé text."""
    cache: dict[int, dict[str, Record]] = {}

    def mapper(record: Record, page_number: int) -> Mapping[str, Any]:
        if page_number not in cache:
            cache.clear()  # one page of résumés in memory at a time
            cache[page_number] = {row[ID]: row for row in read_jsonl(resumes["files"][page_number])}
        resume = cache[page_number].get(record.get(ID, ""), {"reason": "no résumé looked up"})
        if resume.get("deferred"):
            raise Deferred
        if is_tombstone(record):
            return to_payload(record, None)
        text = resume.get("text")
        if require_resume and not text:
            raise Skip(f"no usable résumé: {resume.get('reason', 'empty text')}")
        return to_payload(record, text)

    return mapper
