"""Talent Rover → Recruit AI mappings, on records shaped like Salesforce query results."""

from __future__ import annotations

import json
from typing import Any

import pytest

from include.mappings import Field, MappingError, apply_table, attributes_json, read_path, source_fields
from include.mappings.converters import (
    BadValue,
    as_text,
    html_to_recruit_ai_text,
    join_location,
    open_closed,
    to_utc_iso,
)
from include.mappings.talent_rover import candidate, position


def _contact(**changes: Any) -> dict[str, Any]:
    """A candidate Contact as the REST query returns it (Email and Phone are never selected)."""
    record = {
        "attributes": {"type": "Contact", "url": "/services/data/v62.0/sobjects/Contact/003000000000001AAA"},
        "Id": "003000000000001AAA",
        "SystemModstamp": "2026-11-02T08:15:01.000+0000",
        "FirstName": "Zoë",
        "LastName": "Ó Súilleabháin",
        "Title": "Senior Associate",
        "CreatedDate": "2025-03-01T08:00:00.000+0000",
        "LastModifiedDate": "2026-11-02T09:15:00.000+0100",
        "TR1__Candidate_Status__c": "Active",
        "LeadSource": "LinkedIn",
        "MailingCity": "Kraków",
        "MailingState": None,
        "MailingCountry": "Poland",
    }
    return record | changes


def _job(**changes: Any) -> dict[str, Any]:
    """A TR1__Job__c with its account nested under the relationship name."""
    record = {
        "attributes": {"type": "TR1__Job__c", "url": "/services/data/v62.0/sobjects/TR1__Job__c/a0J0001"},
        "Id": "a0J000000000001AAA",
        "SystemModstamp": "2026-11-02T09:00:02.000+0000",
        "Name": "Employment Lawyer (NQ–3 PQE)",
        "CreatedDate": "2026-10-01T00:00:00.000+0000",
        "LastModifiedDate": "2026-11-02T09:00:00.000+0000",
        "TR1__Status__c": "Open",
        "TR1__Client_Job_Description__c": (
            "<p>Join us &amp; grow&nbsp;</p><ul><li>Tribunals</li><li>Advice | drafting</li></ul>"
            "<p><b>Salary:</b> &euro;80k</p>"
        ),
        "TR1__Account__r": {
            "attributes": {"type": "Account", "url": "/services/data/v62.0/sobjects/Account/0010001"},
            "Name": "Müller & Söhne GmbH",
        },
        "TR1__City__c": "München",
        "TR1__State_Area__c": "Bayern",
    }
    return record | changes


# --- Candidates ---------------------------------------------------------------------------------


def test_candidate_payload_follows_the_contract() -> None:
    payload = candidate.to_payload(_contact(), "Zoë Ó Súilleabháin|Senior Associate")
    assert payload == {
        "CandidateID": "c003000000000001AAA",
        "InternalID": "c003000000000001AAA",
        "FirstName": "Zoë",
        "LastName": "Ó Súilleabháin",
        "JobTitle": "Senior Associate",
        "CreatedDate": "2025-03-01T08:00:00Z",
        "LastModifiedDate": "2026-11-02T08:15:00Z",
        "Resume": "Zoë Ó Súilleabháin|Senior Associate",
        "Attributes": (
            '{"Title":"Senior Associate","Status":"Active","CandidateSource":"LinkedIn",'
            '"Location":"Kraków, Poland","City":"Kraków","Country":"Poland"}'
        ),
    }


def test_candidate_without_resume_or_optional_fields() -> None:
    payload = candidate.to_payload(
        _contact(FirstName=None, Title="  ", LeadSource=None, MailingCity=None, MailingCountry=None), None
    )
    assert "Resume" not in payload
    assert "FirstName" not in payload
    assert "JobTitle" not in payload
    assert json.loads(payload["Attributes"]) == {"Status": "Active"}


def test_candidate_never_sends_contact_details() -> None:
    payload = candidate.to_payload(_contact(Email="zoe@example.com", Phone="+48 600 000 000"), "CV")
    assert "zoe@example.com" not in json.dumps(payload)
    assert "600" not in json.dumps(payload)
    assert not {"Email", "Phone"} & set(candidate.soql_fields())


def test_candidate_filter_and_object() -> None:
    assert candidate.SOBJECT == "Contact"
    # Contacts that are or were candidates: one that stops being one must be told to Recruit AI.
    assert candidate.FILTER == "TR1__Candidate_Status__c != null"


@pytest.mark.parametrize(
    "changes", [{"IsDeleted": True}, {"TR1__Candidate_Status__c": "Not Applicable"}], ids=["deleted", "n/a"]
)
def test_a_deleted_or_former_candidate_is_a_tombstone(changes: dict[str, Any]) -> None:
    record = _contact(**changes, SystemModstamp="2026-11-02T10:15:00.000+0000")
    assert candidate.is_tombstone(record)
    payload = candidate.to_payload(record, "a résumé that must not be sent")
    assert payload == {
        "CandidateID": "c003000000000001AAA",
        "InternalID": "c003000000000001AAA",
        "LastModifiedDate": "2026-11-02T10:15:00Z",
        "Attributes": '{"Status":"Deleted"}',
    }


def test_a_deleted_job_is_a_closed_tombstone_and_a_closed_job_is_not() -> None:
    deleted = _job(IsDeleted=True, SystemModstamp="2026-11-02T10:15:00.000+0000")
    assert position.is_tombstone(deleted)
    payload = position.to_payload(deleted)
    assert payload["JobTitle"] == deleted["Name"]
    assert json.loads(payload["Attributes"]) == {"OpenClosed": "Closed", "Status": "Deleted"}
    assert set(payload) == {"PositionID", "InternalID", "JobTitle", "LastModifiedDate", "Attributes"}
    closed = _job(TR1__Status__c="Closed")
    assert not position.is_tombstone(closed)
    assert json.loads(position.to_payload(closed)["Attributes"])["OpenClosed"] == "Closed"


# --- Positions ----------------------------------------------------------------------------------


def test_position_payload_follows_the_contract() -> None:
    payload = position.to_payload(_job())
    assert payload == {
        "PositionID": "pa0J000000000001AAA",
        "InternalID": "pa0J000000000001AAA",
        "JobTitle": "Employment Lawyer (NQ–3 PQE)",
        "JobDescription": "Join us & grow|- Tribunals|- Advice / drafting|Salary: €80k",
        "Company": "Müller & Söhne GmbH",
        "CreatedDate": "2026-10-01T00:00:00Z",
        "LastModifiedDate": "2026-11-02T09:00:00Z",
        "Attributes": (
            '{"OpenClosed":"Open","Status":"Open","Location":"München, Bayern",'
            '"City":"München","State":"Bayern"}'
        ),
    }


@pytest.mark.parametrize(
    ("status", "open_or_closed"), [("Open", "Open"), ("Hold", "Closed"), ("Closed", "Closed")]
)
def test_a_job_on_hold_is_not_open(status: str, open_or_closed: str) -> None:
    attributes = json.loads(position.to_payload(_job(TR1__Status__c=status))["Attributes"])
    assert attributes["OpenClosed"] == open_or_closed
    assert attributes["Status"] == status


def test_position_without_account_description_or_city() -> None:
    payload = position.to_payload(
        _job(TR1__Account__r=None, TR1__Client_Job_Description__c="<p>&nbsp;</p>", TR1__City__c=None)
    )
    assert "Company" not in payload
    assert "JobDescription" not in payload
    assert json.loads(payload["Attributes"])["Location"] == "Bayern"


def test_every_job_is_synced() -> None:
    assert position.SOBJECT == "TR1__Job__c"
    assert position.FILTER is None


# --- Refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (_contact(LastModifiedDate=None), "LastModifiedDate: required value is missing"),
        (_contact(Id=None), "CandidateID: record has no Id"),
        (_contact(CreatedDate="Zoë on Monday"), "CreatedDate: not an ISO 8601 datetime"),
        (
            _contact(LastModifiedDate="2026-11-02T09:15:00"),
            "LastModifiedDate: datetime has no timezone offset",
        ),
    ],
)
def test_unmappable_candidates_are_refused_with_a_reason(record: dict[str, Any], message: str) -> None:
    with pytest.raises(MappingError) as refused:
        candidate.to_payload(record, None)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (_job(TR1__Status__c="Filled"), "OpenClosed: unknown job status (expected Open, Hold or Closed)"),
        (_job(TR1__Status__c=None), "OpenClosed: required value is missing"),
        (_job(Name="   "), "JobTitle: required value is missing"),
        (_job(Id=""), "PositionID: record has no Id"),
    ],
)
def test_unmappable_positions_are_refused_with_a_reason(record: dict[str, Any], message: str) -> None:
    with pytest.raises(MappingError) as refused:
        position.to_payload(record)
    assert str(refused.value) == message


def test_a_foreign_converter_error_does_not_leak_the_value() -> None:
    table = (Field("Experience", "Years__c", int),)
    with pytest.raises(MappingError) as refused:
        apply_table({"Years__c": "Zoë's secret"}, table)
    assert str(refused.value) == "Experience: int refused the value (ValueError)"


# --- Extract fields -----------------------------------------------------------------------------


def test_extracts_select_exactly_the_mapped_fields() -> None:
    assert candidate.soql_fields() == [
        "Id",
        "SystemModstamp",
        "IsDeleted",
        "FirstName",
        "LastName",
        "Title",
        "CreatedDate",
        "LastModifiedDate",
        "TR1__Candidate_Status__c",
        "LeadSource",
        "MailingCity",
        "MailingState",
        "MailingCountry",
    ]
    assert position.soql_fields() == [
        "Id",
        "SystemModstamp",
        "IsDeleted",
        "Name",
        "TR1__Client_Job_Description__c",
        "TR1__Account__r.Name",
        "CreatedDate",
        "LastModifiedDate",
        "TR1__Status__c",
        "TR1__City__c",
        "TR1__State_Area__c",
    ]


# --- Converters ---------------------------------------------------------------------------------


def test_as_text() -> None:
    assert as_text("  Zoë  ") == "Zoë"
    assert as_text(" \t") is None
    assert as_text(2.0) == "2.0"


@pytest.mark.parametrize(
    ("value", "utc"),
    [
        ("2026-11-01T10:00:00.000+0000", "2026-11-01T10:00:00Z"),
        ("2026-11-01T10:00:00.000+0100", "2026-11-01T09:00:00Z"),
        ("2026-11-01T10:00:00-05:00", "2026-11-01T15:00:00Z"),
        ("2026-11-01T10:00:00.123456Z", "2026-11-01T10:00:00Z"),
        ("2026-12-31T23:30:00-01:00", "2027-01-01T00:30:00Z"),
        ("  ", None),
    ],
)
def test_to_utc_iso(value: str, utc: str | None) -> None:
    assert to_utc_iso(value) == utc


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("yesterday", "not an ISO 8601 datetime"),
        ("2026-13-01T10:00:00Z", "not an ISO 8601 datetime"),
        (2.0, "not an ISO 8601 datetime"),
        ("2026-11-01T10:00:00", "datetime has no timezone offset"),
        ("2026-11-01", "datetime has no timezone offset"),
        ("0001-01-01T00:00:00+01:00", "datetime out of range"),
    ],
)
def test_to_utc_iso_refuses_junk(value: object, reason: str) -> None:
    with pytest.raises(BadValue, match=reason):
        to_utc_iso(value)


def test_html_to_recruit_ai_text() -> None:
    html = "<h3>Role</h3><ol><li>Lead &lt;10&gt; lawyers</li><li>Pay | bonus</li></ol><p>Zoë &amp; 王</p>"
    assert html_to_recruit_ai_text(html) == "Role|- Lead <10> lawyers|- Pay / bonus|Zoë & 王"
    assert html_to_recruit_ai_text("Plain text\nwith lines") == "Plain text|with lines"
    assert html_to_recruit_ai_text("<p> </p><br>") is None


def test_open_closed() -> None:
    assert open_closed("Open") == "Open"
    assert open_closed(" hold ") == "Closed"
    assert open_closed("CLOSED") == "Closed"
    with pytest.raises(BadValue, match="unknown job status"):
        open_closed("Filled")
    with pytest.raises(ValueError, match="unknown job status"):
        open_closed("")


def test_join_location() -> None:
    assert join_location(("Kraków", None, "Poland")) == "Kraków, Poland"
    assert join_location((" München ", "Bayern")) == "München, Bayern"
    assert join_location(("", "  ", None)) is None


# --- The mechanism --------------------------------------------------------------------------------


def test_read_path_follows_relationships() -> None:
    record: dict[str, Any] = {
        "TR1__Account__r": {"attributes": {}, "Name": "Acme", "Owner__r": None},
        "Title": None,
    }
    assert read_path(record, "TR1__Account__r.Name") == "Acme"
    assert read_path(record, "TR1__Account__r.Owner__r.Name") is None
    assert read_path(record, "Title") is None
    assert read_path(record, "Missing__c") is None
    assert read_path({"TR1__Account__r": None}, "TR1__Account__r.Name") is None


def test_apply_table_and_source_fields() -> None:
    record = {"A__r": {"B": 1}, "C": None, "D": " x "}
    table = (
        Field("X", "A__r.B", lambda value: value + 1),
        Field("Y", ("C", "A__r.B"), lambda values: values),
        Field("Z", "C", required=False),
        Field("D", "D"),
    )
    assert apply_table(record, table) == {"X": 2, "Y": (None, 1), "D": "x"}
    assert source_fields(table, (Field("W", "C"), Field("V", "E"))) == ["A__r.B", "C", "D", "E"]


def test_attributes_json_is_compact_and_keeps_letters() -> None:
    assert attributes_json({"City": "Kraków", "Open": True, "Years": 3}) == (
        '{"City":"Kraków","Open":true,"Years":3}'
    )
