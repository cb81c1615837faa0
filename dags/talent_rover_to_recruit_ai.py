"""
### Talent Rover → Recruit AI

Every hour, the candidates and positions that changed in Talent Rover are posted to Recruit AI.

```
check_api_limits ─ extract_positions ─ extract_candidates ─ fetch_resumes ─ map_candidates
                    extract_positions ─ map_positions
map_candidates ─ candidate_files ─ post_candidates[one per staged file] ─ load_candidates ─ report
map_positions  ─ position_files  ─ post_positions[one per staged file]  ─ load_positions  ─ report
```

* **check_api_limits** skips the run when the org's daily API usage has reached
  `max_api_usage_pct`: the firm's own Salesforce users share that allowance.
* **extract_*** stage the records whose `SystemModstamp` lies in the window, page by
  page, deleted ones included (`queryAll`), selecting only the fields the mappings in
  `include/mappings/talent_rover/` name. Candidates whose résumé document changed come too.
  A window of `bulk_threshold` records or more (a full resync, a backfill) is read through
  a Bulk API 2.0 query job after its first page, when that costs fewer API calls.
* **fetch_resumes** finds each candidate's current résumé (many candidates per query)
  and extracts its text: Recruit AI matches on it. A résumé version already read is
  taken from the résumé cache under the staging location, at no API call; a file over
  `max_resume_bytes` is refused unread.
* **map_*** turn records into Recruit AI payloads, and deleted records (or contacts
  that are no longer candidates) into tombstones; records that cannot be mapped go to
  the rejects file with a reason.
* **post_*** post the payloads (not with `dry_run`), one mapped task per staged file
  (`.expand`), so a large window spreads across Celery or Kubernetes workers.
* **load_*** sum up the posted chunks and, once all are in, move the object's watermark;
  their success updates the assets `recruit_ai_candidates` and `recruit_ai_positions`,
  which downstream DAGs can be scheduled on. A manual run may set `window_start` and
  `window_end` to sync an explicit window instead (the watermark then stays put).
* **report** logs a summary table, stages it as `summary.json`, and fails the run when
  rejects exceed `max_reject_pct`.
* **clean_staging** (even after a failure) removes staged runs and résumé texts older
  than `staging_retention_days`: they hold personal data.

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
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pendulum
from airflow.sdk import (
    CronDataIntervalTimetable,
    Param,
    TriggerRule,
    dag,
    get_current_context,
    task,
)

from include.sync_dag import (
    RECRUIT_AI_CANDIDATES,
    RECRUIT_AI_POSITIONS,
    clean_staging,
    load_into_recruit_ai,
    report,
    sync_params,
)

if TYPE_CHECKING:
    from talent_rover_hook import TalentRoverHook

log = logging.getLogger(__name__)

# The tasks that call Salesforce, in the order they run; each records what it spent.
SALESFORCE_TASKS = ["check_api_limits", "extract_positions", "extract_candidates", "fetch_resumes"]


@contextmanager
def _talent_rover() -> Iterator[TalentRoverHook]:
    """Yield a Salesforce hook held to what is left of the run's limits; record what it spent."""
    from include.runs import calls_left, record_spent, spent_earlier
    from include.talent_rover.api_usage import ApiBudget, ApiUsage
    from talent_rover_hook import TalentRoverHook

    params = get_current_context()["params"]
    earlier = spent_earlier(SALESFORCE_TASKS)
    budget = ApiBudget(
        max_usage_pct=params["max_api_usage_pct"],
        max_calls=calls_left(earlier, params["max_api_calls_per_run"]),
        start_usage=next((ApiUsage(*e["usage"]) for e in reversed(earlier) if e["usage"]), None),
    )
    hook = TalentRoverHook(budget=budget)
    try:
        yield hook
    finally:
        usage = hook.last_usage
        record_spent(hook.calls_made, (usage.used, usage.max) if usage else None)


def _extract(name: str) -> dict[str, Any]:
    """Stage one object's records changed in its window, through its mapping module."""
    from include.mappings.talent_rover import candidate, position
    from include.runs import skip_unless_selected, staging_directory, window
    from include.talent_rover.sync import extract_window

    skip_unless_selected(name)
    mapping = {"candidates": candidate, "positions": position}[name]
    threshold = get_current_context()["params"]["bulk_threshold"]
    with _talent_rover() as hook:
        return dict(
            extract_window(
                hook, mapping, window(name), staging_directory(), name, bulk_threshold=threshold or None
            )
        )


@task.short_circuit
def check_api_limits(params: dict[str, Any]) -> bool:
    """Go on only while the org's daily API usage is below the threshold."""
    from include.runs import watermark

    for name in params["objects"]:
        watermark(name)
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
    from include.runs import staging_directory
    from include.staging import cache_directory
    from include.talent_rover.sync import fetch_resumes as stage_resumes

    cache = ResumeCache(cache_directory("talent_rover-resumes"))
    with _talent_rover() as hook:
        staged = stage_resumes(
            hook,
            candidates,
            staging_directory(),
            needs_resume=lambda record: not candidate.is_tombstone(record),
            cache=cache,
            max_bytes=params["max_resume_bytes"],
        )
    return dict(staged)


@task
def map_candidates(resumes: dict[str, Any], candidates: dict[str, Any], params: dict[str, Any]) -> Any:
    """Map candidates (joined with their résumé text) into Recruit AI payloads, or tombstones."""
    from include.mappings.talent_rover import candidate
    from include.pages import candidate_payloads, map_pages
    from include.runs import staging_directory

    mapper = candidate_payloads(
        resumes, candidate.to_payload, candidate.is_tombstone, require_resume=params["require_resume"]
    )
    # The résumé step's progress: it may have stopped before the extract did.
    covered = {**candidates, "progress": resumes["progress"]}
    return map_pages(covered, mapper, staging_directory(), "candidate", candidate.is_tombstone)


@task
def map_positions(positions: dict[str, Any]) -> Any:
    """Map positions into Recruit AI payloads, or tombstones."""
    from include.mappings.talent_rover import position
    from include.pages import map_pages
    from include.runs import staging_directory

    return map_pages(
        positions,
        lambda record, _page: position.to_payload(record),
        staging_directory(),
        "position",
        position.is_tombstone,
    )


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
        **sync_params("Salesforce"),
        "max_api_usage_pct": Param(
            80,
            type="number",
            minimum=1,
            maximum=100,
            description="Skip or stop the run once the org's daily API usage reaches this percentage.",
        ),
        # include/talent_rover/bulk.py's DEFAULT_BULK_THRESHOLD, as a literal: parsing imports no sync code.
        "bulk_threshold": Param(
            10_000,
            type="integer",
            minimum=0,
            description=(
                "Read a window of at least this many records through a Bulk API 2.0 query job when that "
                "costs fewer API calls than REST pages; 0 never does."
            ),
        ),
    },
)
def talent_rover_to_recruit_ai() -> None:
    """Wire the Talent Rover → Recruit AI pipeline."""
    positions = extract_positions()
    candidates = extract_candidates()
    resumes = fetch_resumes(candidates)
    loaded = [
        load_into_recruit_ai(
            "candidates", "candidate", RECRUIT_AI_CANDIDATES, map_candidates(resumes, candidates)
        ),
        load_into_recruit_ai("positions", "position", RECRUIT_AI_POSITIONS, map_positions(positions)),
    ]
    check_api_limits() >> positions >> candidates
    # clean_staging is a teardown: it runs after a failure too, and never decides the run's state.
    loaded >> report(SALESFORCE_TASKS, "Salesforce") >> clean_staging("talent_rover-resumes").as_teardown()


talent_rover_to_recruit_ai()
