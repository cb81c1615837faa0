"""Bullhorn → Recruit AI mappings, on records shaped like Bullhorn search and query results."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from include.mappings import MappingError
from include.mappings.bullhorn import (
    association_names,
    country_names,
    fields_parameter,
    with_country_name,
)
from include.mappings.bullhorn import candidate as candidate_mapping
from include.mappings.bullhorn import position as position_mapping
from include.mappings.converters import (
    BadValue,
    comma_list,
    datetime_from_epoch_ms,
    epoch_ms,
    epoch_ms_to_utc_iso,
    first_html_text,
    positive_amount,
    whole_number,
    year,
    yes_no,
)

# As ``options/Country`` answers: value and label.
COUNTRY_OPTIONS = [
    {"value": 1, "label": "United States"},
    {"value": 2359, "label": "United Kingdom"},
    {"value": 2260, "label": "Polska"},
    {"value": 9999, "label": "  "},
]
COUNTRIES = country_names(COUNTRY_OPTIONS)


def _candidate(**changes: Any) -> dict[str, Any]:
    """A Candidate as ``search/Candidate`` returns it (email and phone would never be asked for)."""
    record = {
        "_score": 1.0,
        "id": 456532,
        "dateLastModified": 1793610000123,  # 2026-11-02T09:00:00.123Z
        "isDeleted": False,
        "firstName": "Łukasz",
        "lastName": "Wąsowski-Ó Súilleabháin",
        "occupation": "Senior Associate",
        "dateAdded": 1741161600000,  # 2025-03-05T08:00:00Z
        "status": "Active",
        "source": "Direct - Axiom website",
        "employmentPreference": "Permanent,Contract",
        "experience": 7,
        "address": {
            "address1": "",
            "address2": "",
            "city": "Kraków",
            "state": "Małopolskie",
            "zip": "31-000",
            "countryID": 2260,
        },
        "customInt1": 2018,
        "customText2": "PL - Kraków, UK - England & Wales,, ",
        "customText7": "No - I will not require assistance from Axiom",
        "customTextBlock5": "www.linkedin.com/in/lukasz",
        "category": {"id": 546654, "name": "Employment"},
        "description": "<p>Łukasz Wąsowski</p><p>Employment | litigation</p>",
    }
    return record | changes


def _education(candidate_id: int = 456532, **changes: Any) -> dict[str, Any]:
    """A CandidateEducation row as ``query/CandidateEducation`` returns it."""
    row = {
        "id": 88001,
        "candidate": {"id": candidate_id},
        "school": "Uniwersytet Jagielloński",
        "degree": "LL.M",
        "major": "Prawo",
        "customInt1": 2016,
    }
    return row | changes


def _work(candidate_id: int = 456532, **changes: Any) -> dict[str, Any]:
    """A CandidateWorkHistory row; dates before 1970 are negative epoch milliseconds."""
    row = {
        "id": 99001,
        "candidate": {"id": candidate_id},
        "title": "Founder and CEO",
        "companyName": "frog design, inc.",
        "startDate": -17308498000,
        "endDate": 1244995502000,
    }
    return row | changes


def _job(**changes: Any) -> dict[str, Any]:
    """A JobOrder as ``query/JobOrder`` returns it, an available one unless changed."""
    record = {
        "id": 25486,
        "dateLastModified": 1793613599999,  # 2026-11-02T09:59:59.999Z
        "isDeleted": False,
        "isOpen": True,
        "isPublic": 1,
        "employmentType": "Job Req",
        "title": "Employment Lawyer (NQ–3 PQE)",
        "description": "<p>Join us &amp; grow&nbsp;</p><ul><li>Tribunals</li><li>Advice | drafting</li></ul>",
        "publicDescription": "<p>Public text</p>",
        "clientCorporation": {"id": 77, "name": "Müller & Söhne LLP"},
        "dateAdded": 1790812800000,  # 2026-10-01T00:00:00Z
        "status": "Accepting Candidates",
        "address": {
            "address1": "1 Main St",
            "city": "London",
            "state": None,
            "zip": "EC1A 1BB",
            "countryID": 2359,
        },
        "salary": 85000.0,
        "salaryUnit": "per year",
        "categories": {
            "total": 2,
            "data": [{"id": 1, "name": "Employment"}, {"id": 2, "name": "Litigation"}],
        },
        "numOpenings": 2,
    }
    return record | changes


# --- Candidates ---------------------------------------------------------------------------------


def test_candidate_payload_follows_the_contract() -> None:
    resume = candidate_mapping.description_resume_text(_candidate())
    payload = candidate_mapping.to_payload(_candidate(), [_education()], [_work()], resume, COUNTRIES)
    assert payload == {
        "CandidateID": "c456532",
        "InternalID": "c456532",
        "FirstName": "Łukasz",
        "LastName": "Wąsowski-Ó Súilleabháin",
        "JobTitle": "Senior Associate",
        "CreatedDate": "2025-03-05T08:00:00Z",
        "LastModifiedDate": "2026-11-02T09:00:00Z",
        "Resume": "Łukasz Wąsowski|Employment / litigation",
        "Attributes": (
            '{"Status":"Active","CandidateSource":"Direct - Axiom website",'
            '"EmploymentPreference":"Permanent,Contract","Experience":"7",'
            '"Location":"Kraków, Małopolskie, Polska","City":"Kraków","State":"Małopolskie",'
            '"PostalCode":"31-000","Country":"Polska","QualificationYear":2018,'
            '"BarAdmissions":"PL - Kraków; UK - England & Wales","VisaSponsorshipNeeded":false,'
            '"LinkedInURL":"www.linkedin.com/in/lukasz","PrimarySpecialty":"Employment",'
            '"Education":"Uniwersytet Jagielloński, LL.M, Prawo, 2016",'
            '"WorkHistory":"Founder and CEO, frog design, inc., 1969-06-14T16:05:02Z, 2009-06-14T16:05:02Z"}'
        ),
    }


@pytest.mark.parametrize(
    ("answer", "needed"),
    [
        ("Yes - I will require sponsorship", True),
        ("yes", True),
        ("  YES, for the UK", True),
        ("No - I will not require assistance from Axiom", False),
        ("no", False),
        ("Not sure", None),
        ("Nope", None),
        ("N/A", None),
        ("Maybe - depends on the office", None),
        ("Yesterday's question", None),
        ("", None),
        (None, None),
    ],
)
def test_visa_answers_become_true_false_or_null(answer: str | None, needed: bool | None) -> None:
    payload = candidate_mapping.to_payload(_candidate(customText7=answer), [], [], None, COUNTRIES)
    attributes = json.loads(payload["Attributes"])
    # Unknown is sent as null, not left out: the question is still open.
    assert "VisaSponsorshipNeeded" in attributes
    assert attributes["VisaSponsorshipNeeded"] is needed


def test_candidate_with_only_the_required_fields() -> None:
    record = {"id": 7, "dateLastModified": 0, "isDeleted": False, "address": None, "category": None}
    payload = candidate_mapping.to_payload(record, [], [], None, COUNTRIES)
    assert payload == {
        "CandidateID": "c7",
        "InternalID": "c7",
        "LastModifiedDate": "1970-01-01T00:00:00Z",
        "Attributes": '{"VisaSponsorshipNeeded":null}',
    }


def test_unknown_country_blank_custom_fields_and_empty_rows_are_left_out() -> None:
    record = _candidate(
        address={"city": " ", "state": "NY", "zip": "", "countryID": 12345},
        customInt1=0,
        customText2=" , ,",
        customTextBlock5="",
        category={"id": 1, "name": None},
        experience=0,
    )
    education = [_education(school=None, degree="", major=None, customInt1=None)]
    work = [_work(title="Partner", companyName=None, startDate=None, endDate=None, isDeleted=True)]
    attributes = json.loads(
        candidate_mapping.to_payload(record, education, work, None, COUNTRIES)["Attributes"]
    )
    assert attributes == {
        "Status": "Active",
        "CandidateSource": "Direct - Axiom website",
        "EmploymentPreference": "Permanent,Contract",
        "Experience": "0",
        "Location": "NY",
        "State": "NY",
        "VisaSponsorshipNeeded": False,
    }


def test_duplicate_candidates_stay_two_records() -> None:
    # The portal creates a Candidate per application: the same person applying twice is two ids.
    first = candidate_mapping.to_payload(_candidate(id=1001), [], [], "CV", COUNTRIES)
    second = candidate_mapping.to_payload(_candidate(id=1002), [], [], "CV", COUNTRIES)
    assert (first["CandidateID"], second["CandidateID"]) == ("c1001", "c1002")
    assert {key: value for key, value in first.items() if not key.endswith("ID")} == {
        key: value for key, value in second.items() if not key.endswith("ID")
    }


def test_a_deleted_candidate_is_a_tombstone() -> None:
    record = _candidate(isDeleted=True, dateLastModified=1793613600000)
    assert candidate_mapping.is_tombstone(record)
    assert not candidate_mapping.is_tombstone(_candidate())
    payload = candidate_mapping.to_payload(
        record, [_education()], [_work()], "a résumé never sent", COUNTRIES
    )
    assert payload == {
        "CandidateID": "c456532",
        "InternalID": "c456532",
        "LastModifiedDate": "2026-11-02T10:00:00Z",
        "Attributes": '{"Status":"Deleted"}',
    }


def test_rows_are_grouped_by_candidate_in_order() -> None:
    rows = [
        _education(1, id=1),
        _work(2, id=2),
        _education(1, id=3),
        {"id": 4, "candidate": None},
        {"id": 5},
    ]
    grouped = candidate_mapping.rows_by_candidate(rows)
    assert {candidate_id: [row["id"] for row in group] for candidate_id, group in grouped.items()} == {
        1: [1, 3],
        2: [2],
    }


def test_resume_text_comes_from_the_parsed_description() -> None:
    html = "<html><body><h1>Zoë Núñez</h1><ul><li>Tribunals</li></ul><script>x()</script></body></html>"
    assert candidate_mapping.description_resume_text(_candidate(description=html)) == "Zoë Núñez|- Tribunals"
    assert candidate_mapping.description_resume_text(_candidate(description="<p> </p>")) is None
    assert candidate_mapping.description_resume_text(_candidate(description=None)) is None


@pytest.mark.parametrize(
    ("record", "education", "message"),
    [
        (_candidate(dateLastModified=None), [], "LastModifiedDate: required value is missing"),
        (_candidate(id=None), [], "CandidateID: record has no Id"),
        (_candidate(dateAdded="2025-03-05"), [], "CreatedDate: not epoch milliseconds"),
        (_candidate(customInt1=20188), [], "QualificationYear: not a year"),
        (_candidate(customInt1="PQE 3"), [], "QualificationYear: not a whole number"),
        (_candidate(), [_education(customInt1=True)], "graduationYear: not a whole number"),
        (_candidate(dateLastModified=10**18), [], "LastModifiedDate: epoch milliseconds out of range"),
    ],
)
def test_unmappable_candidates_are_refused_with_a_reason(
    record: dict[str, Any], education: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(MappingError) as refused:
        candidate_mapping.to_payload(record, education, [], None, COUNTRIES)
    assert str(refused.value) == message


def test_candidate_reads_a_lean_set_of_fields_without_contact_details() -> None:
    assert candidate_mapping.fields() == (
        "id,dateLastModified,isDeleted,firstName,lastName,occupation,dateAdded,status,source,"
        "employmentPreference,experience,address(city,state,countryID,zip),customInt1,customText2,"
        "customText7,customTextBlock5,category(name),description"
    )
    assert candidate_mapping.education_fields() == "id,candidate(id),school,degree,major,customInt1"
    assert candidate_mapping.work_history_fields() == "id,candidate(id),title,companyName,startDate,endDate"
    for private in ("email", "phone", "mobile", "ssn"):
        assert private not in candidate_mapping.fields().lower()
    assert candidate_mapping.ENTITY == "Candidate"
    assert candidate_mapping.FILTER is None


def test_candidate_never_sends_contact_details() -> None:
    record = _candidate(email="lukasz@example.com", phone="+48 600 000 000", mobile="+48 601 000 000")
    sent = json.dumps(candidate_mapping.to_payload(record, [], [], None, COUNTRIES), ensure_ascii=False)
    assert "example.com" not in sent
    assert "600 000" not in sent


# --- Positions ----------------------------------------------------------------------------------


def test_available_position_payload_follows_the_contract() -> None:
    assert position_mapping.is_available(_job())
    assert position_mapping.to_payload(_job(), COUNTRIES) == {
        "PositionID": "p25486",
        "InternalID": "p25486",
        "JobTitle": "Employment Lawyer (NQ–3 PQE)",
        "JobDescription": "Join us & grow|- Tribunals|- Advice / drafting",
        "Company": "Müller & Söhne LLP",
        "CreatedDate": "2026-10-01T00:00:00Z",
        "LastModifiedDate": "2026-11-02T09:59:59Z",
        "Attributes": (
            '{"OpenClosed":"Open","Status":"Accepting Candidates","EmploymentType":"Job Req",'
            '"Location":"London, United Kingdom","City":"London","PostalCode":"EC1A 1BB",'
            '"Country":"United Kingdom","Salary":85000.0,"SalaryUnit":"per year",'
            '"Categories":"Employment; Litigation","NumOpenings":2}'
        ),
    }


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"isOpen": False, "status": "Filled"}, "Filled"),
        ({"isPublic": 0}, "Accepting Candidates"),
        ({"isPublic": -1}, "Accepting Candidates"),
        ({"employmentType": "Contract"}, "Accepting Candidates"),
        ({"employmentType": None}, "Accepting Candidates"),
        ({"isOpen": None, "status": None}, None),
        ({"isDeleted": True}, "Deleted"),
        ({"isDeleted": True, "isOpen": False, "isPublic": 0, "status": "Closed"}, "Deleted"),
    ],
    ids=[
        "closed",
        "not-public",
        "private",
        "other-type",
        "no-type",
        "no-status",
        "deleted",
        "deleted-closed",
    ],
)
def test_a_job_that_is_not_available_is_a_closed_tombstone(
    changes: dict[str, Any], status: str | None
) -> None:
    job = _job(**changes)
    assert not position_mapping.is_available(job)
    assert position_mapping.is_tombstone(job)
    expected_attributes = {"OpenClosed": "Closed"} | ({"Status": status} if status else {})
    assert position_mapping.tombstone_attributes(job) == expected_attributes
    assert position_mapping.to_payload(job, COUNTRIES) == {
        "PositionID": "p25486",
        "InternalID": "p25486",
        "JobTitle": "Employment Lawyer (NQ–3 PQE)",
        "LastModifiedDate": "2026-11-02T09:59:59Z",
        "Attributes": json.dumps(expected_attributes, separators=(",", ":")),
    }


def test_employment_types_are_configurable() -> None:
    contract = _job(employmentType="Contract")
    assert position_mapping.is_available(contract, ["Contract", "Temp"])
    assert not position_mapping.is_available(_job(), ["Contract", "Temp"])
    attributes = json.loads(position_mapping.to_payload(contract, COUNTRIES, ("Contract",))["Attributes"])
    assert attributes["OpenClosed"] == "Open"
    assert position_mapping.AVAILABLE_EMPLOYMENT_TYPES == ("Job Req", "Bench Req")
    assert position_mapping.is_available(_job(employmentType="Bench Req"))


def test_position_falls_back_to_the_public_description_and_leaves_blanks_out() -> None:
    job = _job(
        description="<p>&nbsp;</p>",
        clientCorporation=None,
        address=None,
        salary=0.0,
        salaryUnit="",
        categories={"total": 0, "data": []},
        numOpenings=None,
    )
    payload = position_mapping.to_payload(job, COUNTRIES)
    assert payload["JobDescription"] == "Public text"
    assert "Company" not in payload
    assert json.loads(payload["Attributes"]) == {
        "OpenClosed": "Open",
        "Status": "Accepting Candidates",
        "EmploymentType": "Job Req",
    }
    assert "JobDescription" not in position_mapping.to_payload(job | {"publicDescription": None}, COUNTRIES)


@pytest.mark.parametrize(
    ("job", "message"),
    [
        (_job(title="  "), "JobTitle: required value is missing"),
        (_job(title=None, isDeleted=True), "JobTitle: required value is missing"),
        (_job(id=None), "PositionID: record has no Id"),
        (_job(numOpenings="two"), "NumOpenings: not a whole number"),
        (_job(salary="85k"), "Salary: not a number"),
        (_job(dateLastModified=None, isOpen=False), "LastModifiedDate: required value is missing"),
    ],
)
def test_unmappable_positions_are_refused_with_a_reason(job: dict[str, Any], message: str) -> None:
    with pytest.raises(MappingError) as refused:
        position_mapping.to_payload(job, COUNTRIES)
    assert str(refused.value) == message


def test_position_reads_the_fields_its_tables_and_availability_need() -> None:
    assert position_mapping.fields() == (
        "id,dateLastModified,isDeleted,isOpen,isPublic,employmentType,title,description,publicDescription,"
        "clientCorporation(name),dateAdded,status,address(city,state,countryID,zip),salary,salaryUnit,"
        "categories[10](name),numOpenings"
    )
    assert position_mapping.ENTITY == "JobOrder"


# --- Bullhorn shapes ------------------------------------------------------------------------------


def test_fields_parameter_nests_dotted_paths_and_spells_to_many_fields() -> None:
    paths = ["id", "owner.corporation.name", "address.city", "id", "address.countryName", "categories"]
    assert fields_parameter(paths, {"categories": "categories[3](name)"}) == (
        "id,owner(corporation(name)),address(city,countryID),categories[3](name)"
    )


def test_country_names_and_their_lookup() -> None:
    assert COUNTRIES == {1: "United States", 2359: "United Kingdom", 2260: "Polska"}
    record = {"id": 1, "address": {"city": "Austin", "countryID": 1}}
    assert with_country_name(record, COUNTRIES)["address"] == {
        "city": "Austin",
        "countryID": 1,
        "countryName": "United States",
    }
    assert record["address"] == {"city": "Austin", "countryID": 1}  # the record itself is unchanged
    assert with_country_name({"address": {"countryID": "1"}}, COUNTRIES)["address"]["countryName"] is None
    assert with_country_name({"address": None}, COUNTRIES) == {"address": None}


def test_association_names() -> None:
    value = {"total": 3, "data": [{"id": 1, "name": " Tax "}, {"id": 2, "name": None}, {"id": 3}]}
    assert association_names(value) == "Tax"
    assert association_names({"total": 0, "data": []}) is None
    assert association_names([]) is None


# --- Converters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("milliseconds", "iso"),
    [
        (0, "1970-01-01T00:00:00Z"),
        (1793610000123, "2026-11-02T09:00:00Z"),
        (-1, "1969-12-31T23:59:59Z"),
        (-17308498000, "1969-06-14T16:05:02Z"),
        (-2208988800000, "1900-01-01T00:00:00Z"),
    ],
)
def test_epoch_ms_to_utc_iso_including_dates_before_1970(milliseconds: int, iso: str) -> None:
    assert epoch_ms_to_utc_iso(milliseconds) == iso


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1793610000000", "not epoch milliseconds"),
        (1793610000000.0, "not epoch milliseconds"),
        (True, "not epoch milliseconds"),
        (10**18, "epoch milliseconds out of range"),
        (-(10**18), "epoch milliseconds out of range"),
    ],
)
def test_epoch_ms_refuses_junk(value: object, reason: str) -> None:
    with pytest.raises(BadValue, match=reason):
        epoch_ms_to_utc_iso(value)


def test_epoch_ms_round_trips_aware_datetimes() -> None:
    for milliseconds in (0, 1, -1, -17308498000, 1793610000123):
        assert epoch_ms(datetime_from_epoch_ms(milliseconds)) == milliseconds
    moment = datetime(2026, 11, 2, 9, 0, 0, 500, tzinfo=UTC)  # half a millisecond past the hour
    assert epoch_ms(moment) == 1793610000000
    assert epoch_ms(moment, round_up=True) == 1793610000001
    before_1970 = datetime(1969, 12, 31, 23, 59, 59, 999500, tzinfo=UTC)
    assert (epoch_ms(before_1970), epoch_ms(before_1970, round_up=True)) == (-1, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        epoch_ms(datetime(2026, 11, 2, 9))


def test_epoch_ms_takes_airflows_pendulum_datetimes() -> None:
    import pendulum

    assert epoch_ms(pendulum.datetime(2026, 11, 2, 9, tz="UTC"), round_up=True) == 1793610000000


def test_small_converters() -> None:
    assert comma_list("US - New York,US - New Jersey") == "US - New York; US - New Jersey"
    assert comma_list(" a ,, b , ") == "a; b"
    assert comma_list(" , ") is None
    assert yes_no("Yes") is True
    assert yes_no("NO.") is False
    assert yes_no("Não") is None
    assert year(1974) == 1974
    assert year(0) is None
    assert whole_number(-3) == -3
    assert positive_amount(0) is None
    assert positive_amount(-5.0) is None
    assert positive_amount(12.5) == 12.5
    assert first_html_text((None, " ", "<b>B</b>")) == "B"
    assert first_html_text((None, None)) is None
    with pytest.raises(BadValue, match="not a year"):
        year(-1)
    with pytest.raises(BadValue, match="not a number"):
        positive_amount(True)
