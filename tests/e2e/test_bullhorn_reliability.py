"""Several Bullhorn windows in a row, with edits, soft deletes, closed jobs and faults: nothing is lost.

Real Airflow runs (``dag.test()``) against the sandbox Bullhorn and Recruit AI;
what Recruit AI should hold comes from the corporation's own tables.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sandbox.airflow_runs import sync_interval
from sandbox.faults import FaultPlan
from sandbox.recruit_ai.client import RecruitAiSandboxClient
from tests.conftest import ANCHOR
from tests.e2e.test_bullhorn_dag import ALL_CANDIDATES, EMPLOYMENT_TYPES, _iso

HOUR = timedelta(hours=1)
# Every fault the sandbox Bullhorn has, at rates a long run meets: errors and resets on
# every route, cut-off answers, short pages, a 429 burst every 25 calls, and sessions
# that end every 15 calls (so the refresh token is used, and replaced, mid-run).
CHAOS = FaultPlan(
    seed=11,
    error_rate={"*": 0.05},
    reset_rate={"*": 0.03},
    truncate_rate={"query": 0.05, "search": 0.05},
    short_page_rate={"search": 0.2, "query": 0.2},
    rate_limit_every=25,
    rate_limit_burst=2,
    session_expires_after=15,
)


def test_consecutive_windows_with_edits_deletes_and_faults_leave_recruit_ai_equal_to_bullhorn(
    bullhorn_dag: Any, services: Any, recruit_ai: RecruitAiSandboxClient
) -> None:
    org = services.bullhorn_org
    first = ANCHOR + 16 * HOUR  # after the generated history: only what this test changes is in its windows
    touched_candidates: set[int] = set()
    touched_jobs: set[int] = set()
    services.set_bullhorn_faults(CHAOS)
    authorizations = services.bullhorn_state()["calls"].get("authorize", 0)
    for hour in range(3):
        start = first + hour * HOUR
        candidates = services.bullhorn_touch(
            "Candidate", count=30, stamp=start + timedelta(minutes=20), seed=hour + 1, delete=2
        )
        jobs = services.bullhorn_touch(
            "JobOrder", count=6, stamp=start + timedelta(minutes=40), seed=hour + 1, delete=1, close=1
        )
        touched_candidates.update(candidates["ids"])
        touched_jobs.update(jobs["ids"])

        run = sync_interval(bullhorn_dag, start, conf=ALL_CANDIDATES)

        assert run.state == "success", f"hour {hour}"
    services.set_bullhorn_faults(FaultPlan())

    for candidate_id in touched_candidates:
        record, stored = org.tables["Candidate"][candidate_id], recruit_ai.candidate(f"c{candidate_id}")
        assert stored is not None, f"c{candidate_id} was lost"
        assert stored["LastModifiedDate"] == _iso(record["dateLastModified"]), f"c{candidate_id} is stale"
        if record["isDeleted"]:
            assert stored["Attributes"]["Status"] == "Deleted"
        else:
            assert stored["Attributes"].get("Status") == record["status"]
    for job_id in touched_jobs:
        job, stored = org.tables["JobOrder"][job_id], recruit_ai.position(f"p{job_id}")
        assert stored is not None, f"p{job_id} was lost"
        assert stored["LastModifiedDate"] == _iso(job["dateLastModified"]), f"p{job_id} is stale"
        available = (
            job["isOpen"] is True
            and job["isPublic"] == 1
            and not job["isDeleted"]
            and job["employmentType"] in EMPLOYMENT_TYPES
        )
        assert stored["Attributes"]["OpenClosed"] == ("Open" if available else "Closed"), f"p{job_id}"
        if job["isDeleted"]:
            assert stored["Attributes"]["Status"] == "Deleted"
    deleted = [i for i in touched_candidates if org.tables["Candidate"][i]["isDeleted"]]
    assert len(deleted) >= 4, "the sandbox's touch deleted too few candidates to test tombstones"
    # The single-use refresh token was kept between tasks and runs: logins used it, not the password.
    assert services.bullhorn_state()["calls"].get("authorize", 0) - authorizations <= 1
