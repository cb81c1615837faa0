"""Talent Rover access: the Salesforce provider's hook, with the calls the sync needs.

``TalentRoverHook`` is the official ``SalesforceHook`` (connection
``salesforce_default``) plus three things the provider does not do:

* the OAuth 2.0 username-password flow against the org's own My Domain URL
  when the connection has ``instance_url`` (simple-salesforce would send the
  token request to ``{domain}.salesforce.com``);
* query paging that yields one page at a time, so a window of any size is
  staged page by page instead of being held in memory;
* a count of the API calls it made and the org's usage from the
  ``Sforce-Limit-Info`` header of every response.

Every request has an explicit timeout, and certificates are always verified;
a private CA is trusted through ``REQUESTS_CA_BUNDLE``.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import itertools
import logging
import tempfile
import threading
import time
from collections.abc import Callable, Generator, Iterator
from functools import cached_property, partial
from typing import IO, Any, NamedTuple, TypeVar
from urllib.parse import quote, urlsplit

import requests
from airflow.providers.salesforce.hooks.salesforce import SalesforceHook
from airflow.sdk.exceptions import AirflowException
from airflow.sdk.log import mask_secret
from simple_salesforce import Salesforce, api

from include.http_retries import TRANSIENT_ERRORS, backoff_seconds, retry_after_seconds, untrusted_certificate
from include.resume_files import FileTooLarge
from include.talent_rover.api_usage import ApiBudget, ApiUsage, parse_limit_info, usage_from_limits
from include.talent_rover.bulk import BULK_MAX_RECORDS, REST_PAGE_SIZE, BulkJobFailed, csv_record
from include.talent_rover.errors import MalformedResponse, QueryTimeout, SalesforceApiError

__all__ = ["BulkJobFailed", "SalesforceApiError", "TalentRoverHook"]

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 60.0
T = TypeVar("T")
# The states a Bulk query job ends in.
_JOB_ENDED = frozenset({"JobComplete", "Failed", "Aborted"})


class TalentRoverHook(SalesforceHook):
    """Read a Talent Rover org through the Salesforce REST API.

    :param salesforce_conn_id: connection holding the org's credentials (see README).
    :param timeout: seconds allowed for each HTTP request.
    :param budget: the limits this hook stops at (``ApiLimitReached`` before a call
        past them); None for no limit.
    """

    hook_name = "Talent Rover (Salesforce)"

    # Tries per request (the first included); the backoff is full jitter over
    # base * 2**(attempt - 1) seconds, capped, unless the answer says Retry-After.
    max_attempts = 5
    backoff_base_seconds = 1.0
    backoff_cap_seconds = 30.0
    retry_after_cap_seconds = 60.0
    # Bulk query jobs are polled after base * 2**poll seconds (capped), for at most max_wait in all.
    bulk_poll_base_seconds = 1.0
    bulk_poll_cap_seconds = 30.0
    bulk_max_wait_seconds = 1800.0

    def __init__(
        self,
        salesforce_conn_id: str = SalesforceHook.default_conn_name,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        budget: ApiBudget | None = None,
    ) -> None:
        super().__init__(salesforce_conn_id=salesforce_conn_id)
        self.timeout = timeout
        self.budget = budget
        self.calls_made = 0
        self._calls_lock = threading.Lock()
        self._in_flight = 0
        self.last_usage: ApiUsage | None = None
        self._described: dict[str, dict[str, dict[str, Any]]] = {}

    @cached_property
    def conn(self) -> api.Salesforce:
        """Return the logged-in client, built once per hook."""
        connection = self.get_connection(self.conn_id)
        extras = connection.extra_dejson
        instance_url = self._get_field(extras, "instance_url")
        consumer_key = self._get_field(extras, "consumer_key")
        consumer_secret = self._get_field(extras, "consumer_secret")
        # Airflow masks the password, and the extra only as one whole JSON string: each secret
        # inside it is registered here, before any request, so no log line can carry it.
        for secret in (connection.password, self._get_field(extras, "security_token"), consumer_secret):
            if secret:
                mask_secret(secret)
        if not (instance_url and consumer_key and consumer_secret):
            return super().conn
        session = requests.Session()
        token = self._password_grant(
            session,
            token_url=f"{instance_url.rstrip('/')}/services/oauth2/token",
            form={
                "grant_type": "password",
                "client_id": consumer_key,
                "client_secret": consumer_secret,
                "username": connection.login or "",
                "password": (connection.password or "") + (self._get_field(extras, "security_token") or ""),
            },
        )
        mask_secret(token["access_token"])
        return Salesforce(
            instance_url=token["instance_url"],
            session_id=token["access_token"],
            version=self._get_field(extras, "version") or api.DEFAULT_API_VERSION,
            session=session,
        )

    def _password_grant(
        self, session: requests.Session, token_url: str, form: dict[str, str]
    ) -> dict[str, str]:
        """Run the OAuth 2.0 username-password flow and return the token response.

        An unreachable or failing server (5xx, 429, a reset, a cut-off answer) is
        tried again, at most ``max_attempts`` times; refused credentials are not.
        """
        for attempt in range(1, self.max_attempts + 1):
            try:
                response = session.post(token_url, data=form, timeout=self.timeout)
                body = response.json()
            except (*TRANSIENT_ERRORS, ValueError) as error:
                _refuse_untrusted_certificate(error, token_url)
                failure, body = type(error).__name__, {}
            else:
                if response.status_code < 500 and response.status_code != 429:
                    break
                failure = f"HTTP {response.status_code}"
            if attempt == self.max_attempts:
                raise AirflowException(
                    f"Salesforce login for connection '{self.conn_id}' still failing at {token_url} "
                    f"after {attempt} attempts: {failure}"
                )
            log.warning(
                "Salesforce login: %s; trying again (attempt %d of %d)", failure, attempt, self.max_attempts
            )
            time.sleep(self._backoff(attempt))
        if response.status_code != 200 or "access_token" not in body:
            reason = f"{body.get('error', '')} {body.get('error_description', '')}".strip()
            raise AirflowException(
                f"Salesforce login for connection '{self.conn_id}' failed at {token_url}: "
                f"HTTP {response.status_code} {reason}"
            )
        return body

    def get_conn(self) -> api.Salesforce:
        """Return the logged-in simple-salesforce client (cached)."""
        return self.conn

    @property
    def _data_url(self) -> str:
        """Base URL of the REST API, e.g. ``https://org.my.salesforce.com/services/data/v62.0/``."""
        return self.conn.base_url

    def _log_in_again(self, expired: api.Salesforce) -> None:
        """Forget the expired session, so the next call logs in afresh (this hook's and the provider's cache).

        Threads sharing the hook may all see the same session expire: only the
        first forgets it, so the others use the session it logs in with.
        """
        with self._calls_lock:
            if self.__dict__.get("conn") is expired:
                del self.__dict__["conn"]

    def _call(
        self,
        url: str,
        read: Callable[[requests.Response], T],
        *,
        headers: dict[str, str] | None = None,
        stream: bool = False,
        method: str = "GET",
        json: Any = None,
        **params: str,
    ) -> T:
        """Send a request (GET unless ``method`` says otherwise; ``json``: its body) and ``read`` the answer.

        What is transient is retried, the same request again (a retried POST that had
        reached Salesforce may leave a second Bulk job behind: it expires on its own).

        * Before every attempt, the budget is checked: ``ApiLimitReached`` rather
          than a call past the org's threshold or the run's budget.
        * 5xx, 429, timeouts, resets and unreadable bodies (``read`` raising
          ``ValueError``) are retried, the same URL again, after ``Retry-After``
          or an exponential backoff with full jitter, at most ``max_attempts`` times.
        * ``INVALID_SESSION_ID`` logs in again, once.
        * Other errors raise ``SalesforceApiError`` (``QueryTimeout`` for ``QUERY_TIMEOUT``).
        """
        route = urlsplit(url).path
        logged_in_again = False
        for attempt in range(1, self.max_attempts + 1):
            sf = self.conn  # a login is no API call: log in before counting one
            self._reserve_call()
            try:
                response = sf.session.request(
                    method,
                    url,
                    headers={**sf.headers, **(headers or {})},
                    params=params or None,
                    json=json,
                    timeout=self.timeout,
                    stream=stream,
                )
            except TRANSIENT_ERRORS as error:
                self._answered(None)
                _refuse_untrusted_certificate(error, url)
                failure, delay = type(error).__name__, self._backoff(attempt)
            except BaseException:
                self._answered(None)
                raise
            else:
                self._answered(parse_limit_info(response.headers.get("Sforce-Limit-Info")))
                status = response.status_code
                if status == 401 and not logged_in_again and _error_code(response) == "INVALID_SESSION_ID":
                    log.info("Salesforce session expired; logging in again")
                    logged_in_again = True
                    self._log_in_again(sf)
                    continue
                if status == 429 or status >= 500:
                    failure = f"HTTP {status} {_error_code(response)}"
                    retry_after = retry_after_seconds(response, self.retry_after_cap_seconds)
                    delay = self._backoff(attempt) if retry_after is None else retry_after
                elif status >= 300:
                    raise _api_error(response, route)
                else:
                    try:
                        return read(response)
                    except ValueError as unreadable:
                        failure, delay = f"unreadable answer ({unreadable})", self._backoff(attempt)
            if attempt == self.max_attempts:
                break
            log.warning(
                "Salesforce %s: %s; retrying the same request in %.1f s (attempt %d of %d)",
                route,
                failure,
                delay,
                attempt,
                self.max_attempts,
            )
            time.sleep(delay)
        if failure.startswith("unreadable"):
            raise MalformedResponse(f"Salesforce {route}: {failure}, {self.max_attempts} times in a row")
        raise AirflowException(
            f"Salesforce {route} still failing after {self.max_attempts} attempts: {failure}"
        )

    def _reserve_call(self) -> None:
        """Check the limits for one more call and count it, or raise ``ApiLimitReached``.

        Checked and counted together, so that threads sharing this hook (résumé
        downloads) never overshoot: the org's usage is taken as Salesforce last
        reported it plus the calls still awaiting an answer. A call counts when
        sent: it may reach Salesforce, and count there, even if its answer is lost.
        """
        with self._calls_lock:
            if self.budget is not None:
                self.budget.check(self.last_usage, self.calls_made, self._in_flight)
            self.calls_made += 1
            self._in_flight += 1

    def _answered(self, usage: ApiUsage | None) -> None:
        """Take a call off those in flight, with the usage its answer reported (if any).

        Answers to calls sent at once may arrive out of order, and an earlier
        answer reports an older, lower usage: the highest seen is kept, so the
        calls still in flight are never counted against too low a figure.
        """
        with self._calls_lock:
            last = self.last_usage
            if usage is not None and (last is None or usage.max != last.max or usage.used > last.used):
                self.last_usage = usage
            self._in_flight -= 1

    def _backoff(self, attempt: int) -> float:
        return backoff_seconds(attempt, self.backoff_base_seconds, self.backoff_cap_seconds)

    def api_usage(self) -> ApiUsage:
        """Return the org's daily API usage from ``GET /limits`` (one API call)."""
        usage = usage_from_limits(self._call(self._data_url + "limits/", _json))
        self.last_usage = usage
        return usage

    def query_pages(
        self, soql: str, *, include_deleted: bool = False, batch_size: int = REST_PAGE_SIZE
    ) -> Iterator[list[dict[str, Any]]]:
        """Run a SOQL query and yield its records page by page, following ``nextRecordsUrl``.

        ``include_deleted`` uses ``queryAll``, which also returns deleted records.
        """
        headers = {"Sforce-Query-Options": f"batchSize={batch_size}"}
        resource = "queryAll/" if include_deleted else "query/"
        page = self._call(self._data_url + resource, _query_page, headers=headers, q=soql)
        yield from self._pages_from(page, headers)

    def query_pages_with_total(
        self, soql: str, *, include_deleted: bool = False, batch_size: int = REST_PAGE_SIZE
    ) -> tuple[int, Iterator[list[dict[str, Any]]]]:
        """Ask for a query's first page now (one call); return how many records it matches, and its pages.

        The pages are those ``query_pages`` yields, the first one included: the
        count comes free with it, where a ``SELECT COUNT()`` would cost a call.
        """
        headers = {"Sforce-Query-Options": f"batchSize={batch_size}"}
        resource = "queryAll/" if include_deleted else "query/"
        page = self._call(self._data_url + resource, _query_page, headers=headers, q=soql)
        total = page.get("totalSize")
        if not isinstance(total, int):
            raise MalformedResponse("Salesforce query page without a totalSize")
        return total, self._pages_from(page, headers)

    def _pages_from(self, page: dict[str, Any], headers: dict[str, str]) -> Iterator[list[dict[str, Any]]]:
        """Yield the records of a query's first ``page`` and of every page after it."""
        total, seen = page.get("totalSize"), 0
        while True:
            seen += len(page["records"])
            yield page["records"]
            if page.get("done", True):
                break
            next_url = page.get("nextRecordsUrl")
            if not next_url:
                raise MalformedResponse("Salesforce query page says it is not done but has no nextRecordsUrl")
            # A failed page is asked for again by its own URL: the query never restarts from the top.
            page = self._call(self._instance_url + next_url, _query_page, headers=headers)
        if isinstance(total, int) and seen != total:
            raise MalformedResponse(
                f"Salesforce query ended early: {seen} records of the {total} it announced"
            )

    def bulk_query_pages(
        self,
        soql: str,
        *,
        include_deleted: bool = True,
        max_records: int = BULK_MAX_RECORDS,
        page_size: int = REST_PAGE_SIZE,
    ) -> Iterator[list[dict[str, Any]]]:
        """Run a SOQL query as a Bulk API 2.0 query job and yield its records, ``page_size`` at a time.

        ``include_deleted`` runs it as ``queryAll``. Records come typed and nested as
        a REST query returns them (without ``attributes``): see ``csv_record``.
        Each request is one API call, made through ``_call`` (budget, retries,
        re-login): create, polls backing off until the job completes, one describe
        per object the columns come from, one call per result page of
        ``max_records``, and delete. The job is deleted at the end, on errors too
        (best effort: a job left behind expires on its own).

        Pages hold ``page_size`` records (the last fewer), however many a result page
        has: a result page is spooled to a temporary file as it streams in and read
        back from there, so large result pages cost few calls and little memory.

        Raises ``BulkJobFailed`` when the job fails, is aborted, or is not complete
        after ``bulk_max_wait_seconds``.
        """
        jobs_url = self._data_url + "jobs/query"
        body = {
            "operation": "queryAll" if include_deleted else "query",
            "query": soql,
            "contentType": "CSV",
            "columnDelimiter": "COMMA",
            "lineEnding": "LF",
        }
        job = self._call(jobs_url, _json, method="POST", json=body)
        job_url = f"{jobs_url}/{job['id']}"
        state = job.get("state")
        try:
            job = self._wait_for_job(job, job_url)
            state = job.get("state")
            if state != "JobComplete":
                ended = f"ended {state}: {job.get('errorMessage', '')}" if state in _JOB_ENDED else None
                raise BulkJobFailed(
                    f"Bulk query job {job['id']} "
                    + (ended or f"not complete after {self.bulk_max_wait_seconds:g} s (state {state})")
                )
            with contextlib.closing(self._job_records(job, job_url, max_records)) as records:
                while page := list(itertools.islice(records, page_size)):
                    yield page
        finally:
            self._clean_up_job(job_url, state)

    def _job_records(self, job: dict[str, Any], job_url: str, max_records: int) -> Generator[dict[str, Any]]:
        """A completed job's records, result page after result page (``max_records`` each), one at a time.

        Each result page is spooled to a temporary file as it streams in, then read back.
        """
        locator: str | None = None
        while True:
            page_url = f"{job_url}/results" + (f"?locator={quote(locator)}" if locator else "")
            # Lines end at "\n" only, on the way in (``_lines``) and on the way back alike.
            with tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n") as spool:
                read = partial(_spool_csv_page, spool=spool)
                page = self._call(page_url, read, stream=True, maxRecords=str(max_records))
                types = self._column_types(job["object"], page.headers) if page.records else {}
                for row in _spooled_rows(spool, page.records):
                    yield csv_record(page.headers, row, types)
            locator = page.locator
            if locator is None:
                return

    def _wait_for_job(self, job: dict[str, Any], job_url: str) -> dict[str, Any]:
        """Poll a job, backing off, until it ends or ``bulk_max_wait_seconds`` pass; return its last state."""
        deadline = time.monotonic() + self.bulk_max_wait_seconds
        for poll in itertools.count():
            pause = min(self.bulk_poll_cap_seconds, self.bulk_poll_base_seconds * 2**poll)
            if job.get("state") in _JOB_ENDED or time.monotonic() + pause > deadline:
                return job
            time.sleep(pause)
            job = self._call(job_url, _json)
        raise AssertionError("unreachable")  # itertools.count() never ends

    def _clean_up_job(self, job_url: str, state: str | None) -> None:
        """Abort a job still running, then delete it; a failure is logged, never raised."""
        try:
            if state not in _JOB_ENDED:
                self._call(job_url, _json, method="PATCH", json={"state": "Aborted"})
            self._call(job_url, _no_body, method="DELETE")
        except Exception as error:
            log.warning("Could not delete Bulk query job %s: %s", job_url.rsplit("/", 1)[-1], error)

    def _column_types(self, sobject: str, headers: list[str]) -> dict[str, str]:
        """Describe type of each CSV column; dotted columns (``A__r.Name``) typed from the related object."""
        types: dict[str, str] = {}
        for header in headers:
            *relationships, name = header.lower().split(".")
            fields = self._described_fields(sobject)
            for relationship in relationships:
                link = next(
                    (f for f in fields.values() if (f.get("relationshipName") or "").lower() == relationship),
                    None,
                )
                related = link.get("referenceTo") if link else None
                fields = self._described_fields(related[0]) if related else {}
            if name in fields:
                types[header] = fields[name]["type"]
        return types

    def _described_fields(self, sobject: str) -> dict[str, dict[str, Any]]:
        """An object's fields from its describe, by lower-case name; one API call per object per hook."""
        if sobject not in self._described:
            described = self._call(f"{self._data_url}sobjects/{sobject}/describe/", _json)
            self._described[sobject] = {field["name"].lower(): field for field in described["fields"]}
        return self._described[sobject]

    @property
    def _instance_url(self) -> str:
        return f"https://{self.conn.sf_instance}"

    def download(
        self, sobject: str, record_id: str, blob_field: str, *, max_bytes: int | None = None
    ) -> bytes | None:
        """Return a file body, e.g. ``download("Attachment", id, "Body")`` (one API call).

        Returns None when Salesforce has no such file (404). A body over ``max_bytes``
        raises ``FileTooLarge`` as soon as it is known, without reading the rest.
        """
        url = f"{self._data_url}sobjects/{sobject}/{record_id}/{blob_field}"
        try:
            if max_bytes is None:
                return self._call(url, _content)
            return self._call(url, partial(_content_up_to, max_bytes), stream=True)
        except SalesforceApiError as error:
            if error.status == 404:
                return None
            raise


def _json(response: requests.Response) -> Any:
    """The body as JSON; ``ValueError`` (retried) when it is not, e.g. cut off mid-answer."""
    try:
        return response.json()
    except ValueError as err:
        raise ValueError(f"not JSON: {err}") from None


def _no_body(response: requests.Response) -> None:
    """An answer without a body (``204 No Content``)."""


class _CsvPage(NamedTuple):
    """What a spooled Bulk result page says of itself: headers, record count, next page's locator."""

    headers: list[str]
    records: int
    locator: str | None  # None on the last page


def _spool_csv_page(response: requests.Response, spool: IO[str]) -> _CsvPage:
    """Write a Bulk result page to ``spool`` (emptied first), checking its rows as they stream in.

    A page that does not hold the ``Sforce-NumberOfRecords`` it announces (cut off
    mid-answer), or whose rows do not match its headers, is ``ValueError``: the
    same page is asked for again, into the same spool.
    """
    spool.seek(0)
    spool.truncate()
    with response:
        announced = response.headers.get("Sforce-NumberOfRecords", "")
        locator = response.headers.get("Sforce-Locator")
        try:
            reader = csv.reader(_written(_lines(response), spool), strict=True)
            headers = next(reader, [])
            records = 0
            for row in reader:
                if len(row) != len(headers):
                    raise ValueError("a CSV row whose cells do not match the headers")
                records += 1
        except csv.Error as error:
            raise ValueError(f"unreadable CSV ({error})") from None
        except TRANSIENT_ERRORS as error:
            raise ValueError(f"body cut off ({type(error).__name__})") from None
    if not announced.isdigit() or int(announced) != records:
        raise ValueError(f"a CSV page of {records} records where {announced or '?'} were announced")
    return _CsvPage(headers, records, None if locator in (None, "", "null") else locator)


def _written(lines: Iterator[str], spool: IO[str]) -> Iterator[str]:
    """Pass lines through, writing each to ``spool`` as well."""
    for line in lines:
        spool.write(line)
        yield line


def _spooled_rows(spool: IO[str], records: int) -> Iterator[list[str]]:
    """A spooled CSV page's rows after its headers: ``records`` of them, or an error."""
    spool.seek(0)
    reader = csv.reader(spool, strict=True)
    next(reader, None)
    read = 0
    for row in reader:
        read += 1
        yield row
    if read != records:
        raise MalformedResponse(f"a spooled Bulk result page read back as {read} records, not {records}")


def _lines(response: requests.Response) -> Iterator[str]:
    """The streamed body as text lines, line endings kept (the csv module joins quoted line breaks)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    pending = ""
    for chunk in response.iter_content(chunk_size=64 * 1024):
        *complete, pending = (pending + decoder.decode(chunk)).split("\n")
        for line in complete:
            yield line + "\n"
    pending += decoder.decode(b"", final=True)
    if pending:
        yield pending


def _content(response: requests.Response) -> bytes:
    """A file body."""
    return response.content


def _content_up_to(max_bytes: int, response: requests.Response) -> bytes:
    """A streamed file body, refused (``FileTooLarge``) once it passes ``max_bytes``."""
    with response:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise FileTooLarge(max_bytes, int(declared))
        body = bytearray()
        try:
            for chunk in response.iter_content(chunk_size=64 * 1024):
                body += chunk
                if len(body) > max_bytes:
                    raise FileTooLarge(max_bytes)
        except TRANSIENT_ERRORS as error:
            raise ValueError(f"body cut off ({type(error).__name__})") from None  # retried
        return bytes(body)


def _query_page(response: requests.Response) -> dict[str, Any]:
    """Check that a query response is a page of records before anyone trusts it."""
    page = _json(response)
    if not isinstance(page, dict) or not isinstance(page.get("records"), list):
        raise ValueError("a query page without a 'records' list")
    return page


def _error_code(response: requests.Response) -> str:
    """Salesforce's ``errorCode`` of an error answer, or ``""``."""
    try:
        body = response.json()
        first = body[0] if isinstance(body, list) and body else body
        return str(first.get("errorCode") or first.get("error") or "")
    except (ValueError, AttributeError):
        return ""


def _api_error(response: requests.Response, route: str) -> SalesforceApiError:
    """Build the exception for a Salesforce error response (``[{"errorCode", "message"}]``)."""
    error_code, message = "UNKNOWN_ERROR", response.text[:300]
    try:
        body = response.json()
        first = body[0] if isinstance(body, list) and body else body
        error_code = str(first.get("errorCode") or first.get("error") or error_code)
        message = str(first.get("message") or first.get("error_description") or message)
    except (ValueError, AttributeError):
        pass
    error_class = QueryTimeout if error_code == "QUERY_TIMEOUT" else SalesforceApiError
    return error_class(response.status_code, error_code, message, route)


def _refuse_untrusted_certificate(error: Exception, url: str) -> None:
    """Raise at once when ``error`` is a server certificate this client does not trust (no retry helps)."""
    if message := untrusted_certificate(error, "Salesforce", url):
        raise AirflowException(message) from None
