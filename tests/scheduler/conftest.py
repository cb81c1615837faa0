"""The scheduler tier: the sandbox services, a metadata database and a real Airflow, for the whole tier.

These tests take minutes, so a plain ``pytest`` leaves them out (they show as
deselected); they run when ``tests/scheduler`` is named on the command line,
as ``make test-scheduler`` does.

The sandbox org is anchored at the start of the current hour, so that the
real clock's data intervals (the last few hours) hold its records.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sandbox.recruit_ai.client import RecruitAiSandboxClient
from tests.scheduler.rest import AirflowApi
from tests.scheduler.stack import (
    ADMIN,
    START_TIMEOUT,
    AirflowStack,
    admin_password,
    postgres_driver,
    start_postgres,
    start_stack,
    stop_postgres,
    wait_until,
)

TIER = Path(__file__).resolve().parent
DAG_ID = "talent_rover_to_recruit_ai"
# Set it to keep the tier's Airflow home (component and task logs), staging and database.
KEEP_VARIABLE = "SCHEDULER_TIER_KEEP"


def pytest_configure(config: pytest.Config) -> None:
    """Register the tier's marker."""
    config.addinivalue_line("markers", "scheduler: needs a real Airflow scheduler (run: make test-scheduler)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tier's tests, and deselect them unless the command line names this directory."""
    ours = [item for item in items if TIER in item.path.parents]
    for item in ours:
        item.add_marker(pytest.mark.scheduler)
    requested = any(
        path == TIER or TIER in path.parents
        for arg in config.args
        if (path := Path(config.invocation_params.dir, arg.split("::")[0]).resolve()).exists()
    )
    if ours and not requested:
        config.hook.pytest_deselected(items=ours)
        items[:] = [item for item in items if item not in ours]


@dataclass
class Deployment:
    """Everything a scheduler test drives or inspects."""

    stack: AirflowStack
    api: AirflowApi
    services: Any
    recruit_ai: RecruitAiSandboxClient
    # The start of the hour the tier began in: the org's records were all modified before it.
    hour: datetime
    database: str


@pytest.fixture(scope="session")
def deployment() -> Iterator[Deployment]:
    """Start the sandbox services, the metadata database and Airflow; stop them all afterwards."""
    from sandbox.services import start_services

    home = Path(tempfile.mkdtemp(prefix="recruit-ai-scheduler-"))
    # Under root the PostgreSQL cluster runs as 'postgres', which must get through to its directory.
    home.chmod(0o711)
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    services = start_services(home / "sandbox", candidates=300, anchor=hour, spread=timedelta(hours=24))
    driver = postgres_driver()
    if driver is None:
        warnings.warn(
            "no PostgreSQL driver (psycopg2 or psycopg) is installed: the metadata database is SQLite",
            stacklevel=1,
        )
        database = f"sqlite:///{home / 'airflow.db'}"
    else:
        database = start_postgres(home / "postgres", driver)
    stack: AirflowStack | None = None
    try:
        extra = {**services.connection_env(), "RECRUIT_AI_STAGING_URL": (home / "staging").as_uri()}
        stack = start_stack(home, database, extra)
        api = AirflowApi(stack.api_url, ADMIN, admin_password(stack.environment))

        def parsed() -> dict[str, Any] | None:
            stack.check_running()
            return api.dag(DAG_ID)

        wait_until(parsed, START_TIMEOUT, f"{DAG_ID} to be parsed by the dag-processor")
        assert api.import_errors() == []
        recruit_ai = RecruitAiSandboxClient(
            services.recruit_ai_url, services.recruit_ai_api_key, services.tls.ca_bundle
        )
        yield Deployment(stack, api, services, recruit_ai, hour, database.split(":", 1)[0])
    finally:
        if stack is not None:
            stack.stop()
        services.stop()
        if driver is not None:
            stop_postgres(home / "postgres")
        if os.environ.get(KEEP_VARIABLE):
            print(f"\nThe scheduler tier's logs and state are kept in {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)
