"""What every sync DAG shares: its run parameters (the trigger form), the assets it
updates, and the tasks it ends with (post the payloads, fanned out; load; report; clean).

Imported at parse time by the DAG files, so it imports nothing but the Task SDK:
the tasks import their work when they run. The Param and asset names are a public
interface (README, "Configuration").
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import Asset, Param, TriggerRule, XComArg, task

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
        "max_resume_bytes": Param(
            10 * 1024 * 1024,
            type="integer",
            minimum=1,
            description="Skip a candidate whose résumé file is larger than this many bytes (default 10 MiB).",
        ),
    }


@task
def payload_files(mapped: dict[str, Any]) -> list[str]:
    """The staged payload files the posts fan out over (one mapped task each)."""
    return list(mapped["files"])


@task(map_index_template="{{ payload_file.rsplit('/', 1)[-1] }}")
def post_payloads(kind: str, payload_file: str) -> dict[str, Any]:
    """Post one staged file of payloads to Recruit AI (one mapped task per file)."""
    from include.runs import post_chunk

    return post_chunk(kind, payload_file)  # type: ignore[arg-type]


@task
def load(name: str, kind: str, mapped: dict[str, Any], posted: Any) -> dict[str, Any]:
    """Sum up the posted chunks, then move the object's watermark (its success updates the asset)."""
    from include.runs import finish_load

    return finish_load(name, kind, mapped, posted)  # type: ignore[arg-type]


def load_into_recruit_ai(name: str, kind: str, asset: Asset, mapped: XComArg) -> XComArg:
    """Wire ``<kind>_files ─ post_<name>[one per staged file] ─ load_<name>`` after a map task."""
    # TaskFlow passes XComArgs where the task functions take their resolved values.
    files = payload_files.override(task_id=f"{kind}_files")(mapped)  # type: ignore[arg-type]
    posted = post_payloads.override(task_id=f"post_{name}").partial(kind=kind).expand(payload_file=files)
    return load.override(task_id=f"load_{name}", outlets=[asset])(name, kind, mapped, posted)  # type: ignore[arg-type]


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
