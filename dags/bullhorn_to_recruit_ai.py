"""
### Bullhorn → Recruit AI

Every hour, the candidates and job orders that changed in Bullhorn are posted to Recruit AI.

```
check_bullhorn ─ extract_positions ─ extract_candidates
extract_candidates ─ candidate_pages ─ sync_candidates[one per staged page] ─ load_candidates ─ report
extract_positions  ─ position_pages  ─ sync_positions[one per staged page]  ─ load_positions  ─ report
```

* **check_bullhorn** logs in (OAuth code → tokens → `BhRestToken`), and fetches the
  country names (`options/Country`) once for the run.
* **extract_positions** stages the JobOrders whose `dateLastModified` lies in the
  window (`query`, JPQL), available or not, soft-deleted ones included.
* **extract_candidates** stages the Candidates changed in the window (`search`,
  Lucene: Candidate has no `query`), each page with its CandidateEducation and
  CandidateWorkHistory rows (one query each per page, not per candidate).
* **candidate_pages**, **position_pages** make one work item per staged page, and share
  the run's remaining calls among the pages, so that pages read at once stay within `max_api_calls_per_run`.
* **sync_*** run once per page (`.expand`), so a large window spreads across Celery or
  Kubernetes workers. Each takes its candidates' parsed résumés (`description`), else
  their résumé files (`entityFiles`, then the file), through the résumé cache; maps
  the records with the tables in `include/mappings/bullhorn/` (job orders that are not
  available, closed, not public, another `employmentType` or soft-deleted, become
  tombstones, and so do soft-deleted candidates); and posts the payloads as they are
  made, while the next résumés download (not with `dry_run`). Refused records go to
  the rejects file with a reason.
* **load_*** sum up the pages and, once all are in, move the object's watermark;
  their success updates the assets `recruit_ai_candidates` and `recruit_ai_positions`,
  which downstream DAGs can be scheduled on. A manual run may set `window_start` and
  `window_end` to sync an explicit window instead (the watermark then stays put).
* **report** logs a summary table, stages it as `summary.json`, and fails the run when
  rejects exceed `max_reject_pct`.
* **clean_staging** (even after a failure) removes staged runs and résumé texts older
  than `staging_retention_days`: they hold personal data.

Windows and watermarks work as in `talent_rover_to_recruit_ai`: a run reads from the
earlier of its interval's start and the object's watermark (the Variable
`bullhorn_to_recruit_ai.watermark.<object>`), less `lookback_minutes`, to the
interval's end. The run stops cleanly once it has spent `max_api_calls_per_run` (the
pages each keep to their share); the next run resumes.

Connections: `bullhorn_default` (the API user and OAuth client) and `recruit_ai_default`.
The newest single-use refresh token is kept in the Variable `bullhorn_default.refresh_token`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pendulum
from airflow.sdk import CronDataIntervalTimetable, Param, TriggerRule, dag, get_current_context, task

from include.sync_dag import (
    RECRUIT_AI_CANDIDATES,
    RECRUIT_AI_POSITIONS,
    clean_staging,
    load_into_recruit_ai,
    report,
    sync_params,
)

if TYPE_CHECKING:
    from bullhorn_hook import BullhornHook

log = logging.getLogger(__name__)

# The tasks that call Bullhorn, in the order they run; each records what it spent.
BULLHORN_TASKS = ["check_bullhorn", "extract_positions", "extract_candidates", "sync_candidates"]
RESUME_CACHE = "bullhorn-resumes"  # under the staging location's cache/
COUNTRIES = "countries.json"


@contextmanager
def _bullhorn(page_share: int | None = None) -> Iterator[BullhornHook]:
    """Yield a Bullhorn hook held to what is left of the run's call budget; record what it spent.

    A page's task is held to its ``page_share`` of the run's calls instead (less
    what its earlier tries spent), so that pages read at once stay within the run's.
    """
    from bullhorn_hook import BullhornHook
    from include.bullhorn import MaxCalls
    from include.runs import calls_left, page_calls_left, record_spent, spent_earlier

    earlier = spent_earlier(BULLHORN_TASKS)
    max_calls = get_current_context()["params"]["max_api_calls_per_run"]
    hook = BullhornHook(
        budget=MaxCalls(
            calls_left(earlier, max_calls) if page_share is None else page_calls_left(earlier, page_share)
        )
    )
    try:
        yield hook
    finally:
        record_spent(hook.calls_made)


def _countries() -> dict[int, str]:
    """The run's country names by id, as ``check_bullhorn`` staged them."""
    from include.runs import staging_directory
    from include.staging import read_json

    return {int(value): label for value, label in read_json(staging_directory() / COUNTRIES).items()}


@task
def check_bullhorn(params: dict[str, Any]) -> int:
    """Log in to Bullhorn and stage the country names the mappings need; return how many."""
    from include.runs import staging_directory, watermark
    from include.staging import write_json

    for name in params["objects"]:
        watermark(name)
    with _bullhorn() as hook:
        countries = hook.options("Country")
    write_json(staging_directory() / COUNTRIES, countries)
    log.info("Logged in to Bullhorn; %d country names staged", len(countries))
    return len(countries)


@task
def extract_positions() -> dict[str, Any]:
    """Stage the job orders changed in the window."""
    from include.bullhorn.queries import job_order_where
    from include.bullhorn.sync import extract_job_orders
    from include.mappings.bullhorn import position
    from include.runs import skip_unless_selected, staging_directory, window

    skip_unless_selected("positions")
    span = window("positions")
    with _bullhorn() as hook:
        staged = extract_job_orders(hook, job_order_where(span), position.fields(), span, staging_directory())
    return dict(staged)


# Runs after the positions (even when they are not selected), so the run's call budget is exact.
@task(trigger_rule=TriggerRule.NONE_FAILED)
def extract_candidates() -> dict[str, Any]:
    """Stage the candidates changed in the window, with their education and work history."""
    from include.bullhorn.queries import candidate_query
    from include.bullhorn.sync import extract_candidates as stage_candidates
    from include.mappings.bullhorn import candidate
    from include.runs import skip_unless_selected, staging_directory, window

    skip_unless_selected("candidates")
    span = window("candidates")
    with _bullhorn() as hook:
        staged = stage_candidates(
            hook,
            candidate_query(span, candidate.FILTER),
            candidate.fields(),
            span,
            staging_directory(),
            education_fields=candidate.education_fields(),
            work_history_fields=candidate.work_history_fields(),
        )
    return dict(staged)


@task(map_index_template="page {{ work.number }}")
def sync_candidates(work: dict[str, Any]) -> dict[str, Any]:
    """Read one page's résumés (through the résumé cache), map its candidates, post them as they are made."""
    from include.bullhorn.sync import EDUCATIONS, WORK_HISTORIES, resume_rows
    from include.mappings.bullhorn import candidate
    from include.runs import sync_candidate_page

    countries = _countries()
    with _bullhorn(page_share=work["max_calls"]) as hook:
        return sync_candidate_page(
            work,  # type: ignore[arg-type]
            lambda records, needs_resume, reader: resume_rows(hook, records, needs_resume, reader),
            lambda record, text: candidate.to_payload(
                record, record[EDUCATIONS], record[WORK_HISTORIES], text, countries
            ),
            candidate.is_tombstone,
            RESUME_CACHE,
        )


@task(map_index_template="page {{ work.number }}")
def sync_positions(work: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """Map one page's job orders (available ones as they are, the others as tombstones) and post them."""
    from include.mappings.bullhorn import position
    from include.runs import sync_page

    countries, types = _countries(), params["employment_types"]
    return sync_page(
        work,  # type: ignore[arg-type]
        lambda record, _resume: position.to_payload(record, countries, types),
        lambda record: position.is_tombstone(record, types),
    )


@dag(
    dag_id="bullhorn_to_recruit_ai",
    schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["bullhorn", "recruit-ai"],
    default_args={"retries": 2, "retry_delay": timedelta(minutes=1), "retry_exponential_backoff": 2.0},
    params={
        **sync_params("Bullhorn"),
        "employment_types": Param(
            ["Job Req", "Bench Req"],
            type="array",
            items={"type": "string"},
            description="Job orders of these employment types are posted; others become tombstones.",
        ),
    },
)
def bullhorn_to_recruit_ai() -> None:
    """Wire the Bullhorn → Recruit AI pipeline."""
    positions = extract_positions()
    candidates = extract_candidates()
    loaded = [
        # A candidate without a parsed résumé costs its file list and its file; each page's
        # task logs in (with a password login, up to 5 calls, when another took the refresh token).
        load_into_recruit_ai(
            "candidates",
            RECRUIT_AI_CANDIDATES,
            candidates,
            sync_candidates,
            BULLHORN_TASKS,
            calls_per_record=2,
            calls_per_task=5,
        ),
        load_into_recruit_ai("positions", RECRUIT_AI_POSITIONS, positions, sync_positions, BULLHORN_TASKS),
    ]
    check_bullhorn() >> positions >> candidates
    # clean_staging is a teardown: it runs after a failure too, and never decides the run's state.
    loaded >> report(BULLHORN_TASKS, "Bullhorn") >> clean_staging(RESUME_CACHE).as_teardown()


bullhorn_to_recruit_ai()
