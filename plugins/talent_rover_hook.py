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

from collections.abc import Iterator
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

import requests
from airflow.providers.salesforce.hooks.salesforce import SalesforceHook
from airflow.sdk.exceptions import AirflowException
from airflow.sdk.log import mask_secret
from simple_salesforce import Salesforce, api

from include.talent_rover.api_usage import ApiUsage, parse_limit_info, usage_from_limits

DEFAULT_TIMEOUT = 60.0
MAX_BATCH_SIZE = 2000


class SalesforceApiError(AirflowException):
    """A Salesforce error response, in its list-of-errors shape."""

    def __init__(self, status: int, error_code: str, message: str, route: str) -> None:
        super().__init__(f"Salesforce {route} answered HTTP {status} {error_code}: {message}")
        self.status = status
        self.error_code = error_code
        self.route = route


class TalentRoverHook(SalesforceHook):
    """Read a Talent Rover org through the Salesforce REST API.

    :param salesforce_conn_id: connection holding the org's credentials (see README).
    :param timeout: seconds allowed for each HTTP request.
    """

    hook_name = "Talent Rover (Salesforce)"

    def __init__(
        self, salesforce_conn_id: str = SalesforceHook.default_conn_name, *, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        super().__init__(salesforce_conn_id=salesforce_conn_id)
        self.timeout = timeout
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
        for secret in (self._get_field(extras, "security_token"), consumer_secret):
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
        """Run the OAuth 2.0 username-password flow and return the token response."""
        response = session.post(token_url, data=form, timeout=self.timeout)
        try:
            body = response.json()
        except ValueError:
            body = {}
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

    def _get(self, url: str, *, headers: dict[str, str] | None = None, **params: str) -> requests.Response:
        """GET a REST resource, count the call, track usage and turn errors into exceptions."""
        sf = self.conn
        response = sf.session.get(
            url, headers={**sf.headers, **(headers or {})}, params=params or None, timeout=self.timeout
        )
        self.calls_made += 1
        usage = parse_limit_info(response.headers.get("Sforce-Limit-Info"))
        if usage is not None:
            self.last_usage = usage
        if response.status_code >= 300:
            raise _api_error(response, route=urlsplit(url).path)
        return response

    def api_usage(self) -> ApiUsage:
        """Return the org's daily API usage from ``GET /limits`` (one API call)."""
        usage = usage_from_limits(self._get(self._data_url + "limits/").json())
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
        page = _query_page(self._get(self._data_url + resource, headers=headers, q=soql))
        while True:
            yield page["records"]
            if page.get("done", True):
                return
            next_url = page.get("nextRecordsUrl")
            if not next_url:
                raise AirflowException("Salesforce query page says it is not done but has no nextRecordsUrl")
            page = _query_page(self._get(self._instance_url + next_url, headers=headers))

    @property
    def _instance_url(self) -> str:
        return f"https://{self.conn.sf_instance}"

    def download(self, sobject: str, record_id: str, blob_field: str) -> bytes | None:
        """Return a file body, e.g. ``download("Attachment", id, "Body")`` (one API call).

        Returns None when Salesforce has no such file (404).
        """
        try:
            return self._get(f"{self._data_url}sobjects/{sobject}/{record_id}/{blob_field}").content
        except SalesforceApiError as error:
            if error.status == 404:
                return None
            raise


def _query_page(response: requests.Response) -> dict[str, Any]:
    """Check that a query response is a page of records before anyone trusts it."""
    try:
        page = response.json()
    except ValueError as err:
        raise AirflowException(f"Salesforce query returned a body that is not JSON: {err}") from err
    if not isinstance(page, dict) or not isinstance(page.get("records"), list):
        raise AirflowException("Salesforce query returned a page without a 'records' list")
    return page


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
    return SalesforceApiError(response.status_code, error_code, message, route)
