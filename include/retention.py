"""Retention of staged files: personal data leaves the staging location once no run needs it.

A run's staging directory (``<staging>/<dag_id>/<run_id>/``) holds candidate
records, payloads and résumé texts: personal data. Every task of the run reads
it, and a task retried or cleared later reads it again, so it stays for a
configurable time after the run last wrote to it, then goes as a whole:

* ``remove_expired_runs`` deletes the run directories of one DAG whose newest
  file is older than ``keep``. A run still writing is never removed: its newest
  file is recent. Only ``<staging>/<dag_id>/`` is looked at, so the shared
  résumé cache (``<staging>/cache/…``) is never touched by it.

The résumé cache holds résumé *text* too, kept across runs so that an unchanged
file costs no download. It is bounded twice:

* by size (``max_entries`` of ``ResumeCache``, the oldest written leave first) and
* by age: ``forget_unused_resumes`` drops every entry not written within
  ``keep``, so the text of a candidate who no longer changes does not stay for
  ever. A dropped entry costs one download if it is needed again.

The ``staging_retention_days`` Param (default 7) sets both: long enough to clear and re-run a
failed run the next morning or after a weekend, short enough that staged
personal data does not pile up.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from airflow.sdk import ObjectStoragePath

from include.resume_cache import ResumeCache

log = logging.getLogger(__name__)

# The staging location's own folder (résumé cache, posted ledgers), which is not a DAG's runs.
RESERVED_NAMES = frozenset({"cache"})


def remove_expired_runs(
    root: ObjectStoragePath, dag_id: str, keep: timedelta, now: datetime | None = None
) -> list[str]:
    """Delete the staged run directories of ``dag_id`` last written more than ``keep`` ago.

    :param root: the staging location (``include.staging.staging_root()``).
    :param dag_id: whose runs to look at: only ``<root>/<dag_id>/`` is read.
    :param keep: how long after its last write a run's files stay.
    :param now: the time to measure from (aware); default the current time.
    :returns: the names of the run directories removed, sorted.
    """
    if not dag_id or dag_id in RESERVED_NAMES or "/" in dag_id or dag_id.startswith("."):
        raise ValueError(f"not a DAG id whose runs may be removed: {dag_id!r}")
    if keep < timedelta(0):
        raise ValueError("the retention cannot be negative")
    cutoff = _aware(now) - keep
    runs = root / dag_id
    if not runs.exists():
        return []
    removed = []
    for run in sorted(runs.iterdir(), key=lambda path: path.name):
        if not run.is_dir():
            continue
        if _last_written(run) < cutoff:
            run.rmdir(recursive=True)
            removed.append(run.name)
    log.info("Staging of %s: %d run directories older than %s removed", dag_id, len(removed), keep)
    return removed


def forget_unused_resumes(cache: ResumeCache, keep: timedelta, now: datetime | None = None) -> int:
    """Drop the résumé cache's entries not written within ``keep``, and any over its bound; count them."""
    if keep < timedelta(0):
        raise ValueError("the retention cannot be negative")
    dropped = cache.trim(written_before=(_aware(now) - keep).timestamp())
    log.info("Résumé cache: %d entries older than %s, or over its bound, forgotten", dropped, keep)
    return dropped


def _aware(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("'now' must be timezone-aware")
    return now


def _last_written(run: ObjectStoragePath) -> datetime:
    """When anything in a run directory was last written: its newest file, else the directory itself.

    Object stores keep no time for a "directory", only for the files in it.
    """
    stamps = [path.stat().st_mtime for path in run.rglob("*") if path.is_file()]
    newest = max(stamps) if stamps else run.stat().st_mtime
    return datetime.fromtimestamp(newest, UTC)
