"""The sandbox Bullhorn's limits, faults, admin routes and generator."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import requests

from sandbox.bullhorn.org import generate_org, to_epoch_ms
from sandbox.faults import FaultPlan
from tests.sandbox.conftest import BULLHORN_ANCHOR, RunningBullhorn


@pytest.fixture
def bullhorn_small(bullhorn_fresh: Callable[..., RunningBullhorn]) -> RunningBullhorn:
    """A private server over a small corporation."""
    return bullhorn_fresh()


def test_calls_over_the_minute_limit_get_429_without_retry_after(bullhorn_small: RunningBullhorn) -> None:
    login = bullhorn_small.login()
    bullhorn_small.admin("POST", "settings", {"calls_per_minute": 5})
    statuses = [login.session.get(f"{login.rest_url}ping", timeout=10) for _ in range(7)]
    assert [response.status_code for response in statuses] == [200] * 5 + [429] * 2
    assert "Retry-After" not in statuses[-1].headers
    assert statuses[-1].json()["errorCode"] == 429
    state = bullhorn_small.admin("GET", "state")
    assert state["calls"]["rest"] == 7
    assert state["calls"]["rate_limited"] == 2
    assert state["calls"]["login"] == 1
    assert state["routes"]["ping"] == 7


def test_fault_plan_errors_truncation_and_bursts(bullhorn_small: RunningBullhorn) -> None:
    login = bullhorn_small.login()
    url = f"{login.rest_url}search/Candidate"
    params = {"query": "isDeleted:0", "fields": "id"}
    bullhorn_small.admin("POST", "faults", FaultPlan(error_rate={"search": 1.0}).to_json())
    assert login.session.get(url, params=params, timeout=10).status_code in (500, 503)
    bullhorn_small.admin("POST", "faults", FaultPlan(truncate_rate={"search": 1.0}).to_json())
    with pytest.raises(requests.JSONDecodeError):
        login.session.get(url, params=params, timeout=10).json()
    bullhorn_small.admin("POST", "faults", FaultPlan(rate_limit_every=2, rate_limit_burst=1).to_json())
    statuses = [login.session.get(url, params=params, timeout=10).status_code for _ in range(4)]
    assert statuses == [200, 429, 200, 429]
    bullhorn_small.admin("POST", "faults", FaultPlan(short_page_rate={"search": 1.0}).to_json())
    page = login.session.get(url, params={**params, "count": 5}, timeout=10).json()
    assert page["count"] == 4
    assert len(page["data"]) == 4
    bullhorn_small.admin("POST", "faults", FaultPlan().to_json())
    assert bullhorn_small.admin("GET", "faults") == FaultPlan().to_json()


def test_sessions_expire_after_n_calls(bullhorn_small: RunningBullhorn) -> None:
    login = bullhorn_small.login()
    bullhorn_small.admin("POST", "faults", FaultPlan(session_expires_after=3).to_json())
    statuses = [login.session.get(f"{login.rest_url}ping", timeout=10).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 401]


def test_bad_fault_plans_are_refused(bullhorn_small: RunningBullhorn) -> None:
    response = bullhorn_small.session().post(
        f"{bullhorn_small.url}/sandbox/faults", json={"nope": 1}, timeout=10
    )
    assert response.status_code == 400


def test_touch_stamps_deletes_and_closes(bullhorn_small: RunningBullhorn) -> None:
    stamp = BULLHORN_ANCHOR + timedelta(minutes=5)
    body = {"entity": "JobOrder", "count": 4, "stamp": stamp.isoformat(), "delete": 1, "close": 2}
    changed = bullhorn_small.admin("POST", "touch", body)
    assert len(changed["ids"]) == 4
    for job_id in changed["ids"]:
        job = bullhorn_small.org.get("JobOrder", job_id)
        assert job["dateLastModified"] == to_epoch_ms(stamp)
        assert job["isDeleted"] == (job_id in changed["deleted"])
        if job_id in changed["closed"]:
            assert job["isOpen"] is False
            assert job["dateClosed"] == to_epoch_ms(stamp)


def test_the_generator_is_deterministic_and_realistic() -> None:
    spread = timedelta(hours=24)
    first = generate_org(120, seed=3, anchor=BULLHORN_ANCHOR, spread=spread)
    second = generate_org(120, seed=3, anchor=BULLHORN_ANCHOR, spread=spread)
    other = generate_org(120, seed=4, anchor=BULLHORN_ANCHOR, spread=spread)
    assert first.tables == second.tables
    assert first.tables != other.tables
    assert [f.name for files in first.files.values() for f in files] == [
        f.name for files in second.files.values() for f in files
    ]
    candidates = first.rows("Candidate")
    low, high = to_epoch_ms(BULLHORN_ANCHOR - spread), to_epoch_ms(BULLHORN_ANCHOR)
    assert all(low <= c["dateLastModified"] < high for c in candidates)
    assert all(c["dateAdded"] < c["dateLastModified"] for c in candidates)
    assert len({c["email"] for c in candidates}) < len(candidates), "some people applied twice"
    assert any(not c["name"].isascii() for c in candidates)
    assert any(c["isDeleted"] for c in candidates)
    assert any(not c["description"] for c in candidates)
    dates = [
        row["startDate"] for row in first.rows("CandidateEducation") + first.rows("CandidateWorkHistory")
    ]
    assert min(dates) < 0, "some education or work began before 1970"
    assert {job["isPublic"] for job in first.rows("JobOrder")} <= {-1, 0, 1}
