"""The DAG as Airflow parses it: no import errors, the interface users rely on, a light parse."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from airflow.sdk import CronDataIntervalTimetable

from sandbox.airflow_runs import load_dag

PROJECT = Path(__file__).resolve().parent.parent


def test_talent_rover_dag_keeps_its_public_interface() -> None:
    dag = load_dag("talent_rover_to_recruit_ai")
    assert isinstance(dag.timetable, CronDataIntervalTimetable)
    assert dag.timetable.expression == "0 * * * *"
    assert str(dag.timetable.timezone) == "UTC"
    assert not dag.catchup
    assert dag.params.dump() == {
        "objects": ["candidates", "positions"],
        "max_api_usage_pct": 80,
        "max_api_calls_per_run": 5000,
        "lookback_minutes": 5,
        "max_reject_pct": 1,
        "dry_run": False,
        "require_resume": True,
        "full_resync": False,
        "window_start": None,
        "window_end": None,
        "recruit_ai_requests_in_flight": 8,
        "max_resume_bytes": 10 * 1024 * 1024,
        "staging_retention_days": 7,
        "bulk_threshold": 10_000,
    }
    assert dag.doc_md.strip().startswith("### Talent Rover → Recruit AI")
    assert all(task.retries >= 2 for task in dag.tasks)
    assert {task.task_id for task in dag.tasks} >= {"check_api_limits", "sync_candidates", "report"}


def test_bullhorn_dag_keeps_its_public_interface() -> None:
    dag = load_dag("bullhorn_to_recruit_ai")
    assert isinstance(dag.timetable, CronDataIntervalTimetable)
    assert dag.timetable.expression == "0 * * * *"
    assert str(dag.timetable.timezone) == "UTC"
    assert not dag.catchup
    assert dag.params.dump() == {
        "objects": ["candidates", "positions"],
        "max_api_calls_per_run": 5000,
        "lookback_minutes": 5,
        "max_reject_pct": 1,
        "dry_run": False,
        "require_resume": True,
        "full_resync": False,
        "window_start": None,
        "window_end": None,
        "recruit_ai_requests_in_flight": 8,
        "max_resume_bytes": 10 * 1024 * 1024,
        "staging_retention_days": 7,
        "employment_types": ["Job Req", "Bench Req"],
    }
    assert dag.doc_md.strip().startswith("### Bullhorn → Recruit AI")
    assert all(task.retries >= 2 for task in dag.tasks)
    assert {task.task_id for task in dag.tasks} >= {"check_bullhorn", "sync_candidates", "report"}


@pytest.mark.parametrize("dag_file", ["talent_rover_to_recruit_ai.py", "bullhorn_to_recruit_ai.py"])
def test_parsing_a_dag_file_imports_no_client_or_extraction_library(dag_file: str) -> None:
    # Only the Params module may be imported at parse time (it imports nothing but Param).
    probe = (
        "import runpy, sys; runpy.run_path(sys.argv[1]); "
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'simple_salesforce', 'pypdf', 'docx', 'lxml', 'talent_rover_hook', 'recruit_ai_hook', "
        "'bullhorn_hook', 'include'} and m not in ('include', 'include.sync_dag'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(PROJECT / "dags" / dag_file)],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT,
    )
    assert result.stdout.strip() == ""


def test_each_dag_file_parses_in_under_a_second_by_airflows_own_statistics() -> None:
    # The statistics the dag-processor keeps per file (DagBag.dagbag_stats, which
    # `airflow dags report` prints), from a fresh process so that nothing is pre-imported.
    probe = (
        "import json, sys; from airflow.dag_processing.dagbag import DagBag; "
        "bag = DagBag(dag_folder=sys.argv[1]); "
        "print(json.dumps({'errors': sorted(bag.import_errors), 'stats': "
        "[[s.file, s.duration.total_seconds(), s.dag_num] for s in bag.dagbag_stats]}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(PROJECT / "dags")],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["errors"] == []
    stats = {Path(file).name: (seconds, dags) for file, seconds, dags in report["stats"]}
    assert set(stats) == {path.name for path in (PROJECT / "dags").glob("*.py")}
    for name, (seconds, dags) in stats.items():
        assert dags == 1, name
        assert seconds < 1.0, f"{name} took {seconds:.2f} s to parse"
