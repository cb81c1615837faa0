"""Bullhorn access: log in, read entities page by page, write candidates and applications.

``BullhornHook`` reads the ``http`` connection ``bullhorn_default``: login = API
username, password = API password, extra ``client_id`` and ``client_secret``,
optionally ``auth_url`` (e.g. ``https://auth-west.bullhornstaffing.com/oauth``)
and ``rest_url`` (e.g. ``https://rest-west.bullhornstaffing.com/rest-services``);
without both, they are discovered through ``loginInfo`` (at ``login_info_url``
if the extra has one).

Logging in (Bullhorn's REST auth, four steps):

1. data-centre discovery, ``GET {login_info_url}?username=U`` → ``oauthUrl``, ``restUrl``;
2. ``{auth_url}/authorize`` with the username and password, whose redirect
   (not followed) carries an authorization ``code``;
3. ``{auth_url}/token`` trades the code (or a refresh token) for an access token
   and the next refresh token;
4. ``{rest_url}/login`` trades the access token for a ``BhRestToken`` and the
   corporation's own ``restUrl``; every REST call sends that token as a header.

Refresh tokens are single-use, so the newest goes to a ``RefreshTokenStore``
(an Airflow Variable by default) as soon as it arrives: the next hook logs in
with it (steps 3-4 only) and falls back to the password when it is no longer
valid. A 401 in the middle of a run renews the session the same way and sends
the request once more.

Every request has an explicit timeout, and certificates are always verified; a
private CA is trusted through ``REQUESTS_CA_BUNDLE``. Passwords, secrets and
tokens are masked before any request, and logs carry routes and statuses only.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, partial
from pathlib import PurePosixPath
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import requests
from airflow.sdk import BaseHook
from airflow.sdk.log import mask_secret

from include.bullhorn import CallBudget, RefreshTokenStore, VariableRefreshTokenStore
from include.bullhorn.errors import (
    BullhornApiError,
    BullhornAuthError,
    BullhornError,
    MalformedResponse,
    UnsupportedFileType,
)
from include.http_retries import TRANSIENT_ERRORS, backoff_seconds, retry_after_seconds, untrusted_certificate
from include.resume_files import FileTooLarge
from include.resume_text import UnreadableResume, detect_format

__all__ = ["BullhornApiError", "BullhornAuthError", "BullhornError", "BullhornHook", "UploadedFile"]

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 60.0
LOGIN_INFO_URL = "https://rest.bullhornstaffing.com/rest-services/loginInfo"
# The Java SDK pulls 500 rows at a time; Bullhorn may still answer with fewer.
MAX_PAGE_SIZE = 500
# Longer where/query strings go in a POST body: a URL that long is refused.
MAX_GET_CRITERIA_CHARS = 7500
# The session's life in minutes (the SDK caps ttl at 2880).
SESSION_TTL_MINUTES = 60
# How many 307s (to another data centre's host) ``authorize`` may answer before it gives a code.
MAX_AUTHORIZE_HOPS = 3
# What the candidate portal accepts as a résumé, by the format ``detect_format`` finds.
RESUME_CONTENT_TYPES: dict[str, str] = {
    "text": "text/plain",
    "html": "text/html",
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
RESUME_EXTENSIONS = frozenset({".txt", ".text", ".htm", ".html", ".pdf", ".doc", ".docx"})
_FILENAME = re.compile(r"""filename\*?=(?:UTF-8'')?"?([^";]+)"?""", re.IGNORECASE)

T = TypeVar("T")


@dataclass(frozen=True)
class UploadedFile:
    """A file attached to a candidate, as downloaded: its bytes, name and MIME type."""

    content: bytes
    name: str
    content_type: str


@dataclass(frozen=True)
class _RestSession:
    """A logged-in REST session: the corporation's REST base URL and the token sent with every call."""

    rest_url: str
    token: str


class BullhornHook(BaseHook):
    """Read and write a Bullhorn corporation through its REST API.

    A ``BaseHook`` rather than the http provider's ``HttpHook``: ``HttpHook``
    serves one base URL taken from the connection's host, while Bullhorn needs
    three found at run time (discovery, OAuth, and the REST URL that login
    returns), a token that changes mid-run, and Bullhorn's own 401 and 429
    handling, so none of ``HttpHook``'s request machinery would be used.

    One hook serves one thread: its session token and call count are not shared safely.

    :param bullhorn_conn_id: the connection holding the API user and OAuth client.
    :param timeout: seconds allowed for each HTTP request.
    :param budget: checked before every call (``ApiLimitReached`` when spent); None for no cap.
    :param refresh_tokens: where the newest refresh token is kept; by default the
        Airflow Variable ``{bullhorn_conn_id}.refresh_token``.
    """

    conn_name_attr = "bullhorn_conn_id"
    default_conn_name = "bullhorn_default"
    conn_type = "http"
    hook_name = "Bullhorn"

    # Tries per request (the first included); the backoff is full jitter over
    # base * 2**(attempt - 1) seconds, capped.
    max_attempts = 5
    backoff_base_seconds = 1.0
    backoff_cap_seconds = 30.0
    # A 429 means "wait a second and try again" (Bullhorn's guidance, no Retry-After
    # documented); such waits are not attempts, but a request waits at most this many times.
    rate_limit_pause_seconds = 1.0
    max_rate_limit_waits = 60
    retry_after_cap_seconds = 60.0

    def __init__(
        self,
        bullhorn_conn_id: str = default_conn_name,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        budget: CallBudget | None = None,
        refresh_tokens: RefreshTokenStore | None = None,
    ) -> None:
        super().__init__()
        self.bullhorn_conn_id = bullhorn_conn_id
        self.timeout = timeout
        self.budget = budget
        self.refresh_tokens = refresh_tokens or VariableRefreshTokenStore(bullhorn_conn_id)
        self.calls_made = 0
        # How this hook last logged in: "refresh_token" or "password" (for logs and tests).
        self.last_login_grant: str | None = None
        self._refresh_token: str | None = None
        self._rest: _RestSession | None = None

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Describe the connection form: login and password are the API user's; the rest is extra."""
        return {
            "hidden_fields": ["host", "schema", "port"],
            "relabeling": {"login": "API username", "password": "API password"},
            "placeholders": {
                "extra": '{"client_id": "…", "client_secret": "…", "auth_url": "…", "rest_url": "…"}'
            },
        }

    # --- Connection and login ----------------------------------------------------------------

    @cached_property
    def session(self) -> requests.Session:
        """The HTTP session every request goes through (verification on, trust from the environment)."""
        return requests.Session()

    def get_conn(self) -> requests.Session:
        """Return the HTTP session, logged in (the ``BhRestToken`` travels per request, as a header)."""
        self._logged_in()
        return self.session

    @cached_property
    def _credentials(self) -> dict[str, str]:
        """The connection's fields, read once, with every secret masked before any request."""
        connection = self.get_connection(self.bullhorn_conn_id)
        extra = connection.extra_dejson
        credentials = {
            "username": connection.login or "",
            "password": connection.password or "",
            "client_id": str(extra.get("client_id") or ""),
            "client_secret": str(extra.get("client_secret") or ""),
            "auth_url": str(extra.get("auth_url") or ""),
            "rest_url": str(extra.get("rest_url") or ""),
            "login_info_url": str(extra.get("login_info_url") or LOGIN_INFO_URL),
        }
        for secret in (credentials["password"], credentials["client_secret"]):
            if secret:
                mask_secret(secret)
        missing = [
            name for name in ("username", "password", "client_id", "client_secret") if not credentials[name]
        ]
        if missing:
            raise BullhornError(
                f"Connection '{self.bullhorn_conn_id}' lacks {', '.join(missing)} "
                "(login, password, extra client_id and client_secret)"
            )
        return credentials

    @cached_property
    def _endpoints(self) -> tuple[str, str]:
        """The OAuth and REST base URLs: from the connection, else from data-centre discovery."""
        credentials = self._credentials
        if credentials["auth_url"] and credentials["rest_url"]:
            return credentials["auth_url"].rstrip("/"), credentials["rest_url"].rstrip("/")
        # A host of the wrong data centre answers 307; requests follows it (GET stays GET).
        response = self._auth_call(
            "GET",
            credentials["login_info_url"],
            "loginInfo",
            params={"username": credentials["username"]},
        )
        info = _json_or_empty(response)
        try:
            return str(info["oauthUrl"]).rstrip("/"), str(info["restUrl"]).rstrip("/")
        except (KeyError, TypeError):
            raise BullhornAuthError(
                self.bullhorn_conn_id, "no_data_centre", "loginInfo gave no oauthUrl/restUrl", "loginInfo"
            ) from None

    def _logged_in(self) -> _RestSession:
        """Return the REST session, logging in first if there is none."""
        if self._rest is None:
            self._rest = self._log_in()
        return self._rest

    def _log_in(self) -> _RestSession:
        """Get an access token and open a REST session; an unreadable answer starts over."""
        for attempt in range(1, self.max_attempts + 1):
            try:
                return self._rest_login(self._access_token())
            except MalformedResponse as error:
                if attempt == self.max_attempts:
                    raise
                delay = self._backoff(attempt)
                log.warning("Bullhorn login: %s; starting over in %.1f s", error, delay)
                time.sleep(delay)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _access_token(self) -> str:
        """Return a new access token: by the newest refresh token if there is one, else by password."""
        refresh_token = self._refresh_token or self.refresh_tokens.get()
        if refresh_token:
            mask_secret(refresh_token)
            try:
                tokens = self._token_grant({"grant_type": "refresh_token", "refresh_token": refresh_token})
            except (BullhornAuthError, MalformedResponse) as error:
                # Used up elsewhere (refresh tokens are single-use), expired, or lost on the
                # way back: the password still works.
                log.info("Bullhorn refresh token not usable (%s); logging in with the password", error)
                self._refresh_token = None
            else:
                self.last_login_grant = "refresh_token"
                return str(tokens["access_token"])
        code = self._authorization_code()
        tokens = self._token_grant({"grant_type": "authorization_code", "code": code})
        self.last_login_grant = "password"
        return str(tokens["access_token"])

    def _renew(self) -> None:
        """Open a new REST session after a 401: refresh grant, else password, then ``login`` again."""
        log.info("Bullhorn session expired or refused; logging in again")
        self._rest = self._log_in()

    def _authorization_code(self) -> str:
        """Ask ``authorize`` for a code with the username and password; the code is in the redirect."""
        credentials = self._credentials
        auth_url, _ = self._endpoints
        url = f"{auth_url}/authorize"
        for _hop in range(MAX_AUTHORIZE_HOPS):
            # POSTed as a form, so that the password never stands in a URL (which logs show).
            response = self._auth_call(
                "POST",
                url,
                "authorize",
                data={
                    "client_id": credentials["client_id"],
                    "response_type": "code",
                    "action": "Login",
                    "username": credentials["username"],
                    "password": credentials["password"],
                },
                # The redirect carries the code; following it would lose it.
                allow_redirects=False,
            )
            location = response.headers.get("Location", "")
            codes = parse_qs(urlsplit(location).query).get("code")
            if response.is_redirect and codes:
                mask_secret(codes[0])
                return codes[0]
            if response.status_code != 307 or not location:
                break
            # Another data centre's host: ask it the same, with the parameters sent afresh,
            # but only over HTTPS: they include the password.
            if urlsplit(location).scheme != "https":
                raise BullhornAuthError(
                    self.bullhorn_conn_id,
                    "insecure_redirect",
                    "authorize redirected to a non-HTTPS URL; the password is not sent there",
                    "authorize",
                )
            url = location.split("?", 1)[0]
        error, description = _oauth_error(response)
        if not error:
            # Bad credentials get the login form back (HTML), not a redirect.
            error, description = "invalid_credentials", "no authorization code (wrong username or password?)"
        raise BullhornAuthError(self.bullhorn_conn_id, error, description, "authorize")

    def _token_grant(self, grant: dict[str, str]) -> dict[str, Any]:
        """Run an OAuth token grant; keep the new refresh token (the old one is now used up)."""
        credentials = self._credentials
        auth_url, _ = self._endpoints
        form = {**grant, "client_id": credentials["client_id"], "client_secret": credentials["client_secret"]}
        response = self._auth_call("POST", f"{auth_url}/token", "token", data=form)
        body = _json_or_empty(response)
        if response.status_code == 200 and not body:
            raise MalformedResponse("Bullhorn token: an unreadable answer")
        if response.status_code != 200 or not body.get("access_token"):
            error, description = _oauth_error(response)
            raise BullhornAuthError(
                self.bullhorn_conn_id, error or f"HTTP {response.status_code}", description, "token"
            )
        mask_secret(str(body["access_token"]))
        if refresh_token := body.get("refresh_token"):
            mask_secret(str(refresh_token))
            self._refresh_token = str(refresh_token)
            self.refresh_tokens.set(self._refresh_token)
        return body

    def _rest_login(self, access_token: str) -> _RestSession:
        """Trade an access token for a ``BhRestToken`` and the corporation's REST URL."""
        _, rest_url = self._endpoints
        response = self._auth_call(
            "POST",
            f"{rest_url}/login",
            "login",
            # A form, not the query string: the access token stays out of URLs (which logs show).
            data={"version": "*", "access_token": access_token, "ttl": str(SESSION_TTL_MINUTES)},
        )
        body = _json_or_empty(response)
        if response.status_code == 200 and not body:
            raise MalformedResponse("Bullhorn rest-services/login: an unreadable answer")
        if response.status_code != 200 or not body.get("BhRestToken") or not body.get("restUrl"):
            message = str(body.get("errorMessage") or response.reason)
            raise BullhornAuthError(
                self.bullhorn_conn_id, f"HTTP {response.status_code}", message, "rest-services/login"
            )
        mask_secret(str(body["BhRestToken"]))
        corporation_url = str(body["restUrl"])
        return _RestSession(rest_url=corporation_url.rstrip("/") + "/", token=str(body["BhRestToken"]))

    def _auth_call(self, method: str, url: str, route: str, **kwargs: Any) -> requests.Response:
        """Send a login-step request; any answer but a 5xx/429 is returned for the step to judge."""
        return self._send(method, url, route, {}, **kwargs)

    # --- Requests ------------------------------------------------------------------------------

    def _rest_call(
        self,
        method: str,
        path: str,
        read: Callable[[requests.Response], T],
        *,
        creates: bool = False,
        **kwargs: Any,
    ) -> T:
        """Call ``{restUrl}{path}`` with the session token and ``read`` the answer.

        * A 401 (token expired or refused) renews the session and sends the request once more.
        * An answer ``read`` cannot make sense of (``ValueError``: cut off, not as
          promised) is asked for again, at most ``max_attempts`` times.
        * Other error answers raise ``BullhornApiError``.
        * A request that ``creates`` a record is never sent again after an answer
          that may mean it was done (a timeout, a reset, a 5xx, an unreadable
          answer): a second one would create a duplicate. Only a 401 or 429, which
          mean it was not done, send it again.
        """
        route = path.split("?", 1)[0]
        renewed, unreadable = False, 0
        attempts = 1 if creates else self.max_attempts
        while True:
            rest = self._logged_in()
            response = self._send(
                method, rest.rest_url + path, route, {"BhRestToken": rest.token}, attempts=attempts, **kwargs
            )
            if response.status_code == 401 and not renewed:
                renewed = True
                self._renew()
                continue
            if response.status_code >= 300:
                raise _api_error(response, route)
            try:
                return read(response)
            except ValueError as error:
                unreadable += 1
                if unreadable >= attempts:
                    raise MalformedResponse(
                        f"Bullhorn {route}: unreadable answer ({error}), {unreadable} times in a row"
                    ) from None
                delay = self._backoff(unreadable)
                log.warning(
                    "Bullhorn %s: unreadable answer (%s); asking again in %.1f s", route, error, delay
                )
                time.sleep(delay)

    def _send(
        self,
        method: str,
        url: str,
        route: str,
        headers: dict[str, str],
        *,
        attempts: int | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """Send one request, retrying what is transient, and return the first answer worth judging.

        * Before every try, the budget is checked (``ApiLimitReached`` rather than a call past it).
        * Timeouts, resets and 5xx are tried again after a backoff, at most ``attempts`` times
          (default ``max_attempts``).
        * A 429 is waited out (``Retry-After`` if given, else one second) without using an attempt,
          at most ``max_rate_limit_waits`` times.
        """
        attempts = attempts or self.max_attempts
        attempt, rate_limit_waits = 1, 0
        while True:
            if self.budget is not None:
                self.budget.check(self.calls_made)
            try:
                response = self.session.request(method, url, headers=headers, timeout=self.timeout, **kwargs)
            except TRANSIENT_ERRORS as error:
                _refuse_untrusted_certificate(error, url)
                self.calls_made += 1  # it may have reached Bullhorn, and counted there
                failure = type(error).__name__
            else:
                self.calls_made += 1
                status = response.status_code
                if status == 429 and rate_limit_waits < self.max_rate_limit_waits:
                    rate_limit_waits += 1
                    pause = retry_after_seconds(response, self.retry_after_cap_seconds)
                    pause = self.rate_limit_pause_seconds if pause is None else pause
                    log.info("Bullhorn %s: rate limited (429); waiting %.1f s", route, pause)
                    time.sleep(pause)
                    continue
                if status < 500:
                    return response
                failure = f"HTTP {status} {_error_summary(response)}".strip()
            if attempt >= attempts:
                raise BullhornError(f"Bullhorn {route} still failing after {attempt} attempt(s): {failure}")
            delay = self._backoff(attempt)
            log.warning(
                "Bullhorn %s: %s; retrying in %.1f s (attempt %d of %d)",
                route,
                failure,
                delay,
                attempt,
                self.max_attempts,
            )
            time.sleep(delay)
            attempt += 1

    def _backoff(self, attempt: int) -> float:
        return backoff_seconds(attempt, self.backoff_base_seconds, self.backoff_cap_seconds)

    # --- Reading -------------------------------------------------------------------------------

    def query_pages(
        self,
        entity: str,
        where: str,
        fields: Sequence[str],
        order_by: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield the rows of a JPQL query (``query/{entity}?where=``) page by page.

        E.g. ``query_pages("JobOrder", "dateLastModified >= 1762000000000", ["id", "title"], "id")``.
        Candidate cannot be queried, only searched (``search_pages``).
        """
        params = {"fields": ",".join(fields), "showTotalMatched": "true"}
        if order_by:
            params["orderBy"] = order_by
        yield from self._pages(f"query/{entity}", "where", where, params, page_size)

    def search_pages(
        self,
        entity: str,
        query: str,
        fields: Sequence[str],
        sort: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield the rows of a Lucene search (``search/{entity}?query=``) page by page.

        E.g. ``search_pages("Candidate", "dateLastModified:[20261101000000 TO 20261102000000]", ["id"])``.
        """
        params = {"fields": ",".join(fields)}
        if sort:
            params["sort"] = sort
        yield from self._pages(f"search/{entity}", "query", query, params, page_size)

    def _pages(
        self, path: str, criteria_name: str, criteria: str, params: dict[str, str], page_size: int
    ) -> Iterator[list[dict[str, Any]]]:
        """Page through a list with start/count until ``start + count >= total`` or an empty page.

        Bullhorn may return fewer rows than asked for (its cap depends on the
        fields), so a short page is not the end: ``total`` is.

        Offsets are counted against the list as it is at each call. A record
        edited while the pages are read leaves a window that ends in the past,
        and every record after it moves up a place: one that has not been read
        yet would fall before the offset and be skipped for good. So when a page's
        ``total`` has shrunk, reading goes on from that many rows before that page;
        rows read twice are dropped by the caller's staging (by id).
        """
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1 to {MAX_PAGE_SIZE}, not {page_size}")
        start = 0
        last_total: int | None = None
        while True:
            page_params = {**params, "start": str(start), "count": str(page_size)}
            if len(criteria) > MAX_GET_CRITERIA_CHARS:
                page = self._rest_call(
                    "POST", path, _list_page, params=page_params, json={criteria_name: criteria}
                )
            else:
                page = self._rest_call(
                    "GET", path, _list_page, params={**page_params, criteria_name: criteria}
                )
            rows = page["data"]
            if rows:
                yield rows
            count = _int(page.get("count"), len(rows))
            total = page.get("total")
            if count == 0 and isinstance(total, int) and start < total:
                # Stopping here would silently drop the rest of the list.
                raise MalformedResponse(f"Bullhorn {path}: an empty page at {start} of {total} records")
            if isinstance(total, int):
                shrunk = 0 if last_total is None else last_total - total
                last_total = total
                if shrunk > 0:
                    # This page was asked for too late: read on from that many rows earlier.
                    start = max(0, start - shrunk)
                    continue
            start += count
            if count == 0 or (isinstance(total, int) and start >= total):
                return

    def get_entities(self, entity: str, ids: Sequence[int], fields: Sequence[str]) -> list[dict[str, Any]]:
        """Return the given records (ids Bullhorn does not have are left out), 500 ids per call."""
        records: list[dict[str, Any]] = []
        for first in range(0, len(ids), MAX_PAGE_SIZE):
            chunk = ",".join(str(int(record_id)) for record_id in ids[first : first + MAX_PAGE_SIZE])
            try:
                body = self._rest_call(
                    "GET", f"entity/{entity}/{chunk}", _json, params={"fields": ",".join(fields)}
                )
            except BullhornApiError as error:
                if error.status == 404:  # none of this chunk's ids exist
                    continue
                raise
            data = body.get("data") if isinstance(body, dict) else None
            # One id gives one object; several give a list.
            if isinstance(data, dict):
                records.append(data)
            elif isinstance(data, list):
                records.extend(data)
            else:
                raise MalformedResponse(f"Bullhorn entity/{entity}: an answer without 'data'")
        return records

    def options(self, name: str, page_size: int = 300) -> dict[str, str]:
        """Return an option list as value → label, e.g. ``options("Country")`` → ``{"1": "USA"}``."""
        labels: dict[str, str] = {}
        start = 0
        while True:
            page = self._rest_call(
                "GET", f"options/{name}", _list_page, params={"start": str(start), "count": str(page_size)}
            )
            rows = page["data"]
            labels.update({str(row["value"]): str(row["label"]) for row in rows})
            count = _int(page.get("count"), len(rows))
            total = page.get("total")
            start += count
            # Options answers may carry no total; then a page shorter than asked is the last.
            done = start >= total if isinstance(total, int) else count < page_size
            if count == 0 or done:
                return labels

    def entity_files(self, candidate_id: int) -> list[dict[str, Any]]:
        """Return the candidate's file attachments' descriptions (id, name, type, contentType, …)."""
        body = self._rest_call("GET", f"entityFiles/Candidate/{int(candidate_id)}", _json)
        files = body.get("EntityFiles", []) if isinstance(body, dict) else None
        if not isinstance(files, list):
            raise MalformedResponse("Bullhorn entityFiles: 'EntityFiles' is not a list")
        return files

    def download_file(
        self, candidate_id: int, file_id: int, *, max_bytes: int | None = None
    ) -> UploadedFile | None:
        """Return a candidate's file (bytes, name, MIME type), or None when Bullhorn has no such file.

        A body over ``max_bytes`` raises ``FileTooLarge`` as soon as that is known,
        without reading the rest.
        """
        try:
            content, headers = self._rest_call(
                "GET",
                f"file/Candidate/{int(candidate_id)}/{int(file_id)}/raw",
                partial(_whole_body, max_bytes),
                stream=True,
            )
        except BullhornApiError as error:
            if error.status == 404:
                return None
            raise
        disposition = _FILENAME.search(headers.get("Content-Disposition", ""))
        content_type = headers.get("Content-Type", "application/octet-stream").split(";")[0].strip()
        return UploadedFile(
            content=content,
            name=disposition[1] if disposition else f"{int(file_id)}",
            content_type=content_type,
        )

    # --- Writing -------------------------------------------------------------------------------

    def create(self, entity: str, data: Mapping[str, Any]) -> int:
        """Create a record (``PUT entity/{entity}``) and return its id."""
        return self._rest_call("PUT", f"entity/{entity}", _changed_entity_id, creates=True, json=dict(data))

    def update(self, entity: str, entity_id: int, data: Mapping[str, Any]) -> int:
        """Update a record's fields (``POST entity/{entity}/{id}``) and return its id."""
        return self._rest_call(
            "POST", f"entity/{entity}/{int(entity_id)}", _changed_entity_id, json=dict(data)
        )

    def create_candidate(self, data: Mapping[str, Any]) -> int:
        """Create a Candidate; ``name`` is filled from first and last name when absent (REST does not)."""
        record = dict(data)
        if not record.get("name"):
            record["name"] = f"{record.get('firstName', '')} {record.get('lastName', '')}".strip()
        return self.create("Candidate", record)

    def add_education(self, candidate_id: int, data: Mapping[str, Any]) -> int:
        """Create a CandidateEducation (school, degree, …) for the candidate; return its id."""
        return self.create("CandidateEducation", {**data, "candidate": {"id": int(candidate_id)}})

    def add_work_history(self, candidate_id: int, data: Mapping[str, Any]) -> int:
        """Create a CandidateWorkHistory (title, companyName, dates in epoch ms) for the candidate."""
        return self.create("CandidateWorkHistory", {**data, "candidate": {"id": int(candidate_id)}})

    def submit_application(
        self, candidate_id: int, job_order_id: int, source: str = "Candidate Web Portal"
    ) -> int:
        """Apply the candidate to a job order: a JobSubmission "New Lead" (a web response), now."""
        return self.create(
            "JobSubmission",
            {
                "candidate": {"id": int(candidate_id)},
                "jobOrder": {"id": int(job_order_id)},
                "status": "New Lead",
                "source": source,
                "dateWebResponse": int(time.time() * 1000),
            },
        )

    def attach_resume(self, candidate_id: int, filename: str, content: bytes) -> int:
        """Attach a résumé to the candidate (``PUT file/Candidate/{id}/raw``); return the file id.

        Only text, HTML, PDF, DOC and DOCX are taken, judged by both name and
        content; anything else raises ``UnsupportedFileType`` before any call.
        """
        file_format = resume_format(filename, content)
        response = self._rest_call(
            "PUT",
            f"file/Candidate/{int(candidate_id)}/raw",
            _json,
            creates=True,
            params={"externalID": filename.replace(" ", "-"), "fileType": "SAMPLE"},
            files={"file": (filename, content, RESUME_CONTENT_TYPES[file_format])},
        )
        try:
            return int(response["fileId"])
        except (KeyError, TypeError, ValueError):
            raise MalformedResponse("Bullhorn file upload: an answer without 'fileId'") from None


def resume_format(filename: str, content: bytes) -> str:
    """Return the résumé's format ("text", "html", "pdf", "doc", "docx"), or raise ``UnsupportedFileType``."""
    extension = PurePosixPath(filename).suffix.lower()
    if extension not in RESUME_EXTENSIONS:
        raise UnsupportedFileType(
            f"Bullhorn takes text, HTML, PDF, DOC or DOCX résumés, not a '{extension or 'no extension'}' file"
        )
    try:
        file_format = detect_format(content, filename)
    except UnreadableResume as error:
        raise UnsupportedFileType(f"Bullhorn résumé refused: {error.reason}") from None
    if file_format not in RESUME_CONTENT_TYPES:
        raise UnsupportedFileType(
            f"Bullhorn takes text, HTML, PDF, DOC or DOCX résumés, not {file_format.upper()}"
        )
    return file_format


def _json(response: requests.Response) -> Any:
    """The body as JSON; ``ValueError`` (asked again) when it is not, e.g. cut off mid-answer."""
    try:
        return response.json()
    except ValueError as err:
        raise ValueError(f"not JSON: {err}") from None


def _json_or_empty(response: requests.Response) -> dict[str, Any]:
    """The body as a JSON object, or ``{}`` (an auth step's HTML or empty answer)."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _whole_body(max_bytes: int | None, response: requests.Response) -> tuple[bytes, Mapping[str, str]]:
    """A streamed file answer and its headers; the body must be as long as announced.

    A cut-off download is asked again (``ValueError``); one over ``max_bytes`` is
    refused (``FileTooLarge``) as soon as its announced length, or the bytes read
    so far, pass the limit.
    """
    with response:
        announced = response.headers.get("Content-Length", "")
        if max_bytes is not None and announced.isdigit() and int(announced) > max_bytes:
            raise FileTooLarge(max_bytes, int(announced))
        body = bytearray()
        try:
            for chunk in response.iter_content(chunk_size=64 * 1024):
                body += chunk
                if max_bytes is not None and len(body) > max_bytes:
                    raise FileTooLarge(max_bytes)
        except TRANSIENT_ERRORS as error:
            raise ValueError(f"body cut off ({type(error).__name__})") from None
    if announced.isdigit() and int(announced) != len(body):
        raise ValueError(f"{len(body)} of {announced} bytes")
    return bytes(body), response.headers


def _list_page(response: requests.Response) -> dict[str, Any]:
    """Check that a list answer is a page of rows (``{"data": [...]}``) before anyone trusts it."""
    page = _json(response)
    if not isinstance(page, dict) or not isinstance(page.get("data"), list):
        raise ValueError("a list page without a 'data' list")
    return page


def _changed_entity_id(response: requests.Response) -> int:
    """The id of the record a write created or changed."""
    body = _json(response)
    try:
        return int(body["changedEntityId"])
    except (KeyError, TypeError, ValueError):
        raise ValueError("a write answer without 'changedEntityId'") from None


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) else default


def _oauth_error(response: requests.Response) -> tuple[str, str]:
    """OAuth's ``error`` and ``error_description`` from a JSON body or the redirect's query, if any."""
    body = _json_or_empty(response)
    if not body.get("error"):
        body = {
            key: values[0]
            for key, values in parse_qs(urlsplit(response.headers.get("Location", "")).query).items()
        }
    return str(body.get("error") or ""), str(body.get("error_description") or "")


def _error_summary(response: requests.Response) -> str:
    """Bullhorn's ``errorMessageKey`` of an error answer, or ``""``."""
    return str(_json_or_empty(response).get("errorMessageKey") or "")


def _api_error(response: requests.Response, route: str) -> BullhornApiError:
    """Build the exception for a Bullhorn error answer.

    Bullhorn's shape is ``{"errorMessage", "errorCode", "errorMessageKey", "errors": [...]}``;
    the field-level ``errors`` name fields and problems (never their values).
    """
    body = _json_or_empty(response)
    key = str(body.get("errorMessageKey") or f"HTTP {response.status_code}")
    message = str(body.get("errorMessage") or response.reason or "")
    details = [
        f"{error.get('propertyName', '?')}: {error.get('type') or error.get('severity') or ''}".strip()
        for error in body.get("errors") or []
        if isinstance(error, dict)
    ]
    if details:
        message = f"{message} ({'; '.join(details)})"
    return BullhornApiError(response.status_code, key, message, route)


def _refuse_untrusted_certificate(error: Exception, url: str) -> None:
    """Raise at once when ``error`` is a server certificate this client does not trust (no retry helps)."""
    if message := untrusted_certificate(error, "Bullhorn", url):
        raise BullhornError(message) from None
