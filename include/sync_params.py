"""What every sync DAG declares: its run parameters (the trigger form) and the assets it updates.

Imported at parse time by the DAG files, so it imports nothing but ``Param`` and
``Asset``. The names and meanings are a public interface (README, "Configuration").
"""

from __future__ import annotations

from airflow.sdk import Asset, Param

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
