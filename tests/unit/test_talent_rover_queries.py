"""The SOQL the sync builds, the résumé choice, API usage parsing and windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from include.talent_rover.api_usage import ApiUsage, parse_limit_info, usage_from_limits
from include.talent_rover.resumes import current_documents, resume_file
from include.talent_rover.soql import (
    MAX_IDS_PER_QUERY,
    quoted_ids,
    resume_documents_query,
    soql_datetime,
    window_query,
)
from include.window import Window, window_for_run

START = datetime(2026, 11, 2, 9, tzinfo=UTC)
END = START + timedelta(hours=1)


def test_window_query_selects_fields_filter_and_half_open_interval() -> None:
    soql = window_query(
        "Contact", ["Id", "FirstName"], Window(START, END), "TR1__Candidate_Status__c != null"
    )
    assert soql == (
        "SELECT Id, FirstName FROM Contact WHERE (TR1__Candidate_Status__c != null) "
        "AND SystemModstamp >= 2026-11-02T09:00:00Z AND SystemModstamp < 2026-11-02T10:00:00Z "
        "ORDER BY SystemModstamp ASC, Id ASC"
    )


def test_full_resync_window_has_no_lower_bound() -> None:
    soql = window_query("TR1__Job__c", ["Id"], window_for_run(START, END, full_resync=True))
    assert "SystemModstamp >=" not in soql
    assert "SystemModstamp < 2026-11-02T10:00:00Z" in soql


def test_soql_datetime_is_utc_whatever_the_input_zone() -> None:
    paris = timezone(timedelta(hours=1))
    assert soql_datetime(datetime(2026, 11, 2, 10, 30, 5, 999000, tzinfo=paris)) == "2026-11-02T09:30:05Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        soql_datetime(datetime(2026, 11, 2, 10))


def test_window_refuses_naive_or_empty_intervals() -> None:
    with pytest.raises(ValueError, match="not before"):
        Window(END, START)
    with pytest.raises(ValueError, match="timezone-aware"):
        Window(None, datetime(2026, 1, 1))


def test_ids_are_validated_before_they_enter_a_query() -> None:
    assert quoted_ids(["003000000000001AAA", "003000000000002"]) == "'003000000000001AAA', '003000000000002'"
    with pytest.raises(ValueError, match="not a Salesforce id"):
        quoted_ids(["003000000000001AAA' OR Name != '"])


def test_resume_documents_query_takes_a_bounded_batch() -> None:
    ids = [f"003{n:015d}" for n in range(MAX_IDS_PER_QUERY)]
    soql = resume_documents_query(ids)
    assert soql.startswith("SELECT Id, TR1__Contact__c")
    assert "TR1__Type__c = 'Resume'" in soql
    assert soql.count("'003") == MAX_IDS_PER_QUERY
    with pytest.raises(ValueError, match="contact ids per query"):
        resume_documents_query([*ids, "003999999999999999"])


def _document(doc_id: str, contact: str, *, default: bool, version: float, stamp: str = "2026-01-01") -> dict:
    return {
        "Id": doc_id,
        "TR1__Contact__c": contact,
        "TR1__isDefault__c": default,
        "TR1__Version__c": version,
        "SystemModstamp": stamp,
    }


def test_current_resume_prefers_default_then_highest_version() -> None:
    documents = [
        _document("a0C000000000001AAA", "c1", default=False, version=3.0),
        _document("a0C000000000002AAA", "c1", default=True, version=1.0),
        _document("a0C000000000003AAA", "c2", default=False, version=1.0),
        _document("a0C000000000004AAA", "c2", default=False, version=2.0),
    ]
    current = current_documents(documents)
    assert current["c1"]["Id"] == "a0C000000000002AAA"
    assert current["c2"]["Id"] == "a0C000000000004AAA"


def test_resume_file_from_attachment_url_or_content_version() -> None:
    attachment = resume_file(
        {"Id": "a0C1", "TR1__Internal_URL__c": "/servlet/servlet.FileDownload?file=00P000000000001AAA"}
    )
    assert attachment is not None
    assert (attachment.sobject, attachment.file_id, attachment.blob_field) == (
        "Attachment",
        "00P000000000001AAA",
        "Body",
    )
    version = resume_file(
        {"Id": "a0C2", "TR1__Internal_URL__c": None, "TR1__ContentVersionId__c": "068000000000001"}
    )
    assert version is not None
    assert (version.sobject, version.blob_field) == ("ContentVersion", "VersionData")
    # An id that would change the download URL's path is refused.
    assert resume_file({"Id": "a0C3", "TR1__Internal_URL__c": "/x?file=../../limits"}) is None


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("api-usage=18/5000", ApiUsage(18, 5000)),
        ("api-usage=25/5000; per-app-api-usage=17/250(appName=sample-connected-app)", ApiUsage(25, 5000)),
        ("api-usage=14999/15000; api-bursts=3/10", ApiUsage(14999, 15000)),
        ("per-app-api-usage=17/250(appName=x); api-usage=7/100", ApiUsage(7, 100)),
        ("", None),
        (None, None),
        ("garbage", None),
    ],
)
def test_limit_info_header_in_all_its_forms(header: str | None, expected: ApiUsage | None) -> None:
    assert parse_limit_info(header) == expected


def test_usage_threshold_and_limits_body() -> None:
    usage = usage_from_limits({"DailyApiRequests": {"Max": 15000, "Remaining": 3000}})
    assert usage == ApiUsage(12000, 15000)
    assert usage.reached(80)
    assert not usage.reached(81)
    with pytest.raises(ValueError, match="DailyApiRequests"):
        usage_from_limits({"DataStorageMB": {}})
