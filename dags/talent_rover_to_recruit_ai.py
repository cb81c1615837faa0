"""
### Talent Rover → Recruit AI

Every hour, the candidates and positions that changed in Talent Rover are posted to Recruit AI.

```
check_api_limits ─ extract_positions ─ extract_candidates ─ fetch_resumes ─ map_candidates ─ load_candidates ┐
                         └─ map_positions ─ load_positions ─────────────────────────────────────── report ┘
```

* **check_api_limits** skips the run when the org's daily API usage has reached
  `max_api_usage_pct`: the firm's own Salesforce users share that allowance.
* **extract_*** stage the records whose `SystemModstamp` lies in the window, page by
  page, deleted ones included (`queryAll`), selecting only the fields the mappings in
  `include/mappings/talent_rover/` name. Candidates whose résumé document changed come too.
* **fetch_resumes** finds each candidate's current résumé (many candidates per query)
  and extracts its text: Recruit AI matches on it. A résumé version already read is
  taken from the résumé cache under the staging location, at no API call; a file over
  `max_resume_bytes` is refused unread.
* **map_*** turn records into Recruit AI payloads, and deleted records (or contacts
  that are no longer candidates) into tombstones; records that cannot be mapped go to
  the rejects file with a reason.
* **load_*** post the payloads (not with `dry_run`), then move the object's watermark.
* **report** logs a summary table, stages it as `summary.json`, and fails the run when
  rejects exceed `max_reject_pct`.

**The window** of a run goes from the earlier of its data interval's start and the
object's watermark (the Variable `talent_rover_to_recruit_ai.watermark.<object>`: every
record changed before it is loaded), less `lookback_minutes`, to the interval's end.
So a run that was skipped, stopped or failed leaves its part to the next run.

**API limits** are watched on every Salesforce answer (`Sforce-Limit-Info`): the sync
stops cleanly before the org's usage passes `max_api_usage_pct`, or this run has spent
`max_api_calls_per_run`. What was staged is loaded; the rest waits for the next run.

Salesforce calls are made one task after another, so that the run's budget is exact.
Connections: `salesforce_default` (the org) and `recruit_ai_default` (the Recruit AI instance).
Records travel through staged files under `RECRUIT_AI_STAGING_URL`; XCom carries paths and counts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
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
    from talent_rover_hook import TalentRoverHook

log = logging.getLogger(__name__)

OBJECTS = ["candidates", "positions"]
# The tasks that call Salesforce, in the order they run; each records what it spent (XCom key below).
SALESFORCE_TASKS = ["check_api_limits", "extract_positions", "extract_candidates", "fetch_resumes"]
SPENT = "salesforce_calls"
REPORTED_TASKS = [f"{step}_{name}" for name in OBJECTS for step in ("extract", "map", "load")]


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


def _watermark_key(name: str) -> str:
    from include.window import watermark_key

    return watermark_key(get_current_context()["dag"].dag_id, name)


def _watermark(name: str) -> datetime:
    """Return an object's watermark; the first run of all sets it to its own interval's start.

    So even a first run that is skipped or fails leaves its window to the next one.
    """
    from airflow.sdk import Variable

    from include.window import read_watermark, write_watermark

    context = get_current_context()
    key = _watermark_key(name)
    watermark = read_watermark(Variable, key)
    if watermark is None:
        watermark = context["data_interval_start"]
        write_watermark(Variable, key, watermark, run_id=context["run_id"])
    return watermark


def _window(name: str) -> Window:
    """Return the window this run extracts for one object: its interval, widened back to the watermark."""
    from include.window import window_for_run

    context = get_current_context()
    params = context["params"]
    return window_for_run(
        context["data_interval_start"],
        context["data_interval_end"],
        watermark=_watermark(name),
        lookback=timedelta(minutes=params["lookback_minutes"]),
        full_resync=params["full_resync"],
    )


@contextmanager
def _talent_rover() -> Iterator[TalentRoverHook]:
    """Yield a Salesforce hook held to what is left of the run's limits; record what it spent."""
    from include.talent_rover.api_usage import ApiBudget, ApiUsage
    from talent_rover_hook import TalentRoverHook

    context = get_current_context()
    ti, params = context["ti"], context["params"]
    spent = [ti.xcom_pull(task_ids=task_id, key=SPENT) for task_id in SALESFORCE_TASKS]
    earlier = [entry for entry in spent if entry]
    last_usage = next((ApiUsage(*entry["usage"]) for entry in reversed(earlier) if entry["usage"]), None)
    budget = ApiBudget(
        max_usage_pct=params["max_api_usage_pct"],
        max_calls=max(0, params["max_api_calls_per_run"] - sum(entry["calls"] for entry in earlier)),
        start_usage=last_usage,
    )
    hook = TalentRoverHook(budget=budget)
    try:
        yield hook
    finally:
        usage = hook.last_usage
        ti.xcom_push(
            key=SPENT, value={"calls": hook.calls_made, "usage": [usage.used, usage.max] if usage else None}
        )


def _extract(name: str) -> dict[str, Any]:
    """Stage one object's records changed in its window, through its mapping module."""
    from include.mappings.talent_rover import candidate, position
    from include.talent_rover.sync import extract_window

    _selected(name)
    mapping = {"candidates": candidate, "positions": position}[name]
    with _talent_rover() as hook:
        return dict(extract_window(hook, mapping, _window(name), _run_directory(), name))


@task.short_circuit
def check_api_limits(params: dict[str, Any]) -> bool:
    """Go on only while the org's daily API usage is below the threshold."""
    for name in params["objects"]:
        _watermark(name)
    with _talent_rover() as hook:
        usage = hook.api_usage()
    threshold = params["max_api_usage_pct"]
    ok = not usage.reached(threshold)
    log.info(
        "Daily API requests: %d used of %d (%.1f%%); threshold %s%%: %s",
        usage.used,
        usage.max,
        usage.pct,
        threshold,
        "going on" if ok else "skipping this run (the next run that goes ahead syncs its window)",
    )
    return ok


@task
def extract_positions() -> dict[str, Any]:
    """Stage the positions (jobs) changed in the window."""
    return _extract("positions")


# Runs after the positions (even when they are not selected), so the run's API budget is exact.
@task(trigger_rule=TriggerRule.NONE_FAILED)
def extract_candidates() -> dict[str, Any]:
    """Stage the candidates changed in the window, and those whose résumé document changed."""
    return _extract("candidates")


@task
def fetch_resumes(candidates: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """Stage the current résumé text of every extracted candidate, through the résumé cache."""
    from include.mappings.talent_rover import candidate
    from include.resume_cache import ResumeCache
    from include.staging import cache_directory
    from include.talent_rover.sync import fetch_resumes as stage_resumes

    with _talent_rover() as hook, ResumeCache(cache_directory("talent_rover-resumes")) as cache:
        staged = stage_resumes(
            hook,
            candidates,
            _run_directory(),
            needs_resume=lambda record: not candidate.is_tombstone(record),
            cache=cache,
            max_bytes=params["max_resume_bytes"],
        )
    return dict(staged)


@task
def map_candidates(resumes: dict[str, Any], candidates: dict[str, Any], params: dict[str, Any]) -> Any:
    """Map candidates (joined with their résumé text) into Recruit AI payloads, or tombstones."""
    from include.mappings.talent_rover import candidate
    from include.talent_rover.sync import candidate_payloads, map_pages

    mapper = candidate_payloads(
        resumes, candidate.to_payload, candidate.is_tombstone, require_resume=params["require_resume"]
    )
    # The résumé step's progress: it may have stopped before the extract did.
    covered = {**candidates, "progress": resumes["progress"]}
    return map_pages(covered, mapper, _run_directory(), "candidate", candidate.is_tombstone)


@task
def map_positions(positions: dict[str, Any]) -> Any:
    """Map positions into Recruit AI payloads, or tombstones."""
    from include.mappings.talent_rover import position
    from include.talent_rover.sync import map_pages

    return map_pages(
        positions,
        lambda record, _page: position.to_payload(record),
        _run_directory(),
        "position",
        position.is_tombstone,
    )


@task
def load_candidates(mapped: dict[str, Any], params: dict[str, Any]) -> Any:
    """Post candidate payloads to Recruit AI, then move the candidates' watermark."""
    return _load("candidates", "candidate", mapped, dry_run=params["dry_run"])


@task
def load_positions(mapped: dict[str, Any], params: dict[str, Any]) -> Any:
    """Post position payloads to Recruit AI, then move the positions' watermark."""
    return _load("positions", "position", mapped, dry_run=params["dry_run"])


def _load(name: str, kind: str, mapped: dict[str, Any], *, dry_run: bool) -> dict[str, Any]:
    """Post one kind's staged payloads (unless this is a dry run); fail if any could not be posted."""
    from include.load import load_payloads

    if dry_run:
        log.info(
            "Dry run: %d %s payloads staged, nothing posted, watermark unchanged", mapped["records"], kind
        )
        return {"object": kind, "posted": 0, "dry_run": True}

    from recruit_ai_hook import RecruitAiHook

    loaded = load_payloads(
        RecruitAiHook().post_records, kind, mapped["files"], _run_directory() / f"{kind}-rejects-load.jsonl"
    )
    if loaded["failed"]:
        # Recruit AI replaces by id, so the retry re-posting everything is safe.
        raise RuntimeError(
            f"{loaded['failed']} {kind}s could not be posted after retries (see {loaded['rejects_file']})"
        )
    return {**loaded, "watermark": _move_watermark(name, mapped["progress"])}


def _move_watermark(name: str, covered: dict[str, Any]) -> str | None:
    """Record how far ``name`` is loaded, once everything this run staged is in Recruit AI."""
    from airflow.sdk import Variable

    from include.window import next_watermark, read_watermark, write_watermark

    key = _watermark_key(name)
    current = read_watermark(Variable, key)
    moved = next_watermark(current, covered)
    if moved is not None and moved != current:
        write_watermark(Variable, key, moved, run_id=get_current_context()["run_id"])
    log.info("Watermark of %s: %s → %s", name, current, moved)
    return None if moved is None else moved.isoformat()


@task(trigger_rule=TriggerRule.NONE_FAILED)
def report(params: dict[str, Any]) -> dict[str, Any]:
    """Log what the run did, per object, and the API calls it spent; fail on too many rejects."""
    from airflow.sdk.exceptions import AirflowFailException

    from include.staging import write_json
    from include.summary import run_summary, summary_table, too_many_rejects

    ti = get_current_context()["ti"]
    spent = [ti.xcom_pull(task_ids=task_id, key=SPENT) or {} for task_id in SALESFORCE_TASKS]
    summary = run_summary(
        {task_id: ti.xcom_pull(task_ids=task_id) or {} for task_id in REPORTED_TASKS},
        api_calls=sum(entry.get("calls", 0) for entry in spent),
    )
    write_json(_run_directory() / "summary.json", summary)
    windows = "\n".join(
        f"{row['object']}: window [{row['window_start']}, {row['window_end']}), "
        + ("covered" if row["complete"] else f"stopped ({row['stopped']}); resumes from {row['resume_from']}")
        for row in summary["objects"]
        if row["window_end"]
    )
    log.info(
        "Sync summary\n%s\n%s\nSalesforce API calls spent: %d",
        summary_table(summary["objects"]),
        windows,
        summary["api_calls"],
    )
    if problem := too_many_rejects(summary, params["max_reject_pct"]):
        raise AirflowFailException(problem)
    return summary


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
            description="Skip or stop the run once the org's daily API usage reaches this percentage.",
        ),
        "max_api_calls_per_run": Param(
            5000,
            type="integer",
            minimum=2,
            description="Stop once the run has spent this many Salesforce API calls; the next run resumes.",
        ),
        "lookback_minutes": Param(
            5,
            type="integer",
            minimum=0,
            maximum=1440,
            description="Start each window this many minutes early, so late commits are not missed.",
        ),
        "max_reject_pct": Param(
            1,
            type="number",
            minimum=0,
            maximum=100,
            description="Fail the run when more than this share of a window's records is rejected.",
        ),
        "dry_run": Param(False, type="boolean", description="Extract and map, stage payloads, post nothing."),
        "require_resume": Param(
            True, type="boolean", description="Post only candidates that have a résumé with text."
        ),
        "full_resync": Param(False, type="boolean", description="Ignore the interval and sync every record."),
        "max_resume_bytes": Param(
            10 * 1024 * 1024,
            type="integer",
            minimum=1,
            description="Skip a candidate whose résumé file is larger than this many bytes (default 10 MiB).",
        ),
    },
)
def talent_rover_to_recruit_ai() -> None:
    """Wire the Talent Rover → Recruit AI pipeline."""
    positions = extract_positions()
    candidates = extract_candidates()
    resumes = fetch_resumes(candidates)
    loaded = [
        load_candidates(map_candidates(resumes, candidates)),
        load_positions(map_positions(positions)),
    ]
    check_api_limits() >> positions >> candidates
    loaded >> report()


talent_rover_to_recruit_ai()
