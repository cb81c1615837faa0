"""Recruit AI access: post candidates and positions, one record per request.

``RecruitAiHook`` is the http provider's ``HttpHook`` on connection
``recruit_ai_default`` (host: the instance's base URL; password: its API key,
sent in the ``token`` header). Recruit AI takes one form-encoded record per
request, so throughput comes from a bounded number of requests in flight over
one reused connection pool.

Outcomes: ``posted`` (2xx), ``rejected`` (a 4xx other than 401/403/429: the
record itself is refused, with Recruit AI's reason), ``failed`` (still a 429,
5xx, timeout or connection error after bounded retries). A 401/403 stops the
load at once: a bad API key is not transient.
"""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import requests
from airflow.providers.http.hooks.http import HttpHook
from airflow.sdk.exceptions import AirflowException
from airflow.sdk.log import mask_secret
from requests.adapters import HTTPAdapter

RecordKind = Literal["candidate", "position"]
ID_FIELDS: dict[str, str] = {"candidate": "CandidateID", "position": "PositionID"}
MAX_RETRY_AFTER_SECONDS = 60.0


@dataclass(frozen=True)
class PostOutcome:
    """What happened to one posted record. ``reason`` never holds record content."""

    record_id: str
    status: Literal["posted", "rejected", "failed"]
    http_status: int | None
    reason: str = ""
    created: bool | None = None


class RecruitAiAuthError(AirflowException):
    """Recruit AI refused the API key: stop, this is not transient."""


class RecruitAiHook(HttpHook):
    """Post records to a Recruit AI instance.

    :param recruit_ai_conn_id: connection to the instance (see README).
    :param timeout: seconds allowed for each request.
    :param max_in_flight: requests in flight at once in ``post_records``.
    :param max_attempts: tries per record before it counts as failed.
    """

    conn_name_attr = "recruit_ai_conn_id"
    default_conn_name = "recruit_ai_default"
    conn_type = "http"
    hook_name = "Recruit AI"

    def __init__(
        self,
        recruit_ai_conn_id: str = default_conn_name,
        *,
        timeout: float = 30.0,
        max_in_flight: int = 4,
        max_attempts: int = 5,
        backoff_seconds: float = 1.0,
    ) -> None:
        super().__init__(method="POST", http_conn_id=recruit_ai_conn_id)
        self.recruit_ai_conn_id = recruit_ai_conn_id
        self.timeout = timeout
        self.max_in_flight = max(1, max_in_flight)
        self.max_attempts = max(1, max_attempts)
        self.backoff_seconds = backoff_seconds

    @cached_property
    def _session(self) -> requests.Session:
        connection = self.get_connection(self.recruit_ai_conn_id)
        if not connection.password:
            raise AirflowException(f"Connection '{self.recruit_ai_conn_id}' has no password (the API key)")
        mask_secret(connection.password)
        self._set_base_url(connection)
        session = requests.Session()
        session.headers["token"] = connection.password
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=self.max_in_flight)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    def get_conn(
        self, headers: dict[Any, Any] | None = None, extra_options: dict[str, Any] | None = None
    ) -> requests.Session:
        """Return the one session this hook posts through, built on first use."""
        session = self._session
        if headers:
            session.headers.update(headers)
        return session

    def post_record(self, kind: RecordKind, payload: Mapping[str, str]) -> PostOutcome:
        """Post one record, retrying what is transient; raise ``RecruitAiAuthError`` on 401/403."""
        session = self.get_conn()
        url = f"{self.base_url.rstrip('/')}/public/{kind}"
        record_id = str(payload.get(ID_FIELDS[kind], "?"))
        outcome = PostOutcome(record_id, "failed", None, "not attempted")
        for attempt in range(1, self.max_attempts + 1):
            wait = self._backoff(attempt)
            try:
                response = session.post(url, data=payload, timeout=self.timeout)
            except requests.RequestException as error:
                outcome = PostOutcome(record_id, "failed", None, type(error).__name__)
            else:
                if response.status_code < 300:
                    return PostOutcome(record_id, "posted", response.status_code, created=_created(response))
                if response.status_code in (401, 403):
                    raise RecruitAiAuthError(
                        f"Recruit AI refused the API key of connection '{self.recruit_ai_conn_id}' "
                        f"(HTTP {response.status_code}). Check that connection's password."
                    )
                reason = _reason(response)
                if response.status_code < 500 and response.status_code != 429:
                    return PostOutcome(record_id, "rejected", response.status_code, reason)
                outcome = PostOutcome(record_id, "failed", response.status_code, reason)
                wait = _retry_after(response) or wait
            if attempt < self.max_attempts:
                time.sleep(wait)
        return outcome

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter."""
        return random.uniform(0, self.backoff_seconds * 2 ** (attempt - 1))  # noqa: S311 - jitter, not crypto

    def post_records(self, kind: RecordKind, payloads: Iterable[Mapping[str, str]]) -> Iterator[PostOutcome]:
        """Post a stream of records with at most ``max_in_flight`` requests at once; yield outcomes in order.

        The stream is consumed as requests complete, never all at once.
        """
        in_flight: deque[Future[PostOutcome]] = deque()
        with ThreadPoolExecutor(max_workers=self.max_in_flight, thread_name_prefix="recruit-ai") as pool:
            try:
                for payload in payloads:
                    if len(in_flight) >= self.max_in_flight:
                        yield in_flight.popleft().result()
                    in_flight.append(pool.submit(self.post_record, kind, payload))
                while in_flight:
                    yield in_flight.popleft().result()
            finally:
                for future in in_flight:
                    future.cancel()


def _created(response: requests.Response) -> bool | None:
    try:
        created = response.json().get("created")
    except (ValueError, AttributeError):
        return None
    return created if isinstance(created, bool) else None


def _reason(response: requests.Response) -> str:
    """Recruit AI's own message for an error, cut short."""
    try:
        body = response.json()
        text = f"{body.get('error', '')}: {body.get('message', '')}".strip(": ")
    except (ValueError, AttributeError):
        text = response.reason or ""
    return f"HTTP {response.status_code} {text}"[:300]


def _retry_after(response: requests.Response) -> float | None:
    """Seconds to wait from ``Retry-After``, capped; None when absent or a date."""
    value = response.headers.get("Retry-After", "")
    try:
        return min(max(float(value), 0.0), MAX_RETRY_AFTER_SECONDS)
    except ValueError:
        return None
