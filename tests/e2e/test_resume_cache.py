"""A résumé that did not change costs no download: the résumé cache, measured in API calls.

Real Airflow runs against the sandbox org, whose own counter says which calls
were made. The windows lie after the generated org's history, so that only the
records this test touches are in them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from include.staging import cache_directory, read_json, read_jsonl, run_directory
from sandbox.airflow_runs import load_dag, sync_interval
from sandbox.recruit_ai.client import RecruitAiSandboxClient
from tests.conftest import ANCHOR
from tests.e2e.conftest import DAG_ID
from tests.e2e.test_talent_rover_reliability import _live_candidates

HOUR = timedelta(hours=1)
DOWNLOAD_ROUTE = "blob"
QUERY_ROUTES = ("limits", "query", "query_more")


def _calls(services: Any) -> dict[str, int]:
    return dict(services.salesforce_state()["calls_by_route"])


def _spent(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {
        route: after[route] - before.get(route, 0) for route in after if after[route] != before.get(route)
    }


def _resume_documents(org: Any, contact_ids: list[str]) -> dict[str, str]:
    """Contact id → its current résumé document (default first, then highest version), as the model says."""
    wanted, best = set(contact_ids), {}
    for document_id, document in org.tables["TR1__ContactDocument__c"].items():
        contact = document["TR1__Contact__c"]
        if contact not in wanted or document["TR1__Type__c"] != "Resume" or document["IsDeleted"]:
            continue
        rank = (bool(document["TR1__isDefault__c"]), float(document["TR1__Version__c"]))
        if contact not in best or rank > best[contact][0]:
            best[contact] = (rank, document_id)
    return {contact: document_id for contact, (_, document_id) in best.items()}


def _touch(org: Any, contact_ids: list[str], stamp: Any) -> None:
    org.update("Contact", contact_ids, {}, stamp)


def _resumes_step(run: Any) -> dict[str, Any]:
    summary = read_json(run_directory(DAG_ID, run.run_id) / "summary.json")
    return {row["object"]: row for row in summary["objects"]}["candidates"]


def test_a_hundred_changed_candidates_with_ten_changed_resumes_cost_ten_downloads(
    dag: Any, services: Any, recruit_ai: RecruitAiSandboxClient
) -> None:
    org = services.org
    first, second = ANCHOR + 2 * HOUR, ANCHOR + 3 * HOUR
    documents = _resume_documents(org, _live_candidates(org, with_resume=True))
    candidates = sorted(documents)[:100]
    assert len(candidates) == 100, "the sandbox org has too few candidates with a résumé"

    # The first window reads every résumé once, filling the cache.
    _touch(org, candidates, first + timedelta(minutes=20))
    before = _calls(services)
    assert sync_interval(dag, first).state == "success"
    warm = _spent(before, _calls(services))
    first_text = {c: (recruit_ai.candidate(f"c{c}") or {}).get("Resume") for c in candidates}
    with_text = [c for c in candidates if first_text[c]]
    assert len(with_text) >= 50, "too few résumés were readable to measure anything"
    assert warm[DOWNLOAD_ROUTE] >= len(with_text)

    # The second window: all 100 contacts changed again, and 10 of their résumé documents.
    changed = with_text[:10]
    _touch(org, candidates, second + timedelta(minutes=20))
    org.update("TR1__ContactDocument__c", [documents[c] for c in changed], {}, second + timedelta(minutes=25))
    before = _calls(services)
    run = sync_interval(dag, second)
    spent = _spent(before, _calls(services))

    assert run.state == "success"
    query_pages = sum(spent.get(route, 0) for route in QUERY_ROUTES)
    assert spent.get(DOWNLOAD_ROUTE, 0) == 10, spent
    assert sum(spent.values()) <= query_pages + 10, spent
    row = _resumes_step(run)
    assert row["posted"] >= len(with_text)
    for contact_id in with_text:
        stored = recruit_ai.candidate(f"c{contact_id}")
        assert stored is not None
        assert stored["Resume"] == first_text[contact_id], f"c{contact_id}: another text on a cache hit"


def test_a_lost_cache_costs_downloads_never_a_wrong_text(
    dag: Any, services: Any, recruit_ai: RecruitAiSandboxClient
) -> None:
    org = services.org
    first, second = ANCHOR + 5 * HOUR, ANCHOR + 6 * HOUR
    documents = _resume_documents(org, _live_candidates(org, with_resume=True))
    candidates = sorted(documents)[100:120]
    _touch(org, candidates, first + timedelta(minutes=20))
    assert sync_interval(dag, first).state == "success"
    expected_text = {c: recruit_ai.candidate(f"c{c}")["Resume"] for c in candidates}  # type: ignore[index]
    downloads_when_cold = sum(bool(text) for text in expected_text.values())

    # Damage every shard file (garbage bytes), then sync the same candidates again.
    cache = cache_directory("talent_rover-resumes")
    shards = list(cache.rglob("*.json.gz"))
    assert shards, "the first run wrote no cache"
    for path in shards:
        with path.open("wb") as out:
            out.write(b"\x1f\x8b not really gzip")
    _touch(org, candidates, second + timedelta(minutes=20))
    before = _calls(services)
    assert sync_interval(dag, second).state == "success"

    assert _spent(before, _calls(services)).get(DOWNLOAD_ROUTE, 0) >= downloads_when_cold
    for contact_id, text in expected_text.items():
        assert recruit_ai.candidate(f"c{contact_id}")["Resume"] == text  # type: ignore[index]


def test_a_resume_over_max_resume_bytes_is_skipped_with_its_reason_and_not_remembered(
    dag: Any, services: Any, recruit_ai: RecruitAiSandboxClient
) -> None:
    org = services.org
    first, second = ANCHOR + 8 * HOUR, ANCHOR + 9 * HOUR
    documents = _resume_documents(org, _live_candidates(org, with_resume=True))
    candidates = sorted(documents)[120:130]
    _touch(org, candidates, first + timedelta(minutes=20))

    small = sync_interval(dag, first, conf={"max_resume_bytes": 64})

    assert small.state == "success"
    skipped = list(read_jsonl(run_directory(DAG_ID, small.run_id) / "candidate-rejects.jsonl"))
    too_large = {row["id"] for row in skipped if "file too large" in row["reason"]}
    assert too_large == set(candidates)
    assert all("the limit is 64 bytes" in row["reason"] for row in skipped if row["id"] in too_large)
    assert not any(recruit_ai.candidate(f"c{c}") for c in candidates)

    # The refusal was about this run's limit, not the file: the next run reads them.
    # (Parsed again: dag.test() leaves a run's conf in the DAG object's params.)
    _touch(org, candidates, second + timedelta(minutes=20))
    assert sync_interval(load_dag(DAG_ID), second).state == "success"
    assert sum(bool((recruit_ai.candidate(f"c{c}") or {}).get("Resume")) for c in candidates) >= 5
