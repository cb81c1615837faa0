"""End-to-end fixtures: each test starts with no watermarks and no injected faults."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sandbox.airflow_runs import load_dag

DAG_ID = "talent_rover_to_recruit_ai"


@pytest.fixture
def dag(airflow_db: None, services: Any) -> Any:
    """The DAG as the dags/ folder defines it, with task retries off: a failure here should fail fast.

    Parsed afresh for each test: ``dag.test(run_conf=...)`` leaves the conf in the DAG object's params.
    """
    loaded = load_dag(DAG_ID)
    for task in loaded.tasks:
        task.retries = 0
    return loaded


@pytest.fixture(autouse=True)
def clean_slate(airflow_db: None, services: Any) -> Iterator[None]:
    """Forget the watermarks and résumé cache earlier tests left, and switch faults off (before and after)."""
    from airflow.models import Variable

    from include.staging import cache_directory
    from sandbox.faults import FaultPlan

    for name in ("candidates", "positions"):
        Variable.delete(f"{DAG_ID}.watermark.{name}")
    cache = cache_directory("talent_rover-resumes")
    if cache.exists():
        cache.rmdir(recursive=True)
    services.set_faults(FaultPlan())
    services.set_api_usage(0)
    yield
    services.set_faults(FaultPlan())
    services.set_api_usage(0)
