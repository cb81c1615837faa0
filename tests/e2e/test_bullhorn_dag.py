"""The Bullhorn → Recruit AI DAG, end to end: real Airflow runs against the sandbox Bullhorn and Recruit AI.

What Recruit AI should hold is worked out here from the sandbox corporation's own
tables, independently of the sync's queries and mappings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from include.staging import read_json, read_jsonl, run_directory
from sandbox.airflow_runs import sync_interval
from sandbox.faults import FaultPlan
from sandbox.recruit_ai.client import RecruitAiSandboxClient
from tests.conftest import ANCHOR
from tests.e2e.conftest import BULLHORN_DAG_ID

HOUR = timedelta(hours=1)
LOOKBACK = timedelta(minutes=5)
EMPLOYMENT_TYPES = ("Job Req", "Bench Req")
ALL_CANDIDATES = {"require_resume": False}


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _iso(milliseconds: int) -> str:
    return datetime.fromtimestamp(milliseconds / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Window:
    """The records a window ``[start, end)`` brings, by what should become of them."""

    candidates: set[int] = field(default_factory=set)
    candidate_tombstones: set[int] = field(default_factory=set)
    open_positions: set[int] = field(default_factory=set)
    closed_positions: set[int] = field(default_factory=set)
    deleted_positions: set[int] = field(default_factory=set)


def expected(org: Any, start: datetime, end: datetime) -> Window:
    """Work out a window from the corporation's tables: dateLastModified in [start, end)."""
    low, high = _ms(start), _ms(end)
    window = Window()
    for candidate_id, candidate in org.tables["Candidate"].items():
        if low <= candidate["dateLastModified"] < high:
            (window.candidate_tombstones if candidate["isDeleted"] else window.candidates).add(candidate_id)
    for job_id, job in org.tables["JobOrder"].items():
        if not low <= job["dateLastModified"] < high:
            continue
        if job["isDeleted"]:
            window.deleted_positions.add(job_id)
        elif job["isOpen"] is True and job["isPublic"] == 1 and job["employmentType"] in EMPLOYMENT_TYPES:
            window.open_positions.add(job_id)
        else:
            window.closed_positions.add(job_id)
    return window


def _summary(run: Any) -> dict[str, Any]:
    return read_json(run_directory(BULLHORN_DAG_ID, run.run_id) / "summary.json")


def _rows(run: Any) -> dict[str, dict[str, Any]]:
    return {row["object"]: row for row in _summary(run)["objects"]}


def _calls(services: Any) -> dict[str, int]:
    return dict(services.bullhorn_state()["routes"])


def test_one_interval_reaches_recruit_ai_with_every_record_of_its_window(
    bullhorn_dag: Any, services: Any, recruit_ai: RecruitAiSandboxClient
) -> None:
    org = services.bullhorn_org
    start = ANCHOR - 6 * HOUR
    window = expected(org, start - LOOKBACK, start + HOUR)
    assert len(window.candidates) >= 5, "the sandbox window is too thin to test anything"
    assert window.open_positions or window.closed_positions or window.deleted_positions

    run = sync_interval(bullhorn_dag, start, conf=ALL_CANDIDATES)

    assert run.state == "success"
    held = {c["CandidateID"]: c for c in recruit_ai.candidates() if c["CandidateID"].startswith("c")}
    in_window = {f"c{i}" for i in window.candidates | window.candidate_tombstones}
    assert in_window <= set(held)
    for candidate_id in window.candidates:
        record, stored = org.tables["Candidate"][candidate_id], held[f"c{candidate_id}"]
        assert stored["LastModifiedDate"] == _iso(record["dateLastModified"])
        assert stored.get("FirstName") == record["firstName"]
        attributes = stored["Attributes"]
        assert attributes["BarAdmissions"] == "; ".join(
            item.strip() for item in record["customText2"].split(",") if item.strip()
        )
        answer = record["customText7"].split(" ")[0].strip(" -,").lower()
        assert attributes["VisaSponsorshipNeeded"] == {"yes": True, "no": False}.get(answer)
        if record["address"]["countryID"] is not None and record["address"]["city"]:
            assert attributes.get("Country"), f"c{candidate_id}: country id not turned into a name"
    for candidate_id in window.candidate_tombstones:
        assert held[f"c{candidate_id}"]["Attributes"]["Status"] == "Deleted"
    for job_id in window.open_positions:
        assert recruit_ai.position(f"p{job_id}")["Attributes"]["OpenClosed"] == "Open"  # type: ignore[index]
    for job_id in window.closed_positions | window.deleted_positions:
        stored = recruit_ai.position(f"p{job_id}")
        assert stored is not None, f"p{job_id} left the pool without a tombstone"
        assert stored["Attributes"]["OpenClosed"] == "Closed"
    for job_id in window.deleted_positions:
        assert recruit_ai.position(f"p{job_id}")["Attributes"]["Status"] == "Deleted"  # type: ignore[index]
    rows = _rows(run)
    assert rows["candidates"]["extracted"] == len(in_window)
    assert rows["candidates"]["deleted"] == len(window.candidate_tombstones)


def test_education_and_work_history_cost_two_queries_per_page_not_per_candidate(
    bullhorn_dag: Any, services: Any, recruit_ai: RecruitAiSandboxClient
) -> None:
    org = services.bullhorn_org
    start = ANCHOR - 7 * HOUR
    before = _calls(services)
    run = sync_interval(bullhorn_dag, start, conf=ALL_CANDIDATES)
    spent = {route: count - before.get(route, 0) for route, count in _calls(services).items()}

    assert run.state == "success"
    window = expected(org, start - LOOKBACK, start + HOUR)
    candidates = window.candidates | window.candidate_tombstones
    assert len(candidates) >= 5
    pages = -(-len(candidates) // 200)  # a search asking for description gets at most 200 rows a page
    assert spent["search"] == pages
    # JobOrder pages, then one CandidateEducation and one CandidateWorkHistory query per candidate page.
    assert spent["query"] == 2 * pages + max(1, -(-len(window.open_positions) // 500))
    assert _summary(run)["api_calls"] == sum(spent.values()) - spent.get("ping", 0)
    with_history = [i for i in window.candidates if org.children("CandidateWorkHistory", i) and f"c{i}"]
    assert with_history, "no candidate of the window has a work history"
    stored = recruit_ai.candidate(f"c{with_history[0]}")
    assert stored is not None
    assert stored["Attributes"].get("WorkHistory")


def test_resumes_come_from_the_parsed_description_else_the_resume_file(
    bullhorn_dag: Any, services: Any, recruit_ai: RecruitAiSandboxClient
) -> None:
    org = services.bullhorn_org
    start = ANCHOR - 9 * HOUR
    run = sync_interval(bullhorn_dag, start)
    assert run.state == "success"
    window = expected(org, start - LOOKBACK, start + HOUR)
    staged = _summary_files(run, "candidate-resumes")
    resumes = {row["Id"]: row for path in staged for row in read_jsonl(path)}
    from_description = [i for i in window.candidates if org.tables["Candidate"][i]["description"]]
    from_files = [i for i in window.candidates if not org.tables["Candidate"][i]["description"]]
    assert from_description
    assert from_files
    for candidate_id in from_description:
        assert resumes[str(candidate_id)]["source"] == "description"
        assert recruit_ai.candidate(f"c{candidate_id}")["Resume"]  # type: ignore[index]
    for candidate_id in from_files:
        row = resumes[str(candidate_id)]
        if org.candidate_files(candidate_id):
            assert row.get("source", "").startswith("file") or "reason" in row
        else:
            assert row["reason"] == "no parsed résumé and no résumé file"
            assert recruit_ai.candidate(f"c{candidate_id}") is None
    assert any("text" in resumes[str(i)] for i in from_files), "no résumé file of the window was read"


def test_a_resume_file_already_read_costs_no_download(
    bullhorn_dag: Any, services: Any, recruit_ai: RecruitAiSandboxClient
) -> None:
    org = services.bullhorn_org
    with_files = sorted(
        i
        for i, record in org.tables["Candidate"].items()
        if not record["isDeleted"] and not record["description"] and org.candidate_files(i)
    )[:20]
    assert len(with_files) == 20
    first, second = ANCHOR + 13 * HOUR, ANCHOR + 14 * HOUR  # after the generated history: only these
    for candidate_id in with_files:
        org.update("Candidate", candidate_id, {}, _ms(first + timedelta(minutes=10)))
    before = _calls(services)
    assert sync_interval(bullhorn_dag, first).state == "success"
    cold = {route: count - before.get(route, 0) for route, count in _calls(services).items()}
    texts = {i: (recruit_ai.candidate(f"c{i}") or {}).get("Resume") for i in with_files}

    for candidate_id in with_files:
        org.update("Candidate", candidate_id, {}, _ms(second + timedelta(minutes=10)))
    before = _calls(services)
    assert sync_interval(bullhorn_dag, second).state == "success"
    warm = {route: count - before.get(route, 0) for route, count in _calls(services).items()}

    assert cold["file"] == 20  # each candidate's chosen résumé file, once
    assert warm.get("file", 0) == 0, warm
    assert warm["entity_files"] == 20  # listing a candidate's files is the one call Bullhorn allows
    assert {i: (recruit_ai.candidate(f"c{i}") or {}).get("Resume") for i in with_files} == texts


def _summary_files(run: Any, prefix: str) -> list[Any]:
    directory = run_directory(BULLHORN_DAG_ID, run.run_id)
    return sorted(path for path in directory.iterdir() if path.name.startswith(prefix))


def test_duplicate_applicants_stay_two_candidates(
    bullhorn_dag: Any, services: Any, recruit_ai: RecruitAiSandboxClient
) -> None:
    org = services.bullhorn_org
    by_email: dict[str, list[int]] = {}
    for candidate_id, record in org.tables["Candidate"].items():
        if not record["isDeleted"]:
            by_email.setdefault(record["email"], []).append(candidate_id)
    twins = next(ids for ids in by_email.values() if len(ids) == 2)
    start = ANCHOR + 11 * HOUR
    for candidate_id in twins:
        org.update("Candidate", candidate_id, {}, _ms(start + timedelta(minutes=15)))

    assert sync_interval(bullhorn_dag, start, conf=ALL_CANDIDATES).state == "success"

    stored = [recruit_ai.candidate(f"c{i}") for i in twins]
    assert all(stored), "a duplicate applicant was merged or lost"
    assert stored[0]["CandidateID"] != stored[1]["CandidateID"]  # type: ignore[index]


def test_an_expired_session_mid_run_is_renewed_and_nothing_is_lost(
    bullhorn_dag: Any, services: Any, recruit_ai: RecruitAiSandboxClient
) -> None:
    org = services.bullhorn_org
    start = ANCHOR - 10 * HOUR
    services.set_bullhorn_faults(
        FaultPlan(seed=3, session_expires_after=4, error_rate={"*": 0.05}, reset_rate={"search": 0.1})
    )

    run = sync_interval(bullhorn_dag, start, conf=ALL_CANDIDATES)

    assert run.state == "success"
    window = expected(org, start - LOOKBACK, start + HOUR)
    held = {c["CandidateID"] for c in recruit_ai.candidates()}
    assert {f"c{i}" for i in window.candidates | window.candidate_tombstones} <= held
    assert services.bullhorn_state()["calls"].get("login", 0) >= 2


def test_attributes_are_json_scalars_as_the_contract_says(
    bullhorn_dag: Any, services: Any, recruit_ai: RecruitAiSandboxClient
) -> None:
    start = ANCHOR - 12 * HOUR
    assert sync_interval(bullhorn_dag, start, conf=ALL_CANDIDATES).state == "success"
    for record in [*recruit_ai.candidates(), *recruit_ai.positions()]:
        values = json.loads(json.dumps(record["Attributes"])).values()
        assert all(not isinstance(value, dict | list) for value in values), record["Attributes"]


def test_a_large_window_is_posted_by_one_mapped_task_per_staged_page(
    bullhorn_dag: Any, services: Any, recruit_ai: RecruitAiSandboxClient
) -> None:
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    org = services.bullhorn_org
    # A full resync ending after every change any test makes: the whole corporation in one window.
    run = sync_interval(bullhorn_dag, ANCHOR + 30 * HOUR, conf={**ALL_CANDIDATES, "full_resync": True})

    assert run.state == "success"
    with create_session() as session:
        posts = (
            session.query(TaskInstance)
            .filter(TaskInstance.run_id == run.run_id, TaskInstance.task_id == "sync_candidates")
            .all()
        )
    payload_files = _summary_files(run, "candidate-payloads")
    assert len(posts) == len(payload_files) >= 3, "a 200-row-page window should fan out over several tasks"
    assert {ti.state for ti in posts} == {"success"}
    assert sorted(ti.map_index for ti in posts) == list(range(len(posts)))
    every_candidate = {f"c{i}" for i in org.tables["Candidate"]}
    assert every_candidate <= {c["CandidateID"] for c in recruit_ai.candidates()}
    assert _rows(run)["candidates"]["posted"] == len(every_candidate)
