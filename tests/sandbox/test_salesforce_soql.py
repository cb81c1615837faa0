"""The SOQL subset on its own: tokenizer, parser, type checks and evaluation over a few records."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from sandbox.salesforce.ids import make_id
from sandbox.salesforce.schema import TALENT_ROVER
from sandbox.salesforce.soql import (
    Blob,
    BoolOp,
    Comparison,
    InList,
    Like,
    Not,
    RelatedRecord,
    SoqlError,
    parse,
    prepare,
    tokenize,
)

T0 = datetime(2026, 11, 1, 10, tzinfo=UTC)


def _contact(number: int, first: str | None, last: str, **fields: Any) -> dict[str, Any]:
    record = dict.fromkeys(field.name for field in TALENT_ROVER.sobject("Contact").fields)  # type: ignore[union-attr]
    record.update(
        Id=make_id("003", number),
        FirstName=first,
        LastName=last,
        IsDeleted=False,
        SystemModstamp=T0 + timedelta(hours=number),
    )
    record.update(fields)
    return record


ACCOUNT = {"Id": make_id("001", 1), "Name": "Müller & Söhne GmbH", "IsDeleted": False}
CONTACTS = [
    _contact(0, "Zoë", "O'Brien", TR1__Candidate_Status__c="Active", Email="zoe@example.com"),
    _contact(1, "Łukasz", "Dvořák", TR1__Candidate_Status__c="Passive", AccountId=ACCOUNT["Id"]),
    _contact(2, None, "Smith", TR1__Candidate_Status__c=None, Title="Partner"),
    _contact(3, "José", "Ñúñez", TR1__Candidate_Status__c="Not Applicable", Title="100% Partner"),
    _contact(4, "Ghost", "Deleted", TR1__Candidate_Status__c="Active", IsDeleted=True),
]
ATTACHMENT = {"Id": make_id("00P", 1), "Name": "cv.pdf", "BodyLength": None, "IsDeleted": False}


class Tables:
    """The smallest data source: records held in dicts."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, dict[str, Any]]] = {
            "Contact": {record["Id"]: record for record in CONTACTS},
            "Account": {ACCOUNT["Id"]: ACCOUNT},
            "Attachment": {ATTACHMENT["Id"]: ATTACHMENT},
        }

    def rows(self, sobject: str) -> Iterable[Mapping[str, Any]]:
        return self.tables.get(sobject, {}).values()

    def related(self, sobject: str, record_id: str) -> Mapping[str, Any] | None:
        return self.tables.get(sobject, {}).get(record_id)

    def deferred(self, sobject: str, record: Mapping[str, Any], field: str) -> Any:
        return 1234


def run(soql: str, *, include_deleted: bool = False) -> list[dict[str, Any]]:
    plan = prepare(soql, TALENT_ROVER, Tables())
    return [plan.project(record) for record in plan.run(include_deleted=include_deleted)]


def last_names(soql: str, **options: Any) -> list[str]:
    return [row["LastName"] for row in run(soql, **options)]


def error(soql: str) -> SoqlError:
    with pytest.raises(SoqlError) as caught:
        run(soql)
    return caught.value


# ---- tokens and parsing -------------------------------------------------------------------------


def test_tokenizer_reads_literals_of_every_kind() -> None:
    tokens = tokenize(
        r"x = 'O\'Brien \\ done' 2026-11-01 2026-11-01T10:00:00Z 2026-11-01T10:00:00.250Z "
        "2026-11-01T11:00:00+01:00 -4.5 12 <> <= != ( , )"
    )
    kinds = [token.kind for token in tokens]
    assert kinds == [
        "ident", "op", "string", "date", "datetime", "datetime", "datetime", "number", "number",
        "op", "op", "op", "punct", "punct", "punct", "eof",
    ]  # fmt: skip
    assert tokens[2].value[0] == "O'Brien \\ done"
    assert tokens[3].value == date(2026, 11, 1)
    assert tokens[4].value == T0
    assert tokens[5].value == T0 + timedelta(milliseconds=250)
    assert tokens[6].value == datetime(2026, 11, 1, 11, tzinfo=timezone(timedelta(hours=1)))
    assert tokens[6].value == T0
    assert (tokens[7].value, tokens[8].value) == (-4.5, 12)


def test_parser_builds_the_whole_query() -> None:
    query = parse(
        "select Id, TR1__Account__r.Name FROM TR1__Job__c WHERE NOT (Name LIKE 'a%' OR Id IN ('x', 'y')) "
        "AND TR1__Status__c != null ORDER BY Name DESC NULLS LAST, Id LIMIT 10 OFFSET 5"
    )
    assert [path.text for path in query.fields] == ["Id", "TR1__Account__r.Name"]
    assert query.sobject == "TR1__Job__c"
    assert isinstance(query.where, BoolOp)
    assert query.where.op == "AND"
    negated, not_null = query.where.operands
    assert isinstance(negated, Not)
    assert isinstance(negated.operand, BoolOp)
    assert negated.operand.op == "OR"
    assert isinstance(negated.operand.operands[0], Like)
    assert isinstance(negated.operand.operands[1], InList)
    assert isinstance(not_null, Comparison)
    assert (not_null.op, not_null.literal.kind) == ("!=", "null")
    assert [(item.path.text, item.descending, item.nulls_first) for item in query.order_by] == [
        ("Name", True, False),
        ("Id", False, None),
    ]
    assert (query.limit, query.offset) == (10, 5)
    assert parse("SELECT COUNT() FROM Contact").count_only


@pytest.mark.parametrize(
    ("soql", "problem", "column"),
    [
        ("SELECT FROM Contact", "unexpected token: FROM", 8),
        ("SELECT Id Contact", "unexpected token: Contact", 11),
        ("SELECT Id FROM Contact WHERE", "unexpected token: <EOF>", 29),
        ("SELECT Id FROM Contact WHERE Name = 'a' AND Id = null OR Title = null", "unexpected token: OR", 55),
        (
            "SELECT Id FROM Contact WHERE Name = 'unterminated",
            "mismatched character '<EOF>' expecting '''",
            50,
        ),
        (r"SELECT Id FROM Contact WHERE Name = 'bad \q'", r"Illegal character sequence '\q'", 42),
        ("SELECT Id FROM Contact WHERE SystemModstamp > 2026-11-01T10:00:00", "invalid datetime literal", 47),
        ("SELECT Id FROM Contact LIMIT 1.5", "unexpected token: 1.5", 30),
        ("SELECT Id FROM Contact WHERE Name = TODAY", "unexpected token: TODAY", 37),
        ("SELECT Id FROM Contact WHERE Id IN (SELECT Id FROM Contact)", "semi-join", 37),
        ("SELECT Id FROM Contact WHERE Name # 'x'", "no viable alternative at character '#'", 35),
        ("SELECT Id, Id FROM Contact", "duplicate field selected: Id", 12),
    ],
)
def test_malformed_queries_point_at_the_problem(soql: str, problem: str, column: int) -> None:
    caught = error(soql)
    assert caught.error_code == "MALFORMED_QUERY"
    assert problem in caught.problem
    message = caught.message(soql)
    assert f"ERROR at Row:1:Column:{column}\n" in message
    assert message.splitlines()[2] == " " * (column - 1) + "^"


def test_error_position_on_a_later_line() -> None:
    soql = "SELECT Id\nFROM Contact\nWHERE Nope = 1"
    assert "ERROR at Row:3:Column:7\nNo such column 'Nope'" in error(soql).message(soql)


# ---- checks against the schema ------------------------------------------------------------------


def test_unknown_field_object_and_relationship_are_named_as_salesforce_does() -> None:
    unknown_field = error("SELECT Foo FROM Contact")
    assert unknown_field.error_code == "INVALID_FIELD"
    assert unknown_field.problem.startswith(
        "No such column 'Foo' on entity 'Contact'. If you are attempting to use a custom field, be sure "
        "to append the '__c' after the custom field name."
    )
    assert error("SELECT Account.Nope FROM Contact").problem.startswith(
        "No such column 'Nope' on entity 'Account'"
    )
    relationship = error("SELECT Nope__r.Name FROM Contact")
    assert relationship.error_code == "INVALID_FIELD"
    assert relationship.problem.startswith("Didn't understand relationship 'Nope__r' in field path.")
    unknown_type = error("SELECT Id FROM Foo")
    assert unknown_type.error_code == "INVALID_TYPE"
    assert unknown_type.problem.startswith("sObject type 'Foo' is not supported.")


@pytest.mark.parametrize(
    ("condition", "code", "problem"),
    [
        (
            "SystemModstamp >= '2026-11-01T10:00:00Z'",
            "INVALID_FIELD",
            "value of filter criterion for field 'SystemModstamp' must be of type dateTime "
            "and should not be enclosed in quotes",
        ),
        ("SystemModstamp > 2026-11-01", "INVALID_FIELD", "must be of type dateTime"),
        ("IsDeleted = 'false'", "INVALID_FIELD", "must be of type boolean and should not be enclosed"),
        ("LastName = 5", "INVALID_FIELD", "must be of type string and should be enclosed in quotes"),
        ("Id = 'not-an-id'", "INVALID_QUERY_FILTER_OPERATOR", "invalid ID field: not-an-id"),
        ("IsDeleted > true", "INVALID_QUERY_FILTER_OPERATOR", "invalid operator on boolean field"),
        ("Id LIKE '003%'", "INVALID_QUERY_FILTER_OPERATOR", "invalid operator on id field"),
        ("LastName < null", "INVALID_QUERY_FILTER_OPERATOR", "invalid operator on null value"),
    ],
)
def test_type_errors_in_filters(condition: str, code: str, problem: str) -> None:
    caught = error(f"SELECT Id FROM Contact WHERE {condition}")
    assert (caught.error_code, problem in caught.problem) == (code, True)


def test_long_text_areas_and_files_cannot_be_filtered_or_sorted() -> None:
    assert (
        "can not be filtered"
        in error("SELECT Id FROM TR1__Job__c WHERE TR1__Client_Job_Description__c = 'x'").problem
    )
    assert (
        "can not be sorted"
        in error("SELECT Id FROM TR1__Job__c ORDER BY TR1__Client_Job_Description__c").problem
    )
    assert "can not be filtered" in error("SELECT Id FROM Attachment WHERE Body = null").problem


def test_offset_beyond_2000_is_out_of_range() -> None:
    caught = error("SELECT Id FROM Contact OFFSET 2001")
    assert (caught.error_code, caught.problem) == (
        "NUMBER_OUTSIDE_VALID_RANGE",
        "Maximum SOQL offset allowed is 2000",
    )


# ---- evaluation ---------------------------------------------------------------------------------


def test_fields_come_back_in_select_order_with_canonical_names() -> None:
    rows = run("select lastname, ID, firstNAME from CONTACT where lastname = 'smith'")
    assert [list(row) for row in rows] == [["LastName", "Id", "FirstName"]]
    assert rows[0]["FirstName"] is None


def test_query_leaves_deleted_records_out_and_include_deleted_keeps_them() -> None:
    assert "Deleted" not in last_names("SELECT LastName FROM Contact")
    assert "Deleted" in last_names("SELECT LastName FROM Contact", include_deleted=True)
    assert last_names("SELECT LastName FROM Contact WHERE IsDeleted = true", include_deleted=True) == [
        "Deleted"
    ]


def test_comparisons_are_case_insensitive_and_not_equal_matches_nulls() -> None:
    assert last_names("SELECT LastName FROM Contact WHERE FirstName = 'ZOË'") == ["O'Brien"]
    assert last_names(r"SELECT LastName FROM Contact WHERE LastName = 'o\'brien'") == ["O'Brien"]
    # As in Salesforce, != and NOT IN keep the records whose value is null.
    assert last_names("SELECT LastName FROM Contact WHERE TR1__Candidate_Status__c != 'Active'") == [
        "Dvořák",
        "Smith",
        "Ñúñez",
    ]
    assert last_names("SELECT LastName FROM Contact WHERE Title = null") == ["O'Brien", "Dvořák"]
    assert last_names("SELECT LastName FROM Contact WHERE Title != null") == ["Smith", "Ñúñez"]


def test_datetime_windows_are_half_open_and_honour_offsets() -> None:
    window = "SystemModstamp >= 2026-11-01T11:00:00Z AND SystemModstamp < 2026-11-01T13:00:00.000Z"
    assert last_names(f"SELECT LastName FROM Contact WHERE {window}") == ["Dvořák", "Smith"]
    assert last_names("SELECT LastName FROM Contact WHERE SystemModstamp <= 2026-11-01T11:00:00+01:00") == [
        "O'Brien"
    ]
    assert last_names("SELECT LastName FROM Contact WHERE SystemModstamp > 2026-11-01T12:00:00Z") == ["Ñúñez"]


def test_in_and_not_in_with_ids_of_either_length() -> None:
    ids = [record["Id"] for record in CONTACTS]
    listed = ", ".join(
        f"'{record_id}'" for record_id in [ids[0], ids[2][:15], *(make_id("003", n) for n in range(9, 600))]
    )
    assert last_names(f"SELECT LastName FROM Contact WHERE Id IN ({listed})") == ["O'Brien", "Smith"]
    assert last_names(f"SELECT LastName FROM Contact WHERE Id NOT IN ({listed})") == ["Dvořák", "Ñúñez"]
    assert last_names(f"SELECT LastName FROM Contact WHERE Id = '{ids[1].lower()[:15].upper()}'") == []
    assert last_names(f"SELECT LastName FROM Contact WHERE Id = '{ids[1][:15]}'") == ["Dvořák"]
    assert last_names("SELECT LastName FROM Contact WHERE Title IN ('partner', null)") == [
        "O'Brien",
        "Dvořák",
        "Smith",
    ]


def test_like_wildcards_and_escapes() -> None:
    assert last_names("SELECT LastName FROM Contact WHERE LastName LIKE 's%'") == ["Smith"]
    assert last_names("SELECT LastName FROM Contact WHERE LastName LIKE '_vo%'") == ["Dvořák"]
    assert last_names("SELECT LastName FROM Contact WHERE FirstName LIKE '%É'") == ["Ñúñez"]
    assert last_names(r"SELECT LastName FROM Contact WHERE Title LIKE '100\% %'") == ["Ñúñez"]
    assert last_names(r"SELECT LastName FROM Contact WHERE Title LIKE '100\%'") == []
    assert last_names("SELECT LastName FROM Contact WHERE NOT LastName LIKE '%z'") == [
        "O'Brien",
        "Dvořák",
        "Smith",
    ]


def test_not_and_parentheses() -> None:
    soql = (
        "SELECT LastName FROM Contact WHERE NOT (TR1__Candidate_Status__c = null "
        "OR TR1__Candidate_Status__c = 'Not Applicable') AND (Email = null OR Email LIKE 'zoe@%')"
    )
    assert last_names(soql) == ["O'Brien", "Dvořák"]


def test_relationship_fields_nest_and_filter() -> None:
    rows = run("SELECT LastName, Account.Name, Account.Id FROM Contact WHERE Account.Name LIKE 'Müller%'")
    assert len(rows) == 1
    related = rows[0]["Account"]
    assert isinstance(related, RelatedRecord)
    assert (related.sobject, related.record_id) == ("Account", ACCOUNT["Id"])
    assert related.fields == {"Name": "Müller & Söhne GmbH", "Id": ACCOUNT["Id"]}
    assert run("SELECT Account.Name FROM Contact WHERE LastName = 'Smith'") == [{"Account": None}]


def test_order_by_directions_nulls_and_several_keys() -> None:
    # Nulls first when ascending; accents sort with their base letter (Łukasz between José and Zoë).
    assert last_names("SELECT LastName FROM Contact ORDER BY FirstName") == [
        "Smith",
        "Ñúñez",
        "Dvořák",
        "O'Brien",
    ]
    assert last_names("SELECT LastName FROM Contact ORDER BY FirstName DESC") == [
        "O'Brien",
        "Dvořák",
        "Ñúñez",
        "Smith",
    ]
    assert last_names("SELECT LastName FROM Contact ORDER BY FirstName ASC NULLS LAST") == [
        "Ñúñez",
        "Dvořák",
        "O'Brien",
        "Smith",
    ]
    assert last_names(
        "SELECT LastName FROM Contact ORDER BY Title DESC NULLS FIRST, SystemModstamp DESC"
    ) == [
        "Dvořák",
        "O'Brien",
        "Smith",
        "Ñúñez",
    ]


def test_limit_offset_and_count() -> None:
    assert last_names("SELECT LastName FROM Contact ORDER BY SystemModstamp LIMIT 2 OFFSET 1") == [
        "Dvořák",
        "Smith",
    ]
    plan = prepare("SELECT COUNT() FROM Contact WHERE FirstName != null", TALENT_ROVER, Tables())
    assert plan.count_only
    assert len(plan.run()) == 3


def test_files_are_urls_and_sizes_are_computed_on_demand() -> None:
    rows = run("SELECT Name, Body, BodyLength FROM Attachment")
    assert rows == [
        {"Name": "cv.pdf", "Body": Blob("Attachment", ATTACHMENT["Id"], "Body"), "BodyLength": 1234}
    ]
