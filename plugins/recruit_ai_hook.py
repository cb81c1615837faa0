"""Recruit AI hook: post candidates and positions, one form-encoded record per request.

``RecruitAiHook`` is the http provider's ``HttpHook`` on an ``http`` connection
(default ``recruit_ai_default``): host is the instance's base URL
(``https://…``), password is its API key, sent in the ``token`` header. The
API takes one record per request, so throughput comes from a bounded number of
requests in flight over one shared, pooled session.

Each record ends ``posted`` (2xx), ``rejected`` (a 4xx other than 401/403/429:
the record itself is refused, with Recruit AI's message) or ``failed`` (still a
429, 5xx, timeout or connection error after ``max_attempts``). A 401/403 raises
``RecruitAiAuthError`` at once: a bad key is not transient. Certificate
verification stays on; a private CA is trusted through ``REQUESTS_CA_BUNDLE``.
Logs carry record ids, statuses and counts, never record content or the key.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import requests
from airflow.providers.http.hooks.http import HttpHook
from airflow.sdk.exceptions import AirflowException
from airflow.sdk.log import mask_secret
from requests_toolbelt.adapters.socket_options import TCPKeepAliveAdapter

from include.http_retries import (
    TRANSIENT_ERRORS,
    backoff_seconds,
    retry_after_seconds,
    untrusted_certificate,
    verification_off,
)
from include.load import ID_FIELDS, RecordKind

log = logging.getLogger(__name__)

ENDPOINTS: dict[str, str] = {"candidate": "/public/candidate", "position": "/public/position"}
MAX_REASON_CHARS = 300


@dataclass(frozen=True)
class PostOutcome:
    """What happened to one posted record.

    ``reason`` is Recruit AI's message for a rejected record, or the error
    (class name or HTTP status text) for a failed one; never record content.
    ``created`` says whether Recruit AI stored a new record rather than
    replacing one, when it told us.
    """

    record_id: str
    status: Literal["posted", "rejected", "failed"]
    http_status: int | None
    reason: str = ""
    created: bool | None = None


class RecruitAiAuthError(AirflowException):
    """Recruit AI refused the API key (HTTP 401/403). Not transient: fix the connection's password."""


class RecruitAiHook(HttpHook):
    """Post candidates and positions to a Recruit AI instance.

    :param recruit_ai_conn_id: the ``http`` connection to the instance: host =
        base URL (``https://…``), password = API key. Extra may hold what
        ``HttpHook`` understands (e.g. ``proxies``, ``verify`` as a CA bundle
        path), but never ``verify: false``.
    :param timeout: seconds allowed for each request (connect and read).
    :param max_in_flight: most requests in flight at once in ``post_records``;
        also the size of the connection pool.
    :param max_attempts: tries per record (the first included) before it counts as failed.
    """

    conn_name_attr = "recruit_ai_conn_id"
    default_conn_name = "recruit_ai_default"
    conn_type = "http"
    hook_name = "Recruit AI"

    # Backoff: full jitter over base * 2**(attempt - 1) seconds, capped.
    backoff_base_seconds = 1.0
    backoff_cap_seconds = 30.0
    # A server asking for a longer pause than this is not waited on for longer.
    retry_after_cap_seconds = 60.0

    def __init__(
        self,
        recruit_ai_conn_id: str = default_conn_name,
        *,
        timeout: float = 30.0,
        max_in_flight: int = 4,
        max_attempts: int = 5,
    ) -> None:
        if max_in_flight < 1 or max_attempts < 1:
            raise ValueError("max_in_flight and max_attempts must be at least 1")
        # HttpHook's own default adapter keeps TCP alive too; this one is also sized for the workers.
        adapter = TCPKeepAliveAdapter(pool_connections=1, pool_maxsize=max_in_flight)
        super().__init__(method="POST", http_conn_id=recruit_ai_conn_id, adapter=adapter)
        self.recruit_ai_conn_id = recruit_ai_conn_id
        self.timeout = timeout
        self.max_in_flight = max_in_flight
        self.max_attempts = max_attempts
        self._session: requests.Session | None = None
        self._session_lock = threading.Lock()

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Describe the connection form: the password is the API key, login and schema are unused."""
        return {
            "hidden_fields": ["login", "schema", "port"],
            "relabeling": {"host": "Base URL", "password": "API key"},
            "placeholders": {"host": "https://yourfirm.recruit-ai.example"},
        }

    def get_conn(
        self, headers: dict[Any, Any] | None = None, extra_options: dict[str, Any] | None = None
    ) -> requests.Session:
        """Return the session every request of this hook goes through, building it on first use.

        ``headers`` and ``extra_options`` apply when the session is built (the
        first call); later calls return the same session unchanged, because
        worker threads share it.
        """
        with self._session_lock:
            if self._session is None:
                self._session = self._build_session(headers or {}, extra_options)
            return self._session

    def _build_session(
        self, headers: dict[Any, Any], extra_options: dict[str, Any] | None
    ) -> requests.Session:
        connection = self.get_connection(self.recruit_ai_conn_id)
        api_key = connection.password
        if not api_key:
            raise AirflowException(
                f"Connection '{self.recruit_ai_conn_id}' has no password: set it to the Recruit AI API key."
            )
        # Registered before any request, so no log line (ours, requests', Airflow's) can carry it.
        mask_secret(api_key)
        session = super().get_conn(headers={**headers, "token": api_key}, extra_options=extra_options)
        # Recruit AI authenticates by the token header only: never send the login as basic auth.
        session.auth = None
        if urlsplit(self.base_url).scheme != "https":
            raise AirflowException(
                f"Connection '{self.recruit_ai_conn_id}': the host must be an https:// URL "
                "(the API key travels in every request)."
            )
        if problem := verification_off(session, self.recruit_ai_conn_id):
            raise AirflowException(problem)
        return session

    def post_record(self, kind: RecordKind, payload: Mapping[str, str]) -> PostOutcome:
        """Post one record, retrying what is transient.

        :param kind: ``"candidate"`` or ``"position"``.
        :param payload: the form fields, all strings (``Attributes`` already JSON).
        :raises RecruitAiAuthError: Recruit AI refused the API key.
        """
        return self._post(kind, payload, threading.Event())

    def post_records(self, kind: RecordKind, payloads: Iterable[Mapping[str, str]]) -> Iterator[PostOutcome]:
        """Post a stream of records, at most ``max_in_flight`` at once; yield one outcome per record.

        Outcomes come in completion order, not input order (one record waiting
        out a ``Retry-After`` does not hold up the others). ``payloads`` is
        read only as fast as requests complete, so it may be a long generator.

        :raises RecruitAiAuthError: Recruit AI refused the API key; nothing more is posted.
        """
        self.get_conn()  # a connection problem surfaces here, before any thread starts
        abort = threading.Event()
        pending: set[Future[PostOutcome]] = set()
        with ThreadPoolExecutor(max_workers=self.max_in_flight, thread_name_prefix="recruit-ai") as pool:
            try:
                for payload in payloads:
                    if len(pending) >= self.max_in_flight:
                        done, pending = wait(pending, return_when=FIRST_COMPLETED)
                        yield from (future.result() for future in done)
                    pending.add(pool.submit(self._post, kind, payload, abort))
                while pending:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    yield from (future.result() for future in done)
            finally:
                # On an error or an abandoned generator: stop retries waiting in other threads.
                abort.set()
                for future in pending:
                    future.cancel()

    def _post(self, kind: RecordKind, payload: Mapping[str, str], abort: threading.Event) -> PostOutcome:
        session = self.get_conn()
        url = self.url_from_endpoint(ENDPOINTS[kind])
        record_id = payload.get(ID_FIELDS[kind], "")
        for attempt in range(1, self.max_attempts + 1):
            outcome, delay = self._attempt(session, url, record_id, payload, attempt)
            if delay is None or attempt == self.max_attempts:
                break
            log.debug(
                "Recruit AI %s %s: %s (attempt %d of %d), retrying in %.1f s",
                kind,
                record_id,
                outcome.http_status or outcome.reason,
                attempt,
                self.max_attempts,
                delay,
            )
            if abort.wait(delay):
                return outcome  # the load is stopping; its caller reports why
        if outcome.status == "failed":
            log.warning(
                "Recruit AI %s %s failed: %s %s", kind, record_id, outcome.http_status, outcome.reason
            )
        return outcome

    def _attempt(
        self, session: requests.Session, url: str, record_id: str, payload: Mapping[str, str], attempt: int
    ) -> tuple[PostOutcome, float | None]:
        """Send the record once; return the outcome and the pause before a retry (None: final)."""
        try:
            # No redirects: a 301/302 would turn the POST into a GET and lose the record.
            response = session.post(url, data=dict(payload), timeout=self.timeout, allow_redirects=False)
        except TRANSIENT_ERRORS as error:
            _refuse_untrusted_certificate(error, url)
            return PostOutcome(record_id, "failed", None, type(error).__name__), self._backoff(attempt)
        status = response.status_code
        if 200 <= status < 300:
            return PostOutcome(record_id, "posted", status, created=_created(response)), None
        if status in (401, 403):
            raise RecruitAiAuthError(
                f"Recruit AI refused the API key of connection '{self.recruit_ai_conn_id}' "
                f"(HTTP {status}). Check that connection's password: it must be the instance's API key."
            )
        reason = _reason(response)
        if status in (429, 503):
            retry_after = self._retry_after(response)
            delay = self._backoff(attempt) if retry_after is None else retry_after
            return PostOutcome(record_id, "failed", status, reason), delay
        if status >= 500:
            return PostOutcome(record_id, "failed", status, reason), self._backoff(attempt)
        # 3xx and other 4xx: the same request would get the same answer.
        return PostOutcome(record_id, "rejected" if status >= 400 else "failed", status, reason), None

    def _backoff(self, attempt: int) -> float:
        return backoff_seconds(attempt, self.backoff_base_seconds, self.backoff_cap_seconds)

    def _retry_after(self, response: requests.Response) -> float | None:
        return retry_after_seconds(response, self.retry_after_cap_seconds)


def _created(response: requests.Response) -> bool | None:
    try:
        body = response.json()
    except ValueError:
        return None
    created = body.get("created") if isinstance(body, dict) else None
    return created if isinstance(created, bool) else None


def _reason(response: requests.Response) -> str:
    """Return Recruit AI's ``message`` for an error (else its status text), cut short."""
    try:
        body = response.json()
    except ValueError:
        body = None
    message = body.get("message") if isinstance(body, dict) else None
    text = str(message) if message else f"HTTP {response.status_code} {response.reason or ''}".strip()
    return text[:MAX_REASON_CHARS]


def _refuse_untrusted_certificate(error: Exception, url: str) -> None:
    """Raise at once when ``error`` is a server certificate this client does not trust (no retry helps)."""
    if message := untrusted_certificate(error, "Recruit AI", url):
        raise AirflowException(message) from None
