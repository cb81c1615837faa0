"""The sandbox Salesforce over real HTTPS: OAuth, limits, queries and paging, errors, files, records."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import logging
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import docx
import pypdf
import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceResourceNotFound

from sandbox.salesforce.api import Faults, SalesforceApi
from sandbox.salesforce.documents import full_name, unicode_pdf_font
from sandbox.salesforce.web import ApiError, Request, Response
from tests.sandbox.conftest import API, SALESFORCE_ANCHOR, RunningSalesforce

DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000")
NEXT_RECORDS = re.compile(r"/services/data/v62\.0/query/01g[A-Za-z0-9]{15}-(\d+)")


def _usage(response: requests.Response) -> tuple[int, int]:
    used, limit = re.fullmatch(r"api-usage=(\d+)/(\d+)", response.headers["Sforce-Limit-Info"]).groups()  # type: ignore[union-attr]
    return int(used), int(limit)


def _errors(response: requests.Response) -> tuple[int, str, str]:
    body = response.json()
    assert isinstance(body, list)
    return response.status_code, body[0]["errorCode"], body[0]["message"]


# ---- OAuth ---------------------------------------------------------------------------------------


def test_password_grant_returns_a_salesforce_token(salesforce_sandbox: RunningSalesforce) -> None:
    response = salesforce_sandbox.session().post(
        f"{salesforce_sandbox.url}/services/oauth2/token", data=salesforce_sandbox.token_form(), timeout=10
    )
    assert response.status_code == 200
    token = response.json()
    assert set(token) == {"access_token", "instance_url", "id", "token_type", "issued_at", "signature"}
    assert token["instance_url"] == salesforce_sandbox.url
    assert token["token_type"] == "Bearer"
    assert re.fullmatch(
        rf"{re.escape(salesforce_sandbox.url)}/id/00D[A-Za-z0-9]{{15}}/005[A-Za-z0-9]{{15}}", token["id"]
    )
    assert token["access_token"].startswith("00D")
    assert token["issued_at"].isdigit()
    secret = salesforce_sandbox.credentials.consumer_secret.encode()
    expected = hmac.new(secret, (token["id"] + token["issued_at"]).encode(), hashlib.sha256).digest()
    assert base64.b64decode(token["signature"]) == expected


@pytest.mark.parametrize(
    ("override", "error", "description"),
    [
        ({"password": "sandbox-password"}, "invalid_grant", "authentication failure"),  # no security token
        ({"username": "someone@else.example"}, "invalid_grant", "authentication failure"),
        ({"client_id": "not-the-app"}, "invalid_client_id", "client identifier invalid"),
        ({"client_secret": "wrong"}, "invalid_client", "invalid client credentials"),
        ({"grant_type": "client_credentials"}, "unsupported_grant_type", "grant type not supported"),
    ],
)
def test_token_failures(
    salesforce_sandbox: RunningSalesforce, override: dict[str, str], error: str, description: str
) -> None:
    before = salesforce_sandbox.admin("GET", "state")["api_usage"]["used"]
    response = salesforce_sandbox.session().post(
        f"{salesforce_sandbox.url}/services/oauth2/token",
        data=salesforce_sandbox.token_form(**override),
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json() == {"error": error, "error_description": description}
    assert salesforce_sandbox.admin("GET", "state")["api_usage"]["used"] == before, "logins are not API calls"


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic dXNlcjpwYXNz"])
def test_calls_without_a_valid_session_are_refused(
    salesforce_sandbox: RunningSalesforce, authorization: str | None
) -> None:
    session = salesforce_sandbox.session()
    if authorization:
        session.headers["Authorization"] = authorization
    response = session.get(f"{salesforce_sandbox.url}{API}/limits", timeout=10)
    assert response.status_code == 401
    assert response.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


# ---- limits and usage ---------------------------------------------------------------------------


def test_limits_and_the_usage_header_count_every_call(
    salesforce_sandbox: RunningSalesforce, salesforce_session: requests.Session
) -> None:
    first = salesforce_session.get(f"{salesforce_sandbox.url}{API}/limits/", timeout=10)
    second = salesforce_session.get(f"{salesforce_sandbox.url}{API}/limits", timeout=10)
    used, limit = _usage(first)
    assert _usage(second) == (used + 1, limit)
    assert limit == 15000
    limits = second.json()
    assert limits["DailyApiRequests"] == {"Max": 15000, "Remaining": 15000 - (used + 1)}
    for name in ("DailyBulkV2QueryJobs", "DataStorageMB", "FileStorageMB", "DailyAsyncApexExecutions"):
        assert 0 <= limits[name]["Remaining"] <= limits[name]["Max"]
    assert salesforce_sandbox.admin("GET", "state")["api_usage"] == {"used": used + 1, "max": 15000}


def test_simple_salesforce_reads_limits_and_usage(salesforce_client: Salesforce) -> None:
    limits = salesforce_client.limits()
    assert limits["DailyApiRequests"]["Max"] == 15000
    usage = salesforce_client.api_usage["api-usage"]
    assert usage.total == 15000
    assert usage.used == 15000 - limits["DailyApiRequests"]["Remaining"]


def test_request_limit_exceeded_once_the_count_reaches_the_limit(
    salesforce_fresh: Callable[..., RunningSalesforce],
) -> None:
    running = salesforce_fresh(daily_limit=3)
    session = running.login()
    url = f"{running.url}{API}/query?q=SELECT+Id+FROM+Account+LIMIT+1"
    assert [session.get(url, timeout=10).status_code for _ in range(3)] == [200, 200, 200]
    refused = session.get(url, timeout=10)
    assert _errors(refused) == (403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
    assert _usage(refused) == (3, 3)
    running.admin("POST", "api-usage", {"max": 10})
    assert session.get(url, timeout=10).status_code == 200
    running.admin("POST", "api-usage", {"used": 10})
    assert session.get(f"{running.url}{API}/limits", timeout=10).status_code == 403


# ---- queries and paging -------------------------------------------------------------------------


def _pages(session: requests.Session, url: str, first: str, **headers: str) -> list[dict]:
    pages = [session.get(first, headers=headers, timeout=30).json()]
    while not pages[-1]["done"]:
        pages.append(session.get(url + pages[-1]["nextRecordsUrl"], headers=headers, timeout=30).json())
    return pages


def test_query_pages_of_2000_follow_next_records_url(
    salesforce_sandbox: RunningSalesforce, salesforce_session: requests.Session
) -> None:
    url = salesforce_sandbox.url
    live = {i for i, c in salesforce_sandbox.org.tables["Contact"].items() if not c["IsDeleted"]}
    pages = _pages(salesforce_session, url, f"{url}{API}/query?q=SELECT Id FROM Contact")
    assert [len(page["records"]) for page in pages] == [2000, len(live) - 2000]
    assert [page["totalSize"] for page in pages] == [len(live), len(live)]
    assert NEXT_RECORDS.fullmatch(pages[0]["nextRecordsUrl"]).group(1) == "2000"  # type: ignore[union-attr]
    assert "nextRecordsUrl" not in pages[1]
    ids = [record["Id"] for page in pages for record in page["records"]]
    assert len(ids) == len(set(ids))
    assert set(ids) == live
    record = pages[0]["records"][0]
    assert record["attributes"] == {"type": "Contact", "url": f"{API}/sobjects/Contact/{record['Id']}"}


@pytest.mark.parametrize(("asked", "served"), [(200, 200), (50, 200), (700, 700), (5000, 2000)])
def test_batch_size_header_is_honoured_and_clamped(
    salesforce_sandbox: RunningSalesforce, salesforce_session: requests.Session, asked: int, served: int
) -> None:
    url = salesforce_sandbox.url
    soql = "SELECT Id FROM Contact WHERE TR1__Candidate_Status__c = 'Active'"
    pages = _pages(
        salesforce_session,
        url,
        f"{url}{API}/query?q={soql}",
        **{"Sforce-Query-Options": f"batchSize={asked}"},
    )
    total = pages[0]["totalSize"]
    assert [len(page["records"]) for page in pages[:-1]] == [served] * (len(pages) - 1)
    assert len(pages) == -(-total // served)
    assert sum(len(page["records"]) for page in pages) == total


def test_unknown_or_finished_query_locators_are_invalid(
    salesforce_sandbox: RunningSalesforce, salesforce_session: requests.Session
) -> None:
    url = salesforce_sandbox.url
    unknown = salesforce_session.get(f"{url}{API}/query/01gDn00000000AAAAA-2000", timeout=10)
    assert _errors(unknown) == (400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    pages = _pages(salesforce_session, url, f"{url}{API}/query?q=SELECT Id FROM Contact")
    finished = salesforce_session.get(url + pages[0]["nextRecordsUrl"], timeout=10)
    assert _errors(finished)[1] == "INVALID_QUERY_LOCATOR"


def test_query_leaves_out_deleted_records_and_query_all_returns_them(
    salesforce_fresh: Callable[..., RunningSalesforce],
) -> None:
    running = salesforce_fresh()
    job_id = next(iter(running.org.tables["TR1__Job__c"]))
    running.admin("POST", "records/TR1__Job__c/delete", {"ids": [job_id]})
    client = Salesforce(
        instance_url=running.url,
        session_id=running.login().headers["Authorization"].removeprefix("Bearer "),
        version="62.0",
        session=running.session(),
    )
    soql = f"SELECT Id, IsDeleted FROM TR1__Job__c WHERE Id = '{job_id}'"
    assert client.query(soql)["totalSize"] == 0
    deleted = client.query(soql, include_deleted=True)
    assert deleted["totalSize"] == 1
    assert deleted["records"][0]["IsDeleted"] is True
    everything = client.query_all("SELECT Id FROM TR1__Job__c", include_deleted=True)
    assert everything["totalSize"] == len(running.org.tables["TR1__Job__c"])


def test_datetime_window_matches_the_org(
    salesforce_sandbox: RunningSalesforce, salesforce_client: Salesforce
) -> None:
    start = SALESFORCE_ANCHOR - timedelta(hours=5)
    end = start + timedelta(hours=1)
    soql = (
        "SELECT Id, FirstName, LastName, SystemModstamp, LastModifiedDate FROM Contact "
        "WHERE (TR1__Candidate_Status__c != null AND TR1__Candidate_Status__c != 'Not Applicable') "
        f"AND SystemModstamp >= {start:%Y-%m-%dT%H:%M:%SZ} AND SystemModstamp < {end:%Y-%m-%dT%H:%M:%SZ} "
        "ORDER BY SystemModstamp ASC, Id ASC"
    )
    records = salesforce_client.query_all(soql)["records"]
    expected = sorted(
        (c["SystemModstamp"], i)
        for i, c in salesforce_sandbox.org.tables["Contact"].items()
        if c["TR1__Candidate_Status__c"] not in (None, "Not Applicable")
        and start <= c["SystemModstamp"] < end
    )
    assert [record["Id"] for record in records] == [record_id for _, record_id in expected]
    assert records, "the window should hold candidates"
    for record in records:
        assert list(record) == [
            "attributes",
            "Id",
            "FirstName",
            "LastName",
            "SystemModstamp",
            "LastModifiedDate",
        ]
        assert DATETIME.fullmatch(record["SystemModstamp"])
        stamp = datetime.strptime(record["SystemModstamp"], "%Y-%m-%dT%H:%M:%S.%f%z")
        assert start <= stamp < end
        assert record["LastModifiedDate"] <= record["SystemModstamp"]


def test_in_with_500_ids_and_relationship_fields(
    salesforce_sandbox: RunningSalesforce, salesforce_client: Salesforce
) -> None:
    org = salesforce_sandbox.org
    contact_ids = list(org.tables["Contact"])[:500]
    quoted = ", ".join(f"'{contact_id}'" for contact_id in contact_ids)
    soql = (
        "SELECT Id, TR1__Contact__c, TR1__Contact__r.LastName, TR1__isDefault__c, TR1__Version__c "
        f"FROM TR1__ContactDocument__c WHERE TR1__Type__c = 'Resume' AND TR1__Contact__c IN ({quoted})"
    )
    records = salesforce_client.query_all(soql)["records"]
    expected = {
        d["Id"]
        for d in org.tables["TR1__ContactDocument__c"].values()
        if d["TR1__Type__c"] == "Resume" and d["TR1__Contact__c"] in set(contact_ids)
    }
    assert {record["Id"] for record in records} == expected
    for record in records:
        assert record["TR1__Contact__r"]["attributes"]["type"] == "Contact"
        assert (
            record["TR1__Contact__r"]["LastName"]
            == org.tables["Contact"][record["TR1__Contact__c"]]["LastName"]
        )
        assert isinstance(record["TR1__Version__c"], float)
        assert isinstance(record["TR1__isDefault__c"], bool)

    jobs = salesforce_client.query_all("SELECT Id, Name, TR1__Account__r.Name FROM TR1__Job__c")["records"]
    for job in jobs:
        account_id = org.tables["TR1__Job__c"][job["Id"]]["TR1__Account__c"]
        if account_id is None:
            assert job["TR1__Account__r"] is None
        else:
            assert job["TR1__Account__r"]["Name"] == org.tables["Account"][account_id]["Name"]
            assert job["TR1__Account__r"]["attributes"]["url"].endswith(f"/sobjects/Account/{account_id}")


def test_like_not_order_by_and_limit(
    salesforce_sandbox: RunningSalesforce, salesforce_client: Salesforce
) -> None:
    contacts = [c for c in salesforce_sandbox.org.tables["Contact"].values() if not c["IsDeleted"]]
    records = salesforce_client.query(
        "SELECT LastName, Email FROM Contact WHERE LastName LIKE 'o\\'b%' AND NOT Email = null "
        "ORDER BY Email DESC LIMIT 5"
    )["records"]
    expected = sorted(
        (c["Email"] for c in contacts if c["LastName"] == "O'Brien" and c["Email"]), reverse=True
    )[:5]
    assert [record["Email"] for record in records] == expected
    assert {record["LastName"] for record in records} == {"O'Brien"}
    count = salesforce_client.query("SELECT COUNT() FROM Contact WHERE TR1__Candidate_Status__c = 'Placed'")
    assert count["totalSize"] == sum(c["TR1__Candidate_Status__c"] == "Placed" for c in contacts)
    assert count["records"] == []


@pytest.mark.parametrize(
    ("soql", "code", "message"),
    [
        ("SELECT FROM WHERE", "MALFORMED_QUERY", "unexpected token: FROM"),
        ("SELECT Foo FROM Contact", "INVALID_FIELD", "No such column 'Foo' on entity 'Contact'."),
        ("SELECT Id FROM Foo", "INVALID_TYPE", "sObject type 'Foo' is not supported."),
        (
            "SELECT Id FROM Contact WHERE SystemModstamp >= '2026-11-01T10:00:00Z'",
            "INVALID_FIELD",
            "value of filter criterion for field 'SystemModstamp' must be of type dateTime "
            "and should not be enclosed in quotes",
        ),
        (
            "SELECT Id FROM Contact OFFSET 5000",
            "NUMBER_OUTSIDE_VALID_RANGE",
            "Maximum SOQL offset allowed is 2000",
        ),
        ("", "MALFORMED_QUERY", "A query string has to be specified"),
    ],
)
def test_query_errors(
    salesforce_sandbox: RunningSalesforce,
    salesforce_session: requests.Session,
    soql: str,
    code: str,
    message: str,
) -> None:
    response = salesforce_session.get(f"{salesforce_sandbox.url}{API}/query", params={"q": soql}, timeout=10)
    status, error_code, text = _errors(response)
    assert (status, error_code) == (400, code)
    assert message in text
    assert "Sforce-Limit-Info" in response.headers


def test_simple_salesforce_raises_on_query_errors(salesforce_client: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        salesforce_client.query("SELECT NoSuchField__c FROM Contact")
    assert caught.value.content[0]["errorCode"] == "INVALID_FIELD"


def test_unknown_routes_and_wrong_methods(
    salesforce_sandbox: RunningSalesforce, salesforce_session: requests.Session
) -> None:
    url = salesforce_sandbox.url
    assert _errors(salesforce_session.get(f"{url}{API}/nothing/here", timeout=10))[:2] == (404, "NOT_FOUND")
    assert _errors(salesforce_session.get(f"{url}/elsewhere", timeout=10))[:2] == (404, "NOT_FOUND")
    wrong = salesforce_session.post(f"{url}{API}/query", data="q=SELECT Id FROM Contact", timeout=10)
    assert _errors(wrong) == (405, "METHOD_NOT_ALLOWED", "HTTP Method 'POST' not allowed. Allowed are GET")
    assert _errors(salesforce_session.get(f"{url}/services/oauth2/token", timeout=10))[:2] == (
        405,
        "METHOD_NOT_ALLOWED",
    )


def test_server_log_names_routes_but_no_personal_data(
    salesforce_sandbox: RunningSalesforce,
    salesforce_session: requests.Session,
    caplog: pytest.LogCaptureFixture,
) -> None:
    contact = next(c for c in salesforce_sandbox.org.tables["Contact"].values() if c["Email"])
    name = contact["LastName"].replace("'", "\\'")
    with caplog.at_level(logging.INFO, logger="sandbox.salesforce"):
        soql = f"SELECT Id FROM Contact WHERE Email = '{contact['Email']}' AND LastName = '{name}'"
        response = salesforce_session.get(
            f"{salesforce_sandbox.url}{API}/query", params={"q": soql}, timeout=10
        )
    assert response.json()["totalSize"] >= 1
    assert f"GET {API}/query 200" in caplog.text
    assert contact["Email"] not in caplog.text
    assert contact["LastName"] not in caplog.text


def test_concurrent_clients_get_consistent_pages(salesforce_sandbox: RunningSalesforce) -> None:
    url = salesforce_sandbox.url

    def count_all(_: int) -> int:
        session = salesforce_sandbox.login()
        pages = _pages(
            session,
            url,
            f"{url}{API}/query?q=SELECT Id FROM Contact",
            **{"Sforce-Query-Options": "batchSize=1000"},
        )
        return sum(len(page["records"]) for page in pages)

    with ThreadPoolExecutor(max_workers=6) as pool:
        counts = list(pool.map(count_all, range(6)))
    assert counts == [len(salesforce_sandbox.org.tables["Contact"])] * 6


# ---- files and records --------------------------------------------------------------------------


def _text_of(content: bytes, content_type: str) -> str:
    if content_type == "application/pdf":
        return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)
    if "wordprocessingml" in content_type:
        return "\n".join(paragraph.text for paragraph in docx.Document(io.BytesIO(content)).paragraphs)
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252")


def test_attachment_and_content_version_bodies_are_real_files(
    salesforce_sandbox: RunningSalesforce, salesforce_session: requests.Session
) -> None:
    org = salesforce_sandbox.org
    wanted = {
        (storage, fmt)
        for storage in ("Attachment", "ContentVersion")
        for fmt in ("pdf", "docx", "txt", "html")
    }
    for document_id, document in org.tables["TR1__ContactDocument__c"].items():
        spec = org.file_spec(document_id)
        if document["TR1__Internal_URL__c"]:
            key, path = (
                ("Attachment", spec.file_format),
                f"Attachment/{document['TR1__Internal_URL__c'].split('file=')[1]}/Body",
            )
        else:
            key, path = (
                ("ContentVersion", spec.file_format),
                f"ContentVersion/{document['TR1__ContentVersionId__c']}/VersionData",
            )
        if key not in wanted or spec.kind != "Resume":
            continue
        wanted.discard(key)
        response = salesforce_session.get(f"{salesforce_sandbox.url}{API}/sobjects/{path}", timeout=30)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == spec.content_type
        text = _text_of(response.content, spec.content_type)
        contact = org.tables["Contact"][document["TR1__Contact__c"]]
        heading = org.resume_text(document_id).splitlines()[0]
        assert heading in text
        if spec.file_format != "pdf" or unicode_pdf_font():
            assert heading == full_name(contact)
        assert f"Version {int(document['TR1__Version__c'])}" in text
        if not wanted:
            break
    assert not wanted, f"no document found for {wanted}"


def test_missing_or_deleted_files_are_not_found(salesforce_fresh: Callable[..., RunningSalesforce]) -> None:
    running = salesforce_fresh()
    session = running.login()
    base = f"{running.url}{API}/sobjects"
    assert _errors(session.get(f"{base}/Attachment/00P000000000000AAA/Body", timeout=10)) == (
        404,
        "NOT_FOUND",
        "The requested resource does not exist",
    )
    assert _errors(session.get(f"{base}/ContentVersion/not-an-id/VersionData", timeout=10))[:2] == (
        404,
        "NOT_FOUND",
    )
    attachment_id = next(iter(running.org.tables["Attachment"]))
    assert _errors(session.get(f"{base}/Attachment/{attachment_id}/Nope", timeout=10))[:2] == (
        404,
        "NOT_FOUND",
    )
    running.admin("POST", "records/Attachment/delete", {"ids": [attachment_id]})
    assert _errors(session.get(f"{base}/Attachment/{attachment_id}/Body", timeout=10))[:2] == (
        404,
        "ENTITY_IS_DELETED",
    )


def test_records_and_describe_through_simple_salesforce(
    salesforce_sandbox: RunningSalesforce, salesforce_client: Salesforce
) -> None:
    contact_id, contact = next(iter(salesforce_sandbox.org.tables["Contact"].items()))
    record = salesforce_client.Contact.get(contact_id)
    assert record["LastName"] == contact["LastName"]
    assert (
        record["SystemModstamp"] == contact["SystemModstamp"].strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"
    )
    assert salesforce_client.Contact.get(contact_id[:15])["Id"] == contact_id
    some = salesforce_client.session.get(
        f"{salesforce_client.base_url}sobjects/Contact/{contact_id}?fields=Email,Id",
        headers=salesforce_client.headers,
        timeout=10,
    ).json()
    assert list(some) == ["attributes", "Email", "Id"]
    describe = salesforce_client.TR1__Job__c.describe()
    fields = {field["name"]: field for field in describe["fields"]}
    assert describe["keyPrefix"] == "a0J"
    assert fields["TR1__Account__c"]["relationshipName"] == "TR1__Account__r"
    assert fields["TR1__Client_Job_Description__c"]["filterable"] is False
    names = {sobject["name"] for sobject in salesforce_client.describe()["sobjects"]}
    assert {
        "Contact",
        "Account",
        "TR1__Job__c",
        "TR1__ContactDocument__c",
        "Attachment",
        "ContentVersion",
    } <= names
    with pytest.raises(SalesforceResourceNotFound):
        salesforce_client.Contact.get("003Dn00009999999AAA"[:18])


class QueryTimeouts(Faults):
    """Answer every other query with QUERY_TIMEOUT and cut the other answers short."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def before(self, api: SalesforceApi, request: Request) -> Response | None:
        self.seen.append(request.route)
        if request.route == "query" and self.seen.count("query") % 2 == 0:
            return ApiError(400, "QUERY_TIMEOUT", "Your query request was running for too long.").response()
        return None

    def after(self, api: SalesforceApi, request: Request, response: Response) -> Response:
        if request.route == "query" and response.status == 200:
            response.body = response.body[:20]
        return response


def test_faults_see_every_request_and_can_answer_or_alter_it(
    salesforce_fresh: Callable[..., RunningSalesforce],
) -> None:
    faults = QueryTimeouts()
    running = salesforce_fresh(faults=faults)
    session = running.login()
    url = f"{running.url}{API}/query?q=SELECT Id FROM Contact"
    truncated = session.get(url, timeout=10)
    assert truncated.status_code == 200
    with pytest.raises(requests.exceptions.JSONDecodeError):
        truncated.json()
    assert _errors(session.get(url, timeout=10))[:2] == (400, "QUERY_TIMEOUT")
    assert faults.seen == ["token", "query", "query"]
