"""The run parameters every sync DAG takes (settable from "Trigger DAG w/ config").

Imported at parse time by the DAG files, so it imports nothing but ``Param``.
The names and meanings are a public interface (README, "Run parameters").
"""

from __future__ import annotations

from airflow.sdk import Param

OBJECTS = ["candidates", "positions"]


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
