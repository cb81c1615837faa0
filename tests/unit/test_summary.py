"""The run summary: figures gathered from the tasks' manifests, the log's text and the run's note."""

from __future__ import annotations

from typing import Any

from include.summary import run_summary, summary_note, summary_text, too_many_rejects

WINDOW = {
    "window_start": "2026-11-23T08:55:00+00:00",
    "window_end": "2026-11-23T10:00:00+00:00",
    "complete": True,
}
PULLED: dict[str, dict[str, Any]] = {
    "extract_candidates": {"records": 120, "progress": WINDOW},
    "load_candidates": {
        "posted": 90,
        "created": 60,
        "updated": 30,
        "unchanged": 19,
        "stale": 2,
        "deleted": 3,
        "skipped": 4,
        # Refused by the mapping and by Recruit AI alike, summed over the pages.
        "rejected": 3,
        "rejects_file": "candidate-rejects.jsonl",
    },
    "extract_positions": {
        "records": 7,
        "progress": {
            **WINDOW,
            "complete": False,
            "stopped": "api limit",
            "resume_from": "2026-11-23T09:30:00Z",
        },
    },
    "load_positions": {"posted": 7, "created": 7},
}


def test_the_summary_sums_what_each_task_reported() -> None:
    summary = run_summary(PULLED, api_calls=41, max_api_calls=5000, allowance=(14_200, 15_000))
    candidates, positions = summary["objects"]
    assert candidates["object"] == "candidates"
    assert (candidates["extracted"], candidates["created"], candidates["updated"]) == (120, 60, 30)
    assert (candidates["unchanged"], candidates["stale"], candidates["deleted"]) == (19, 2, 3)
    assert candidates["rejected"] == 3
    assert candidates["rejects_files"] == ["candidate-rejects.jsonl"]
    assert positions["complete"] is False
    assert (summary["api_calls"], summary["api_calls_left"]) == (41, 4959)
    assert (summary["daily_calls_left"], summary["daily_calls_max"]) == (800, 15_000)


def test_an_ats_without_a_daily_allowance_reports_only_the_runs_budget() -> None:
    summary = run_summary({}, api_calls=6000, max_api_calls=5000)
    assert summary["api_calls_left"] == 0
    assert summary["daily_calls_left"] is None
    text = summary_text(summary, "Bullhorn")
    assert "Bullhorn API calls: 6,000 spent, 0 left of the run's max_api_calls_per_run" in text
    assert "a day" not in text


def test_the_log_text_shows_the_table_windows_and_calls() -> None:
    text = summary_text(run_summary(PULLED, 41, max_api_calls=5000, allowance=(14_200, 15_000)), "Salesforce")
    header, _rule, candidates, positions, *rest = text.splitlines()
    assert header.split()[:4] == ["object", "extracted", "posted", "created"]
    assert candidates.split()[:4] == ["candidates", "120", "90", "60"]
    assert positions.startswith("positions")
    assert rest[0] == "candidates: window [2026-11-23T08:55:00+00:00, 2026-11-23T10:00:00+00:00), covered"
    assert rest[1].startswith("positions: window")
    assert "stopped (api limit); resumes from" in rest[1]
    assert rest[2] == (
        "Salesforce API calls: 41 spent, 4,959 left of the run's max_api_calls_per_run; "
        "800 left of the org's 15,000 a day"
    )


def test_the_note_is_a_markdown_table_airflow_can_store() -> None:
    note = summary_note(run_summary(PULLED, 41, max_api_calls=5000, allowance=(14_200, 15_000)), "Salesforce")
    lines = note.splitlines()
    assert lines[0] == (
        "| object | extracted | created | updated | unchanged | stale | rejected | deleted | window |"
    )
    assert set(lines[1]) == {"|", "-"}
    assert (
        lines[2] == "| candidates | 120 | 60 | 30 | 19 | 2 | 3 | 3 | 2026-11-23 08:55Z → 2026-11-23 10:00Z |"
    )
    assert lines[3].endswith("| 2026-11-23 08:55Z → 2026-11-23 10:00Z (stopped) |")
    assert lines[-1].startswith("Salesforce API calls: 41 spent")
    assert len(note) < 1000


def test_a_full_resync_window_starts_at_the_beginning() -> None:
    pulled = {"extract_candidates": {"records": 1, "progress": {**WINDOW, "window_start": None}}}
    note = summary_note(run_summary(pulled, 1, max_api_calls=10), "Salesforce")
    assert "| the beginning → 2026-11-23 10:00Z |" in note


def test_rejects_over_the_threshold_name_the_object_and_the_file() -> None:
    summary = run_summary(PULLED, 41, max_api_calls=5000)
    assert too_many_rejects(summary, max_reject_pct=5) is None
    problem = too_many_rejects(summary, max_reject_pct=1)
    assert problem is not None
    assert problem.startswith("3 of 120 candidates rejected (2.5%, over max_reject_pct=1%)")
    assert "candidate-rejects.jsonl" in problem
