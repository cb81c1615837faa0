"""The sandbox-only admin routes: state, API usage, record changes and touches."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from sandbox.salesforce.ids import checksum
from tests.sandbox.conftest import API, SALESFORCE_ANCHOR, RunningSalesforce

STAMP = SALESFORCE_ANCHOR + timedelta(minutes=17, seconds=3, milliseconds=250)


def _post(running: RunningSalesforce, route: str, body: Any) -> requests.Response:
    return running.session().post(f"{running.url}/sandbox/{route}", json=body, timeout=10)


def _query(running: RunningSalesforce, session: requests.Session, soql: str, resource: str = "query") -> dict:
    response = session.get(f"{running.url}{API}/{resource}", params={"q": soql}, timeout=10)
    response.raise_for_status()
    return response.json()


@pytest.fixture
def salesforce_small(salesforce_fresh: Callable[..., RunningSalesforce]) -> RunningSalesforce:
    """A private server over a 60-candidate org."""
    return salesforce_fresh()


def test_state_counts_live_records_and_reports_usage(salesforce_small: RunningSalesforce) -> None:
    state = salesforce_small.admin("GET", "state")
    org = salesforce_small.org
    assert state["api_usage"] == {"used": 0, "max": 15000}
    assert state["counts"] == {name: len(table) for name, table in org.tables.items()}
    salesforce_small.login().get(f"{salesforce_small.url}{API}/limits", timeout=10)
    assert salesforce_small.admin("GET", "state")["api_usage"]["used"] == 1, "admin calls are not counted"


def test_api_usage_can_be_set(salesforce_small: RunningSalesforce) -> None:
    assert salesforce_small.admin("POST", "api-usage", {"used": 12500, "max": 15000}) == {
        "used": 12500,
        "max": 15000,
    }
    assert salesforce_small.admin("POST", "api-usage", {"used": 3}) == {"used": 3, "max": 15000}
    response = salesforce_small.login().get(f"{salesforce_small.url}{API}/limits", timeout=10)
    assert response.headers["Sforce-Limit-Info"] == "api-usage=4/15000"
    refused = _post(salesforce_small, "api-usage", {"used": -1})
    assert refused.status_code == 400
    assert refused.json()[0]["errorCode"] == "INVALID_TYPE_ON_FIELD_IN_RECORD"


def test_update_sets_fields_and_stamps(salesforce_small: RunningSalesforce) -> None:
    org = salesforce_small.org
    ids = list(org.tables["Contact"])[:3]
    before = org.tables["Contact"][ids[0]]
    body = {"ids": ids, "fields": {"FirstName": "Søren", "Title": None}, "stamp": STAMP.isoformat()}
    assert salesforce_small.admin("POST", "records/Contact/update", body) == {"updated": ids}
    after = org.tables["Contact"][ids[0]]
    assert after is not before, "records are replaced, not changed in place"
    assert (after["FirstName"], after["Title"], after["Name"]) == (
        "Søren",
        None,
        f"Søren {after['LastName']}",
    )
    assert after["LastModifiedDate"] == after["SystemModstamp"] == STAMP
    assert after["CreatedDate"] == before["CreatedDate"]
    session = salesforce_small.login()
    end = STAMP + timedelta(seconds=1)
    window = f"SystemModstamp >= {STAMP:%Y-%m-%dT%H:%M:%SZ} AND SystemModstamp < {end:%Y-%m-%dT%H:%M:%SZ}"
    found = _query(
        salesforce_small, session, f"SELECT Id, FirstName, LastModifiedDate FROM Contact WHERE {window}"
    )
    assert {record["Id"] for record in found["records"]} == set(ids)
    assert found["records"][0]["LastModifiedDate"] == "2026-11-02T12:17:03.250+0000"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"ids": "FIRST", "fields": {"Nope__c": 1}}, 400, "INVALID_FIELD"),
        (
            {"ids": "FIRST", "fields": {"SystemModstamp": "2026-11-02T10:00:00Z"}},
            400,
            "INVALID_FIELD_FOR_INSERT_UPDATE",
        ),
        ({"ids": "FIRST", "fields": {"FirstName": 5}}, 400, "INVALID_TYPE_ON_FIELD_IN_RECORD"),
        ({"ids": "FIRST", "fields": {"LastName": None}}, 400, "REQUIRED_FIELD_MISSING"),
        ({"ids": "FIRST", "fields": {"AccountId": "001Dn0000999999AAA"}}, 400, "INVALID_CROSS_REFERENCE_KEY"),
        ({"ids": ["not-an-id"], "fields": {}}, 400, "MALFORMED_ID"),
        ({"ids": ["003Dn0000999999AAA"], "fields": {}}, 404, "NOT_FOUND"),
        (
            {"ids": "FIRST", "fields": {}, "stamp": "2026-11-02T10:00:00"},
            400,
            "INVALID_TYPE_ON_FIELD_IN_RECORD",
        ),
        ({"fields": {}}, 400, "REQUIRED_FIELD_MISSING"),
    ],
)
def test_bad_updates_are_refused_and_change_nothing(
    salesforce_small: RunningSalesforce, body: dict[str, Any], status: int, code: str
) -> None:
    first = next(iter(salesforce_small.org.tables["Contact"]))
    if body.get("ids") == "FIRST":
        body = {**body, "ids": [first]}
    before = dict(salesforce_small.org.tables["Contact"][first])
    response = _post(salesforce_small, "records/Contact/update", body)
    assert (response.status_code, response.json()[0]["errorCode"]) == (status, code)
    assert salesforce_small.org.tables["Contact"][first] == before


def test_create_returns_a_valid_id_and_the_record_is_queryable(salesforce_small: RunningSalesforce) -> None:
    org = salesforce_small.org
    account_id = next(iter(org.tables["Account"]))
    fields = {
        "FirstName": "Siobhán",
        "LastName": "Ó Súilleabháin",
        "TR1__Candidate_Status__c": "Active",
        "AccountId": account_id,
    }
    response = _post(
        salesforce_small, "records/Contact/create", {"fields": fields, "stamp": "2026-11-02T13:17:00+01:00"}
    )
    assert response.status_code == 201
    new_id = response.json()["id"]
    assert len(new_id) == 18
    assert new_id.startswith("003")
    assert new_id[15:] == checksum(new_id[:15])
    record = org.tables["Contact"][new_id]
    assert record["CreatedDate"] == record["SystemModstamp"] == datetime(2026, 11, 2, 12, 17, tzinfo=UTC)
    rows = _query(
        salesforce_small,
        salesforce_small.login(),
        f"SELECT Name, Account.Id FROM Contact WHERE Id = '{new_id}'",
    )
    assert rows["records"][0]["Name"] == "Siobhán Ó Súilleabháin"
    assert rows["records"][0]["Account"]["Id"] == account_id
    missing = _post(salesforce_small, "records/Contact/create", {"fields": {"FirstName": "X"}})
    assert missing.json()[0] == {
        "message": "Required fields are missing: [LastName]",
        "errorCode": "REQUIRED_FIELD_MISSING",
        "fields": ["LastName"],
    }
    assert _post(salesforce_small, "records/Nope/create", {"fields": {}}).status_code == 404


def test_a_created_attachment_serves_its_body(salesforce_small: RunningSalesforce) -> None:
    document_id = next(iter(salesforce_small.org.tables["TR1__ContactDocument__c"]))
    content = "Résumé of a new candidate\nVersion 1\n".encode()
    fields = {
        "ParentId": document_id,
        "Name": "new.txt",
        "ContentType": "text/plain",
        "Body": base64.b64encode(content).decode(),
    }
    attachment_id = salesforce_small.admin("POST", "records/Attachment/create", {"fields": fields})["id"]
    session = salesforce_small.login()
    body = session.get(f"{salesforce_small.url}{API}/sobjects/Attachment/{attachment_id}/Body", timeout=10)
    assert (body.status_code, body.content, body.headers["Content-Type"]) == (200, content, "text/plain")
    rows = _query(
        salesforce_small, session, f"SELECT BodyLength, Body FROM Attachment WHERE Id = '{attachment_id}'"
    )
    assert rows["records"][0]["BodyLength"] == len(content)
    assert rows["records"][0]["Body"] == f"{API}/sobjects/Attachment/{attachment_id}/Body"
    generated = next(iter(salesforce_small.org.tables["Attachment"]))
    update = {"ids": [generated], "fields": {"Body": base64.b64encode(b"replaced").decode()}}
    salesforce_small.admin("POST", "records/Attachment/update", update)
    replaced = session.get(f"{salesforce_small.url}{API}/sobjects/Attachment/{generated}/Body", timeout=10)
    assert replaced.content == b"replaced"
    assert salesforce_small.org.tables["Attachment"][generated]["BodyLength"] == len(b"replaced")


def test_a_created_content_version_gets_its_document_and_extension(
    salesforce_small: RunningSalesforce,
) -> None:
    content = b"%PDF-1.4 not really"
    fields = {"Title": "cv", "PathOnClient": "CV.PDF", "VersionData": base64.b64encode(content).decode()}
    version_id = salesforce_small.admin("POST", "records/ContentVersion/create", {"fields": fields})["id"]
    record = salesforce_small.org.tables["ContentVersion"][version_id]
    assert version_id.startswith("068")
    assert record["ContentDocumentId"].startswith("069")
    assert (record["FileExtension"], record["IsLatest"], record["VersionNumber"], record["ContentSize"]) == (
        "pdf",
        True,
        "1",
        len(content),
    )
    response = salesforce_small.login().get(
        f"{salesforce_small.url}{API}/sobjects/ContentVersion/{version_id}/VersionData", timeout=10
    )
    assert (response.content, response.headers["Content-Type"]) == (content, "application/pdf")


def test_delete_hides_records_from_query_but_not_query_all(salesforce_small: RunningSalesforce) -> None:
    org = salesforce_small.org
    ids = list(org.tables["Contact"])[5:7]
    live_before = salesforce_small.admin("GET", "state")["counts"]["Contact"]
    assert salesforce_small.admin(
        "POST", "records/Contact/delete", {"ids": ids, "stamp": STAMP.isoformat()}
    ) == {"deleted": ids}
    assert salesforce_small.admin("GET", "state")["counts"]["Contact"] == live_before - 2
    assert org.tables["Contact"][ids[0]]["SystemModstamp"] == STAMP
    session = salesforce_small.login()
    quoted = ", ".join(f"'{record_id}'" for record_id in ids)
    assert (
        _query(salesforce_small, session, f"SELECT Id FROM Contact WHERE Id IN ({quoted})")["totalSize"] == 0
    )
    deleted = _query(
        salesforce_small, session, f"SELECT Id, IsDeleted FROM Contact WHERE Id IN ({quoted})", "queryAll"
    )
    assert [record["IsDeleted"] for record in deleted["records"]] == [True, True]
    again = _post(salesforce_small, "records/Contact/delete", {"ids": ids})
    assert (again.status_code, again.json()[0]["errorCode"]) == (400, "ENTITY_IS_DELETED")


def test_touch_picks_live_records_deterministically(
    salesforce_fresh: Callable[..., RunningSalesforce],
) -> None:
    first, second = salesforce_fresh(), salesforce_fresh()
    body = {"sobject": "Contact", "count": 8, "stamp": STAMP.isoformat(), "seed": 42}
    touched = first.admin("POST", "touch", body)["ids"]
    assert touched == second.admin("POST", "touch", body)["ids"]
    assert len(set(touched)) == 8
    for record_id in touched:
        record = first.org.tables["Contact"][record_id]
        assert record["LastModifiedDate"] == record["SystemModstamp"] == STAMP
        assert not record["IsDeleted"]
    assert first.admin("POST", "touch", {**body, "seed": 43})["ids"] != touched
    everything = first.admin("POST", "touch", {"sobject": "TR1__Job__c", "count": 10_000})["ids"]
    assert len(everything) == len(first.org.tables["TR1__Job__c"])
    now = datetime.now(UTC)
    stamp = first.org.tables["TR1__Job__c"][everything[0]]["SystemModstamp"]
    assert now - timedelta(seconds=30) < stamp <= now, "the default stamp is now"
    assert _post(first, "touch", {"sobject": "Nope", "count": 1}).status_code == 400
