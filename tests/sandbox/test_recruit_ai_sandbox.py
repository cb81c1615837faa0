"""The sandbox Recruit AI answers as its contract says, tested over HTTPS with plain requests."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests

from sandbox.recruit_ai.server import MAX_BODY_BYTES, Faults, Reply
from tests.sandbox import recruit_ai_fixtures
from tests.sandbox.recruit_ai_fixtures import RunningRecruitAi

# Fixtures are found by module attribute (tests/sandbox/conftest.py is the Salesforce sandbox's).
recruit_ai_server = recruit_ai_fixtures.recruit_ai_server
recruit_ai_sandbox = recruit_ai_fixtures.recruit_ai_sandbox

PROJECT = Path(__file__).resolve().parents[2]
STAMP = "2026-11-02T09:00:00Z"


def candidate(n: int = 1, **fields: str) -> dict[str, str]:
    """A valid candidate form."""
    record_id = f"c003{n:015d}"
    return {"CandidateID": record_id, "InternalID": record_id, "LastModifiedDate": STAMP, **fields}


def position(n: int = 1, **fields: str) -> dict[str, str]:
    """A valid position form."""
    record_id = f"pa0B{n:014d}"
    return {
        "PositionID": record_id,
        "InternalID": record_id,
        "LastModifiedDate": STAMP,
        "JobTitle": "Tax Associate",
        **fields,
    }


@pytest.fixture
def ra(recruit_ai_sandbox: RunningRecruitAi) -> Iterator[Any]:
    """Call the sandbox with a session that trusts its CA and sends its key (override with token=)."""
    session = requests.Session()
    session.verify = str(recruit_ai_sandbox.tls.ca_bundle)
    session.trust_env = False

    def call(method: str, route: str, *, token: str | None = None, **kwargs: Any) -> requests.Response:
        headers = {
            "token": recruit_ai_sandbox.api_key if token is None else token,
            **kwargs.pop("headers", {}),
        }
        return session.request(
            method, f"{recruit_ai_sandbox.url}{route}", headers=headers, timeout=30, **kwargs
        )

    yield call
    session.close()


def test_a_new_candidate_is_stored_with_every_field(ra: Any, recruit_ai_sandbox: RunningRecruitAi) -> None:
    form = candidate(
        FirstName="Zoë",
        LastName="Łukasz",
        Resume="Tax|Audit|王小明",
        CreatedDate="2026-10-01T08:00:00Z",
        Attributes=json.dumps({"Status": "Active", "Experience": "5", "Remote": True, "Fax": None}),
    )
    response = ra("POST", "/public/candidate", data=form)
    assert response.status_code == 200
    assert response.json() == {"status": "stored", "created": True}
    stored = ra("GET", f"/sandbox/candidates/{form['CandidateID']}").json()
    assert stored == {
        **form,
        "Attributes": {"Status": "Active", "Experience": "5", "Remote": True, "Fax": None},
        "post_count": 1,
    }
    assert recruit_ai_sandbox.client.candidates() == [stored]


def test_posting_an_id_again_replaces_the_record(ra: Any) -> None:
    assert ra("POST", "/public/position", data=position(Company="Acme")).json()["created"] is True
    again = ra("POST", "/public/position", data=position(JobTitle="Tax Manager"))
    assert again.json() == {"status": "stored", "created": False}
    stored = ra("GET", "/sandbox/positions").json()
    assert len(stored) == 1
    assert stored[0]["JobTitle"] == "Tax Manager"
    assert "Company" not in stored[0]  # replaced, not merged
    assert stored[0]["post_count"] == 2


def test_candidates_and_positions_are_kept_apart(ra: Any) -> None:
    ra("POST", "/public/candidate", data=candidate(1))
    ra("POST", "/public/position", data=position(1))
    assert [c["CandidateID"] for c in ra("GET", "/sandbox/candidates").json()] == ["c003000000000000001"]
    assert [p["PositionID"] for p in ra("GET", "/sandbox/positions").json()] == ["pa0B00000000000001"]
    assert ra("GET", "/sandbox/positions/c003000000000000001").status_code == 404


@pytest.mark.parametrize("token", ["", "not-the-key"])
@pytest.mark.parametrize(
    ("method", "route"),
    [("POST", "/public/candidate"), ("POST", "/public/position"), ("GET", "/sandbox/candidates")],
)
def test_an_unknown_or_missing_key_is_401(ra: Any, token: str, method: str, route: str) -> None:
    response = ra(method, route, token=token, data=candidate())
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert ra("GET", "/sandbox/stats").json()["candidates"] == 0


@pytest.mark.parametrize(
    ("route", "form", "field"),
    [
        ("/public/candidate", {"CandidateID": "c1", "InternalID": "c1"}, "LastModifiedDate"),
        ("/public/candidate", {"InternalID": "c1", "LastModifiedDate": STAMP}, "CandidateID"),
        ("/public/candidate", candidate(InternalID=""), "InternalID"),
        ("/public/position", {**position(), "JobTitle": " "}, "JobTitle"),
        ("/public/position", {"PositionID": "p1", "InternalID": "p1", "JobTitle": "x"}, "LastModifiedDate"),
        ("/public/candidate", candidate(CandidateID="0031", InternalID="0031"), "CandidateID"),
        ("/public/candidate", candidate(CandidateID="c", InternalID="c"), "CandidateID"),
        ("/public/position", position(PositionID="c12", InternalID="c12"), "PositionID"),
        ("/public/candidate", candidate(InternalID="c999"), "InternalID"),
        ("/public/candidate", candidate(LastModifiedDate="last Tuesday"), "LastModifiedDate"),
        ("/public/position", position(CreatedDate="02/11/2026"), "CreatedDate"),
        ("/public/candidate", candidate(Attributes="{Status: Active}"), "Attributes"),
        ("/public/candidate", candidate(Attributes='["Active"]'), "Attributes"),
        ("/public/position", position(Attributes=""), "Attributes"),
        ("/public/candidate", candidate(Attributes=json.dumps({"Jobs": [{"a": 1}]})), "Attributes"),
    ],
)
def test_a_record_it_cannot_accept_is_400_naming_the_field(
    ra: Any, route: str, form: dict[str, str], field: str
) -> None:
    response = ra("POST", route, data=form)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_record"
    assert field in body["message"]
    stats = ra("GET", "/sandbox/stats").json()
    assert (stats["candidates"], stats["positions"]) == (0, 0)


def test_refusals_name_the_field_but_never_echo_its_value(ra: Any) -> None:
    response = ra("POST", "/public/candidate", data=candidate(LastModifiedDate="Zoë's birthday"))
    assert response.status_code == 400
    assert "Zoë" not in response.text


def test_a_field_given_twice_is_400(ra: Any) -> None:
    body = "CandidateID=c1&InternalID=c1&LastModifiedDate=2026-11-02T09:00:00Z&LastName=A&LastName=B"
    response = ra(
        "POST",
        "/public/candidate",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    assert "LastName" in response.json()["message"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"json": position()},
        {"data": b"PositionID=p1", "headers": {"Content-Type": "text/plain"}},
        {"data": b"PositionID=p1"},  # no Content-Type at all
    ],
)
def test_a_body_that_is_not_form_encoded_is_400(ra: Any, kwargs: dict[str, Any]) -> None:
    response = ra("POST", "/public/position", **kwargs)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_record"
    assert "application/x-www-form-urlencoded" in response.json()["message"]


def test_a_body_of_exactly_5_mib_is_accepted(ra: Any) -> None:
    form = candidate()
    overhead = len(urlencode({**form, "Resume": ""}))
    form["Resume"] = "x" * (MAX_BODY_BYTES - overhead)
    response = ra("POST", "/public/candidate", data=form)
    assert response.request.headers["Content-Length"] == str(MAX_BODY_BYTES)
    assert response.status_code == 200


def test_a_body_over_5_mib_is_413_and_the_connection_still_answers(ra: Any) -> None:
    response = ra("POST", "/public/candidate", data=candidate(Resume="x" * MAX_BODY_BYTES))
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"
    # Same session: the oversized body was drained, not left to corrupt the next request.
    assert ra("POST", "/public/candidate", data=candidate()).status_code == 200
    assert ra("GET", "/sandbox/stats").json()["requests"] == {
        "POST /public/candidate 413": 1,
        "POST /public/candidate 200": 1,
    }


def test_a_body_without_content_length_is_refused(ra: Any) -> None:
    chunks = iter([b"CandidateID=c1&InternalID=c1&", b"LastModifiedDate=2026-11-02T09:00:00Z"])
    response = ra(
        "POST",
        "/public/candidate",
        data=chunks,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    assert response.status_code == 411
    assert ra("GET", "/sandbox/stats").json()["candidates"] == 0


@pytest.mark.parametrize(
    "route", ["/", "/public/candidates", "/public/candidate/c1/{}/{}", "/sandbox", "/sandbox/nothing"]
)
def test_an_unknown_route_is_404(ra: Any, route: str) -> None:
    response = ra("GET", route)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize(
    ("method", "route", "allowed"),
    [
        ("GET", "/public/candidate", "POST"),
        ("PUT", "/public/position", "POST"),
        ("POST", "/sandbox/candidates", "GET"),
        ("DELETE", "/sandbox/positions/p1", "GET"),
        ("GET", "/sandbox/reset", "POST"),
        ("PATCH", "/sandbox/stats", "GET"),
    ],
)
def test_a_wrong_method_is_405(ra: Any, method: str, route: str, allowed: str) -> None:
    response = ra(method, route)
    assert response.status_code == 405
    assert response.headers["Allow"] == allowed
    assert response.json()["error"] == "method_not_allowed"


def test_an_absent_record_is_404(ra: Any, recruit_ai_sandbox: RunningRecruitAi) -> None:
    assert ra("GET", "/sandbox/candidates/c404").status_code == 404
    assert recruit_ai_sandbox.client.candidate("c404") is None
    assert recruit_ai_sandbox.client.position("p404") is None


def test_stats_count_records_and_public_requests_and_reset_empties_both(ra: Any) -> None:
    ra("POST", "/public/candidate", data=candidate(1))
    ra("POST", "/public/candidate", data=candidate(1))
    ra("POST", "/public/candidate", data=candidate(2))
    ra("POST", "/public/position", data=position(1))
    ra("POST", "/public/position", data={"PositionID": "p1"})
    ra("POST", "/public/position", data=position(2), token="wrong")
    ra("GET", "/public/position")
    ra("GET", "/elsewhere")
    ra("GET", "/sandbox/candidates")  # inspection is not counted
    assert ra("GET", "/sandbox/stats").json() == {
        "candidates": 2,
        "positions": 1,
        "requests": {
            "POST /public/candidate 200": 3,
            "POST /public/position 200": 1,
            "POST /public/position 400": 1,
            "POST /public/position 401": 1,
            "GET /public/position 405": 1,
            "GET (unknown route) 404": 1,
        },
    }
    assert ra("POST", "/sandbox/reset").json() == {"status": "reset"}
    assert ra("GET", "/sandbox/stats").json() == {"candidates": 0, "positions": 0, "requests": {}}
    assert ra("GET", "/sandbox/candidates").json() == []


def test_concurrent_posts_of_one_new_id_create_it_once(recruit_ai_sandbox: RunningRecruitAi) -> None:
    def post(n: int) -> bool:
        response = requests.post(
            f"{recruit_ai_sandbox.url}/public/candidate",
            data=candidate(1, Resume=f"version {n}"),
            headers={"token": recruit_ai_sandbox.api_key},
            verify=str(recruit_ai_sandbox.tls.ca_bundle),
            timeout=30,
        )
        assert response.status_code == 200
        return bool(response.json()["created"])

    with ThreadPoolExecutor(max_workers=16) as pool:
        created = list(pool.map(post, range(64)))
    assert created.count(True) == 1
    assert recruit_ai_sandbox.client.candidate("c003000000000000001")["post_count"] == 64  # type: ignore[index]


def test_the_fault_seam_answers_for_the_route(ra: Any, recruit_ai_sandbox: RunningRecruitAi) -> None:
    seen: list[tuple[str, str]] = []

    class Busy(Faults):
        def before(self, method: str, path: str) -> Reply | None:
            seen.append((method, path))
            return Reply(503, {"error": "unavailable", "message": "busy"}, {"Retry-After": "1"})

    recruit_ai_sandbox.server.faults = Busy()
    response = ra("POST", "/public/candidate", data=candidate())
    assert (response.status_code, response.headers["Retry-After"]) == (503, "1")
    assert ra("POST", "/public/candidate", data=candidate(), token="wrong").status_code == 401
    assert seen == [("POST", "/public/candidate")]  # consulted only for authorised requests


def test_certificates_are_verified(recruit_ai_sandbox: RunningRecruitAi) -> None:
    session = requests.Session()
    session.trust_env = False  # the system store only, which does not hold the sandbox CA
    with pytest.raises(requests.exceptions.SSLError):
        session.get(f"{recruit_ai_sandbox.url}/sandbox/stats", timeout=10)
    # A client refusing the certificate does not take the server down.
    assert recruit_ai_sandbox.client.stats()["candidates"] == 0


def test_the_cli_serves_and_prints_its_base_url(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "sandbox.recruit_ai",
        "--port",
        "0",
        "--state-dir",
        str(tmp_path),
        "--api-key",
        "cli-key-0123456789",
    ]
    process = subprocess.Popen(
        command, cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        url = _first_line(process.stdout, timeout=30)
        assert url.startswith("https://127.0.0.1:")
        response = requests.post(
            f"{url}/public/candidate",
            data=candidate(),
            headers={"token": "cli-key-0123456789"},
            verify=str(tmp_path / "sandbox-ca.pem"),
            timeout=10,
        )
        assert response.json() == {"status": "stored", "created": True}
        assert (tmp_path / "recruit-ai.sqlite3").exists()
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.returncode == 0


def _first_line(stream: Any, timeout: float) -> str:
    """Read one line from a pipe, giving up after ``timeout`` seconds."""
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    if not lines:
        pytest.fail(f"no base URL printed within {timeout} s")
    return lines[0].strip()
