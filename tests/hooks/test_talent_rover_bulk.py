"""TalentRoverHook's Bulk API 2.0 query jobs against the sandbox Salesforce, over HTTPS on 127.0.0.1.

The Bulk answers are compared with what the REST query of the same SOQL returns,
so the CSV typing is checked against the API's own JSON, not against expectations
written here. Faults are the sandbox's own, injected on the wire.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests

from include.talent_rover.api_usage import ApiBudget, ApiLimitReached
from include.talent_rover.soql import window_query
from include.window import Window
from sandbox.faults import FaultPlan
from talent_rover_hook import BulkJobFailed, TalentRoverHook
from tests.conftest import ANCHOR

# Every job, deleted ones included, with a relationship field, a boolean and datetimes.
JOBS = window_query(
    "TR1__Job__c",
    ["Id", "SystemModstamp", "IsDeleted", "Name", "TR1__Account__r.Name", "CreatedDate", "TR1__Status__c"],
    Window(None, ANCHOR + timedelta(days=365)),
)
CONTACTS = window_query(
    "Contact", ["Id", "SystemModstamp", "IsDeleted", "LastName"], Window(None, ANCHOR + timedelta(days=365))
)


def _bulk_admin(services: Any, settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """GET (or POST ``settings`` to) the sandbox's ``/sandbox/bulk``: settings and every job's state."""
    url = f"{services.salesforce_url}/sandbox/bulk"
    verify = str(services.tls.ca_bundle)
    if settings is None:
        response = requests.get(url, verify=verify, timeout=10)
    else:
        response = requests.post(url, json=settings, verify=verify, timeout=10)
    response.raise_for_status()
    return response.json()


@pytest.fixture(autouse=True)
def default_settings(services: Any) -> Iterator[None]:
    services.set_api_usage(0)
    _bulk_admin(services, {})
    yield
    _bulk_admin(services, {})
    services.set_faults(FaultPlan())
    services.set_api_usage(0)


def _hook(budget: ApiBudget | None = None) -> TalentRoverHook:
    hook = TalentRoverHook(budget=budget)
    hook.backoff_base_seconds = 0.01
    hook.bulk_poll_base_seconds = 0.01
    return hook


def _rest_records(soql: str) -> list[dict[str, Any]]:
    """The records REST returns for ``soql`` (queryAll), without the per-record ``attributes``."""

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items() if key != "attributes"}
        return value

    return [plain(record) for page in _hook().query_pages(soql, include_deleted=True) for record in page]


def _routes(services: Any) -> dict[str, int]:
    return dict(services.salesforce_state()["calls_by_route"])


def test_bulk_pages_hold_what_rest_returns_typed_alike_each_record_once(services: Any) -> None:
    expected = _rest_records(JOBS)
    assert {type(record["IsDeleted"]) for record in expected} == {bool}
    assert any(record["TR1__Account__r"] for record in expected)
    before = _routes(services)
    hook = _hook()

    pages = list(hook.bulk_query_pages(JOBS, max_records=10, page_size=10))

    assert [record for page in pages for record in page] == expected
    assert [len(page) for page in pages[:-1]] == [10] * (len(pages) - 1)
    assert len(pages) == -(-len(expected) // 10)
    spent = {route: count - before.get(route, 0) for route, count in _routes(services).items()}
    # Create, polls until complete (2 by the sandbox's default), the job and the account describes,
    # a call per page, delete: and nothing else.
    assert spent["bulk_jobs"] == 1
    assert spent["bulk_job"] == 2 + 1
    assert spent["describe"] == 2
    assert spent["bulk_results"] == len(pages)
    assert hook.calls_made == sum(spent.values())
    assert _bulk_admin(services)["jobs"] == {}, "the job is deleted"


def test_pages_hold_page_size_records_whatever_the_result_pages_hold(services: Any) -> None:
    expected = _rest_records(CONTACTS)
    assert len(expected) > 60, "the sandbox org should hold more contacts than a few small pages"
    for max_records, page_size, result_pages in ((len(expected), 15, 1), (25, 10, -(-len(expected) // 25))):
        before = _routes(services)

        pages = list(_hook().bulk_query_pages(CONTACTS, max_records=max_records, page_size=page_size))

        assert [record for page in pages for record in page] == expected
        assert [len(page) for page in pages[:-1]] == [page_size] * (len(pages) - 1)
        assert 0 < len(pages[-1]) <= page_size
        assert _routes(services)["bulk_results"] - before.get("bulk_results", 0) == result_pages


def test_query_pages_with_total_counts_with_its_first_page(services: Any) -> None:
    hook = _hook()
    total, pages = hook.query_pages_with_total(CONTACTS, include_deleted=True, batch_size=200)
    assert hook.calls_made == 1
    records = [record for page in pages for record in page]
    assert total == len(records) == len({record["Id"] for record in records})
    assert hook.calls_made == -(-total // 200)


def test_faulty_result_pages_and_polls_are_retried_alone(services: Any) -> None:
    expected = _rest_records(CONTACTS)
    services.set_faults(
        FaultPlan(
            seed=5,
            truncate_rate={"bulk_results": 0.25},
            reset_rate={"bulk_results": 0.1},
            error_rate={"bulk_job": 0.3, "describe": 0.3},
        )
    )
    hook = _hook()
    pages = list(hook.bulk_query_pages(CONTACTS, max_records=100, page_size=30))
    assert [record for page in pages for record in page] == expected, "a page cut short is asked again"
    assert [len(page) for page in pages[:-1]] == [30] * (len(pages) - 1)
    assert hook.calls_made > 1 + 2 + 1 + -(-len(expected) // 100) + 1, "faults should have cost retries"
    assert _bulk_admin(services)["jobs"] == {}


def test_a_failed_job_is_a_clear_error_and_is_deleted(services: Any) -> None:
    _bulk_admin(services, {"fail_next": 1})
    with pytest.raises(BulkJobFailed, match="Failed: Retried more than 15 times"):
        list(_hook().bulk_query_pages(CONTACTS))
    assert _bulk_admin(services)["jobs"] == {}


def test_a_job_that_takes_too_long_is_aborted_and_deleted(services: Any) -> None:
    _bulk_admin(services, {"polls_to_complete": 1000})
    hook = _hook()
    hook.bulk_max_wait_seconds = 0.2
    with pytest.raises(BulkJobFailed, match=r"not complete after 0.2 s \(state InProgress\)"):
        list(hook.bulk_query_pages(CONTACTS))
    assert _bulk_admin(services)["jobs"] == {}


def test_the_run_budget_stops_a_bulk_read_before_the_call_past_it(services: Any) -> None:
    hook = _hook(ApiBudget(max_usage_pct=100, max_calls=5))
    pages = hook.bulk_query_pages(CONTACTS, max_records=100, page_size=100)
    next(pages)  # create, 2 polls, the first page, describe: 5 calls
    with pytest.raises(ApiLimitReached, match="budget"):
        next(pages)  # the second page would be the 6th call: neither it nor delete is made
    assert hook.calls_made == 5
    assert list(_bulk_admin(services)["jobs"].values()) == ["JobComplete"], "left to expire"


def test_bulk_refuses_what_rest_takes_with_a_clear_error(services: Any) -> None:
    with pytest.raises(Exception, match="INVALIDJOB"):
        list(_hook().bulk_query_pages("SELECT COUNT() FROM Contact"))
