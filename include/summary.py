"""The run summary: what a sync did, in figures, one row per object."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from include.pages import PAGE_COUNTS
from include.window import parse_instant

# The summary's columns: what a page counts, less the payloads and résumé figures.
COLUMNS = (
    "object",
    "extracted",
    *(count for count in PAGE_COUNTS if count not in ("payloads", "downloaded", "from_cache")),
)
OBJECTS = ("candidates", "positions")


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


def run_summary(
    pulled: Mapping[str, Mapping[str, Any]],
    api_calls: int,
    *,
    max_api_calls: int,
    allowance: Sequence[int] | None = None,
) -> dict[str, Any]:
    """Gather the figures of a run from its ``extract_*`` and ``load_*`` XCom manifests (task id → manifest).

    ``api_calls`` is what the run spent of its ``max_api_calls`` budget;
    ``allowance`` the ATS's last word on the org's daily allowance, as
    ``(used, max)``, when it has one (Salesforce does, Bullhorn does not).

    ``deleted`` counts the tombstones made (posted, or unchanged); ``unchanged`` records Recruit AI already
    held as they are, and ``stale`` records it holds a newer version of (neither is
    sent again); ``skipped`` records left out on
    purpose (no résumé); ``deferred`` records the API limit left to the next
    run; ``rejected`` records refused by the mapping or by Recruit AI, listed
    in ``rejects_files``.
    """
    rows = []
    for name in OBJECTS:
        extracted = pulled.get(f"extract_{name}", {})
        loaded = pulled.get(f"load_{name}", {})
        covered = loaded.get("progress") or extracted.get("progress") or {}
        rows.append(
            {
                "object": name,
                "extracted": extracted.get("records", 0),
                **{column: loaded.get(column, 0) for column in COLUMNS[2:]},
                "window_start": covered.get("window_start"),
                "window_end": covered.get("window_end"),
                "complete": covered.get("complete"),
                "resume_from": covered.get("resume_from"),
                "stopped": covered.get("stopped"),
                "watermark": loaded.get("watermark"),
                "rejects_files": [loaded["rejects_file"]] if loaded.get("rejects_file") else [],
            }
        )
    return {
        "objects": rows,
        "api_calls": api_calls,
        "api_calls_left": max(0, max_api_calls - api_calls),
        "daily_calls_left": max(0, allowance[1] - allowance[0]) if allowance else None,
        "daily_calls_max": allowance[1] if allowance else None,
    }


def _api_calls_line(summary: Mapping[str, Any], ats_name: str) -> str:
    line = (
        f"{ats_name} API calls: {summary['api_calls']:,} spent, "
        f"{summary['api_calls_left']:,} left of the run's max_api_calls_per_run"
    )
    if summary.get("daily_calls_left") is not None:
        line += f"; {summary['daily_calls_left']:,} left of the org's {summary['daily_calls_max']:,} a day"
    return line


def _window_line(row: Mapping[str, Any]) -> str:
    covered = (
        "covered" if row["complete"] else f"stopped ({row['stopped']}); resumes from {row['resume_from']}"
    )
    return f"{row['object']}: window [{row['window_start']}, {row['window_end']}), {covered}"


def summary_text(summary: Mapping[str, Any], ats_name: str) -> str:
    """Render the summary for the task log: the table, each object's window, the API calls."""
    windows = [_window_line(row) for row in summary["objects"] if row["window_end"]]
    return "\n".join([summary_table(summary["objects"]), *windows, _api_calls_line(summary, ats_name)])


# The note's columns: what a person checks first; the rest is in the log and summary.json.
NOTE_COLUMNS = ("object", "extracted", "created", "updated", "unchanged", "stale", "rejected", "deleted")


def summary_note(summary: Mapping[str, Any], ats_name: str) -> str:
    """Render the summary as the DAG run's note: a Markdown table, windows and API calls.

    Kept well under the 1,000 characters Airflow stores for a note.
    """
    lines = [
        "| " + " | ".join(NOTE_COLUMNS) + " | window |",
        "|" + "---|" * (len(NOTE_COLUMNS) + 1),
    ]
    for row in summary["objects"]:
        cells = [str(row.get(column, 0)) for column in NOTE_COLUMNS]
        window = (
            f"{_short_time(row['window_start'])} → {_short_time(row['window_end'])}"
            if row["window_end"]
            else "-"
        )
        if row["window_end"] and not row["complete"]:
            window += " (stopped)"
        lines.append("| " + " | ".join([*cells, window]) + " |")
    return "\n".join([*lines, "", _api_calls_line(summary, ats_name)])


def _short_time(stamp: str | None) -> str:
    """``2026-11-23T09:55:00+00:00`` → ``2026-11-23 09:55Z``; the window start may be None (full resync)."""
    if not stamp:
        return "the beginning"
    return parse_instant(stamp).strftime("%Y-%m-%d %H:%MZ")


def too_many_rejects(summary: Mapping[str, Any], max_reject_pct: float) -> str | None:
    """Say which objects had more rejects than ``max_reject_pct`` of their window, or None."""
    problems = []
    for row in summary["objects"]:
        extracted, rejected = row["extracted"], row["rejected"]
        if extracted and 100.0 * rejected / extracted > max_reject_pct:
            problems.append(
                f"{rejected} of {extracted} {row['object']} rejected "
                f"({100.0 * rejected / extracted:.1f}%, over max_reject_pct={max_reject_pct:g}%); "
                f"reasons in {', '.join(row['rejects_files'])}"
            )
    return "; ".join(problems) or None
