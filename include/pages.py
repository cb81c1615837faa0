"""Staged pages: the half of a sync that is the same for every ATS.

An extract writes the records it reads as JSON Lines pages under the run's
staging directory (``PageStager``). Each page is then one work item
(``page_work``) for one dynamically mapped task, which joins each candidate
with its résumé text, maps the records into Recruit AI payloads and posts them
as they are made (``sync_page``): résumé downloads and text extraction overlap
with loading, and a large window spreads over as many tasks, on as many
workers, as it has pages. Each step returns a small manifest (paths and counts)
for XCom. The ATS-specific halves live in ``include/talent_rover`` and
``include/bullhorn``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from contextlib import ExitStack
from typing import Any, TypedDict, cast

from airflow.sdk import ObjectStoragePath

from include.api_limit import ApiLimitReached
from include.load import Loaded, RecordKind
from include.mappings import MappingError
from include.rejects import Reject, reject
from include.resume_files import ResumeReader
from include.staging import count_jsonl, jsonl_writer, read_jsonl, write_jsonl
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


# What a page's task counts (``PageSynced``), summed over the pages by the load.
PAGE_COUNTS = (
    "payloads",
    "posted",
    "created",
    "updated",
    "unchanged",
    "stale",
    "deleted",
    "skipped",
    "rejected",
    "deferred",
    "failed",
    "downloaded",
    "from_cache",
)


class PageWork(TypedDict):
    """The staged page (or few pages) one mapped task works on, and the ATS calls it may spend."""

    object: str  # "candidates" or "positions"
    kind: RecordKind
    pages: list[str]  # none for an empty window: one task still runs, so that the load follows
    number: int  # from 1, in staging order
    max_calls: int  # this item's share of what is left of the run's ATS calls (résumés, a login)
    progress: Progress  # how much of its window the extract covered


class PageSynced(Loaded):
    """What one page's task did: mapped, posted, refused or held back, and the résumés it read."""

    object: str
    number: int
    records: int
    payloads: int
    deleted: int
    skipped: int
    deferred: int
    downloaded: int
    from_cache: int
    rejects_file: str
    progress: Progress


class Skip(Exception):
    """A record deliberately left out of the load (for instance, a candidate without a résumé)."""


class Deferred(Exception):
    """A record this run could not finish (the API limit came first); the next run syncs it."""


def share_calls(needs: Sequence[int], left: int) -> list[int]:
    """Split ``left`` ATS calls among pages: each page in turn what it may need, then the spare evenly.

    The shares never add up to more than ``left``, so pages read at once, on any
    workers, keep the run within its budget. When the pages cannot all have what
    they may need, the first staged come first (the extract stages in
    ``SystemModstamp`` or ``dateLastModified`` order), so the watermark tends to
    move as far as it can.
    """
    shares = []
    for need in needs:
        shares.append(min(need, left))
        left -= shares[-1]
    spare = left // len(needs) if needs else 0
    return [share + spare for share in shares]


def page_work(
    extracted: Extracted,
    kind: RecordKind,
    calls_needed: Callable[[int], int],
    calls_left: int,
    *,
    max_items: int = 1024,
) -> list[PageWork]:
    """Return the work items of the mapped page tasks: one per staged page, at least one.

    A window of more than ``max_items`` pages (Airflow's ``[core] max_map_length``)
    gives each item a few consecutive pages instead. ``calls_needed(records)`` is
    the most ATS calls an item of that many records may cost; ``share_calls``
    splits ``calls_left`` among the items.
    """
    files = extracted["files"]
    size = max(1, math.ceil(len(files) / max_items))
    groups = [files[start : start + size] for start in range(0, len(files), size)] or [[]]
    needs = [calls_needed(sum(count_jsonl(path) for path in group)) if group else 0 for group in groups]
    return [
        PageWork(
            object=extracted["object"],
            kind=kind,
            pages=group,
            number=number,
            max_calls=share if group else 0,
            progress=extracted["progress"],
        )
        for number, (group, share) in enumerate(zip(groups, share_calls(needs, calls_left), strict=True), 1)
    ]


def resume_calls_needed(per_record: int, records_per_lookup: int, per_task: int = 0) -> Callable[[int], int]:
    """The most calls an item of candidates may cost: ``per_record`` each, a lookup per so many, a login."""

    def needed(records: int) -> int:
        lookups = math.ceil(records / records_per_lookup) if records_per_lookup else 0
        # A lookup may run over a second query page.
        return per_record * records + 2 * lookups + (per_task if records else 0)

    return needed


ResumeRows = Callable[[list[Record]], Generator[Record]]
PostPayloads = Callable[[Iterable[Mapping[str, Any]], list[Reject]], Loaded]
ToPayload = Callable[[Record, Record | None], Mapping[str, Any]]


def sync_page(
    work: PageWork,
    directory: ObjectStoragePath,
    to_payload: ToPayload,
    is_tombstone: Callable[[Record], bool],
    *,
    post: PostPayloads | None,
    resumes: tuple[ResumeRows, ResumeReader] | None = None,
) -> PageSynced:
    """Map one staged page into Recruit AI payloads, and post them as they are made.

    With ``resumes`` (``rows(records)``, which yields one résumé row per record in
    order, ``{ID, "text", ...}`` or ``{ID, "reason"}``, reading files through the
    reader), each record is joined with its row, staged beside the page. The rows
    are read a few at once while the payloads before them are posted. When
    ``rows`` raises ``ApiLimitReached`` the rest of the page is deferred: not
    posted by this run, and ``progress`` says where the next one resumes.

    ``to_payload(record, resume_row)`` returns the payload (a tombstone when
    ``is_tombstone``), or raises ``MappingError`` (a reject), ``Skip`` (the record
    is deliberately not posted) or ``Deferred``. ``post(payloads, refused)`` posts
    a stream and counts the outcomes; None (a dry run) stages the payloads only.
    Every payload is staged; every refused record goes to the page's rejects file.
    """
    kind, number = work["kind"], work["number"]
    records = [record for page in work["pages"] for record in read_jsonl(page)]
    synced = _nothing_yet(work, len(records))
    refused: list[Reject] = []
    stop: list[ApiLimitReached] = []
    deferred_stamps: list[str] = []
    pairs = (
        _with_resumes(records, resumes[0], stop, deferred_stamps)
        if resumes
        else ((record, None) for record in records)
    )
    with ExitStack() as files:
        # Closed on the way out, an error included: the résumé reads still in flight
        # finish (and their calls are counted) before the task records what it spent.
        files.callback(pairs.close)
        write_payload = files.enter_context(jsonl_writer(directory / f"{kind}-payloads-{number:05d}.jsonl"))
        write_resume = (
            files.enter_context(jsonl_writer(directory / f"{kind}-resumes-{number:05d}.jsonl"))
            if resumes
            else None
        )
        mapped = _payloads(
            pairs,
            to_payload,
            is_tombstone=is_tombstone,
            kind=kind,
            synced=synced,
            refused=refused,
            write_payload=write_payload,
            write_resume=write_resume,
        )
        files.callback(mapped.close)
        if post is None:
            for _payload in mapped:
                pass
        else:
            for key, count in post(mapped, refused).items():
                synced[key] += count  # type: ignore[literal-required]
    if resumes is not None:
        synced["downloaded"], synced["from_cache"] = resumes[1].downloaded, resumes[1].from_cache
    if stop:
        resume_from = min(map(parse_instant, deferred_stamps)) if deferred_stamps else None
        synced["progress"] = stopped_at(work["progress"], resume_from, stop[0].reason)
        log.warning("Page %d: résumés stopped: %s. Deferred from %s", number, stop[0].reason, resume_from)
    rejects_path = directory / f"{kind}-rejects-{number:05d}.jsonl"
    write_jsonl(rejects_path, refused)
    synced["rejects_file"] = str(rejects_path)
    _log_page(synced)
    return synced


def _with_resumes(
    records: list[Record], rows: ResumeRows, stop: list[ApiLimitReached], deferred_stamps: list[str]
) -> Generator[tuple[Record, Record]]:
    """Pair each record with its résumé row; once the API limit stops the rows, with a deferral.

    The limit is appended to ``stop``, and each deferred record's stamp to ``deferred_stamps``.
    """
    read = rows(records)
    try:
        for record in records:
            if not stop:
                try:
                    row = next(read)
                except ApiLimitReached as limit:
                    stop.append(limit)
                else:
                    yield record, row
                    continue
            deferred_stamps.append(record[STAMP])
            yield record, {ID: record[ID], "deferred": True}
    finally:
        read.close()


def _payloads(
    pairs: Iterable[tuple[Record, Record | None]],
    to_payload: ToPayload,
    *,
    is_tombstone: Callable[[Record], bool],
    kind: RecordKind,
    synced: PageSynced,
    refused: list[Reject],
    write_payload: Callable[[Mapping[str, Any]], None],
    write_resume: Callable[[Mapping[str, Any]], None] | None,
) -> Generator[Mapping[str, Any]]:
    """Map each record as the poster asks for it (memory stays flat), staging rows and payloads on the way."""
    for record, row in pairs:
        if write_resume is not None and row is not None:
            write_resume(row)
        try:
            payload = to_payload(record, row)
        except Deferred:
            synced["deferred"] += 1
            continue
        except Skip as skip:
            synced["skipped"] += 1
            refused.append(reject(record.get(ID, "?"), kind, "resume", str(skip)))
            continue
        except MappingError as error:
            synced["rejected"] += 1
            refused.append(reject(record.get(ID, "?"), kind, "map", str(error)))
            continue
        synced["deleted"] += is_tombstone(record)
        synced["payloads"] += 1
        write_payload(payload)
        yield payload


def _nothing_yet(work: PageWork, records: int) -> PageSynced:
    synced: dict[str, Any] = {
        "object": work["object"],
        "number": work["number"],
        "records": records,
        "rejects_file": "",
        "progress": work["progress"],
        **dict.fromkeys(PAGE_COUNTS, 0),
    }
    return cast(PageSynced, synced)


def _log_page(synced: PageSynced) -> None:
    log.info(
        "Page %d of %s: %d records, %d payloads (%d tombstones), %d posted, %d unchanged, %d stale; "
        "%d rejected, %d skipped, %d deferred, %d failed; résumés: %d downloaded, %d from the cache",
        synced["number"],
        synced["object"],
        synced["records"],
        synced["payloads"],
        synced["deleted"],
        synced["posted"],
        synced["unchanged"],
        synced["stale"],
        synced["rejected"],
        synced["skipped"],
        synced["deferred"],
        synced["failed"],
        synced["downloaded"],
        synced["from_cache"],
    )


def candidate_payload(
    to_payload: Callable[[Record, str | None], Mapping[str, Any]],
    is_tombstone: Callable[[Record], bool],
    *,
    require_resume: bool,
) -> ToPayload:
    """Return a mapper that joins a candidate with its résumé row (``sync_page``'s ``to_payload``)."""

    def mapper(record: Record, resume: Record | None) -> Mapping[str, Any]:
        resume = resume or {"reason": "no résumé looked up"}
        if resume.get("deferred"):
            raise Deferred
        if is_tombstone(record):
            return to_payload(record, None)
        text = resume.get("text")
        if require_resume and not text:
            raise Skip(f"no usable résumé: {resume.get('reason', 'empty text')}")
        return to_payload(record, text)

    return mapper
