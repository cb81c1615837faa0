"""
### Talent Rover → Recruit AI

Every hour, the candidates and positions that changed in Talent Rover during the
run's data interval are posted to Recruit AI.

```
check_api_limits ─┬─ extract_candidates ─ fetch_resumes ─ map_candidates ─ load_candidates ─┬─ report
                  └─ extract_positions ──────────────────── map_positions ── load_positions ─┘
```

* **check_api_limits** stops the run (everything is skipped) when the org's daily API
  usage has reached `max_api_usage_pct`: the firm's own Salesforce users share that allowance.
* **extract_*** stage the records whose `SystemModstamp` lies in the data interval,
  page by page, selecting only the fields the mappings in `include/mappings/talent_rover/` name.
* **fetch_resumes** finds each candidate's current résumé (many candidates per query)
  and extracts its text: Recruit AI matches on it.
* **map_*** turn records into Recruit AI payloads; records that cannot be mapped go
  to the rejects file with a reason.
* **load_*** post the payloads (or, with `dry_run`, only stage them).
* **report** logs a summary table and the API calls the run spent.

Connections: `salesforce_default` (the org) and `recruit_ai_default` (the Recruit AI instance).
Records travel through staged files under `RECRUIT_AI_STAGING_URL`; XCom carries paths and counts.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pendulum
from airflow.sdk import (
    CronDataIntervalTimetable,
    ObjectStoragePath,
    Param,
    TriggerRule,
    dag,
    get_current_context,
    task,
)

if TYPE_CHECKING:
    from include.window import Window

log = logging.getLogger(__name__)

OBJECTS = ["candidates", "positions"]
REPORTED_TASKS = [f"{step}_{name}" for name in OBJECTS for step in ("extract", "map", "load")] + [
    "fetch_resumes"
]


def _selected(name: str) -> None:
    """Skip the calling task when the run's ``objects`` param leaves this object out."""
    from airflow.sdk.exceptions import AirflowSkipException

    if name not in get_current_context()["params"]["objects"]:
        raise AirflowSkipException(f"{name} not in this run's objects")


def _run_directory() -> ObjectStoragePath:
    """Return this run's staging directory."""
    from include.staging import run_directory

    context = get_current_context()
    return run_directory(context["dag"].dag_id, context["run_id"])


def _window() -> Window:
    """Return the window this run syncs."""
    from include.window import window_for_run

    context = get_current_context()
    return window_for_run(
        context["data_interval_start"],
        context["data_interval_end"],
        full_resync=context["params"]["full_resync"],
    )


def _extract(name: str) -> dict[str, Any]:
    """Stage one object's records modified in the window, through its mapping module."""
    from include.mappings.talent_rover import candidate, position
    from include.talent_rover.sync import extract_window

    _selected(name)
    hook = _talent_rover()
    mapping = {"candidates": candidate, "positions": position}[name]
    staged = extract_window(hook, mapping, _window(), _run_directory(), name)
    return {**staged, "api_calls": hook.calls_made}


def _talent_rover() -> Any:
    from talent_rover_hook import TalentRoverHook

    return TalentRoverHook()


@task.short_circuit
def check_api_limits(params: dict[str, Any]) -> bool:
    """Go on only while the org's daily API usage is below the threshold."""
    hook = _talent_rover()
    usage = hook.api_usage()
    threshold = params["max_api_usage_pct"]
    ok = not usage.reached(threshold)
    log.info(
        "Daily API requests: %d used of %d (%.1f%%); threshold %s%%: %s",
        usage.used,
        usage.max,
        usage.pct,
        threshold,
        "going on" if ok else "skipping this run",
    )
    return ok


@task
def extract_candidates() -> dict[str, Any]:
    """Stage the candidates modified in the window."""
    return _extract("candidates")


@task
def extract_positions() -> dict[str, Any]:
    """Stage the positions (jobs) modified in the window."""
    return _extract("positions")


@task
def fetch_resumes(candidates: dict[str, Any]) -> dict[str, Any]:
    """Stage the current résumé text of every extracted candidate."""
    from include.talent_rover.sync import fetch_resumes as stage_resumes

    hook = _talent_rover()
    staged = stage_resumes(hook, candidates, _run_directory())
    return {**staged, "api_calls": hook.calls_made}


@task
def map_candidates(candidates: dict[str, Any], resumes: dict[str, Any], params: dict[str, Any]) -> Any:
    """Map candidates (joined with their résumé text) into Recruit AI payloads."""
    from include.mappings.talent_rover import candidate
    from include.talent_rover.sync import candidate_payloads, map_pages

    mapper = candidate_payloads(resumes, candidate.to_payload, require_resume=params["require_resume"])
    return map_pages(candidates, mapper, _run_directory(), "candidate")


@task
def map_positions(positions: dict[str, Any]) -> Any:
    """Map positions into Recruit AI payloads."""
    from include.mappings.talent_rover import position
    from include.talent_rover.sync import map_pages

    return map_pages(
        positions, lambda record, _page: position.to_payload(record), _run_directory(), "position"
    )


@task
def load_candidates(mapped: dict[str, Any], params: dict[str, Any]) -> Any:
    """Post candidate payloads to Recruit AI."""
    return _load("candidate", mapped, dry_run=params["dry_run"])


@task
def load_positions(mapped: dict[str, Any], params: dict[str, Any]) -> Any:
    """Post position payloads to Recruit AI."""
    return _load("position", mapped, dry_run=params["dry_run"])


@task(trigger_rule=TriggerRule.NONE_FAILED)
def report() -> dict[str, Any]:
    """Log what the run did, per object, and the Salesforce API calls it spent; stage it as summary.json."""
    from include.staging import write_json
    from include.summary import run_summary, summary_table

    ti = get_current_context()["ti"]
    summary = run_summary(
        window=_window(),
        pulled={task_id: ti.xcom_pull(task_ids=task_id) or {} for task_id in REPORTED_TASKS},
    )
    write_json(_run_directory() / "summary.json", summary)
    log.info(
        "Sync of %s\n%s\nSalesforce API calls spent: %d",
        summary["window"],
        summary_table(summary["objects"]),
        summary["api_calls"],
    )
    return summary


def _load(kind: str, mapped: dict[str, Any], *, dry_run: bool) -> dict[str, Any]:
    """Post one kind's staged payloads, unless this is a dry run; fail if any record could not be posted."""
    from include.load import load_payloads

    if dry_run:
        log.info("Dry run: %d %s payloads staged, nothing posted", mapped["records"], kind)
        return {"object": kind, "posted": 0, "dry_run": True}

    from recruit_ai_hook import RecruitAiHook

    hook = RecruitAiHook()
    rejects = _run_directory() / f"{kind}-rejects-load.jsonl"
    loaded = load_payloads(hook.post_records, kind, mapped["files"], rejects)
    if loaded["failed"]:
        # Recruit AI replaces by id, so the retry re-posting everything is safe.
        raise RuntimeError(
            f"{loaded['failed']} {kind}s could not be posted after retries (see {loaded['rejects_file']})"
        )
    return dict(loaded)


@dag(
    dag_id="talent_rover_to_recruit_ai",
    schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["recruit-ai", "talent-rover"],
    default_args={"retries": 2, "retry_delay": timedelta(minutes=1), "retry_exponential_backoff": 2.0},
    params={
        "objects": Param(
            OBJECTS,
            type="array",
            items={"type": "string", "enum": OBJECTS},
            description="Which record types to sync.",
        ),
        "max_api_usage_pct": Param(
            80,
            type="number",
            minimum=1,
            maximum=100,
            description="Skip the run when the org's daily API usage has reached this share of its limit.",
        ),
        "dry_run": Param(False, type="boolean", description="Extract and map, stage payloads, post nothing."),
        "require_resume": Param(
            True, type="boolean", description="Post only candidates that have a résumé with text."
        ),
        "full_resync": Param(False, type="boolean", description="Ignore the interval and sync every record."),
    },
)
def talent_rover_to_recruit_ai() -> None:
    """Wire the Talent Rover → Recruit AI pipeline."""
    limits = check_api_limits()
    candidates = extract_candidates()
    positions = extract_positions()
    resumes = fetch_resumes(candidates)
    loaded = [
        load_candidates(map_candidates(candidates, resumes)),
        load_positions(map_positions(positions)),
    ]
    limits >> [candidates, positions]
    loaded >> report()


talent_rover_to_recruit_ai()
