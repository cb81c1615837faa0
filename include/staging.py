"""Staged files: where a run's records travel between tasks.

Records never travel through XCom: each task writes JSON Lines files under
the run's staging directory and passes on their paths and counts. The
staging location is one setting, ``RECRUIT_AI_STAGING_URL``: a local
directory by default, ``s3://…`` or ``gs://…`` when workers run on several
machines (any fsspec URL that ``ObjectStoragePath`` understands).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from airflow.sdk import ObjectStoragePath

STAGING_URL_VARIABLE = "RECRUIT_AI_STAGING_URL"


def staging_root() -> ObjectStoragePath:
    """Return the configured staging location (default: ``$AIRFLOW_HOME/staging``)."""
    url = os.environ.get(STAGING_URL_VARIABLE)
    if not url:
        airflow_home = Path(os.environ.get("AIRFLOW_HOME", Path.home() / "airflow"))
        url = (airflow_home / "staging").resolve().as_uri()
    return ObjectStoragePath(url)


def run_directory(dag_id: str, run_id: str) -> ObjectStoragePath:
    """Return (and create) the staging directory of one DAG run."""
    # Run ids hold ':' and '+', which object stores and Windows shares dislike.
    safe_run_id = re.sub(r"[^A-Za-z0-9_.-]", "_", run_id)
    directory = staging_root() / dag_id / safe_run_id
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def cache_directory(name: str) -> ObjectStoragePath:
    """Return a cache kept across runs (e.g. résumé texts), under the staging location.

    It is not a run's directory: every run, on every worker, shares it.
    """
    return staging_root() / "cache" / name


@contextmanager
def jsonl_writer(path: ObjectStoragePath) -> Iterator[Callable[[Mapping[str, object]], None]]:
    """Open a JSON Lines file for writing (replacing it, so a retried task rewrites it); yield ``write(row)``.

    For rows that are written as they stream past on their way elsewhere.
    """
    with path.open("w", encoding="utf-8") as out:

        def write(row: Mapping[str, object]) -> None:
            out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
            out.write("\n")

        yield write


def write_jsonl(path: ObjectStoragePath, rows: Iterable[Mapping[str, object]]) -> int:
    """Write rows as JSON Lines (replacing the file) and count them."""
    count = 0
    with jsonl_writer(path) as write:
        for row in rows:
            write(row)
            count += 1
    return count


def read_jsonl(path: str | ObjectStoragePath) -> Iterator[dict[str, Any]]:
    """Yield the rows of a JSON Lines file, one at a time."""
    with ObjectStoragePath(str(path)).open("r", encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def count_jsonl(path: str | ObjectStoragePath) -> int:
    """Count the rows of a JSON Lines file without parsing them."""
    with ObjectStoragePath(str(path)).open("r", encoding="utf-8") as lines:
        return sum(1 for line in lines if line.strip())


def write_json(path: ObjectStoragePath, document: dict[str, Any]) -> None:
    """Write one small JSON document (a run summary, say)."""
    with path.open("w", encoding="utf-8") as out:
        json.dump(document, out, ensure_ascii=False, indent=2)


def read_json(path: str | ObjectStoragePath) -> dict[str, Any]:
    """Read one small JSON document."""
    with ObjectStoragePath(str(path)).open("r", encoding="utf-8") as source:
        return json.load(source)
