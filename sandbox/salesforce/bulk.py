"""Bulk API 2.0 query jobs: a SOQL query run asynchronously, its results read back as CSV pages.

Routes (API version any ``vNN.N``; all need a session and count against the daily limit):

* ``POST /services/data/vNN.N/jobs/query`` ``{"operation": "query"|"queryAll", "query": SOQL,
  "contentType"?: "CSV", "columnDelimiter"?: "COMMA"|"TAB"|"PIPE"|"SEMICOLON"|"CARET"|"BACKQUOTE",
  "lineEnding"?: "LF"|"CRLF"}`` → 200 and the job (``state`` ``UploadComplete``).
* ``GET .../jobs/query`` → ``{"done": true, "records": [jobs], "nextRecordsUrl": null}``.
* ``GET .../jobs/query/{id}`` → the job with ``numberRecordsProcessed``, ``retries`` and
  ``totalProcessingTime``; each such poll moves it on (``InProgress``, then ``JobComplete``,
  or ``Failed`` with an ``errorMessage``).
* ``PATCH .../jobs/query/{id}`` ``{"state": "Aborted"}`` → the aborted job (as Salesforce
  documents it: aborting is a PATCH, not a POST).
* ``DELETE .../jobs/query/{id}`` → 204, once the job is no longer ``InProgress``.
* ``GET .../jobs/query/{id}/results?maxRecords=N&locator=L`` → ``text/csv``, at most
  ``maxRecords`` records (default ``DEFAULT_MAX_RECORDS``), with ``Sforce-NumberOfRecords``
  and ``Sforce-Locator`` (the next page's locator, ``null`` on the last page). Only for a
  ``JobComplete`` job, and only with the API version the job was created with (else 409).

The SOQL subset is the REST query's (``soql.py``), less what Bulk API 2.0 refuses: aggregate
functions (``COUNT()``), ``OFFSET`` and binary (base64) fields. Syntax and schema errors keep
the REST codes (``MALFORMED_QUERY``, ``INVALID_FIELD``, ``INVALID_TYPE``); a query or job
definition Bulk cannot run is ``INVALIDJOB``; a request the job's state does not allow is
``API_ERROR``; an unknown job is 404 ``NOT_FOUND``. Salesforce documents the situations but not
every message; the wording here is the sandbox's.

The query runs when the job completes, so it sees the org as it is then, and its rows are
rendered once: every page of a job is read from the same snapshot. The CSV is RFC 4180:
every value in double quotes (quotes doubled), a null as an empty unquoted field, booleans
``true``/``false``, datetimes ``2026-11-02T12:00:00.000+0000``, dates ``2026-11-02``,
relationship fields as dotted headers (``TR1__Account__r.Name``), columns in SELECT order.
A query without records answers an empty body.

API usage: every request above counts one call against ``DailyApiRequests``, exactly as the
REST calls do (Salesforce counts each HTTP request; Bulk API 2.0 query jobs consume no batches).
Each created job also counts against ``DailyBulkV2QueryJobs`` (10,000); past it, creating a
job is 400 ``LIMIT_EXCEEDED``.

Sessions and faults are checked as for REST calls; a fault plan names these routes
``bulk_jobs`` (create, list), ``bulk_job`` (poll, abort, delete) and ``bulk_results``, whose
CSV pages ``truncate_rate`` can cut short.

How jobs progress is set by ``BulkSettings`` (``build_server(..., bulk=...)``, or at run time
the admin route ``POST /sandbox/bulk`` with the settings as JSON, missing keys taking their
defaults; ``GET /sandbox/bulk`` shows them and each job's state): complete after K polls
and/or T seconds, and make the next N jobs fail.
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
import time
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime
from typing import Any

from sandbox.salesforce.ids import is_id, make_id, to_18
from sandbox.salesforce.org import Org
from sandbox.salesforce.schema import FieldType
from sandbox.salesforce.soql import Plan, Record, RelatedRecord, SoqlError, parse
from sandbox.salesforce.web import ApiError, Request, Response, Route, json_response, salesforce_datetime

BULK_JOB_PREFIX = "750"
# Salesforce does not document its default set size, only that it is large.
DEFAULT_MAX_RECORDS = 50_000
DAILY_QUERY_JOBS = 10_000
# Salesforce retries a query job up to 15 times before it fails.
MAX_RETRIES = 15
FAILED_MESSAGE = "Retried more than 15 times"
CSV_TYPE = "text/csv"

_VERSION = r"/services/data/v(?P<version>\d+\.\d)"
_JOB_ID = r"(?P<job>[A-Za-z0-9]+)"
_DELIMITERS = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^", "BACKQUOTE": "`"}
_LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
_OPERATIONS = ("query", "queryAll")
_TERMINAL = frozenset({"JobComplete", "Failed", "Aborted"})


@dataclass
class BulkSettings:
    """How query jobs progress: when they complete, and whether some fail.

    A job completes at the poll (``GET`` of the job) that is its ``polls_to_complete``-th, or at
    any request once ``seconds_to_complete`` have passed since it was created; with neither set,
    at the first poll. Until then a polled job is ``InProgress``. The next ``fail_next`` jobs
    created fail instead of completing.
    """

    polls_to_complete: int | None = 2
    seconds_to_complete: float | None = None
    fail_next: int = 0

    @classmethod
    def from_json(cls, data: Any) -> BulkSettings:
        """Build settings from their JSON form; ApiError 400 on unknown keys or bad values."""
        if not isinstance(data, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
        known = {f.name for f in fields(cls)}
        for key, value in data.items():
            if key not in known:
                raise ApiError(
                    400, "INVALID_FIELD", f"unknown setting {key!r}; known: {', '.join(sorted(known))}"
                )
            optional = key != "fail_next"
            if value is None and optional:
                continue
            if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                raise ApiError(400, "INVALID_FIELD", f"{key} is a non-negative number")
            if key != "seconds_to_complete" and not isinstance(value, int):
                raise ApiError(400, "INVALID_FIELD", f"{key} is a whole number")
        return cls(**data)


@dataclass
class QueryJob:
    """One query job: its definition, its progress and, once complete, its rendered rows."""

    id: str
    operation: str
    created_by: str
    plan: Plan
    version: str
    column_delimiter: str
    line_ending: str
    created: datetime
    started: float  # time.monotonic() at creation
    will_fail: bool
    state: str = "UploadComplete"
    modstamp: datetime = field(default_factory=lambda: datetime.now(UTC))
    polls: int = 0
    retries: int = 0
    processing_ms: int = 0
    error_message: str | None = None
    header: str = ""
    lines: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The job as the create, abort and list answers show it."""
        return {
            "id": self.id,
            "operation": self.operation,
            "object": self.plan.sobject.name,
            "createdById": self.created_by,
            "createdDate": salesforce_datetime(self.created),
            "systemModstamp": salesforce_datetime(self.modstamp),
            "state": self.state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(self.version),
            "lineEnding": self.line_ending,
            "columnDelimiter": self.column_delimiter,
        }

    def details(self) -> dict[str, Any]:
        """The job as ``GET .../jobs/query/{id}`` shows it."""
        body = self.summary()
        body.update(
            {
                "jobType": "V2Query",
                "numberRecordsProcessed": len(self.lines),
                "retries": self.retries,
                "totalProcessingTime": self.processing_ms,
                "isPkChunkingSupported": True,
            }
        )
        if self.error_message is not None:
            body["errorMessage"] = self.error_message
        return body


class BulkQueries:
    """The org's Bulk API 2.0 query jobs and their routes."""

    def __init__(self, org: Org, settings: BulkSettings | None = None) -> None:
        self.org = org
        self.settings = settings or BulkSettings()
        self.jobs_created = 0
        self._jobs: dict[str, QueryJob] = {}
        self._lock = threading.Lock()

    def routes(self) -> list[Route]:
        """The Bulk API routes (``data``: authenticated and counted) and the ``/sandbox/bulk`` admin route."""
        jobs = _VERSION + r"/jobs/query"
        return [
            Route("bulk_jobs", re.compile(jobs + r"/?"), ("GET", "POST"), self._jobs_resource, "data"),
            Route(
                "bulk_job",
                re.compile(jobs + "/" + _JOB_ID + r"/?"),
                ("GET", "PATCH", "DELETE"),
                self._job,
                "data",
            ),
            Route(
                "bulk_results",
                re.compile(jobs + "/" + _JOB_ID + r"/results/?"),
                ("GET",),
                self._results,
                "data",
            ),
            Route("admin_bulk", re.compile(r"/sandbox/bulk/?"), ("GET", "POST"), self._admin, "admin"),
        ]

    # ---- jobs ----

    def _jobs_resource(self, request: Request) -> Response:
        if request.method == "POST":
            return self._create(request)
        job_type = request.param("jobType")
        with self._lock:
            jobs = list(self._jobs.values())
            for job in jobs:
                self._progress(job, polled=False)
            records = [job.summary() for job in jobs if job_type in (None, "V2Query")]
        return json_response(200, {"done": True, "records": records, "nextRecordsUrl": None})

    def _create(self, request: Request) -> Response:
        body = request.json()
        if not isinstance(body, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
        operation = body.get("operation")
        if operation not in _OPERATIONS:
            raise ApiError(400, "INVALIDJOB", f"Invalid operation for a query job: {operation}")
        soql = body.get("query")
        if not isinstance(soql, str) or not soql.strip():
            raise ApiError(400, "INVALIDJOB", "A query job needs a query")
        if body.get("contentType", "CSV") != "CSV":
            raise ApiError(400, "INVALIDJOB", f"Unsupported content type: {body['contentType']}")
        delimiter = body.get("columnDelimiter", "COMMA")
        if delimiter not in _DELIMITERS:
            raise ApiError(400, "INVALIDJOB", f"Unsupported column delimiter: {delimiter}")
        line_ending = body.get("lineEnding", "LF")
        if line_ending not in _LINE_ENDINGS:
            raise ApiError(400, "INVALIDJOB", f"Unsupported line ending: {line_ending}")
        plan = self._plan(soql)
        with self._lock:
            if self.jobs_created >= DAILY_QUERY_JOBS:
                raise ApiError(
                    400,
                    "LIMIT_EXCEEDED",
                    f"Max bulk v2 query jobs ({DAILY_QUERY_JOBS}) per 24 hrs has been reached",
                )
            self.jobs_created += 1
            will_fail = self.settings.fail_next > 0
            if will_fail:
                self.settings.fail_next -= 1
            now = datetime.now(UTC)
            job = QueryJob(
                id=make_id(BULK_JOB_PREFIX, self.jobs_created),
                operation=operation,
                created_by=self.org.user_id,
                plan=plan,
                version=request.params["version"],
                column_delimiter=delimiter,
                line_ending=line_ending,
                created=now,
                started=time.monotonic(),
                will_fail=will_fail,
                modstamp=now,
            )
            self._jobs[job.id] = job
            return json_response(200, job.summary())

    def _plan(self, soql: str) -> Plan:
        """Compile the query as REST does, then refuse what Bulk API 2.0 does not support."""
        try:
            query = parse(soql)
            if query.count_only:
                raise ApiError(
                    400, "INVALIDJOB", "Aggregate functions such as COUNT() are not supported by Bulk Query"
                )
            if query.offset is not None:
                raise ApiError(400, "INVALIDJOB", "OFFSET is not supported by Bulk Query")
            plan = Plan(query, self.org.schema, self.org)
        except SoqlError as error:
            raise ApiError(400, error.error_code, error.message(soql)) from None
        for column in plan.columns:
            if column.leaf.type is FieldType.BASE64:
                raise ApiError(
                    400, "INVALIDJOB", f"Binary field '{column.leaf.name}' is not supported by Bulk Query"
                )
        return plan

    def _job(self, request: Request) -> Response:
        with self._lock:
            job = self._find(request)
            if request.method == "GET":
                self._progress(job, polled=True)
                return json_response(200, job.details())
            self._progress(job, polled=False)
            if request.method == "DELETE":
                if job.state == "InProgress":
                    raise ApiError(
                        400, "API_ERROR", "A job that is in progress cannot be deleted; abort it first"
                    )
                del self._jobs[job.id]
                return Response(204)
            body = request.json()
            if not isinstance(body, dict) or body.get("state") != "Aborted":
                raise ApiError(400, "INVALIDJOB", "A query job can only be set to the state Aborted")
            if job.state in _TERMINAL:
                raise ApiError(400, "API_ERROR", f"A job in the state {job.state} cannot be aborted")
            job.state = "Aborted"
            job.modstamp = datetime.now(UTC)
            return json_response(200, job.summary())

    def _find(self, request: Request) -> QueryJob:
        job_id = request.params["job"]
        job = self._jobs.get(to_18(job_id)) if is_id(job_id) else None
        if job is None:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        return job

    # ---- progress ----

    def _progress(self, job: QueryJob, *, polled: bool) -> None:
        """Move a job on, as time and polls (``polled``: this request is a poll) have it. Under ``_lock``."""
        if job.state in _TERMINAL:
            return
        if polled:
            job.polls += 1
        by_polls = self.settings.polls_to_complete
        by_time = self.settings.seconds_to_complete
        if by_polls is None and by_time is None:
            due = polled
        else:
            due = (by_polls is not None and job.polls >= by_polls) or (
                by_time is not None and time.monotonic() - job.started >= by_time
            )
        if due:
            self._process(job)
        elif polled:
            job.state = "InProgress"
            job.modstamp = datetime.now(UTC)

    def _process(self, job: QueryJob) -> None:
        """Run the query and render its rows, or fail the job when the settings said it would."""
        started = time.perf_counter()
        if job.will_fail:
            job.state, job.retries, job.error_message = "Failed", MAX_RETRIES, FAILED_MESSAGE
        else:
            with self.org.lock:
                records = job.plan.run(include_deleted=job.operation == "queryAll")
                delimiter, ending = _DELIMITERS[job.column_delimiter], _LINE_ENDINGS[job.line_ending]
                headers, rows = _table(job.plan, records)
                job.header = _csv_line(headers, delimiter, ending)
                job.lines = [_csv_line(row, delimiter, ending) for row in rows]
            job.state = "JobComplete"
        job.processing_ms = round((time.perf_counter() - started) * 1000)
        job.modstamp = datetime.now(UTC)

    # ---- results ----

    def _results(self, request: Request) -> Response:
        with self._lock:
            job = self._find(request)
            if request.params["version"] != job.version:
                raise ApiError(
                    409,
                    "API_ERROR",
                    f"Results must be read with the API version the job was created with ({job.version})",
                )
            self._progress(job, polled=False)
            if job.state != "JobComplete":
                raise ApiError(
                    400, "API_ERROR", f"Job is not complete (state {job.state}); results are not ready"
                )
            header, lines = job.header, job.lines
        max_records = _max_records(request.param("maxRecords"))
        offset = _offset(request.param("locator"), len(lines))
        end = offset + max_records
        page = lines[offset:end]
        body = header + "".join(page) if page else ""
        headers = {
            "Sforce-Locator": _locator(end) if end < len(lines) else "null",
            "Sforce-NumberOfRecords": str(len(page)),
        }
        return Response(200, body.encode("utf-8"), CSV_TYPE, headers)

    # ---- admin ----

    def _admin(self, request: Request) -> Response:
        """``GET /sandbox/bulk``: the settings and job states; ``POST`` settings to apply from now on."""
        with self._lock:
            if request.method == "POST":
                self.settings = BulkSettings.from_json(request.json())
            jobs = {job.id: job.state for job in self._jobs.values()}
            return json_response(200, {"settings": asdict(self.settings), "jobs": jobs})


def _table(plan: Plan, records: list[Record]) -> tuple[list[str], list[list[str | None]]]:
    """Headers (dotted for relationship fields) and CSV cells of each record, in SELECT order."""
    headers: list[str] = []
    picks: list[tuple[str, str | None]] = []  # key in the projection, field of the related record
    for column in plan.columns:
        if column.related is None:
            headers.append(column.field.name)
            picks.append((column.field.name, None))
        else:
            relationship = column.field.relationship_name or column.field.name
            headers.append(f"{relationship}.{column.related.name}")
            picks.append((relationship, column.related.name))
    rows = []
    for record in records:
        projected = plan.project(record)
        row: list[str | None] = []
        for key, related in picks:
            value = projected.get(key)
            if related is not None:
                value = value.fields.get(related) if isinstance(value, RelatedRecord) else None
            row.append(_cell(value))
        rows.append(row)
    return headers, rows


def _cell(value: Any) -> str | None:
    """A value as Salesforce writes it in CSV; None for null."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return salesforce_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _csv_line(cells: list[str] | list[str | None], delimiter: str, ending: str) -> str:
    """One RFC 4180 line: values quoted with inner quotes doubled, nulls empty and unquoted."""
    quoted = ("" if cell is None else '"' + cell.replace('"', '""') + '"' for cell in cells)
    return delimiter.join(quoted) + ending


def _max_records(text: str | None) -> int:
    if text is None:
        return DEFAULT_MAX_RECORDS
    if not text.isdigit() or int(text) < 1:
        raise ApiError(400, "INVALIDJOB", f"maxRecords must be a positive whole number, not {text!r}")
    return int(text)


def _locator(offset: int) -> str:
    """An opaque locator, as Salesforce's look (``MTAwMDA``: the offset in unpadded base64)."""
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def _offset(locator: str | None, total: int) -> int:
    """The record a locator points at (0 without one); ApiError for a locator this job never gave."""
    if locator is None or locator == "":
        return 0
    try:
        text = base64.b64decode(locator + "=" * (-len(locator) % 4), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        text = ""
    if not text.isdigit() or _locator(int(text)) != locator or not 0 < int(text) < total:
        raise ApiError(400, "INVALIDJOB", f"Invalid locator: {locator}")
    return int(text)
