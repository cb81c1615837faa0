"""talent_rover_to_recruit_ai under a real scheduler: scheduled, backfilled, retried and triggered runs.

The tests run in file order against one deployment, as an operator would:
unpause (the latest interval runs, through a task retry), backfill the hours
before it, trigger two runs at once. The last test checks what Recruit AI
holds, record by record, against every run's window, with the org model of
tests/e2e (independent of the sync's SOQL and mapping code).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from sandbox.faults import FaultPlan
from talent_rover_hook import TalentRoverHook
from tests.e2e.org_model import expected
from tests.scheduler.conftest import DAG_ID, Deployment
from tests.scheduler.rest import FINISHED
from tests.scheduler.stack import wait_until

HOUR = timedelta(hours=1)
LOOKBACK = timedelta(minutes=5)  # the lookback_minutes default: every window starts this much early
RUN_TIMEOUT = 150.0  # seconds for one run of eight tasks, each a fresh process, on two cores


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _runs(deployment: Deployment, run_type: str) -> list[dict[str, Any]]:
    return [run for run in deployment.api.runs(DAG_ID) if run["run_type"] == run_type]


def _finished(deployment: Deployment, run_type: str, count: int, timeout: float) -> list[dict[str, Any]]:
    """Wait until ``count`` runs of ``run_type`` exist and have all finished; return them, oldest first."""

    def done() -> list[dict[str, Any]] | None:
        deployment.stack.check_running()
        runs = _runs(deployment, run_type)
        return runs if len(runs) >= count and all(run["state"] in FINISHED for run in runs) else None

    return wait_until(done, timeout, f"{count} {run_type} run(s) to finish")


def _assert_succeeded(deployment: Deployment, runs: list[dict[str, Any]]) -> None:
    """Every run succeeded; else name the tasks that did not (their logs are under the tier's home)."""
    for run in runs:
        tasks = deployment.api.task_instances(DAG_ID, run["dag_run_id"])
        unsuccessful = {name: ti["state"] for name, ti in tasks.items() if ti["state"] != "success"}
        assert run["state"] == "success", f"{run['dag_run_id']} {run['state']}: {unsuccessful}"


def _assert_serialised(runs: list[dict[str, Any]]) -> None:
    """Each run started after the one before it ended."""
    spans = sorted((_instant(run["start_date"]), _instant(run["end_date"])) for run in runs)
    for (_, earlier_end), (later_start, _) in pairwise(spans):
        assert later_start >= earlier_end, f"runs overlapped: {spans}"


def test_unpausing_runs_the_latest_interval_and_retries_a_failed_task(deployment: Deployment) -> None:
    calls_before = sum(deployment.services.salesforce_state()["calls_by_route"].values())
    # Salesforce's /limits answers 5xx beyond the hook's own retries: the first task fails.
    deployment.services.set_faults(FaultPlan(error_rate={"limits": 1.0}), recruit_ai_plan=FaultPlan())
    deployment.api.set_paused(DAG_ID, False)

    def first_try_failed() -> bool:
        deployment.stack.check_running()
        runs = _runs(deployment, "scheduled")
        if not runs:
            return False
        check = deployment.api.task_instances(DAG_ID, runs[0]["dag_run_id"]).get("check_api_limits", {})
        return check.get("state") == "up_for_retry" or check.get("try_number", 0) > 1

    wait_until(first_try_failed, RUN_TIMEOUT, "check_api_limits to fail its first try", interval=0.5)
    deployment.services.set_faults(FaultPlan())  # the outage ends; the scheduler's retry goes through

    (run,) = _finished(deployment, "scheduled", 1, RUN_TIMEOUT)
    _assert_succeeded(deployment, [run])
    # catchup=False: only the latest whole hour, none of the hours before it.
    start, end = _instant(run["data_interval_start"]), _instant(run["data_interval_end"])
    assert end - start == HOUR
    assert end >= deployment.hour
    tasks = deployment.api.task_instances(DAG_ID, run["dag_run_id"])
    assert {ti["state"] for ti in tasks.values()} == {"success"}
    assert tasks["check_api_limits"]["try_number"] >= 2
    assert all(ti["try_number"] == 1 for name, ti in tasks.items() if name != "check_api_limits")
    # The failed tries' calls count against the run's budget too (Airflow clears a retried
    # task's XComs): the report's figure is every call Salesforce served, plus the /limits
    # calls of the failed tries, which the sandbox answered with a fault without counting
    # them (the hook counts every call sent: it may have counted in Salesforce).
    served = sum(deployment.services.salesforce_state()["calls_by_route"].values()) - calls_before
    refused = (tasks["check_api_limits"]["try_number"] - 1) * TalentRoverHook.max_attempts
    summary = deployment.api.xcom(DAG_ID, run["dag_run_id"], "report")
    assert summary["api_calls"] == served + refused


def test_a_backfill_of_past_hours_runs_each_interval(deployment: Deployment) -> None:
    first, last = deployment.hour - 4 * HOUR, deployment.hour - 2 * HOUR
    deployment.api.backfill(DAG_ID, first, last)

    runs = _finished(deployment, "backfill", 3, 3 * RUN_TIMEOUT)

    _assert_succeeded(deployment, runs)
    intervals = sorted((_instant(r["data_interval_start"]), _instant(r["data_interval_end"])) for r in runs)
    assert intervals == [(first + n * HOUR, first + (n + 1) * HOUR) for n in range(3)]
    _assert_serialised(runs)


def test_two_triggered_runs_are_serialised(deployment: Deployment) -> None:
    # A logical date each (as the trigger form sets it): a manual run without one has no data
    # interval, and the sync refuses to run without one.
    now = datetime.now(UTC)
    first = deployment.api.trigger(DAG_ID, now - timedelta(seconds=2))
    second = deployment.api.trigger(DAG_ID, now - timedelta(seconds=1))

    def both_finished() -> list[dict[str, Any]] | None:
        deployment.stack.check_running()
        runs = {run["dag_run_id"]: run for run in _runs(deployment, "manual")}
        # max_active_runs=1: never both running at once.
        assert sum(run["state"] == "running" for run in runs.values()) <= 1
        pair = [runs[first["dag_run_id"]], runs[second["dag_run_id"]]]
        return pair if all(run["state"] in FINISHED for run in pair) else None

    runs = wait_until(both_finished, 2 * RUN_TIMEOUT, "both triggered runs to finish")
    _assert_succeeded(deployment, runs)
    _assert_serialised(runs)


def _settled(deployment: Deployment) -> list[dict[str, Any]] | None:
    """Every run of the DAG, once none is queued or running."""
    deployment.stack.check_running()
    runs = deployment.api.runs(DAG_ID)
    return runs if all(run["state"] in FINISHED for run in runs) else None


def _assert_contiguous(windows: list[tuple[datetime, datetime]], start: datetime, end: datetime) -> None:
    """The windows together cover ``[start, end)`` with no gap, and nothing before ``start``."""
    windows = sorted(windows)
    assert windows[0][0] == start
    reached = start
    for window_start, window_end in windows:
        assert window_start <= reached, f"nothing covered [{reached}, {window_start})"
        reached = max(reached, window_end)
    assert reached >= end


def test_recruit_ai_holds_each_covered_record_posted_once(deployment: Deployment) -> None:
    runs = wait_until(lambda: _settled(deployment), RUN_TIMEOUT, "every run to finish")
    deployment.api.set_paused(DAG_ID, True)
    assert len(runs) >= 6
    candidates: Counter[str] = Counter()
    positions: Counter[str] = Counter()
    windows: dict[str, list[tuple[datetime, datetime]]] = {"candidates": [], "positions": []}
    unchanged: Counter[str] = Counter()
    for run in runs:
        summary = deployment.api.xcom(DAG_ID, run["dag_run_id"], "report")
        rows = {row["object"]: row for row in summary["objects"]}
        # The UI shows the summary on the run: the report set it as the note, through the REST API.
        note = run["note"] or ""
        assert note.startswith("| object | extracted | created |"), run["dag_run_id"]
        assert f"Salesforce API calls: {summary['api_calls']:,} spent" in note
        for name, counts in (("candidates", candidates), ("positions", positions)):
            row = rows[name]
            assert row["complete"], f"{run['dag_run_id']} did not cover its {name} window"
            start, end = _instant(row["window_start"]), _instant(row["window_end"])
            assert end == _instant(run["data_interval_end"])
            windows[name].append((start, end))
            unchanged[name] += row["unchanged"]
            # Which records the window holds, by the org model.
            window = expected(deployment.services.org, start, end)
            if name == "candidates":
                counts.update(f"c{i}" for i in window.with_resume | window.candidate_tombstones)
            else:
                counts.update(f"p{i}" for i in window.positions | window.position_tombstones)
    # The backfill's first hour, less the lookback, up to the latest hour: no gap in between.
    for covered in windows.values():
        _assert_contiguous(covered, deployment.hour - 4 * HOUR - LOOKBACK, deployment.hour)

    stored_candidates = {c["CandidateID"]: c["post_count"] for c in deployment.recruit_ai.candidates()}
    stored_positions = {p["PositionID"]: p["post_count"] for p in deployment.recruit_ai.positions()}
    assert len(stored_candidates) >= 30, "the windows should hold a good share of the org"
    assert max(candidates.values()) > 1, "overlapping windows should cover some records again"
    # The org does not change under this tier, so a record covered by several windows is posted
    # by the first and found unchanged by the others (the posted ledger): one post each.
    assert stored_candidates == dict.fromkeys(candidates, 1)
    assert stored_positions == dict.fromkeys(positions, 1)
    assert unchanged["candidates"] == candidates.total() - len(candidates)
    assert unchanged["positions"] == positions.total() - len(positions)
    # Nothing ran while we read: the counts belong to exactly these runs.
    assert [run["dag_run_id"] for run in deployment.api.runs(DAG_ID)] == [run["dag_run_id"] for run in runs]
