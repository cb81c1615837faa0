"""Writing to the sandbox Bullhorn: creating and updating entities, uploading candidate files."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from docx import Document

from sandbox.bullhorn.org import DOC_FIXTURES
from tests.sandbox.conftest import BullhornLogin, RunningBullhorn


@pytest.fixture
def bullhorn_writable(
    bullhorn_fresh: Callable[..., RunningBullhorn],
) -> tuple[RunningBullhorn, BullhornLogin]:
    """A private server and a session on it."""
    running = bullhorn_fresh()
    return running, running.login()


def _put(login: BullhornLogin, path: str, body: Any) -> Any:
    return login.session.put(f"{login.rest_url}{path}", json=body, timeout=10)


def test_the_portal_payloads_create_candidate_history_and_submission(
    bullhorn_writable: tuple[RunningBullhorn, BullhornLogin],
) -> None:
    running, login = bullhorn_writable
    candidate = {
        "firstName": "Hartmut",
        "lastName": "Esslinger",
        "name": "Hartmut Esslinger",
        "email": "hartmut@example.com",
        "category": {"id": 2000001},
        "customInt1": 1974,
        "customText2": "US - New York,US - New Jersey",
        "customText7": "No - I will not require assistance from Axiom",
        "source": "Direct - Axiom website",
    }
    created = _put(login, "entity/Candidate", candidate).json()
    assert created["changeType"] == "INSERT"
    assert created["changedEntityType"] == "Candidate"
    candidate_id = created["changedEntityId"]
    history = {
        "candidate": {"id": candidate_id},
        "title": "CEO",
        "startDate": -17308498000,
        "endDate": 1244995502000,
    }
    assert _put(login, "entity/CandidateWorkHistory", history).status_code == 200
    job_id = running.org.rows("JobOrder")[0]["id"]
    submission = {"candidate": {"id": candidate_id}, "jobOrder": {"id": job_id}, "status": "New Lead"}
    assert _put(login, "entity/JobSubmission", submission).status_code == 200
    stored = login.session.get(
        f"{login.rest_url}entity/Candidate/{candidate_id}",
        params={"fields": "id,name,category,workHistories"},
    ).json()["data"]
    assert stored["category"] == {"id": 2000001, "name": "Corporate / M&A"}
    assert stored["workHistories"]["total"] == 1
    writes = running.admin("GET", "writes")["writes"]
    assert [(w["entity"], w["changeType"]) for w in writes] == [
        ("Candidate", "INSERT"),
        ("CandidateWorkHistory", "INSERT"),
        ("JobSubmission", "INSERT"),
    ]


def test_update_moves_date_last_modified(bullhorn_writable: tuple[RunningBullhorn, BullhornLogin]) -> None:
    running, login = bullhorn_writable
    before = running.org.get("Candidate", 10001)
    response = login.session.post(
        f"{login.rest_url}entity/Candidate/10001", json={"status": "Placed"}, timeout=10
    )
    assert response.json()["changeType"] == "UPDATE"
    after = running.admin("GET", "records/Candidate/10001")
    assert after["status"] == "Placed"
    assert after["dateLastModified"] > before["dateLastModified"]
    missing = login.session.post(f"{login.rest_url}entity/Candidate/1", json={"status": "x"}, timeout=10)
    assert missing.status_code == 404


def test_refused_values_are_listed_per_property(
    bullhorn_writable: tuple[RunningBullhorn, BullhornLogin],
) -> None:
    _, login = bullhorn_writable
    response = _put(
        login,
        "entity/Candidate",
        {"firstName": "x" * 51, "costumText2": "typo", "customInt1": "1974", "id": 5},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["errorMessage"] == "error persisting an entity of type: Candidate"
    assert body["errorMessageKey"] == "errors.cannotPersistEntity"
    problems = {error["propertyName"]: error["type"] for error in body["errors"]}
    assert problems == {
        "firstName": "INVALID_LENGTH",
        "costumText2": "UNKNOWN_PROPERTY",
        "customInt1": "INVALID_VALUE",
        "id": "READ_ONLY_PROPERTY",
        "lastName": "MISSING_REQUIRED_PROPERTY",
    }
    bad_reference = _put(login, "entity/CandidateEducation", {"candidate": {"id": 1}})
    assert bad_reference.status_code == 400
    assert _put(login, "entity/Placement", {}).status_code == 400


def _docx() -> bytes:
    document = Document()
    document.add_paragraph("Résumé of Zoë Müller")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("cv.txt", "Résumé of Zoë".encode(), "text/plain"),
        ("cv.html", b"<!DOCTYPE html><html><body><h1>CV</h1></body></html>", "text/html"),
        ("cv.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n<<>>\nendobj\n%%EOF\n", "application/pdf"),
        ("cv.docx", _docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("cv.doc", (DOC_FIXTURES / "zoe_short.doc").read_bytes(), "application/msword"),
    ],
)
def test_accepted_uploads_come_back_as_files(
    bullhorn_writable: tuple[RunningBullhorn, BullhornLogin], name: str, content: bytes, content_type: str
) -> None:
    _, login = bullhorn_writable
    response = login.session.put(
        f"{login.rest_url}file/Candidate/10002/raw",
        params={"externalID": name, "fileType": "SAMPLE"},
        files={"file": (name, content)},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    file_id = response.json()["fileId"]
    listing = login.session.get(f"{login.rest_url}entityFiles/Candidate/10002", timeout=10).json()[
        "EntityFiles"
    ]
    row = next(row for row in listing if row["id"] == file_id)
    assert row["contentType"] == content_type
    raw = login.session.get(f"{login.rest_url}file/Candidate/10002/{file_id}/raw", timeout=10)
    assert raw.content == content


@pytest.mark.parametrize(
    ("name", "content"),
    [("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00"), ("sheet.xlsx", b"PK\x03\x04junk"), ("empty.txt", b"")],
)
def test_other_uploads_are_refused(
    bullhorn_writable: tuple[RunningBullhorn, BullhornLogin], name: str, content: bytes
) -> None:
    _, login = bullhorn_writable
    response = login.session.put(
        f"{login.rest_url}file/Candidate/10002/raw",
        params={"externalID": name, "fileType": "SAMPLE"},
        files={"file": (name, content)},
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json()["errorMessageKey"] == "errors.fileTypeNotSupported"
