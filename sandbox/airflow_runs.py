"""Run the project's DAGs in this process, for the demo and the tests.

``dag.test()`` runs a real DAG run (real task instances, XCom, params and
data intervals) against the Airflow metadata database in ``AIRFLOW_HOME``,
without a scheduler.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
HOUR = timedelta(hours=1)


def ensure_metadata_db() -> None:
    """Create or upgrade the Airflow metadata database of ``AIRFLOW_HOME``."""
    if not os.environ.get("AIRFLOW_HOME"):
        raise RuntimeError("AIRFLOW_HOME is not set: run through 'make' or set it first")
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def load_dag(dag_id: str) -> Any:
    """Parse the dags/ folder and return one DAG, failing loudly on import errors."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(PROJECT / "dags"))
    if bag.import_errors:
        raise RuntimeError(f"DAG import errors: {bag.import_errors}")
    return bag.dags[dag_id]


def sync_interval(dag: Any, interval_start: datetime, conf: dict[str, Any] | None = None) -> Any:
    """Run the DAG for the hourly data interval that starts at ``interval_start``; return the DagRun.

    A manual run's interval is the last whole interval before its logical date,
    so the run is placed at the interval's end.
    """
    return dag.test(logical_date=interval_start + HOUR, run_conf=conf)
