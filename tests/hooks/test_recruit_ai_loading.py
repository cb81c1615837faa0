"""RecruitAiHook against the sandbox Recruit AI, over HTTPS on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import os
from typing import Any

import pytest
import requests

from recruit_ai_hook import RecruitAiAuthError, RecruitAiHook
from sandbox.recruit_ai.client import RecruitAiSandboxClient


def _candidate(n: int, **extra: str) -> dict[str, str]:
    return {
        "CandidateID": f"c003{n:015d}",
        "InternalID": f"c003{n:015d}",
        "LastName": "Ñúñez",
        "LastModifiedDate": "2026-11-02T09:00:00Z",
        "Attributes": json.dumps({"Status": "Active"}),
        **extra,
    }


def test_posts_create_then_replace_by_id(recruit_ai: RecruitAiSandboxClient) -> None:
    hook = RecruitAiHook()
    first = hook.post_record("candidate", _candidate(1))
    again = hook.post_record("candidate", _candidate(1, LastName="Smith"))
    assert (first.status, first.created) == ("posted", True)
    assert (again.status, again.created) == ("posted", False)
    stored = recruit_ai.candidate("c003000000000000001")
    assert stored is not None
    assert stored["LastName"] == "Smith"
    assert stored["Attributes"] == {"Status": "Active"}
    assert stored["post_count"] == 2


def test_refused_records_are_rejected_with_the_servers_reason(recruit_ai: RecruitAiSandboxClient) -> None:
    hook = RecruitAiHook()
    missing = hook.post_record("position", {"PositionID": "p1", "InternalID": "p1", "LastModifiedDate": "x"})
    assert missing.status == "rejected"
    assert missing.http_status == 400
    assert "JobTitle" in missing.reason
    too_large = hook.post_record("candidate", _candidate(2, Resume="x" * (6 * 1024 * 1024)))
    assert (too_large.status, too_large.http_status) == ("rejected", 413)
    assert recruit_ai.stats()["candidates"] == 0


def test_many_records_with_bounded_concurrency(recruit_ai: RecruitAiSandboxClient) -> None:
    hook = RecruitAiHook(max_in_flight=4)
    outcomes = list(hook.post_records("candidate", (_candidate(n) for n in range(200))))
    assert [o.record_id for o in outcomes] == [f"c003{n:015d}" for n in range(200)]
    assert {o.status for o in outcomes} == {"posted"}
    assert recruit_ai.stats()["candidates"] == 200
    assert recruit_ai.stats()["requests"]["POST /public/candidate 200"] == 200


def test_bad_api_key_stops_with_a_clear_error_and_no_leak(
    services: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    connection = json.loads(os.environ["AIRFLOW_CONN_RECRUIT_AI_DEFAULT"])
    connection["password"] = "wrong-key-0123456789"
    monkeypatch.setenv("AIRFLOW_CONN_RECRUIT_AI_STALE", json.dumps(connection))
    caplog.set_level(logging.DEBUG)
    with pytest.raises(RecruitAiAuthError, match=r"recruit_ai_stale.*HTTP 401.*password"):
        list(RecruitAiHook("recruit_ai_stale").post_records("candidate", [_candidate(3)]))
    assert "wrong-key-0123456789" not in caplog.text


def test_certificates_are_verified(services: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    outcome = RecruitAiHook(max_attempts=1).post_record("candidate", _candidate(4))
    assert outcome.status == "failed"
    assert outcome.reason == requests.exceptions.SSLError.__name__
