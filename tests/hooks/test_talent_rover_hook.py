"""TalentRoverHook against the sandbox Salesforce, over HTTPS on 127.0.0.1."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from typing import Any

import pytest

from include.resume_files import FileTooLarge
from include.talent_rover.soql import window_query
from include.window import Window
from talent_rover_hook import SalesforceApiError, TalentRoverHook
from tests.conftest import ANCHOR


@pytest.fixture
def hook(services: Any) -> TalentRoverHook:
    return TalentRoverHook()


def test_oauth_password_flow_against_instance_url_and_limits(hook: TalentRoverHook, services: Any) -> None:
    usage = hook.api_usage()
    assert usage.max == 15000
    assert 0 < usage.used < usage.max
    assert hook.calls_made == 1
    assert hook.conn.sf_instance == services.salesforce_url.removeprefix("https://")


def test_query_pages_follow_next_records_url(hook: TalentRoverHook, services: Any) -> None:
    # Every contact: other tests touch records after ANCHOR.
    soql = window_query("Contact", ["Id", "SystemModstamp"], Window(None, ANCHOR + timedelta(days=365)))
    pages = list(hook.query_pages(soql, batch_size=200))
    ids = [record["Id"] for page in pages for record in page]
    live_contacts = services.salesforce_state()["counts"]["Contact"]
    assert len(ids) == len(set(ids)) == live_contacts
    assert len(pages) == -(-live_contacts // 200)  # ceil: every page but the last is full
    assert hook.calls_made == len(pages)
    assert hook.last_usage is not None
    assert hook.last_usage.used == services.salesforce_state()["api_usage"]["used"]


def test_salesforce_errors_become_clear_exceptions(hook: TalentRoverHook) -> None:
    with pytest.raises(SalesforceApiError, match="INVALID_FIELD") as error:
        list(hook.query_pages("SELECT NoSuchField__c FROM Contact"))
    assert error.value.status == 400
    with pytest.raises(SalesforceApiError, match="MALFORMED_QUERY"):
        list(hook.query_pages("SELECT FROM WHERE"))


def test_missing_file_downloads_as_none(hook: TalentRoverHook) -> None:
    assert hook.download("Attachment", "00P000000000000AAA", "Body") is None


def test_a_file_over_max_bytes_is_refused_unread(hook: TalentRoverHook, services: Any) -> None:
    attachment_id = next(iter(services.org.tables["Attachment"]))
    body = hook.download("Attachment", attachment_id, "Body")
    assert body is not None
    assert body == hook.download("Attachment", attachment_id, "Body", max_bytes=len(body))
    with pytest.raises(FileTooLarge, match=f"the limit is {len(body) - 1:,} bytes") as refused:
        hook.download("Attachment", attachment_id, "Body", max_bytes=len(body) - 1)
    assert refused.value.limit == len(body) - 1
    assert hook.calls_made == 3  # a refusal costs its one call, no retry


def test_wrong_password_fails_naming_the_connection(services: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    connection = json.loads(os.environ["AIRFLOW_CONN_SALESFORCE_DEFAULT"])
    connection["password"] = "wrong"
    monkeypatch.setenv("AIRFLOW_CONN_SALESFORCE_BAD", json.dumps(connection))
    with pytest.raises(Exception, match=r"salesforce_bad.*invalid_grant"):
        TalentRoverHook("salesforce_bad").api_usage()


def test_threads_sharing_a_hook_never_overshoot_its_budget(services: Any) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from include.talent_rover.api_usage import ApiBudget, ApiLimitReached

    hook = TalentRoverHook(budget=ApiBudget(max_usage_pct=100, max_calls=5))
    attachments = list(services.org.tables["Attachment"])[:12]
    before = services.salesforce_state()["api_usage"]["used"]

    def download(attachment_id: str) -> str:
        try:
            hook.download("Attachment", attachment_id, "Body")
        except ApiLimitReached:
            return "refused"
        return "downloaded"

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(download, attachments))
    assert outcomes.count("downloaded") == 5
    assert hook.calls_made == 5
    # The org's counter agrees (the login is no API call).
    assert services.salesforce_state()["api_usage"]["used"] - before == 5


def test_an_older_usage_answered_late_does_not_lower_the_usage_seen(services: Any) -> None:
    from include.talent_rover.api_usage import ApiBudget, ApiLimitReached, ApiUsage

    # Two downloads sent at once: the second is answered first, at the threshold; the
    # first's answer, with the older and lower figure, arrives after it.
    hook = TalentRoverHook(budget=ApiBudget(max_usage_pct=80, start_usage=ApiUsage(11_998, 15_000)))
    hook._reserve_call()
    hook._reserve_call()
    hook._answered(ApiUsage(12_000, 15_000))
    hook._answered(ApiUsage(11_999, 15_000))
    assert hook.last_usage == ApiUsage(12_000, 15_000)
    with pytest.raises(ApiLimitReached, match="12000 of 15000"):
        hook._reserve_call()
