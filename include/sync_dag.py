"""What every sync DAG shares: its run parameters (the trigger form), the assets it
updates, and the tasks around its page tasks (share out the pages; load; report; clean).

Imported at parse time by the DAG files, so it imports nothing but the Task SDK:
the tasks import their work when they run. The Param and asset names are a public
interface (README, "Configuration").
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import Asset, Param, TriggerRule, XComArg, get_current_context, task

OBJECTS = ["candidates", "positions"]

# Updated when a sync's load of that object succeeds: downstream DAGs can be scheduled on them.
RECRUIT_AI_CANDIDATES = Asset(name="recruit_ai_candidates", uri="recruit-ai://instance/candidates")
RECRUIT_AI_POSITIONS = Asset(name="recruit_ai_positions", uri="recruit-ai://instance/positions")


def sync_params(ats: str) -> dict[str, Param]:
    """Return the Params shared by every ATS's sync; ``ats`` names the API in descriptions."""
    return {
        "objects": Param(
            OBJECTS,
            type="array",
            items={"type": "string", "enum": OBJECTS},
            description="Which record types to sync.",
        ),
        "max_api_calls_per_run": Param(
            5000,
            type="integer",
            minimum=2,
            description=f"Stop once the run has spent this many {ats} API calls; the next run resumes.",
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
        "window_start": Param(
            None,
            type=["null", "string"],
            format="date-time",
            title="Window start (manual runs)",
            description="Sync records changed from this instant (ISO 8601, e.g. 2026-11-02T09:00:00Z) "
            "instead of the run's interval; with window_end. The watermark does not move.",
        ),
        "window_end": Param(
            None,
            type=["null", "string"],
            format="date-time",
            title="Window end (manual runs)",
            description="Sync records changed before this instant (ISO 8601, not in the future); "
            "with window_start.",
        ),
        "staging_retention_days": Param(
            7,
            type="integer",
            minimum=0,
            description="Remove staged runs and résumé texts (personal data) older than this many days.",
        ),
        "recruit_ai_requests_in_flight": Param(
            8,
            type="integer",
            minimum=1,
            maximum=64,
            description="Requests each page's task keeps in flight to Recruit AI (it takes one record per "
            "request); fewer when the instance answers 429 or 503 often.",
        ),
        "max_resume_bytes": Param(
            10 * 1024 * 1024,
            type="integer",
            minimum=1,
            description="Skip a candidate whose résumé file is larger than this many bytes (default 10 MiB).",
        ),
    }


@task
def pages(
    extracted: dict[str, Any],
    kind: str,
    ats_tasks: list[str],
    *,
    calls_per_record: int,
    records_per_lookup: int,
    calls_per_task: int,
) -> list[dict[str, Any]]:
    """One work item per staged page for the mapped ``sync_<object>`` tasks, with its share of ATS calls.

    A page may cost ``calls_per_record`` calls a record, a lookup per
    ``records_per_lookup`` records (0: none) and ``calls_per_task`` (a login); the
    run's calls left are shared out so that pages read at once stay within
    ``max_api_calls_per_run``. A window of more pages than Airflow maps
    (``[core] max_map_length``) puts a few pages in each item.
    """
    from airflow.configuration import conf

    from include.pages import page_work, resume_calls_needed
    from include.runs import calls_left, spent_earlier

    max_calls = get_current_context()["params"]["max_api_calls_per_run"]
    left = calls_left(spent_earlier(ats_tasks), max_calls)
    needed = resume_calls_needed(calls_per_record, records_per_lookup, calls_per_task)
    items = page_work(
        extracted,  # type: ignore[arg-type]
        kind,  # type: ignore[arg-type]
        needed,
        left,
        max_items=conf.getint("core", "max_map_length"),
    )
    return [dict(work) for work in items]


@task
def load(name: str, kind: str, extracted: dict[str, Any], synced: Any) -> dict[str, Any]:
    """Sum up the pages, then move the object's watermark (its success updates the asset)."""
    from include.runs import finish_load

    return finish_load(name, kind, extracted, synced)  # type: ignore[arg-type]


def load_into_recruit_ai(
    name: str,
    asset: Asset,
    extracted: XComArg,
    sync_page: Any,
    ats_tasks: list[str],
    *,
    calls_per_record: int = 0,
    records_per_lookup: int = 0,
    calls_per_task: int = 0,
) -> XComArg:
    """Wire ``<kind>_pages ─ sync_<name>[one per staged page] ─ load_<name>`` after an extract.

    ``sync_page`` is the DAG's page task (résumés, mapping, posting for one page),
    taking the work item as ``work``; the calls arguments are as ``pages`` says.
    """
    kind = name.removesuffix("s")
    # TaskFlow passes XComArgs where the task functions take their resolved values.
    work = pages.override(task_id=f"{kind}_pages")(
        extracted,  # type: ignore[arg-type]
        kind,
        ats_tasks,
        calls_per_record=calls_per_record,
        records_per_lookup=records_per_lookup,
        calls_per_task=calls_per_task,
    )
    synced = sync_page.expand(work=work)
    return load.override(task_id=f"load_{name}", outlets=[asset])(name, kind, extracted, synced)  # type: ignore[arg-type]


@task(trigger_rule=TriggerRule.NONE_FAILED)
def report(ats_tasks: list[str], ats_name: str) -> dict[str, Any]:
    """Log what the run did, per object, and the ATS calls it spent; fail on too many rejects."""
    from include.runs import report as report_run

    return report_run(ats_tasks, ats_name)


@task
def clean_staging(resume_cache: str) -> dict[str, Any]:
    """Remove staged runs and résumé texts older than the retention (a teardown: also after a failure)."""
    from include.runs import clean_staging as remove_expired

    return remove_expired(resume_cache)
