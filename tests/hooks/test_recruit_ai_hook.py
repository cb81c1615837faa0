"""RecruitAiHook against the real sandbox Recruit AI over HTTPS on 127.0.0.1; nothing patched.

The connection comes from ``AIRFLOW_CONN_RECRUIT_AI_DEFAULT`` as JSON and the
sandbox CA from ``REQUESTS_CA_BUNDLE``, as users configure them. Faults are
injected through the sandbox's own ``Faults`` seam.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from airflow.sdk import BaseHook
from airflow.sdk._shared.secrets_masker import redact  # the masker airflow.sdk.log.mask_secret feeds
from airflow.sdk.exceptions import AirflowException

from recruit_ai_hook import PostOutcome, RecruitAiAuthError, RecruitAiHook
from sandbox.recruit_ai.server import Faults, Reply
from tests.sandbox import recruit_ai_fixtures
from tests.sandbox.recruit_ai_fixtures import RunningRecruitAi

# Fixtures are found by module attribute.
recruit_ai_server = recruit_ai_fixtures.recruit_ai_server
recruit_ai_sandbox = recruit_ai_fixtures.recruit_ai_sandbox
recruit_ai_connection = recruit_ai_fixtures.recruit_ai_connection

STAMP = "2026-11-02T09:00:00Z"


def candidate(n: int, **fields: str) -> dict[str, str]:
    """A candidate payload as the mapping produces it."""
    record_id = f"c003{n:015d}"
    return {
        "CandidateID": record_id,
        "InternalID": record_id,
        "FirstName": "Zoë",
        "LastName": "Ñúñez",
        "LastModifiedDate": STAMP,
        "Attributes": json.dumps({"Status": "Active", "Location": "Kraków, PL"}),
        **fields,
    }


def position(n: int, **fields: str) -> dict[str, str]:
    """A position payload as the mapping produces it."""
    record_id = f"pa0B{n:014d}"
    return {
        "PositionID": record_id,
        "InternalID": record_id,
        "JobTitle": "Tax Associate",
        "LastModifiedDate": STAMP,
        "Attributes": json.dumps({"OpenClosed": "Open"}),
        **fields,
    }


def fast_retries(hook: RecruitAiHook) -> RecruitAiHook:
    """Shrink the hook's backoff so retry tests take milliseconds."""
    hook.backoff_base_seconds = 0.01
    hook.retry_after_cap_seconds = 0.05
    return hook


class Script(Faults):
    """Answer the first requests with the given replies, then let the routes answer."""

    def __init__(self, *replies: Reply) -> None:
        self.replies = list(replies)
        self.lock = threading.Lock()

    def before(self, method: str, path: str) -> Reply | None:
        """Pop the next scripted reply, if any."""
        with self.lock:
            return self.replies.pop(0) if self.replies else None


def busy(status: int, retry_after: str | None = None) -> Reply:
    """A transient error reply."""
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return Reply(status, {"error": "busy", "message": f"try later ({status})"}, headers)


def test_the_connection_comes_from_the_environment_outside_a_task(
    recruit_ai_connection: RunningRecruitAi,
) -> None:
    connection = BaseHook.get_connection("recruit_ai_default")
    assert (connection.conn_type, connection.host) == ("http", recruit_ai_connection.url)
    assert connection.password == recruit_ai_connection.api_key


def test_the_session_is_built_once_with_the_token_and_a_pool_for_the_workers(
    recruit_ai_connection: RunningRecruitAi, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A login must not turn into basic auth: Recruit AI authenticates by the token header alone.
    monkeypatch.setenv("AIRFLOW_CONN_RECRUIT_AI_DEFAULT", recruit_ai_connection.connection_json(login="ops"))
    hook = RecruitAiHook(max_in_flight=6)
    session = hook.get_conn()
    assert hook.get_conn() is session
    assert session.headers["token"] == recruit_ai_connection.api_key
    assert session.auth is None
    adapter: Any = session.get_adapter(recruit_ai_connection.url)
    assert adapter.poolmanager.connection_pool_kw["maxsize"] == 6
    assert hook.post_record("candidate", candidate(1)).status == "posted"


def test_records_are_created_then_updated_with_every_field_stored(
    recruit_ai_connection: RunningRecruitAi,
) -> None:
    hook = RecruitAiHook()
    first = list(hook.post_records("candidate", [candidate(1), candidate(2), candidate(3)]))
    again = hook.post_record("candidate", candidate(2, LastName="Smith", Resume="Tax|Audit"))
    positions = list(hook.post_records("position", [position(1)]))

    assert sorted(first, key=lambda o: o.record_id) == [
        PostOutcome(f"c003{n:015d}", "posted", 200, created=True) for n in (1, 2, 3)
    ]
    assert again == PostOutcome("c003000000000000002", "posted", 200, created=False)
    assert positions == [PostOutcome("pa0B00000000000001", "posted", 200, created=True)]

    client = recruit_ai_connection.client
    assert client.candidate("c003000000000000002") == {
        **candidate(2, LastName="Smith", Resume="Tax|Audit"),
        "Attributes": {"Status": "Active", "Location": "Kraków, PL"},
        "post_count": 2,
    }
    assert client.position("pa0B00000000000001")["Attributes"] == {"OpenClosed": "Open"}  # type: ignore[index]
    assert client.stats() == {
        "candidates": 3,
        "positions": 1,
        "requests": {"POST /public/candidate 200": 4, "POST /public/position 200": 1},
    }


def test_a_record_recruit_ai_refuses_is_rejected_with_its_reason(
    recruit_ai_connection: RunningRecruitAi,
) -> None:
    outcome = RecruitAiHook().post_record("position", position(1, JobTitle=""))
    assert outcome == PostOutcome(
        "pa0B00000000000001", "rejected", 400, "missing required field(s): JobTitle", None
    )
    # Not retried: the same record would be refused again.
    assert recruit_ai_connection.client.stats()["requests"] == {"POST /public/position 400": 1}


def test_a_6_mib_resume_is_rejected_as_too_large(recruit_ai_connection: RunningRecruitAi) -> None:
    hook = RecruitAiHook()
    outcome = hook.post_record("candidate", candidate(1, Resume="x" * (6 * 1024 * 1024)))
    assert (outcome.status, outcome.http_status) == ("rejected", 413)
    assert "5242880" in outcome.reason
    assert hook.post_record("candidate", candidate(2)).status == "posted"  # the session still works
    assert [c["CandidateID"] for c in recruit_ai_connection.client.candidates()] == ["c003000000000000002"]


def test_a_wrong_key_stops_the_load_naming_the_connection(
    recruit_ai_connection: RunningRecruitAi, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong_key = "wrong-key-0123456789abcdef"
    monkeypatch.setenv(
        "AIRFLOW_CONN_RECRUIT_AI_STALE", recruit_ai_connection.connection_json(password=wrong_key)
    )
    hook = RecruitAiHook("recruit_ai_stale")
    pulled: list[int] = []

    def payloads() -> Iterator[dict[str, str]]:
        for n in range(1000):
            pulled.append(n)
            yield candidate(n)

    with pytest.raises(RecruitAiAuthError, match=r"'recruit_ai_stale'.*HTTP 401.*password") as raised:
        list(hook.post_records("candidate", payloads()))
    assert wrong_key not in str(raised.value)
    assert len(pulled) < 20  # stopped at once, not after trying every record
    with pytest.raises(RecruitAiAuthError):
        hook.post_record("candidate", candidate(1))
    assert recruit_ai_connection.client.stats()["candidates"] == 0


def test_a_403_is_an_auth_error_too(recruit_ai_connection: RunningRecruitAi) -> None:
    recruit_ai_connection.server.faults = Script(Reply(403, {"error": "forbidden", "message": "no"}))
    with pytest.raises(RecruitAiAuthError, match="recruit_ai_default"):
        RecruitAiHook().post_record("candidate", candidate(1))


def test_200_records_with_at_most_4_in_flight_all_arrive(recruit_ai_connection: RunningRecruitAi) -> None:
    class Gauge(Faults):
        """Measure how many requests the server is handling at once."""

        def __init__(self) -> None:
            self.active = self.peak = 0
            self.lock = threading.Lock()

        def before(self, method: str, path: str) -> Reply | None:
            with self.lock:
                self.active += 1
                self.peak = max(self.peak, self.active)
            time.sleep(0.005)
            with self.lock:
                self.active -= 1
            return None

    gauge = Gauge()
    recruit_ai_connection.server.faults = gauge
    pulled = 0

    def payloads() -> Iterator[dict[str, str]]:
        nonlocal pulled
        for n in range(200):
            pulled += 1
            yield candidate(n)

    outcomes: list[PostOutcome] = []
    for outcome in RecruitAiHook(max_in_flight=4).post_records("candidate", payloads()):
        outcomes.append(outcome)
        # The stream is read as requests complete, never far ahead.
        assert pulled - len(outcomes) <= 4
    assert sorted(o.record_id for o in outcomes) == [f"c003{n:015d}" for n in range(200)]
    assert {(o.status, o.created) for o in outcomes} == {("posted", True)}
    assert 2 <= gauge.peak <= 4
    stats = recruit_ai_connection.client.stats()
    assert (stats["candidates"], stats["requests"]) == (200, {"POST /public/candidate 200": 200})


def test_429_and_503_wait_out_retry_after_then_post(recruit_ai_connection: RunningRecruitAi) -> None:
    recruit_ai_connection.server.faults = Script(
        busy(429, "0"), busy(503, "3600"), busy(429), busy(429, "Wed, 21 Oct 2015 07:28:00 GMT")
    )
    started = time.monotonic()
    outcome = fast_retries(RecruitAiHook()).post_record("candidate", candidate(1))
    assert time.monotonic() - started < 5  # a one-hour Retry-After is capped
    assert (outcome.status, outcome.created) == ("posted", True)
    assert recruit_ai_connection.client.stats()["requests"] == {
        "POST /public/candidate 429": 3,
        "POST /public/candidate 503": 1,
        "POST /public/candidate 200": 1,
    }


def test_a_server_error_that_persists_fails_after_max_attempts(
    recruit_ai_connection: RunningRecruitAi,
) -> None:
    recruit_ai_connection.server.faults = Script(*[busy(500)] * 10)
    hook = fast_retries(RecruitAiHook(max_attempts=3))
    outcomes = list(hook.post_records("candidate", [candidate(1)]))
    assert outcomes == [PostOutcome("c003000000000000001", "failed", 500, "try later (500)")]
    assert recruit_ai_connection.client.stats()["requests"] == {"POST /public/candidate 500": 3}


def test_a_server_error_that_clears_is_retried(recruit_ai_connection: RunningRecruitAi) -> None:
    recruit_ai_connection.server.faults = Script(busy(502), busy(500))
    outcome = fast_retries(RecruitAiHook()).post_record("position", position(1))
    assert outcome.status == "posted"


def test_timeouts_are_retried_then_fail(recruit_ai_connection: RunningRecruitAi) -> None:
    class Slow(Faults):
        def before(self, method: str, path: str) -> Reply | None:
            time.sleep(0.6)
            return None

    recruit_ai_connection.server.faults = Slow()
    outcome = fast_retries(RecruitAiHook(timeout=0.2, max_attempts=2)).post_record("candidate", candidate(1))
    assert outcome == PostOutcome("c003000000000000001", "failed", None, "ReadTimeout")
    # The server finishes both attempts late; wait for them so they do not land in the next test.
    deadline = time.monotonic() + 10
    while recruit_ai_connection.client.stats()["requests"].get("POST /public/candidate 200") != 2:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_connection_errors_are_retried_then_fail(
    recruit_ai_connection: RunningRecruitAi, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    monkeypatch.setenv(
        "AIRFLOW_CONN_RECRUIT_AI_DEFAULT",
        recruit_ai_connection.connection_json(host=f"https://127.0.0.1:{closed_port}"),
    )
    outcome = fast_retries(RecruitAiHook(max_attempts=2)).post_record("candidate", candidate(1))
    assert outcome == PostOutcome("c003000000000000001", "failed", None, "ConnectionError")


def test_certificates_are_verified(
    recruit_ai_connection: RunningRecruitAi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    with pytest.raises(AirflowException, match="REQUESTS_CA_BUNDLE"):
        RecruitAiHook(max_attempts=1).post_record("candidate", candidate(1))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password": None}, "no password"),
        ({"extra": {"verify": False}}, "REQUESTS_CA_BUNDLE"),
        ({"host": "http://127.0.0.1:1"}, "https://"),
    ],
)
def test_unsafe_or_incomplete_connections_are_refused(
    recruit_ai_connection: RunningRecruitAi,
    monkeypatch: pytest.MonkeyPatch,
    overrides: dict[str, Any],
    message: str,
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_RECRUIT_AI_DEFAULT", recruit_ai_connection.connection_json(**overrides))
    with pytest.raises(AirflowException, match=message):
        list(RecruitAiHook().post_records("candidate", [candidate(1)]))
    assert recruit_ai_connection.client.stats()["requests"] == {}


def test_an_abandoned_stream_stops_promptly(recruit_ai_connection: RunningRecruitAi) -> None:
    outcomes = RecruitAiHook(max_in_flight=4).post_records("candidate", (candidate(n) for n in range(10_000)))
    next(outcomes)
    outcomes.close()
    assert recruit_ai_connection.client.stats()["candidates"] <= 8


def test_the_api_key_never_reaches_the_logs(
    recruit_ai_connection: RunningRecruitAi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    recruit_ai_connection.server.faults = Script(busy(503, "0"), busy(500))
    hook = fast_retries(RecruitAiHook())
    outcomes = list(
        hook.post_records("candidate", [candidate(1), candidate(2, CandidateID="x2"), candidate(3)])
    )
    assert sorted(o.status for o in outcomes) == ["posted", "posted", "rejected"]
    assert caplog.records  # requests, urllib3 and the hook did log
    assert recruit_ai_connection.api_key not in caplog.text
    assert "Zoë" not in caplog.text  # nor record content
    # Registered with Airflow's secrets masker, so task logs redact it wherever it might appear.
    assert recruit_ai_connection.api_key not in redact(f"token={recruit_ai_connection.api_key}")
