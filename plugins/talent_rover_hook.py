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

import logging
import re
import time
from collections.abc import Callable, Iterator
from functools import cached_property, partial
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from airflow.providers.salesforce.hooks.salesforce import SalesforceHook
from airflow.sdk.exceptions import AirflowException
from airflow.sdk.log import mask_secret
from simple_salesforce import Salesforce, api

from include.http_retries import TRANSIENT_ERRORS, backoff_seconds, retry_after_seconds
from include.resume_files import FileTooLarge
from include.talent_rover.api_usage import ApiBudget, ApiUsage, parse_limit_info, usage_from_limits
from include.talent_rover.errors import MalformedResponse, QueryTimeout, SalesforceApiError

__all__ = ["SalesforceApiError", "TalentRoverHook"]

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 60.0
MAX_BATCH_SIZE = 2000
# How Python's ssl module words a refused server certificate (untrusted issuer, wrong host, expired).
_CERTIFICATE_REFUSED = re.compile(r"certificate verify failed: ([^('\"]+)")
T = TypeVar("T")


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
        self.last_usage: ApiUsage | None = None

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

    def _log_in_again(self) -> None:
        """Forget the session, so the next call logs in afresh (both this hook's and the provider's cache)."""
        self.__dict__.pop("conn", None)

    def _call(
        self,
        url: str,
        read: Callable[[requests.Response], T],
        *,
        headers: dict[str, str] | None = None,
        stream: bool = False,
        **params: str,
    ) -> T:
        """GET a REST resource and ``read`` its answer, retrying what is transient.

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
            if self.budget is not None:
                self.budget.check(self.last_usage, self.calls_made)
            sf = self.conn
            try:
                response = sf.session.get(
                    url,
                    headers={**sf.headers, **(headers or {})},
                    params=params or None,
                    timeout=self.timeout,
                    stream=stream,
                )
            except TRANSIENT_ERRORS as error:
                _refuse_untrusted_certificate(error, url)
                self.calls_made += 1  # it may have reached Salesforce, and counted there
                failure, delay = type(error).__name__, self._backoff(attempt)
            else:
                self.calls_made += 1
                usage = parse_limit_info(response.headers.get("Sforce-Limit-Info"))
                if usage is not None:
                    self.last_usage = usage
                status = response.status_code
                if status == 401 and not logged_in_again and _error_code(response) == "INVALID_SESSION_ID":
                    log.info("Salesforce session expired; logging in again")
                    logged_in_again = True
                    self._log_in_again()
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

    def _backoff(self, attempt: int) -> float:
        return backoff_seconds(attempt, self.backoff_base_seconds, self.backoff_cap_seconds)

    def api_usage(self) -> ApiUsage:
        """Return the org's daily API usage from ``GET /limits`` (one API call)."""
        usage = usage_from_limits(self._call(self._data_url + "limits/", _json))
        self.last_usage = usage
        return usage

    def query_pages(
        self, soql: str, *, include_deleted: bool = False, batch_size: int = MAX_BATCH_SIZE
    ) -> Iterator[list[dict[str, Any]]]:
        """Run a SOQL query and yield its records page by page, following ``nextRecordsUrl``.

        ``include_deleted`` uses ``queryAll``, which also returns deleted records.
        """
        headers = {"Sforce-Query-Options": f"batchSize={batch_size}"}
        resource = "queryAll/" if include_deleted else "query/"
        page = self._call(self._data_url + resource, _query_page, headers=headers, q=soql)
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
    """Raise AirflowException at once when ``error`` is a server certificate this client does not trust.

    Retrying cannot help (unlike a TLS handshake cut short), and the fix is the
    trust store: name ``REQUESTS_CA_BUNDLE``, never a way to switch verification off.
    """
    refusal = _CERTIFICATE_REFUSED.search(str(error))
    if isinstance(error, requests.exceptions.SSLError) and refusal:
        server = urlsplit(url)
        raise AirflowException(
            f"Salesforce at {server.scheme}://{server.netloc}: its TLS certificate is not trusted "
            f"({refusal[1].strip()}). If it is signed by a private CA, set REQUESTS_CA_BUNDLE to that "
            "CA's PEM bundle in the workers' environment; certificate verification stays on."
        ) from None
