"""Talent Rover → Recruit AI mappings, on records shaped like Salesforce query results."""

from __future__ import annotations

import json
from typing import Any

import pytest

from include.mappings import Field, MappingError, apply_table, read_path, source_fields
from include.mappings.converters import html_to_recruit_ai_text, join_location, open_closed, to_utc_iso
from include.mappings.talent_rover import candidate, position


def _contact(**overrides: Any) -> dict[str, Any]:
    record = {
        "Id": "003000000000001AAA",
        "FirstName": "Zoë",
        "LastName": "Ó Súilleabháin",
        "Title": "Senior Associate",
        "LeadSource": "LinkedIn",
        "MailingCity": "Kraków",
        "MailingState": None,
        "MailingCountry": "Poland",
        "TR1__Candidate_Status__c": "Active",
        "CreatedDate": "2025-03-01T08:00:00.000+0000",
        "LastModifiedDate": "2026-11-02T09:15:00.000+0100",
        "SystemModstamp": "2026-11-02T08:15:01.000+0000",
    }
    return {**record, **overrides}


def _job(**overrides: Any) -> dict[str, Any]:
    record = {
        "Id": "a0J000000000001AAA",
        "Name": "Employment Lawyer (NQ–3 PQE)",
        "TR1__Status__c": "Hold",
        "TR1__Client_Job_Description__c": "<p>Join us &amp; grow</p><ul><li>Tribunals</li><li>A | B</li>",
        "TR1__Account__r": {"attributes": {"type": "Account"}, "Name": "Müller & Söhne GmbH"},
        "TR1__City__c": "München",
        "TR1__State_Area__c": "Bayern",
        "CreatedDate": "2026-10-01T00:00:00.000+0000",
        "LastModifiedDate": "2026-11-02T09:00:00.000+0000",
    }
    return {**record, **overrides}


def test_candidate_payload_follows_the_contract() -> None:
    payload = candidate.to_payload(_contact(), "Zoë|Senior Associate")
    assert payload["CandidateID"] == payload["InternalID"] == "c003000000000001AAA"
    assert payload["FirstName"] == "Zoë"
    assert payload["LastName"] == "Ó Súilleabháin"
    assert payload["JobTitle"] == "Senior Associate"
    assert payload["LastModifiedDate"] == "2026-11-02T08:15:00Z"
    assert payload["Resume"] == "Zoë|Senior Associate"
    assert json.loads(payload["Attributes"]) == {
        "Title": "Senior Associate",
        "Status": "Active",
        "CandidateSource": "LinkedIn",
        "Location": "Kraków, Poland",
        "City": "Kraków",
        "Country": "Poland",
    }
    assert "Zoë" in payload["Attributes"] or "Kraków" in payload["Attributes"]  # not \\u-escaped
    assert all(isinstance(value, str) for value in payload.values())


def test_candidate_without_resume_or_optional_fields() -> None:
    payload = candidate.to_payload(_contact(FirstName=None, Title="  ", LeadSource=None), None)
    assert "Resume" not in payload
    assert "FirstName" not in payload
    assert "JobTitle" not in payload
    assert "CandidateSource" not in json.loads(payload["Attributes"])


def test_position_payload_with_nested_account_and_html() -> None:
    payload = position.to_payload(_job())
    assert payload["PositionID"] == payload["InternalID"] == "pa0J000000000001AAA"
    assert payload["Company"] == "Müller & Söhne GmbH"
    assert payload["JobDescription"] == "Join us & grow|- Tribunals|- A / B"
    attributes = json.loads(payload["Attributes"])
    assert attributes["OpenClosed"] == "Closed"  # a job on hold is not recommended
    assert attributes["Status"] == "Hold"
    assert attributes["Location"] == "München, Bayern"


def test_unmappable_records_are_refused_with_a_reason() -> None:
    with pytest.raises(MappingError, match="LastModifiedDate: required"):
        candidate.to_payload(_contact(LastModifiedDate=None), None)
    with pytest.raises(MappingError, match="OpenClosed: unknown job status"):
        position.to_payload(_job(TR1__Status__c="Filled"))
    with pytest.raises(MappingError, match="JobTitle: required"):
        position.to_payload(_job(Name=""))
    with pytest.raises(MappingError, match="CreatedDate"):
        position.to_payload(_job(CreatedDate="yesterday"))
    with pytest.raises(MappingError) as refused:
        candidate.to_payload(_contact(CreatedDate="Zoë"), None)
    assert "Zoë" not in str(refused.value)
    with pytest.raises(MappingError, match="Id"):
        candidate.to_payload(_contact(Id=None), None)


def test_extracts_select_exactly_the_mapped_fields() -> None:
    assert candidate.soql_fields()[:2] == ["Id", "SystemModstamp"]
    assert "Email" not in candidate.soql_fields()
    assert "Phone" not in candidate.soql_fields()
    assert set(candidate.soql_fields()) >= {"TR1__Candidate_Status__c", "MailingCity", "LeadSource"}
    assert "TR1__Account__r.Name" in position.soql_fields()
    assert len(position.soql_fields()) == len(set(position.soql_fields()))


def test_converters() -> None:
    assert to_utc_iso("2026-11-02T10:00:00.000+0100") == "2026-11-02T09:00:00Z"
    assert to_utc_iso("2026-11-02T10:00:00Z") == "2026-11-02T10:00:00Z"
    with pytest.raises(ValueError, match="timezone"):
        to_utc_iso("2026-11-02T10:00:00")
    assert open_closed("Open") == "Open"
    assert open_closed("closed") == "Closed"
    assert join_location(("", None, "Ireland")) == "Ireland"
    assert join_location((None, None)) is None
    assert html_to_recruit_ai_text("<p> </p>") is None


def test_table_mechanics() -> None:
    record = {"A__r": {"B": 1}, "C": None}
    assert read_path(record, "A__r.B") == 1
    assert read_path(record, "C.D") is None
    table = (Field("X", "A__r.B", lambda v: v + 1), Field("Y", ("C", "A__r.B"), lambda parts: parts))
    assert apply_table(record, table) == {"X": 2, "Y": (None, 1)}
    assert source_fields(table, (Field("Z", "C"),)) == ["A__r.B", "C"]
