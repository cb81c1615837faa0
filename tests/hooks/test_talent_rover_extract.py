"""extract_window with the real TalentRoverHook against the sandbox Salesforce: the calls it spends."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path
from typing import Any

from airflow.sdk import ObjectStoragePath

from include.mappings.talent_rover import candidate
from include.staging import read_jsonl
from include.talent_rover.bulk import REST_PAGE_SIZE
from include.talent_rover.sync import extract_window
from include.window import Window
from talent_rover_hook import TalentRoverHook
from tests.conftest import ANCHOR, SPREAD


def _extract(services: Any, window: Window, directory: Path) -> tuple[list[str], dict[str, int]]:
    """Extract the candidates of ``window``; return the staged ids and the calls spent, by route."""
    before = services.salesforce_state()["calls_by_route"]
    staged = extract_window(
        TalentRoverHook(), candidate, window, ObjectStoragePath(directory.as_uri()), "candidates"
    )
    after = services.salesforce_state()["calls_by_route"]
    ids = [row["Id"] for path in staged["files"] for row in read_jsonl(ObjectStoragePath(path))]
    assert len(ids) == staged["records"]
    return ids, {
        route: count - before.get(route, 0) for route, count in after.items() if count != before.get(route, 0)
    }


def test_a_window_from_the_beginning_reads_each_candidate_once_at_the_floor(
    services: Any, tmp_path: Path
) -> None:
    ids, spent = _extract(services, Window(None, ANCHOR + timedelta(days=365)), tmp_path)
    assert len(ids) == len(set(ids)) > 500
    # The query pages and nothing else: no résumé-document pass, which would stage them all again.
    assert spent == {
        "query": 1,
        **({"query_more": math.ceil(len(ids) / REST_PAGE_SIZE) - 1} if len(ids) > REST_PAGE_SIZE else {}),
    }


def test_a_bounded_window_also_reads_the_candidates_whose_resume_changed(
    services: Any, tmp_path: Path
) -> None:
    window = Window(ANCHOR - SPREAD / 2, ANCHOR)
    ids, spent = _extract(services, window, tmp_path)
    assert ids
    # The window's candidates, then the résumé documents changed in it, then their candidates by id.
    assert spent["query"] >= 3, spent
