"""
### Talent Rover → Recruit AI

Every hour, the candidates and positions that changed in Talent Rover are posted to Recruit AI.

```
check_api_limits ─ extract_positions ─ extract_candidates
extract_candidates ─ candidate_pages ─ sync_candidates[one per staged page] ─ load_candidates ─ report
extract_positions  ─ position_pages  ─ sync_positions[one per staged page]  ─ load_positions  ─ report
```

* **check_api_limits** skips the run when the org's daily API usage has reached
  `max_api_usage_pct`: the firm's own Salesforce users share that allowance.
* **extract_*** stage the records whose `SystemModstamp` lies in the window, page by
  page, deleted ones included (`queryAll`), selecting only the fields the mappings in
  `include/mappings/talent_rover/` name. Candidates whose résumé document changed come too.
  A window of `bulk_threshold` records or more (a full resync, a backfill) is read through
  a Bulk API 2.0 query job after its first page, when that costs fewer API calls.
* **candidate_pages**, **position_pages** make one work item per staged page, and share
  the run's remaining API calls among the pages, so that pages read at once stay within
  `max_api_calls_per_run`.
* **sync_*** run once per page (`.expand`), so a large window spreads across Celery or
  Kubernetes workers. Each finds its candidates' current résumés (many candidates per
  query) and extracts their text, a few at once: Recruit AI matches on it. A résumé
  version already read is taken from the résumé cache under the staging location, at
  no API call; a file over `max_resume_bytes` is refused unread. Records are mapped
  into Recruit AI payloads (deleted records, or contacts that are no longer
  candidates, into tombstones) and posted as they are made, while the next résumés
  download (not with `dry_run`); records that cannot be mapped go to the rejects file
  with a reason.
* **load_*** sum up the pages and, once all are in, move the object's watermark;
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
`max_api_calls_per_run`. What was read is loaded; the rest waits for the next run.
The extracts run one after the other; the pages each keep to their share of the calls.
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
SALESFORCE_TASKS = ["check_api_limits", "extract_positions", "extract_candidates", "sync_candidates"]
RESUME_CACHE = "talent_rover-resumes"  # under the staging location's cache/


@contextmanager
def _talent_rover(page_share: int | None = None) -> Iterator[TalentRoverHook]:
    """Yield a Salesforce hook held to what is left of the run's limits; record what it spent.

    A page's task is held to its ``page_share`` of the run's calls instead (less
    what its earlier tries spent), so that pages read at once stay within the run's.
    """
    from include.runs import calls_left, latest_usage, page_calls_left, record_spent, spent_earlier
    from include.talent_rover.api_usage import ApiBudget, ApiUsage
    from talent_rover_hook import TalentRoverHook

    params = get_current_context()["params"]
    earlier = spent_earlier(SALESFORCE_TASKS)
    budget = ApiBudget(
        max_usage_pct=params["max_api_usage_pct"],
        max_calls=(
            calls_left(earlier, params["max_api_calls_per_run"])
            if page_share is None
            else page_calls_left(earlier, page_share)
        ),
        start_usage=ApiUsage(*latest) if (latest := latest_usage(earlier)) else None,
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


@task(map_index_template="page {{ work.number }}")
def sync_candidates(work: dict[str, Any]) -> dict[str, Any]:
    """Read one page's résumés (through the résumé cache), map its candidates, post them as they are made."""
    from include.mappings.talent_rover import candidate
    from include.runs import sync_candidate_page
    from include.talent_rover.sync import resume_rows

    with _talent_rover(page_share=work["max_calls"]) as hook:
        return sync_candidate_page(
            work,  # type: ignore[arg-type]
            lambda records, needs_resume, reader: resume_rows(hook, records, needs_resume, reader),
            candidate.to_payload,
            candidate.is_tombstone,
            RESUME_CACHE,
        )


@task(map_index_template="page {{ work.number }}")
def sync_positions(work: dict[str, Any]) -> dict[str, Any]:
    """Map one page's positions (or tombstones) and post them."""
    from include.mappings.talent_rover import position
    from include.runs import sync_page

    return sync_page(work, lambda record, _resume: position.to_payload(record), position.is_tombstone)  # type: ignore[arg-type]


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
    loaded = [
        # A page of candidates costs a download per résumé and a document lookup per 500 candidates.
        load_into_recruit_ai(
            "candidates",
            RECRUIT_AI_CANDIDATES,
            candidates,
            sync_candidates,
            SALESFORCE_TASKS,
            calls_per_record=1,
            records_per_lookup=500,
        ),
        load_into_recruit_ai("positions", RECRUIT_AI_POSITIONS, positions, sync_positions, SALESFORCE_TASKS),
    ]
    check_api_limits() >> positions >> candidates
    # clean_staging is a teardown: it runs after a failure too, and never decides the run's state.
    loaded >> report(SALESFORCE_TASKS, "Salesforce") >> clean_staging(RESUME_CACHE).as_teardown()


talent_rover_to_recruit_ai()
