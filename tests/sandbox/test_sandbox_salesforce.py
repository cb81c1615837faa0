"""The sandbox Salesforce behaves like the real REST API: auth, limits, paging, SOQL, errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from sandbox.salesforce import soql
from sandbox.salesforce.org import RELATIONSHIPS, SCHEMA, generate_org

API = "/services/data/v62.0"


@pytest.fixture(scope="module")
def api(services: Any) -> requests.Session:
    """A session holding a fresh access token, trusting the sandbox CA."""
    session = requests.Session()
    session.verify = str(services.tls.ca_bundle)
    credentials = services.credentials
    token = session.post(
        f"{services.salesforce_url}/services/oauth2/token",
        data={
            "grant_type": "password",
            "client_id": credentials.consumer_key,
            "client_secret": credentials.consumer_secret,
            "username": credentials.username,
            "password": credentials.password + credentials.security_token,
        },
        timeout=10,
    ).json()
    session.headers["Authorization"] = f"Bearer {token['access_token']}"
    session.base_url = services.salesforce_url  # type: ignore[attr-defined]
    return session


def _get(api: requests.Session, path: str, **kwargs: Any) -> requests.Response:
    return api.get(f"{api.base_url}{API}/{path}", timeout=10, **kwargs)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"password": "sandbox-password"}, "invalid_grant"),  # security token missing
        ({"client_id": "other-app"}, "invalid_client_id"),
        ({"client_secret": "nope"}, "invalid_client"),
        ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
    ],
)
def test_oauth_failures(services: Any, change: dict[str, str], error: str) -> None:
    credentials = services.credentials
    form = {
        "grant_type": "password",
        "client_id": credentials.consumer_key,
        "client_secret": credentials.consumer_secret,
        "username": credentials.username,
        "password": credentials.password + credentials.security_token,
        **change,
    }
    response = requests.post(
        f"{services.salesforce_url}/services/oauth2/token",
        data=form,
        verify=services.tls.ca_bundle,
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json()["error"] == error


def test_every_api_call_is_counted_and_reported(api: requests.Session, services: Any) -> None:
    before = services.salesforce_state()["api_usage"]["used"]
    limits = _get(api, "limits")
    assert limits.headers["Sforce-Limit-Info"] == f"api-usage={before + 1}/15000"
    assert limits.json()["DailyApiRequests"] == {"Max": 15000, "Remaining": 15000 - before - 1}
    assert _get(api, "query", params={"q": "SELECT Id FROM Account LIMIT 1"}).headers[
        "Sforce-Limit-Info"
    ] == (f"api-usage={before + 2}/15000")


def test_session_and_limit_errors(api: requests.Session, services: Any) -> None:
    response = requests.get(
        f"{services.salesforce_url}{API}/limits",
        headers={"Authorization": "Bearer expired"},
        verify=services.tls.ca_bundle,
        timeout=10,
    )
    assert response.status_code == 401
    assert response.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    used = services.salesforce_state()["api_usage"]["used"]
    services.set_api_usage(15000)
    try:
        response = _get(api, "limits")
    finally:
        services.set_api_usage(used)
    assert response.status_code == 403
    assert response.json()[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"


def test_paging_with_batch_size_and_next_records_url(api: requests.Session, services: Any) -> None:
    headers = {"Sforce-Query-Options": "batchSize=200"}
    page = _get(api, "query", params={"q": "SELECT Id FROM Contact ORDER BY Id"}, headers=headers).json()
    ids = [record["Id"] for record in page["records"]]
    assert len(ids) == 200
    while not page["done"]:
        page = api.get(f"{api.base_url}{page['nextRecordsUrl']}", headers=headers, timeout=10).json()  # type: ignore[attr-defined]
        ids += [record["Id"] for record in page["records"]]
    assert ids == sorted(ids)
    assert len(ids) == page["totalSize"] == services.salesforce_state()["counts"]["Contact"]
    assert _get(api, "query/01gNOSUCHCURSOR-200").json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_query_all_sees_deleted_records(api: requests.Session, services: Any) -> None:
    created = services._salesforce_admin("POST", "records/Account/create", {"fields": {"Name": "Gone LLP"}})[
        "id"
    ]
    services._salesforce_admin("POST", "records/Account/delete", {"ids": [created]})
    soql_text = f"SELECT Id, IsDeleted FROM Account WHERE Id = '{created}'"
    assert _get(api, "query", params={"q": soql_text}).json()["totalSize"] == 0
    assert _get(api, "queryAll", params={"q": soql_text}).json()["records"][0]["IsDeleted"] is True


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("SELECT Nope__c FROM Contact", "INVALID_FIELD"),
        ("SELECT Id FROM Nope__c", "INVALID_TYPE"),
        ("SELECT Id FROM Contact WHERE SystemModstamp > '2026-01-01'", "INVALID_FIELD"),
        ("SELECT Id Contact", "MALFORMED_QUERY"),
        ("SELECT Id FROM Contact WHERE", "MALFORMED_QUERY"),
    ],
)
def test_query_errors(api: requests.Session, query: str, code: str) -> None:
    response = _get(api, "query", params={"q": query})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == code


def test_relationship_fields_come_back_nested(api: requests.Session) -> None:
    record = _get(
        api, "query", params={"q": "SELECT Id, TR1__Account__r.Name FROM TR1__Job__c LIMIT 1"}
    ).json()["records"][0]
    assert record["attributes"]["type"] == "TR1__Job__c"
    assert record["TR1__Account__r"]["attributes"]["type"] == "Account"
    assert record["TR1__Account__r"]["Name"]


def test_soql_subset_over_records() -> None:
    anchor = datetime(2026, 11, 2, 12, tzinfo=UTC)
    org = generate_org(100, anchor=anchor)

    def run(text: str) -> list[dict[str, Any]]:
        query = soql.Parser(text, SCHEMA, RELATIONSHIPS).parse()
        return soql.run(query, org.tables[query.sobject].values())  # type: ignore[return-value]

    window = run(
        "select id from CONTACT where SystemModstamp >= 2026-11-02T06:00:00Z "
        "and SystemModstamp < 2026-11-02T12:00:00.000+00:00"
    )
    assert {r["Id"] for r in window} == {
        r["Id"] for r in org.tables["Contact"].values() if r["SystemModstamp"] >= anchor - timedelta(hours=6)
    }
    assert all(
        r["LastName"].lower().startswith("m") for r in run("SELECT Id FROM Contact WHERE LastName LIKE 'm%'")
    )
    not_candidates = run(
        "SELECT Id FROM Contact WHERE NOT (TR1__Candidate_Status__c != null "
        "AND TR1__Candidate_Status__c != 'Not Applicable')"
    )
    assert {r["TR1__Candidate_Status__c"] for r in not_candidates} <= {None, "Not Applicable"}
    some = sorted(org.tables["Contact"])[:3]
    assert {
        r["Id"] for r in run(f"SELECT Id FROM Contact WHERE Id IN ('{some[0]}', '{some[1]}', '{some[2]}')")
    } == set(some)
    titles = [r["Name"] for r in run("SELECT Name FROM TR1__Job__c ORDER BY Name DESC LIMIT 5")]
    assert titles == sorted(titles, key=str.lower, reverse=True)
    assert run(r"SELECT Id FROM Account WHERE Name = 'O\'Brien \\ Co'") == []


def test_generated_org_is_deterministic_and_realistic() -> None:
    anchor = datetime(2026, 11, 2, 12, tzinfo=UTC)
    first, second = generate_org(200, seed=3, anchor=anchor), generate_org(200, seed=3, anchor=anchor)
    assert first.tables["Contact"] == second.tables["Contact"]
    contacts = first.tables["Contact"].values()
    assert any(not c["FirstName"] or not c["Title"] for c in contacts), (
        "optional fields are sometimes missing"
    )
    assert any(any(ord(ch) > 127 for ch in c["LastName"]) for c in contacts), "non-ASCII names"
    assert all(anchor - timedelta(hours=72) <= c["SystemModstamp"] < anchor for c in contacts)
    assert all(c["LastModifiedDate"] <= c["SystemModstamp"] for c in contacts)
    formats = {
        f["_format"] for table in ("Attachment", "ContentVersion") for f in first.tables[table].values()
    }
    assert formats == {"pdf", "docx", "txt", "html"}
