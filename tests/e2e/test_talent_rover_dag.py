"""talent_rover_to_recruit_ai end to end: real Airflow runs against both sandbox services.

What Recruit AI should hold is worked out from the sandbox org's own tables,
independently of the sync's SOQL and mapping code.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from include.staging import read_json, read_jsonl, run_directory
from sandbox.airflow_runs import sync_interval
from sandbox.recruit_ai.client import RecruitAiSandboxClient
from tests.conftest import ANCHOR
from tests.e2e.conftest import DAG_ID
from tests.e2e.org_model import current_resume_versions, expected, salesforce_calls

HOUR = timedelta(hours=1)
LOOKBACK = timedelta(minutes=5)  # the lookback_minutes default: every window starts this much early


def _summary(run: Any) -> dict[str, Any]:
    return read_json(run_directory(DAG_ID, run.run_id) / "summary.json")


def test_one_interval_syncs_exactly_the_records_changed_in_it(
    dag: Any, services: Any, recruit_ai: RecruitAiSandboxClient
) -> None:
    start = ANCHOR - 3 * HOUR
    window = expected(services.org, start - LOOKBACK, start + HOUR)
    with_resume, without_resume, positions = window.with_resume, window.without_resume, window.positions
    assert with_resume, "the test window should hold candidates with résumés"
    assert without_resume, "the test window should hold candidates without résumés"
    assert positions, "the test window should hold positions"

    used_before = services.salesforce_state()["api_usage"]["used"]
    run = sync_interval(dag, start)
    spent = services.salesforce_state()["api_usage"]["used"] - used_before

    assert run.state == "success"
    # Queries by the page, résumé documents for a whole page of candidates at once, and one
    # download per current résumé: never a query per candidate.
    assert spent == salesforce_calls(services.org, start - LOOKBACK, start + HOUR)
    stored_candidates = {c["CandidateID"]: c for c in recruit_ai.candidates()}
    stored_positions = {p["PositionID"]: p for p in recruit_ai.positions()}
    assert set(stored_candidates) == {
        f"c{contact_id}" for contact_id in with_resume | window.candidate_tombstones
    }
    assert set(stored_positions) == {f"p{job_id}" for job_id in positions | window.position_tombstones}

    versions = current_resume_versions(services.org)
    for contact_id in with_resume:
        record = services.org.tables["Contact"][contact_id]
        stored = stored_candidates[f"c{contact_id}"]
        assert stored["InternalID"] == f"c{contact_id}"
        assert stored.get("FirstName") == record["FirstName"]
        assert stored["LastName"] == record["LastName"]
        assert stored["LastModifiedDate"] == record["LastModifiedDate"].strftime("%Y-%m-%dT%H:%M:%SZ")
        assert stored["Attributes"]["Status"] == record["TR1__Candidate_Status__c"]
        assert "Email" not in stored
        assert "Phone" not in stored
        assert "|" in stored["Resume"]
        assert f"Version {versions[contact_id]}" in stored["Resume"]

    for job_id in positions:
        job = services.org.tables["TR1__Job__c"][job_id]
        stored = stored_positions[f"p{job_id}"]
        assert stored["JobTitle"] == job["Name"]
        expected_open = "Open" if job["TR1__Status__c"] == "Open" else "Closed"
        assert stored["Attributes"]["OpenClosed"] == expected_open
        if job["TR1__Client_Job_Description__c"]:
            assert "<" not in stored["JobDescription"]

    summary = _summary(run)
    rows = {row["object"]: row for row in summary["objects"]}
    assert rows["candidates"]["extracted"] == len(window.candidates)
    assert rows["candidates"]["posted"] == len(with_resume | window.candidate_tombstones)
    assert rows["candidates"]["skipped"] == len(without_resume)
    assert rows["positions"]["posted"] == len(positions)
    assert summary["api_calls"] == spent

    rejects = list(read_jsonl(run_directory(DAG_ID, run.run_id) / "candidate-rejects.jsonl"))
    assert {row["id"] for row in rejects} == without_resume
    assert all(set(row) == {"id", "object", "stage", "reason"} for row in rejects)


def test_next_interval_picks_up_later_changes(
    dag: Any, services: Any, recruit_ai: RecruitAiSandboxClient
) -> None:
    first = ANCHOR - 5 * HOUR
    sync_interval(dag, first)
    before = {c["CandidateID"]: c for c in recruit_ai.candidates()}

    second = first + HOUR
    stamp = second + timedelta(minutes=17)
    touched = services.touch("Contact", count=8, stamp=stamp, seed=42)
    window = expected(services.org, second - LOOKBACK, second + HOUR)
    with_resume, positions = window.with_resume, window.positions
    assert set(touched) & with_resume, "some touched contacts should be candidates with résumés"

    run = sync_interval(dag, second)

    assert run.state == "success"
    after = {c["CandidateID"]: c for c in recruit_ai.candidates()}
    posted = with_resume | window.candidate_tombstones
    assert set(after) == set(before) | {f"c{contact_id}" for contact_id in posted}
    for contact_id in set(touched) & with_resume:
        assert after[f"c{contact_id}"]["LastModifiedDate"] == stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert {p["PositionID"] for p in recruit_ai.positions()} >= {f"p{job_id}" for job_id in positions}


def test_org_over_the_threshold_skips_the_sync(
    dag: Any, services: Any, recruit_ai: RecruitAiSandboxClient
) -> None:
    services.set_api_usage(12_500, 15_000)  # 83 % used; the default threshold is 80 %
    try:
        run = sync_interval(dag, ANCHOR - 7 * HOUR)
        used_after = services.salesforce_state()["api_usage"]["used"]
    finally:
        services.set_api_usage(0)

    assert run.state == "success"
    assert recruit_ai.stats()["candidates"] == recruit_ai.stats()["positions"] == 0
    assert used_after == 12_501, "only the /limits call may be spent"
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    # Only the check, and the staging clean-up (a teardown, which runs whatever happened), ran.
    assert states["check_api_limits"] == states["clean_staging"] == "success"
    assert {states[t] for t in states if t not in ("check_api_limits", "clean_staging")} == {"skipped"}


def test_dry_run_stages_payloads_and_posts_nothing(
    dag: Any, services: Any, recruit_ai: RecruitAiSandboxClient
) -> None:
    start = ANCHOR - 9 * HOUR
    window = expected(services.org, start - LOOKBACK, start + HOUR)

    run = sync_interval(dag, start, conf={"dry_run": True})

    assert run.state == "success"
    assert recruit_ai.stats()["candidates"] == 0
    staged = run_directory(DAG_ID, run.run_id)
    payloads = [row for path in staged.glob("candidate-payloads-*.jsonl") for row in read_jsonl(path)]
    posted = window.with_resume | window.candidate_tombstones
    assert {row["CandidateID"] for row in payloads} == {f"c{contact_id}" for contact_id in posted}
    assert all(json.loads(row["Attributes"]) for row in payloads)
    position_payloads = [row for path in staged.glob("position-payloads-*.jsonl") for row in read_jsonl(path)]
    assert len(position_payloads) == len(window.positions | window.position_tombstones)


def test_candidates_without_resume_are_posted_when_not_required(
    dag: Any, services: Any, recruit_ai: RecruitAiSandboxClient
) -> None:
    start = ANCHOR - 11 * HOUR
    window = expected(services.org, start - LOOKBACK, start + HOUR)
    without_resume = window.without_resume

    run = sync_interval(dag, start, conf={"require_resume": False, "objects": ["candidates"]})

    assert run.state == "success"
    stored = {c["CandidateID"]: c for c in recruit_ai.candidates()}
    assert set(stored) == {f"c{contact_id}" for contact_id in window.candidates}
    assert all(not stored[f"c{contact_id}"].get("Resume") for contact_id in without_resume)
    assert recruit_ai.stats()["positions"] == 0


def test_a_window_synced_again_sends_nothing_unchanged(
    dag: Any, services: Any, recruit_ai: RecruitAiSandboxClient
) -> None:
    from sandbox.airflow_runs import load_dag

    def rows(run: Any) -> dict[str, dict[str, Any]]:
        return {row["object"]: row for row in _summary(run)["objects"]}

    start = ANCHOR - 8 * HOUR
    first = sync_interval(dag, start)
    assert first.state == "success"
    posted = rows(first)["candidates"]["posted"] + rows(first)["positions"]["posted"]
    assert posted > 0
    before = recruit_ai.stats()

    again = sync_interval(load_dag(DAG_ID), start)

    assert again.state == "success"
    second = rows(again)
    assert second["candidates"]["posted"] + second["positions"]["posted"] == 0
    assert second["candidates"]["unchanged"] + second["positions"]["unchanged"] == posted
    assert recruit_ai.stats()["requests"] == before["requests"]


def test_a_manual_run_syncs_the_window_it_asks_for_and_leaves_the_watermark(
    dag: Any, services: Any, recruit_ai: RecruitAiSandboxClient
) -> None:
    from airflow.models import Variable
    from airflow.models.asset import AssetEvent
    from airflow.utils.session import create_session

    start, end = ANCHOR - 16 * HOUR - 20 * timedelta(minutes=1), ANCHOR - 15 * HOUR
    conf = {"window_start": start.isoformat(), "window_end": end.isoformat()}

    run = sync_interval(dag, ANCHOR - 4 * HOUR, conf=conf)

    assert run.state == "success"
    window = expected(services.org, start, end)
    held = {c["CandidateID"] for c in recruit_ai.candidates()}
    assert {f"c{i}" for i in window.with_resume | window.candidate_tombstones} <= held
    rows = {row["object"]: row for row in _summary(run)["objects"]}
    assert rows["candidates"]["window_start"] == start.isoformat()
    assert rows["candidates"]["window_end"] == end.isoformat()
    marks = [
        Variable.get(f"{DAG_ID}.watermark.{name}", default_var=None) for name in ("candidates", "positions")
    ]
    assert all(
        mark is None or json.loads(mark)["through"] <= (ANCHOR - 4 * HOUR).isoformat() for mark in marks
    )
    with create_session() as session:
        events = session.query(AssetEvent).filter(AssetEvent.source_run_id == run.run_id).all()
        updated = {event.asset.name for event in events}
    assert updated == {"recruit_ai_candidates", "recruit_ai_positions"}


def test_a_window_in_the_future_is_refused_with_a_clear_message(dag: Any, services: Any) -> None:
    conf = {"window_start": "2026-11-02T09:00:00Z", "window_end": "2099-01-01T00:00:00Z"}

    run = sync_interval(dag, ANCHOR - 4 * HOUR, conf=conf)

    assert run.state == "failed"
