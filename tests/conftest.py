"""Test-wide set-up: a private Airflow home, staging and sandbox services on 127.0.0.1.

Airflow reads its configuration when first imported, so the environment is
set here, before any test module imports it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

_HOME = Path(tempfile.mkdtemp(prefix="recruit-ai-sync-tests-"))
_PROJECT = Path(__file__).resolve().parent.parent
os.environ.update(
    {
        "AIRFLOW_HOME": str(_HOME / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(_PROJECT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(_PROJECT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "RECRUIT_AI_STAGING_URL": (_HOME / "staging").as_uri(),
    }
)

# Every record of the test org was modified in the day before this instant: about
# 25 candidates and 3 positions an hour.
ANCHOR = datetime(2026, 11, 2, 12, tzinfo=UTC)
SPREAD = timedelta(hours=24)


@pytest.fixture(scope="session")
def services() -> Iterator[object]:
    """Both sandbox services, with a 600-candidate org, and Airflow's connections pointed at them."""
    from sandbox.services import start_services

    running = start_services(_HOME / "sandbox", candidates=600, anchor=ANCHOR, spread=SPREAD)
    saved = {name: os.environ.get(name) for name in running.connection_env()}
    os.environ.update(running.connection_env())
    yield running
    running.stop()
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """Airflow's metadata database (SQLite in the test home), migrated once."""
    from sandbox.airflow_runs import ensure_metadata_db

    ensure_metadata_db()


@pytest.fixture
def recruit_ai(services: Any) -> Any:
    """The sandbox Recruit AI's inspection client, emptied for each test."""
    from sandbox.recruit_ai.client import RecruitAiSandboxClient

    client = RecruitAiSandboxClient(
        services.recruit_ai_url, services.recruit_ai_api_key, services.tls.ca_bundle
    )
    client.reset()
    return client
