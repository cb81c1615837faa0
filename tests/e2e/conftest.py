"""End-to-end fixtures: each test starts with no watermarks and no injected faults."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from sandbox.airflow_runs import load_dag

DAG_ID = "talent_rover_to_recruit_ai"
BULLHORN_DAG_ID = "bullhorn_to_recruit_ai"
KINDS = ("candidate", "position")


@pytest.fixture
def dag(airflow_db: None, services: Any) -> Any:
    """The DAG as the dags/ folder defines it, with task retries off: a failure here should fail fast.

    Parsed afresh for each test: ``dag.test(run_conf=...)`` leaves the conf in the DAG object's params.
    """
    return _without_retries(load_dag(DAG_ID))


@pytest.fixture
def bullhorn_dag(airflow_db: None, services: Any) -> Any:
    """The Bullhorn DAG as the dags/ folder defines it, parsed afresh, with task retries off."""
    return _without_retries(load_dag(BULLHORN_DAG_ID))


@pytest.fixture
def retrying_dag(airflow_db: None, services: Any) -> Any:
    """The DAG with its own task retries, a second apart instead of minutes.

    What a deployment does when a fault outlasts a hook's retries (the failed task
    is tried again, and re-posts only its own file), at test speed.
    """
    loaded = load_dag(DAG_ID)
    for task in loaded.tasks:
        assert task.retries >= 2, task.task_id
        task.retry_delay = timedelta(seconds=1)
        task.retry_exponential_backoff = 0
    return loaded


def _without_retries(loaded: Any) -> Any:
    for task in loaded.tasks:
        task.retries = 0
    return loaded


@pytest.fixture(autouse=True)
def clean_slate(airflow_db: None, services: Any) -> Iterator[None]:
    """Forget the watermarks and résumé cache earlier tests left, and switch faults off (before and after)."""
    from airflow.models import Variable

    from include.staging import cache_directory
    from sandbox.faults import FaultPlan

    for dag_id in (DAG_ID, BULLHORN_DAG_ID):
        for name in ("candidates", "positions"):
            Variable.delete(f"{dag_id}.watermark.{name}")
    posted_ledgers = [f"{dag_id}-posted-{kind}s" for dag_id in (DAG_ID, BULLHORN_DAG_ID) for kind in KINDS]
    for cache_name in ("talent_rover-resumes", "bullhorn-resumes", *posted_ledgers):
        cache = cache_directory(cache_name)
        if cache.exists():
            cache.rmdir(recursive=True)
    services.set_faults(FaultPlan())
    services.set_bullhorn_faults(FaultPlan())
    services.set_api_usage(0)
    yield
    services.set_faults(FaultPlan())
    services.set_bullhorn_faults(FaultPlan())
    services.set_api_usage(0)
