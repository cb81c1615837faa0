"""Choosing REST or Bulk by the API calls each spends, and Bulk CSV rows shaped as REST records."""

from __future__ import annotations

import pytest

from include.talent_rover.bulk import (
    BULK_MAX_RECORDS,
    EXPECTED_POLLS,
    bulk_calls,
    csv_record,
    describes_needed,
    rest_calls,
    use_bulk,
)


def test_rest_spends_a_call_per_page() -> None:
    assert rest_calls(0) == 1
    assert rest_calls(2000) == 1
    assert rest_calls(2001) == 2
    assert rest_calls(200_000) == 100
    assert rest_calls(1000, page_size=200) == 5  # Salesforce shrank the pages


def test_bulk_spends_a_fixed_handful_plus_a_call_per_result_page() -> None:
    fixed = 1 + EXPECTED_POLLS + 1 + 1  # create, polls, delete, one describe
    assert bulk_calls(1) == fixed + 1
    assert bulk_calls(BULK_MAX_RECORDS + 1) == fixed + 2
    assert bulk_calls(200_000, describes=2) == fixed + 1 + 200_000 // BULK_MAX_RECORDS


def test_bulk_only_for_a_large_window_and_only_when_cheaper() -> None:
    assert use_bulk(200_000, 198_000, threshold=10_000)
    assert not use_bulk(200_000, 198_000, threshold=None), "no threshold: never"
    assert not use_bulk(9_999, 7_999, threshold=10_000), "below the threshold"
    # Over a threshold of 1, but 6,000 records are 3 REST pages: fewer than any Bulk job.
    assert not use_bulk(8_000, 6_000, threshold=1)
    assert not use_bulk(200_000, 0, threshold=1), "the first page held everything"


@pytest.mark.parametrize("remaining", [1, 1999, 2000, 15_999, 16_001, 20_000, 50_000, 199_999])
def test_the_choice_never_spends_more_calls_than_rest(remaining: int) -> None:
    chosen = use_bulk(remaining + 2000, remaining, threshold=1, describes=2)
    spent = bulk_calls(remaining, describes=2) if chosen else rest_calls(remaining)
    assert spent <= rest_calls(remaining)


def test_smaller_rest_pages_make_bulk_pay_off_sooner() -> None:
    assert not use_bulk(12_000, 10_000, threshold=1)
    assert use_bulk(12_000, 10_000, threshold=1, page_size=200)


def test_describes_one_per_object_the_columns_come_from() -> None:
    assert describes_needed(["Id", "Name"]) == 1
    assert describes_needed(["Id", "TR1__Account__r.Name", "TR1__Account__r.Id", "Owner.Email"]) == 3


def test_csv_rows_become_typed_nested_records() -> None:
    headers = ["Id", "IsDeleted", "Score__c", "Count__c", "SystemModstamp", "Title", "TR1__Account__r.Name"]
    types = {
        "Id": "id",
        "IsDeleted": "boolean",
        "Score__c": "double",
        "Count__c": "int",
        "SystemModstamp": "datetime",
        "Title": "string",
        "TR1__Account__r.Name": "string",
    }
    row = ["003A", "false", "2.5", "7", "2026-11-02T12:00:00.000+0000", "true", "Acme, Inc."]
    assert csv_record(headers, row, types) == {
        "Id": "003A",
        "IsDeleted": False,
        "Score__c": 2.5,
        "Count__c": 7,
        "SystemModstamp": "2026-11-02T12:00:00.000+0000",
        "Title": "true",  # a text field keeps its text, whatever it looks like
        "TR1__Account__r": {"Name": "Acme, Inc."},
    }
    empty = csv_record(headers, ["003B", "true", "", "", "2026-11-02T12:00:00.000+0000", "", ""], types)
    assert empty["IsDeleted"] is True
    assert empty["Score__c"] is empty["Count__c"] is empty["Title"] is None
    assert empty["TR1__Account__r"] is None, "no related record, as REST has it"


def test_a_row_that_does_not_match_its_headers_is_refused() -> None:
    with pytest.raises(ValueError, match="2 cells under 3 headers"):
        csv_record(["Id", "Name", "Title"], ["003A", "x"], {})
