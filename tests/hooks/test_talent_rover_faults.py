"""TalentRoverHook against a faulty sandbox Salesforce: each fault handled its own way.

The faults are the sandbox's own (``sandbox/faults.py``), injected on the wire;
the hook and ``requests`` run unpatched. Backoff pauses are shortened on the
hook instance so the tests stay quick; the retry logic is the same.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from include.talent_rover.api_usage import ApiBudget, ApiLimitReached
from include.talent_rover.errors import MalformedResponse, QueryTimeout
from include.talent_rover.soql import window_query
from include.window import Window
from sandbox.faults import FaultPlan
from talent_rover_hook import TalentRoverHook
from tests.conftest import ANCHOR, SPREAD

ALL_CONTACTS = window_query("Contact", ["Id", "SystemModstamp"], Window(ANCHOR - SPREAD, ANCHOR))


@pytest.fixture(autouse=True)
def no_faults_after(services: Any) -> Iterator[None]:
    services.set_api_usage(0)
    yield
    services.set_faults(FaultPlan())
    services.set_api_usage(0)


def _hook(budget: ApiBudget | None = None) -> TalentRoverHook:
    hook = TalentRoverHook(budget=budget)
    hook.backoff_base_seconds = 0.01
    return hook


def _read_limits(hook: TalentRoverHook, *, times: int) -> None:
    for _ in range(times):
        hook.api_usage()


def _ids(hook: TalentRoverHook, soql: str = ALL_CONTACTS) -> list[str]:
    return [record["Id"] for page in hook.query_pages(soql, batch_size=200) for record in page]


def test_server_errors_resets_and_truncated_pages_are_retried_page_by_page(services: Any) -> None:
    expected = _ids(_hook())
    pages = -(-len(expected) // 200)
    services.set_faults(
        FaultPlan(
            seed=11,
            error_rate={"query_more": 0.3},
            reset_rate={"query_more": 0.2},
            truncate_rate={"query_more": 0.2},
        )
    )
    used_before = services.salesforce_state()["api_usage"]["used"]
    hook = _hook()

    assert _ids(hook) == expected  # every record once, in order
    served = services.salesforce_state()["api_usage"]["used"] - used_before
    # Injected errors and resets never reach the API; truncated answers did, and were asked
    # for again. A query restarted from the top would have cost every page twice.
    assert pages <= served < 2 * pages
    assert hook.calls_made > pages, "faults should have cost retries"


def test_an_expired_session_logs_in_again(services: Any) -> None:
    expected = _ids(_hook())
    services.set_faults(FaultPlan(session_expires_after=2))
    hook = _hook()
    assert _ids(hook) == expected


def test_503_bursts_wait_out_retry_after(services: Any) -> None:
    services.set_faults(FaultPlan(rate_limit_every=2, rate_limit_burst=1, retry_after_seconds=1))
    hook = _hook()
    started = time.monotonic()
    usage = hook.api_usage()
    hook.api_usage()
    assert usage.max == 15000
    assert time.monotonic() - started >= 1.0, "the second call should have waited Retry-After"


def test_a_persistently_broken_answer_is_a_clear_error(services: Any) -> None:
    services.set_faults(FaultPlan(truncate_rate={"query": 1.0}))
    hook = _hook()
    with pytest.raises(MalformedResponse, match="not JSON"):
        _ids(hook)
    assert hook.calls_made == hook.max_attempts, "bounded: one try per attempt, then stop"


def test_a_page_that_ends_early_is_an_error(services: Any) -> None:
    services.set_faults(FaultPlan(short_page_rate={"query_more": 1.0}))
    with pytest.raises(MalformedResponse, match="ended early"):
        _ids(_hook())


def test_query_timeout_is_its_own_error(services: Any) -> None:
    services.set_faults(FaultPlan(query_timeout_over_hours=2))
    with pytest.raises(QueryTimeout, match="QUERY_TIMEOUT"):
        _ids(_hook())
    narrow = window_query("Contact", ["Id"], Window(ANCHOR - SPREAD, ANCHOR - SPREAD + SPREAD / 24))
    assert _ids(_hook(), narrow), "a narrow window still answers"


def test_the_run_budget_stops_before_the_call_past_it(services: Any) -> None:
    hook = _hook(ApiBudget(max_usage_pct=100, max_calls=2))
    pages = hook.query_pages(ALL_CONTACTS, batch_size=200)
    next(pages)
    next(pages)
    with pytest.raises(ApiLimitReached, match="budget"):
        next(pages)
    assert hook.calls_made == 2


def test_the_org_threshold_stops_before_a_call_past_it(services: Any) -> None:
    services.set_api_usage(11_997, 15_000)  # 80 % is 12,000: three calls left below it
    hook = _hook(ApiBudget(max_usage_pct=80))
    with pytest.raises(ApiLimitReached, match="12000 of 15000"):
        _ids(hook)
    assert services.salesforce_state()["api_usage"]["used"] == 12_000
    assert hook.calls_made == 3


def test_the_threshold_holds_when_other_users_spend_the_allowance(services: Any) -> None:
    services.set_api_usage(11_900, 15_000)
    services.set_faults(FaultPlan(other_users_calls_per_call=30))
    hook = _hook(ApiBudget(max_usage_pct=80))
    with pytest.raises(ApiLimitReached):
        _read_limits(hook, times=20)
    # Our calls see 11,901, 11,932, 11,963, 11,994, then 12,025: we stop at the first answer over.
    assert hook.last_usage is not None
    assert hook.last_usage.used == 12_025
    assert hook.calls_made == 5
