"""Bulk API 2.0 query jobs of the sandbox Salesforce over HTTPS: jobs, CSV pages, usage, errors, faults."""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce

from sandbox.salesforce.bulk import BulkSettings
from tests.sandbox.conftest import API, SALESFORCE_ANCHOR, RunningSalesforce

JOBS = f"{API}/jobs/query"
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000")
CREATED_KEYS = [
    "id",
    "operation",
    "object",
    "createdById",
    "createdDate",
    "systemModstamp",
    "state",
    "concurrencyMode",
    "contentType",
    "apiVersion",
    "lineEnding",
    "columnDelimiter",
]


def _usage(response: requests.Response) -> int:
    match = re.fullmatch(r"api-usage=(\d+)/(\d+)", response.headers["Sforce-Limit-Info"])
    assert match is not None
    return int(match.group(1))


def _errors(response: requests.Response) -> tuple[int, str, str]:
    body = response.json()
    assert isinstance(body, list)
    assert set(body[0]) == {"errorCode", "message"}
    return response.status_code, body[0]["errorCode"], body[0]["message"]


def _create(session: requests.Session, url: str, soql: str, **options: str) -> requests.Response:
    body = {"operation": "query", "query": soql, **options}
    return session.post(f"{url}{JOBS}", json=body, timeout=10)


def _poll(session: requests.Session, url: str, job_id: str) -> dict[str, Any]:
    response = session.get(f"{url}{JOBS}/{job_id}", timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def _complete(session: requests.Session, url: str, soql: str, **options: str) -> dict[str, Any]:
    """Create a job and poll it until it ends (the default settings end it on the second poll)."""
    created = _create(session, url, soql, **options)
    assert created.status_code == 200, created.text
    for _ in range(10):
        job = _poll(session, url, created.json()["id"])
        if job["state"] in ("JobComplete", "Failed", "Aborted"):
            return job
    raise AssertionError("the job never ended")


def _pages(session: requests.Session, url: str, job_id: str, **params: Any) -> list[requests.Response]:
    pages = [session.get(f"{url}{JOBS}/{job_id}/results", params=params, timeout=30)]
    while pages[-1].headers["Sforce-Locator"] != "null":
        locator = pages[-1].headers["Sforce-Locator"]
        pages.append(
            session.get(f"{url}{JOBS}/{job_id}/results", params={**params, "locator": locator}, timeout=30)
        )
    return pages


def _rows(page: requests.Response, delimiter: str = ",") -> list[dict[str, str]]:
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/csv"
    return list(csv.DictReader(io.StringIO(page.content.decode("utf-8"), newline=""), delimiter=delimiter))


def _live(running: RunningSalesforce, sobject: str) -> set[str]:
    return {i for i, record in running.org.tables[sobject].items() if not record["IsDeleted"]}


# ---- the job's life ---------------------------------------------------------------------------


def test_create_poll_read_and_delete_a_job(salesforce_fresh: Callable[..., RunningSalesforce]) -> None:
    running = salesforce_fresh()
    session, url = running.login(), running.url
    created = _create(
        session, url, "SELECT Id, LastName FROM Contact", columnDelimiter="COMMA", lineEnding="LF"
    )
    assert created.status_code == 200
    job = created.json()
    assert list(job) == CREATED_KEYS
    assert job["id"].startswith("750")
    assert len(job["id"]) == 18
    assert (job["operation"], job["object"], job["state"]) == ("query", "Contact", "UploadComplete")
    assert (job["concurrencyMode"], job["contentType"], job["apiVersion"]) == ("Parallel", "CSV", 62.0)
    assert job["createdById"] == running.org.user_id
    assert DATETIME.fullmatch(job["createdDate"])
    assert DATETIME.fullmatch(job["systemModstamp"])

    first = _poll(session, url, job["id"])
    assert (first["state"], first["numberRecordsProcessed"], first["jobType"]) == ("InProgress", 0, "V2Query")
    second = _poll(session, url, job["id"])
    live = _live(running, "Contact")
    assert second["state"] == "JobComplete"
    assert second["numberRecordsProcessed"] == len(live)
    assert second["retries"] == 0
    assert second["totalProcessingTime"] >= 0
    assert "errorMessage" not in second

    listed = session.get(f"{url}{JOBS}", timeout=10).json()
    assert listed["done"] is True
    assert listed["nextRecordsUrl"] is None
    assert [(j["id"], j["state"]) for j in listed["records"]] == [(job["id"], "JobComplete")]

    (page,) = _pages(session, url, job["id"])
    rows = _rows(page)
    assert page.headers["Sforce-NumberOfRecords"] == str(len(live))
    assert page.content.decode().splitlines()[0] == '"Id","LastName"'
    assert {row["Id"] for row in rows} == live
    assert all(row["LastName"] == running.org.tables["Contact"][row["Id"]]["LastName"] for row in rows)

    deleted = session.delete(f"{url}{JOBS}/{job['id']}", timeout=10)
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert _errors(session.get(f"{url}{JOBS}/{job['id']}", timeout=10))[:2] == (404, "NOT_FOUND")
    assert session.get(f"{url}{JOBS}", timeout=10).json()["records"] == []


def test_results_wait_for_the_job_to_complete_by_time(
    salesforce_fresh: Callable[..., RunningSalesforce],
) -> None:
    running = salesforce_fresh(bulk=BulkSettings(polls_to_complete=None, seconds_to_complete=0.3))
    session, url = running.login(), running.url
    job_id = _create(session, url, "SELECT Id FROM TR1__Job__c").json()["id"]
    early = session.get(f"{url}{JOBS}/{job_id}/results", timeout=10)
    assert _errors(early)[:2] == (400, "API_ERROR")
    assert "UploadComplete" in _errors(early)[2]
    assert _poll(session, url, job_id)["state"] == "InProgress"
    time.sleep(0.35)
    rows = _rows(session.get(f"{url}{JOBS}/{job_id}/results", timeout=10))
    assert {row["Id"] for row in rows} == _live(running, "TR1__Job__c")
    assert _poll(session, url, job_id)["state"] == "JobComplete"


def test_aborted_and_failed_jobs(salesforce_fresh: Callable[..., RunningSalesforce]) -> None:
    running = salesforce_fresh(bulk=BulkSettings(fail_next=1))
    session, url = running.login(), running.url
    failed = _complete(session, url, "SELECT Id FROM Contact")
    assert (failed["state"], failed["retries"]) == ("Failed", 15)
    assert failed["errorMessage"] == "Retried more than 15 times"
    assert _errors(session.get(f"{url}{JOBS}/{failed['id']}/results", timeout=10))[:2] == (400, "API_ERROR")
    assert _complete(session, url, "SELECT Id FROM Contact")["state"] == "JobComplete", (
        "only the next job fails"
    )

    job_id = _create(session, url, "SELECT Id FROM Contact").json()["id"]
    aborted = session.patch(f"{url}{JOBS}/{job_id}", json={"state": "Aborted"}, timeout=10)
    assert aborted.status_code == 200
    assert list(aborted.json()) == CREATED_KEYS
    assert aborted.json()["state"] == "Aborted"
    assert [_poll(session, url, job_id)["state"] for _ in range(3)] == ["Aborted"] * 3
    again = session.patch(f"{url}{JOBS}/{job_id}", json={"state": "Aborted"}, timeout=10)
    assert _errors(again)[:2] == (400, "API_ERROR")

    running.admin("POST", "bulk", {"fail_next": 1, "polls_to_complete": 1})
    assert running.admin("GET", "bulk")["settings"]["fail_next"] == 1
    job_id = _create(session, url, "SELECT Id FROM Account").json()["id"]
    assert _poll(session, url, job_id)["state"] == "Failed"


def test_jobs_in_progress_cannot_be_deleted(salesforce_fresh: Callable[..., RunningSalesforce]) -> None:
    running = salesforce_fresh(bulk=BulkSettings(polls_to_complete=3))
    session, url = running.login(), running.url
    job_id = _create(session, url, "SELECT Id FROM Account").json()["id"]
    _poll(session, url, job_id)
    assert _errors(session.delete(f"{url}{JOBS}/{job_id}", timeout=10))[:2] == (400, "API_ERROR")
    session.patch(f"{url}{JOBS}/{job_id}", json={"state": "Aborted"}, timeout=10)
    assert session.delete(f"{url}{JOBS}/{job_id}", timeout=10).status_code == 204


# ---- paging and contents ------------------------------------------------------------------------


def test_locator_pages_cover_a_window_exactly_once(
    salesforce_sandbox: RunningSalesforce, salesforce_session: requests.Session
) -> None:
    url = salesforce_sandbox.url
    start = SALESFORCE_ANCHOR - timedelta(hours=30)
    end = start + timedelta(hours=6)
    soql = (
        "SELECT Id, SystemModstamp FROM Contact "
        f"WHERE SystemModstamp >= {start:%Y-%m-%dT%H:%M:%SZ} AND SystemModstamp < {end:%Y-%m-%dT%H:%M:%SZ} "
        "ORDER BY SystemModstamp ASC, Id ASC"
    )
    job = _complete(salesforce_session, url, soql)
    expected = [
        record_id
        for _, record_id in sorted(
            (c["SystemModstamp"], i)
            for i, c in salesforce_sandbox.org.tables["Contact"].items()
            if not c["IsDeleted"] and start <= c["SystemModstamp"] < end
        )
    ]
    assert len(expected) > 200, "the window should need several pages"
    assert job["numberRecordsProcessed"] == len(expected)

    pages = _pages(salesforce_session, url, job["id"], maxRecords=97)
    counts = [int(page.headers["Sforce-NumberOfRecords"]) for page in pages]
    assert counts == [97] * (len(expected) // 97) + ([len(expected) % 97] if len(expected) % 97 else [])
    ids = [row["Id"] for page in pages for row in _rows(page)]
    assert ids == expected
    assert [len(_rows(page)) for page in pages] == counts

    # A locator stays valid while the job exists: the same page can be read again.
    locator = pages[0].headers["Sforce-Locator"]
    params: dict[str, Any] = {"maxRecords": 97, "locator": locator}
    again = salesforce_session.get(f"{url}{JOBS}/{job['id']}/results", params=params, timeout=10)
    assert again.content == pages[1].content

    # Without maxRecords, one large page holds all of it.
    (whole,) = _pages(salesforce_session, url, job["id"])
    assert [row["Id"] for row in _rows(whole)] == expected


def test_query_all_includes_deleted_records_and_query_does_not(
    salesforce_fresh: Callable[..., RunningSalesforce],
) -> None:
    running = salesforce_fresh()
    session, url = running.login(), running.url
    job_record = next(iter(running.org.tables["TR1__Job__c"]))
    running.admin("POST", "records/TR1__Job__c/delete", {"ids": [job_record]})
    soql = "SELECT Id, IsDeleted FROM TR1__Job__c"

    live = _complete(session, url, soql)
    rows = _rows(session.get(f"{url}{JOBS}/{live['id']}/results", timeout=10))
    assert job_record not in {row["Id"] for row in rows}
    assert {row["IsDeleted"] for row in rows} == {"false"}

    everything = _complete(session, url, soql, operation="queryAll")
    assert everything["operation"] == "queryAll"
    rows = _rows(session.get(f"{url}{JOBS}/{everything['id']}/results", timeout=10))
    assert len(rows) == len(running.org.tables["TR1__Job__c"])
    assert {row["Id"]: row["IsDeleted"] for row in rows}[job_record] == "true"


AWKWARD_NAME = 'Łukasz "Łuki", the\nsecond'


@pytest.mark.parametrize(("delimiter", "separator", "ending"), [("COMMA", ",", "LF"), ("TAB", "\t", "CRLF")])
def test_csv_round_trips_awkward_values(
    salesforce_fresh: Callable[..., RunningSalesforce], delimiter: str, separator: str, ending: str
) -> None:
    running = salesforce_fresh(candidates=20)
    session, url = running.login(), running.url
    account = running.admin("POST", "records/Account/create", {"fields": {"Name": "Smith, Jones & Söhne"}})[
        "id"
    ]
    fields = {"LastName": AWKWARD_NAME, "Title": 'Partner; "of counsel"', "AccountId": account}
    contact = running.admin(
        "POST", "records/Contact/create", {"fields": fields, "stamp": "2026-11-02T12:00:00Z"}
    )
    soql = (
        "SELECT Id, FirstName, LastName, Title, Account.Name, IsDeleted, SystemModstamp "
        f"FROM Contact WHERE Id = '{contact['id']}'"
    )
    job = _complete(session, url, soql, columnDelimiter=delimiter, lineEnding=ending)
    assert (job["columnDelimiter"], job["lineEnding"]) == (delimiter, ending)
    page = session.get(f"{url}{JOBS}/{job['id']}/results", timeout=10)
    text = page.content.decode("utf-8")
    newline = "\r\n" if ending == "CRLF" else "\n"
    assert text.endswith(newline)
    assert text.split(newline)[0] == separator.join(
        f'"{name}"'
        for name in ("Id", "FirstName", "LastName", "Title", "Account.Name", "IsDeleted", "SystemModstamp")
    )
    (row,) = _rows(page, separator)
    assert row == {
        "Id": contact["id"],
        "FirstName": "",
        "LastName": AWKWARD_NAME,
        "Title": 'Partner; "of counsel"',
        "Account.Name": "Smith, Jones & Söhne",
        "IsDeleted": "false",
        "SystemModstamp": "2026-11-02T12:00:00.000+0000",
    }
    # A null is an empty, unquoted field; every value is quoted.
    assert f'"{contact["id"]}"{separator}{separator}"Łukasz ""Łuki"", the\nsecond"{separator}' in text


def test_simple_salesforce_bulk2_reads_the_results(
    salesforce_fresh: Callable[..., RunningSalesforce],
) -> None:
    running = salesforce_fresh()
    client = Salesforce(
        instance_url=running.url,
        session_id=running.login().headers["Authorization"].removeprefix("Bearer "),
        version="62.0",
        session=running.session(),
    )
    pages = list(client.bulk2.Contact.query("SELECT Id, Email FROM Contact", max_records=25, wait=0))
    ids = [row["Id"] for page in pages for row in csv.DictReader(io.StringIO(page))]
    assert len(pages) == -(-len(ids) // 25)
    assert sorted(ids) == sorted(_live(running, "Contact"))


# ---- usage, errors and faults -------------------------------------------------------------------


def test_every_bulk_request_counts_against_the_daily_limit(
    salesforce_fresh: Callable[..., RunningSalesforce],
) -> None:
    running = salesforce_fresh(daily_limit=7)
    session, url = running.login(), running.url
    created = _create(session, url, "SELECT Id FROM Account")
    job_id = created.json()["id"]
    responses = [
        created,
        session.get(f"{url}{JOBS}/{job_id}", timeout=10),
        session.get(f"{url}{JOBS}/{job_id}", timeout=10),
        session.get(f"{url}{JOBS}/{job_id}/results", timeout=10),
        session.get(f"{url}{JOBS}", timeout=10),
        session.delete(f"{url}{JOBS}/{job_id}", timeout=10),
    ]
    assert [_usage(response) for response in responses] == [1, 2, 3, 4, 5, 6]
    limits = session.get(f"{url}{API}/limits", timeout=10).json()
    assert limits["DailyBulkV2QueryJobs"] == {"Max": 10000, "Remaining": 9999}
    refused = _create(session, url, "SELECT Id FROM Account")
    assert _errors(refused) == (403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
    assert running.admin("GET", "bulk")["jobs"] == {}, "a refused request creates no job"


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({"query": "SELECT COUNT() FROM Contact"}, "INVALIDJOB", "COUNT()"),
        ({"query": "SELECT Id FROM Contact OFFSET 10"}, "INVALIDJOB", "OFFSET"),
        ({"query": "SELECT Id, Body FROM Attachment"}, "INVALIDJOB", "Binary field 'Body'"),
        ({"query": "SELECT Foo FROM Contact"}, "INVALID_FIELD", "No such column 'Foo' on entity 'Contact'."),
        ({"query": "SELECT Id FROM Foo"}, "INVALID_TYPE", "sObject type 'Foo' is not supported."),
        ({"query": "SELECT FROM WHERE"}, "MALFORMED_QUERY", "unexpected token: FROM"),
        ({"query": "SELECT Id FROM Contact", "operation": "insert"}, "INVALIDJOB", "insert"),
        ({"query": "SELECT Id FROM Contact", "columnDelimiter": "SPACE"}, "INVALIDJOB", "SPACE"),
        ({"query": "SELECT Id FROM Contact", "contentType": "JSON"}, "INVALIDJOB", "JSON"),
        ({"query": ""}, "INVALIDJOB", "needs a query"),
    ],
)
def test_jobs_salesforce_would_refuse(
    salesforce_sandbox: RunningSalesforce,
    salesforce_session: requests.Session,
    body: dict[str, str],
    code: str,
    message: str,
) -> None:
    response = salesforce_session.post(
        f"{salesforce_sandbox.url}{JOBS}", json={"operation": "query", **body}, timeout=10
    )
    status, error_code, text = _errors(response)
    assert (status, error_code) == (400, code)
    assert message in text
    assert "Sforce-Limit-Info" in response.headers


def test_request_errors(salesforce_fresh: Callable[..., RunningSalesforce]) -> None:
    running = salesforce_fresh()
    session, url = running.login(), running.url
    job = _complete(session, url, "SELECT Id FROM Contact")
    results = f"{url}{JOBS}/{job['id']}/results"
    assert _errors(session.get(f"{url}{JOBS}/750Dn0000000000AAA", timeout=10))[:2] == (404, "NOT_FOUND")
    assert _errors(session.get(f"{url}{JOBS}/not-a-job", timeout=10))[:2] == (404, "NOT_FOUND")
    assert _errors(session.get(results, params={"locator": "bm90LWEtbG9jYXRvcg"}, timeout=10))[:2] == (
        400,
        "INVALIDJOB",
    )
    assert _errors(session.get(results, params={"maxRecords": "0"}, timeout=10))[:2] == (400, "INVALIDJOB")
    other_version = results.replace("/v62.0/", "/v61.0/")
    assert _errors(session.get(other_version, timeout=10))[:2] == (409, "API_ERROR")
    wrong = session.post(f"{url}{JOBS}/{job['id']}", json={"state": "Aborted"}, timeout=10)
    assert _errors(wrong) == (
        405,
        "METHOD_NOT_ALLOWED",
        "HTTP Method 'POST' not allowed. Allowed are GET,PATCH,DELETE",
    )
    bad_state = session.patch(f"{url}{JOBS}/{job['id']}", json={"state": "JobComplete"}, timeout=10)
    assert _errors(bad_state)[:2] == (400, "INVALIDJOB")
    anonymous = running.session().get(results, timeout=10)
    assert _errors(anonymous) == (401, "INVALID_SESSION_ID", "Session expired or invalid")


def test_fault_plan_applies_to_bulk_routes(salesforce_fresh: Callable[..., RunningSalesforce]) -> None:
    running = salesforce_fresh()
    session, url = running.login(), running.url
    job = _complete(session, url, "SELECT Id, LastName FROM Contact")
    results = f"{url}{JOBS}/{job['id']}/results"
    whole = session.get(results, timeout=10).content

    running.admin("POST", "faults", {"error_rate": {"bulk_results": 1.0}})
    assert _errors(session.get(results, timeout=10))[0] in (500, 503)
    assert _poll(session, url, job["id"])["state"] == "JobComplete", "other routes are spared"

    running.admin("POST", "faults", {"truncate_rate": {"bulk_results": 1.0}})
    cut = session.get(results, timeout=10)
    assert cut.status_code == 200
    assert whole.startswith(cut.content)
    assert len(cut.content) < len(whole)

    running.admin("POST", "faults", {"reset_rate": {"bulk_jobs": 1.0}})
    with pytest.raises(requests.exceptions.ConnectionError):
        _create(session, url, "SELECT Id FROM Contact")

    running.admin("POST", "faults", {"session_expires_after": 1})
    assert _poll(session, url, job["id"])["state"] == "JobComplete"
    assert _errors(session.get(results, timeout=10))[:2] == (401, "INVALID_SESSION_ID")

    running.admin("POST", "faults", {"other_users_calls_per_call": 5})
    session = running.login()
    before = _usage(session.get(f"{url}{JOBS}", timeout=10))
    assert _usage(session.get(f"{url}{JOBS}", timeout=10)) == before + 1 + 5


@pytest.mark.parametrize(
    "settings", [{"polls": 2}, {"polls_to_complete": -1}, {"fail_next": 0.5}, {"seconds_to_complete": True}]
)
def test_bad_bulk_settings_are_refused(
    salesforce_sandbox: RunningSalesforce, settings: dict[str, Any]
) -> None:
    response = salesforce_sandbox.session().post(
        f"{salesforce_sandbox.url}/sandbox/bulk", json=settings, timeout=10
    )
    assert _errors(response)[:2] == (400, "INVALID_FIELD")
    assert salesforce_sandbox.admin("GET", "bulk")["settings"] == {
        "polls_to_complete": 2,
        "seconds_to_complete": None,
        "fail_next": 0,
    }
