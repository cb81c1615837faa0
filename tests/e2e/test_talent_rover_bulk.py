"""A full resync of a large org reads through a Bulk API 2.0 query job, end to end in real Airflow.

Bulk pays off only past some 20,000 records of one object, so this test starts its
own sandbox org of 220,000 candidates, which holds 22,000 positions, and resyncs the
positions (no résumés to download) as a dry run: the staged payloads are exactly what
would be posted. What they should hold is worked out by ``org_model`` from the org's
own tables; the calls spent are read from the sandbox's counters.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from include.staging import read_jsonl, run_directory
from include.talent_rover.bulk import REST_PAGE_SIZE
from include.talent_rover.sync import EARLIEST
from sandbox.airflow_runs import sync_interval
from sandbox.services import Services, start_services
from tests.conftest import ANCHOR, SPREAD
from tests.e2e.conftest import DAG_ID
from tests.e2e.org_model import expected

CANDIDATES = 220_000


@pytest.fixture(scope="module")
def large_org() -> Iterator[Services]:
    """Sandbox services with a large org, and Airflow's connections pointed at them for the module."""
    running = start_services(
        Path(tempfile.mkdtemp(prefix="bulk-e2e-")), candidates=CANDIDATES, anchor=ANCHOR, spread=SPREAD
    )
    saved = {name: os.environ.get(name) for name in running.connection_env()}
    os.environ.update(running.connection_env())
    yield running
    running.stop()
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def test_a_full_resync_reads_a_large_window_through_bulk_for_fewer_calls(
    dag: Any, large_org: Services
) -> None:
    interval_start = ANCHOR - timedelta(hours=1)
    window = expected(large_org.org, EARLIEST, interval_start + timedelta(hours=1))
    jobs = len(window.positions | window.position_tombstones)
    assert jobs > 20_000, "the org should be large enough for Bulk to pay off"
    before = large_org.salesforce_state()["calls_by_route"]

    run = sync_interval(
        dag, interval_start, conf={"full_resync": True, "objects": ["positions"], "dry_run": True}
    )

    assert run.state == "success"
    after = large_org.salesforce_state()["calls_by_route"]
    spent = {route: count - before.get(route, 0) for route, count in after.items()}
    assert spent.get("bulk_jobs") == 1, spent  # the window after its first page was read by one job
    assert spent.get("query_more", 0) == 0, spent  # and by no further REST page
    rest_floor = 1 + math.ceil(jobs / REST_PAGE_SIZE)  # /limits and the REST pages
    assert sum(spent.values()) < rest_floor, spent

    payloads = [
        row
        for path in sorted(run_directory(DAG_ID, run.run_id).glob("position-payloads-*.jsonl"))
        for row in read_jsonl(path)
    ]
    ids = [row["PositionID"] for row in payloads]
    assert len(ids) == len(set(ids)) == jobs, "every position once"
    assert set(ids) == {f"p{job_id}" for job_id in window.positions | window.position_tombstones}
    titles = {row["PositionID"]: row.get("JobTitle") for row in payloads}
    for job_id in list(window.positions)[:500]:
        assert titles[f"p{job_id}"] == large_org.org.tables["TR1__Job__c"][job_id]["Name"]
