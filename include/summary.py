"""The run summary: what a sync did, in figures, one row per object."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

COLUMNS = ("object", "extracted", "posted", "created", "updated", "skipped", "rejected", "failed")


def summary_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """Render rows (dicts keyed by ``COLUMNS``) as a fixed-width text table."""
    cells = [[str(row.get(column, 0)) for column in COLUMNS] for row in rows]
    widths = [max(len(column), *(len(line[i]) for line in cells)) for i, column in enumerate(COLUMNS)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            value.ljust(width) if i == 0 else value.rjust(width)
            for i, (value, width) in enumerate(zip(values, widths, strict=True))
        )

    return "\n".join([line(COLUMNS), line(["-" * width for width in widths]), *(line(row) for row in cells)])


def run_summary(window: object, pulled: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Gather the figures of a run from its tasks' XCom manifests (task id → manifest).

    ``api_calls`` counts the limits check, every query page and every download.
    """
    rows = []
    for name in ("candidates", "positions"):
        extracted = pulled.get(f"extract_{name}", {})
        mapped = pulled.get(f"map_{name}", {})
        loaded = pulled.get(f"load_{name}", {})
        rows.append(
            {
                "object": name,
                "extracted": extracted.get("records", 0),
                "posted": loaded.get("posted", 0),
                "created": loaded.get("created", 0),
                "updated": loaded.get("updated", 0),
                "skipped": mapped.get("skipped", 0),
                "rejected": mapped.get("rejected", 0) + loaded.get("rejected", 0),
                "failed": loaded.get("failed", 0),
            }
        )
    api_calls = 1 + sum(manifest.get("api_calls", 0) for manifest in pulled.values())
    return {"window": str(window), "objects": rows, "api_calls": api_calls}
