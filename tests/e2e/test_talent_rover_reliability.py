"""The Talent Rover sync loses nothing: deletes, résumé changes, skipped and failed runs,
the API limit mid-sync, backfills, bad records, and a chaos run with the sandbox's faults on.

Real Airflow runs (``dag.test()``) against both sandbox services; what Recruit AI
should hold comes from the org's own tables (``org_model``).
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timedelta
from typing import Any

import pytest

from include.staging import read_json, read_jsonl, run_directory
from sandbox.airflow_runs import sync_interval
from sandbox.faults import FaultPlan
from sandbox.recruit_ai.client import RecruitAiSandboxClient
from tests.conftest import ANCHOR
from tests.e2e.conftest import DAG_ID
from tests.e2e.org_model import Expected, expected

HOUR = timedelta(hours=1)
LOOKBACK = timedelta(minutes=5)
LIVE_STATUSES = ("Active", "Passive", "Placed")


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _summary(run: Any) -> dict[str, Any]:
    return read_json(run_directory(DAG_ID, run.run_id) / "summary.json")


def _rows(run: Any) -> dict[str, dict[str, Any]]:
    return {row["object"]: row for row in _summary(run)["objects"]}


def _live_candidates(org: Any, *, with_resume: bool | None = None) -> list[str]:
    documents = {
        document["TR1__Contact__c"]
        for document in org.tables["TR1__ContactDocument__c"].values()
        if document["TR1__Type__c"] == "Resume" and not document["IsDeleted"]
    }
    return sorted(
        contact_id
        for contact_id, contact in org.tables["Contact"].items()
        if not contact["IsDeleted"]
        and contact["TR1__Candidate_Status__c"] in LIVE_STATUSES
        and (with_resume is None or (contact_id in documents) == with_resume)
    )


def _watermark(name: str) -> datetime | None:
    from airflow.models import Variable

    from include.window import read_watermark

    class Store:
        get = staticmethod(lambda key, default=None: Variable.get(key, default_var=default))

    return read_watermark(Store(), f"{DAG_ID}.watermark.{name}")  # type: ignore[arg-type]


def assert_recruit_ai_holds(
    recruit_ai: RecruitAiSandboxClient, org: Any, window: Expected, positions_window: Expected | None = None
) -> None:
    """Recruit AI holds exactly the window's records, each in its latest version, tombstones included.

    ``positions_window`` is the positions' own window, when it differs from the candidates'.
    """
    candidates = {c["CandidateID"]: c for c in recruit_ai.candidates()}
    positions = {p["PositionID"]: p for p in recruit_ai.positions()}
    assert set(candidates) == {f"c{i}" for i in window.with_resume | window.candidate_tombstones}
    window_of_positions = positions_window or window
    assert set(positions) == {
        f"p{i}" for i in window_of_positions.positions | window_of_positions.position_tombstones
    }
    for contact_id in window.with_resume:
        stored, record = candidates[f"c{contact_id}"], org.tables["Contact"][contact_id]
        assert stored["LastModifiedDate"] == _iso(record["LastModifiedDate"]), contact_id
        assert stored["Attributes"]["Status"] == record["TR1__Candidate_Status__c"]
        assert stored["Resume"]
    for contact_id in window.candidate_tombstones:
        stored = candidates[f"c{contact_id}"]
        assert stored["Attributes"] == {"Status": "Deleted"}
        assert stored["LastModifiedDate"] == _iso(org.tables["Contact"][contact_id]["SystemModstamp"])
    for job_id in window_of_positions.positions:
        stored, job = positions[f"p{job_id}"], org.tables["TR1__Job__c"][job_id]
        assert stored["LastModifiedDate"] == _iso(job["LastModifiedDate"])
        assert stored["Attributes"]["Status"] == job["TR1__Status__c"]
    for job_id in window_of_positions.position_tombstones:
        assert positions[f"p{job_id}"]["Attributes"] == {"OpenClosed": "Closed", "Status": "Deleted"}


def test_deletes_and_former_candidates_become_tombstones(
    dag: Any, services: Any, recruit_ai: RecruitAiSandboxClient
) -> None:
    start = ANCHOR - 13 * HOUR
    stamp = start + timedelta(minutes=20)
    org = services.org
    deleted, former = _live_candidates(org, with_resume=True)[:2]
    org.delete("Contact", [deleted], stamp)
    org.update("Contact", [former], {"TR1__Candidate_Status__c": "Not Applicable"}, stamp)
    open_jobs = sorted(i for i, job in org.tables["TR1__Job__c"].items() if job["TR1__Status__c"] == "Open")
    gone, closed = open_jobs[:2]
    org.delete("TR1__Job__c", [gone], stamp)
    org.update("TR1__Job__c", [closed], {"TR1__Status__c": "Closed"}, stamp)

    run = sync_interval(dag, start)

    assert run.state == "success"
    window = expected(org, start - LOOKBACK, start + HOUR)
    assert {deleted, former} <= window.candidate_tombstones
    assert gone in window.position_tombstones
    assert_recruit_ai_holds(recruit_ai, org, window)
    assert recruit_ai.position(f"p{closed}")["Attributes"]["OpenClosed"] == "Closed"  # type: ignore[index]
    rows = _rows(run)
    assert rows["candidates"]["deleted"] == len(window.candidate_tombstones) >= 2
    assert rows["positions"]["deleted"] == len(window.position_tombstones) >= 1


def test_a_resume_change_alone_syncs_the_candidate(
    dag: Any, services: Any, recruit_ai: RecruitAiSandboxClient
) -> None:
    start = ANCHOR - 14 * HOUR
    org = services.org
    contact_id = next(
        i
        for i in _live_candidates(org, with_resume=True)
        if org.tables["Contact"][i]["SystemModstamp"] < start - HOUR
    )
    document_id = next(
        i
        for i, document in org.tables["TR1__ContactDocument__c"].items()
        if document["TR1__Contact__c"] == contact_id and document["TR1__Type__c"] == "Resume"
    )
    org.update("TR1__ContactDocument__c", [document_id], {}, start + timedelta(minutes=30))

    run = sync_interval(dag, start)

    assert run.state == "success"
    stored = recruit_ai.candidate(f"c{contact_id}")
    assert stored is not None, "the candidate whose résumé changed was not synced"
    assert stored["Resume"]
    assert stored["LastModifiedDate"] == _iso(org.tables["Contact"][contact_id]["LastModifiedDate"])
    assert_recruit_ai_holds(recruit_ai, org, expected(org, start - LOOKBACK, start + HOUR))


def test_a_skipped_interval_is_recovered_by_the_next_run(
    dag: Any, services: Any, recruit_ai: RecruitAiSandboxClient
) -> None:
    first = ANCHOR - 17 * HOUR
    assert sync_interval(dag, first).state == "success"
    services.set_api_usage(12_500, 15_000)
    skipped = sync_interval(dag, first + HOUR)
    services.set_api_usage(0)
    assert {ti.task_id for ti in skipped.get_task_instances() if ti.state == "success"} == {
        "check_api_limits",
        "clean_staging",  # a teardown: it runs whatever happened
    }

    assert sync_interval(dag, first + 2 * HOUR).state == "success"

    assert_recruit_ai_holds(
        recruit_ai, services.org, expected(services.org, first - LOOKBACK, first + 3 * HOUR)
    )
    assert _watermark("candidates") == first + 3 * HOUR


def test_the_limit_running_out_mid_sync_is_completed_by_the_next_run(
    dag: Any, services: Any, recruit_ai: RecruitAiSandboxClient
) -> None:
    start = ANCHOR - 19 * HOUR
    services.set_api_usage(12_000 - 12, 15_000)  # the 80 % threshold is 12,000: 12 calls left

    stopped = sync_interval(dag, start)

    assert stopped.state == "success", "reaching the limit is a clean stop, not a failure"
    assert services.salesforce_state()["api_usage"]["used"] <= 12_000, "a call was made past the threshold"
    rows = _rows(stopped)
    assert not rows["candidates"]["complete"]
    assert rows["candidates"]["deferred"] > 0
    # Salesforce's last word, plus any résumé download still awaiting its answer, reached 12,000.
    reason = rows["candidates"]["stopped"]
    assert re.search(r"usage is 1(1\d{3}|2000) of 15000 .*max_api_usage_pct=80", reason), reason
    held = recruit_ai.stats()["candidates"]
    assert 0 < held < len(expected(services.org, start - LOOKBACK, start + HOUR).with_resume)

    services.set_api_usage(0)
    resumed = sync_interval(dag, start + HOUR)

    assert resumed.state == "success"
    # The next run starts where this one stopped (less the lookback), not at its own interval.
    resume_from = datetime.fromisoformat(rows["candidates"]["resume_from"])
    assert _rows(resumed)["candidates"]["window_start"] == (resume_from - LOOKBACK).isoformat()
    org, end = services.org, start + 2 * HOUR
    positions = expected(org, start - LOOKBACK, end)  # their window was covered whole
    assert_recruit_ai_holds(recruit_ai, org, expected(org, resume_from - LOOKBACK, end), positions)


def test_the_run_budget_stops_cleanly_and_the_next_run_goes_on(
    dag: Any, services: Any, recruit_ai: RecruitAiSandboxClient
) -> None:
    start = ANCHOR - 21 * HOUR
    used = services.salesforce_state()["api_usage"]["used"]

    stopped = sync_interval(dag, start, conf={"max_api_calls_per_run": 8})

    assert services.salesforce_state()["api_usage"]["used"] - used == 8
    assert _summary(stopped)["api_calls"] == 8
    candidates = _rows(stopped)["candidates"]
    assert not candidates["complete"]
    assert "budget" in candidates["stopped"]

    # dag.test's conf stays in the DAG object's params: give the next run the default budget back.
    assert sync_interval(dag, start + HOUR, conf={"max_api_calls_per_run": 5000}).state == "success"
    org, end = services.org, start + 2 * HOUR
    resume_from = datetime.fromisoformat(candidates["resume_from"] or candidates["window_start"])
    positions = expected(org, start - LOOKBACK, end)
    assert_recruit_ai_holds(
        recruit_ai, org, expected(org, min(start, resume_from) - LOOKBACK, end), positions
    )


def test_a_backfill_after_newer_runs_regresses_nothing(
    dag: Any, services: Any, recruit_ai: RecruitAiSandboxClient
) -> None:
    old, new = ANCHOR - 23 * HOUR, ANCHOR - 22 * HOUR
    org = services.org
    moved = next(
        i
        for i in _live_candidates(org, with_resume=True)
        if old <= org.tables["Contact"][i]["SystemModstamp"] < new
    )
    stamp = new + timedelta(minutes=10)
    org.update("Contact", [moved], {"Title": "Managing Partner"}, stamp)

    assert sync_interval(dag, new).state == "success"
    assert sync_interval(dag, old).state == "success"  # the backfill, run after the newer interval

    stored = recruit_ai.candidate(f"c{moved}")
    assert stored is not None
    assert stored["JobTitle"] == "Managing Partner"
    assert stored["LastModifiedDate"] == _iso(stamp)
    assert _watermark("candidates") == new + HOUR, "the backfill moved the watermark back"
    assert_recruit_ai_holds(recruit_ai, org, expected(org, old - LOOKBACK, new + HOUR))


def test_a_bad_record_is_reported_and_the_rest_goes_through(
    dag: Any, services: Any, recruit_ai: RecruitAiSandboxClient
) -> None:
    start = ANCHOR - 12 * HOUR
    org = services.org
    window = expected(org, start - LOOKBACK, start + HOUR)
    bad = sorted(window.positions)[0]
    org.update("TR1__Job__c", [bad], {"Name": "   "}, start + timedelta(minutes=30))

    run = sync_interval(dag, start)

    assert run.state == "failed", "one position in a handful is over max_reject_pct=1"
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states["report"] == "failed"
    assert {states[t] for t in states if t != "report"} == {"success"}
    rejects = list(read_jsonl(run_directory(DAG_ID, run.run_id) / "position-rejects.jsonl"))
    assert rejects == [
        {"id": bad, "object": "position", "stage": "map", "reason": "JobTitle: required value is missing"}
    ]
    window.positions.discard(bad)
    assert_recruit_ai_holds(recruit_ai, org, window)
    assert _watermark("positions") == start + HOUR, "reported rejects are not re-synced for ever"


def test_a_failed_run_leaves_its_window_to_the_next_run(
    dag: Any, services: Any, recruit_ai: RecruitAiSandboxClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = ANCHOR - 10 * HOUR
    connection = json.loads(os.environ["AIRFLOW_CONN_RECRUIT_AI_DEFAULT"])
    monkeypatch.setenv("AIRFLOW_CONN_RECRUIT_AI_DEFAULT", json.dumps({**connection, "password": "revoked"}))
    failed = sync_interval(dag, start)
    assert failed.state == "failed"
    assert _watermark("candidates") == start, "the failed run must not move the watermark past its window"
    monkeypatch.setenv("AIRFLOW_CONN_RECRUIT_AI_DEFAULT", json.dumps(connection))

    assert sync_interval(dag, start + HOUR).state == "success"

    assert_recruit_ai_holds(
        recruit_ai, services.org, expected(services.org, start - LOOKBACK, start + 2 * HOUR)
    )


CHAOS = FaultPlan(
    seed=5,
    error_rate={"*": 0.05},
    reset_rate={"*": 0.03},
    truncate_rate={"query": 0.05, "query_more": 0.05, "limits": 0.05},
    latency_ms={"*": 5},
    rate_limit_every=40,
    rate_limit_burst=2,
    retry_after_seconds=1,
    session_expires_after=20,
    query_timeout_over_hours=0.5,
)
CHAOS_RECRUIT_AI = FaultPlan(
    seed=6, error_rate={"*": 0.05}, reset_rate={"*": 0.03}, rate_limit_every=30, rate_limit_burst=2
)


def test_chaos_consecutive_intervals_with_faults_lose_nothing(
    retrying_dag: Any, services: Any, recruit_ai: RecruitAiSandboxClient
) -> None:
    # With the DAG's task retries: a record can still fail all of the hook's tries under
    # this much chaos, and then its task's retry is what recovers it.
    dag = retrying_dag
    first = ANCHOR - 4 * HOUR
    org = services.org
    services.set_faults(CHAOS, recruit_ai_plan=CHAOS_RECRUIT_AI)
    for hour in range(4):
        start = first + hour * HOUR
        # Changes land in the interval about to run: edits, a deleted candidate, a deleted job.
        stamp = start + timedelta(minutes=7 + hour)
        services.touch("Contact", count=6, stamp=stamp, seed=100 + hour)
        org.delete("Contact", _live_candidates(org, with_resume=True)[hour : hour + 1], stamp)
        org.delete(
            "TR1__Job__c",
            sorted(i for i, j in org.tables["TR1__Job__c"].items() if not j["IsDeleted"])[:1],
            stamp,
        )
        run = sync_interval(dag, start)
        assert run.state == "success", f"interval {hour} failed under faults"

    services.set_faults(FaultPlan())
    window = expected(org, first - LOOKBACK, first + 4 * HOUR)
    assert len(window.candidates) > 80
    assert_recruit_ai_holds(recruit_ai, org, window)
