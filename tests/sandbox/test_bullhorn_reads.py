"""Reading from the sandbox Bullhorn: query, search, paging, fields, entities, files, options."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest

from sandbox.bullhorn.org import to_epoch_ms
from tests.sandbox.conftest import BULLHORN_ANCHOR, BullhornLogin, RunningBullhorn


def _get(login: BullhornLogin, path: str, **params: Any) -> Any:
    response = login.session.get(f"{login.rest_url}{path}", params=params, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def _ids(page: dict[str, Any]) -> list[int]:
    return [row["id"] for row in page["data"]]


def test_query_in_and_booleans_as_the_portal_asks(
    bullhorn_sandbox: RunningBullhorn, bullhorn_login: BullhornLogin
) -> None:
    where = "isOpen=true AND isPublic=1 AND isDeleted=false AND employmentType IN ('Job Req','Bench Req')"
    page = _get(
        bullhorn_login, "query/JobOrder", where=where, fields="id", count=500, showTotalMatched="true"
    )
    expected = sorted(
        job["id"]
        for job in bullhorn_sandbox.org.rows("JobOrder")
        if job["isOpen"] and job["isPublic"] == 1 and not job["isDeleted"]
        and job["employmentType"] in ("Job Req", "Bench Req")
    )  # fmt: skip
    assert expected, "the generated corporation has public open job orders"
    assert _ids(page) == expected
    assert page["total"] == len(expected)


def test_query_without_show_total_matched_has_no_total(bullhorn_login: BullhornLogin) -> None:
    page = _get(bullhorn_login, "query/JobOrder", where="id > 0", fields="id")
    assert set(page) == {"start", "count", "data"}
    assert page["count"] == 20, "the default page size"


def test_query_dotted_paths_not_and_null(
    bullhorn_sandbox: RunningBullhorn, bullhorn_login: BullhornLogin
) -> None:
    candidates = [10001, 10002, 10003]
    page = _get(
        bullhorn_login,
        "query/CandidateWorkHistory",
        where=f"candidate.id IN ({','.join(map(str, candidates))}) AND NOT (endDate IS NULL)",
        fields="id,candidate(id,lastName),endDate",
        count=100,
    )
    rows = bullhorn_sandbox.org.rows("CandidateWorkHistory")
    expected = [r["id"] for r in rows if r["candidate"]["id"] in candidates and r["endDate"] is not None]
    assert _ids(page) == expected
    for row in page["data"]:
        last_name = bullhorn_sandbox.org.get("Candidate", row["candidate"]["id"])["lastName"]
        assert row["candidate"] == {"id": row["candidate"]["id"], "lastName": last_name}


def test_query_dates_compare_as_epoch_milliseconds(
    bullhorn_sandbox: RunningBullhorn, bullhorn_login: BullhornLogin
) -> None:
    since = to_epoch_ms(datetime(2026, 11, 1, tzinfo=UTC))
    page = _get(
        bullhorn_login, "query/JobOrder", where=f"dateLastModified >= {since}", fields="id", count=500
    )
    assert _ids(page) == sorted(
        j["id"] for j in bullhorn_sandbox.org.rows("JobOrder") if j["dateLastModified"] >= since
    )


@pytest.mark.parametrize(
    "where",
    ["nope = 1", "title = 3", "isOpen = 'yes'", "id IN (1, 2", "id = 1 AND", "address = 'x'"],
)
def test_bad_where_clauses_are_400(bullhorn_login: BullhornLogin, where: str) -> None:
    response = bullhorn_login.session.get(
        f"{bullhorn_login.rest_url}query/JobOrder", params={"where": where, "fields": "id"}, timeout=10
    )
    assert response.status_code == 400
    assert response.json()["errorCode"] == 400


def test_query_on_candidate_is_refused(bullhorn_login: BullhornLogin) -> None:
    response = bullhorn_login.session.get(
        f"{bullhorn_login.rest_url}query/Candidate", params={"where": "id > 0", "fields": "id"}, timeout=10
    )
    assert response.status_code == 400
    assert "search" in response.json()["errorMessage"]


def test_long_where_clauses_can_be_posted(
    bullhorn_sandbox: RunningBullhorn, bullhorn_login: BullhornLogin
) -> None:
    ids = [job["id"] for job in bullhorn_sandbox.org.rows("JobOrder")][:5]
    where = f"id IN ({','.join(map(str, ids + list(range(1, 2000))))})"
    response = bullhorn_login.session.post(
        f"{bullhorn_login.rest_url}query/JobOrder",
        json={"where": where, "fields": "id", "count": 50},
        timeout=10,
    )
    assert _ids(response.json()) == ids


def test_search_date_range_and_deleted_flag(
    bullhorn_sandbox: RunningBullhorn, bullhorn_login: BullhornLogin
) -> None:
    low, high = datetime(2026, 11, 1, 10, tzinfo=UTC), datetime(2026, 11, 1, 11, tzinfo=UTC)
    query = f"isDeleted:0 AND dateLastModified:[{low:%Y%m%d%H%M%S} TO {high:%Y%m%d%H%M%S}}}"
    page = _get(bullhorn_login, "search/Candidate", query=query, fields="id", count=500)
    expected = sorted(
        c["id"]
        for c in bullhorn_sandbox.org.rows("Candidate")
        if not c["isDeleted"] and to_epoch_ms(low) <= c["dateLastModified"] < to_epoch_ms(high)
    )
    assert expected, "an hour of the window holds changes"
    assert _ids(page) == expected
    assert page["total"] == len(expected)
    assert all(row["_score"] > 0 for row in page["data"])


def test_search_index_holds_soft_deleted_records(
    bullhorn_sandbox: RunningBullhorn, bullhorn_login: BullhornLogin
) -> None:
    deleted = sorted(c["id"] for c in bullhorn_sandbox.org.rows("Candidate") if c["isDeleted"])
    assert deleted
    assert (
        _ids(_get(bullhorn_login, "search/Candidate", query="isDeleted:1", fields="id", count=500)) == deleted
    )


def test_search_not_and_prohibited_clauses(
    bullhorn_sandbox: RunningBullhorn, bullhorn_login: BullhornLogin
) -> None:
    rows = bullhorn_sandbox.org.rows("Candidate")
    expected = sorted(c["id"] for c in rows if not c["isDeleted"] and c["status"] != "Placed")
    for query in ("isDeleted:0 AND NOT status:Placed", "+isDeleted:0 -status:Placed"):
        page = _get(bullhorn_login, "search/Candidate", query=query, fields="id", count=500)
        assert page["total"] == len(expected)
    only_prohibited = _get(bullhorn_login, "search/Candidate", query="-status:Placed", fields="id")
    assert only_prohibited["total"] == 0, "Lucene matches nothing for prohibited clauses alone"


def test_search_by_email_and_phrase_finds_duplicate_applicants(
    bullhorn_sandbox: RunningBullhorn, bullhorn_login: BullhornLogin
) -> None:
    emails: dict[str, list[int]] = {}
    for candidate in bullhorn_sandbox.org.rows("Candidate"):
        emails.setdefault(candidate["email"], []).append(candidate["id"])
    email, ids = next((email, ids) for email, ids in emails.items() if len(ids) > 1)
    page = _get(bullhorn_login, "search/Candidate", query=f'email:"{email}"', fields="id,email")
    assert _ids(page) == sorted(ids)


def test_paging_with_total_and_heavy_fields_cap_pages(bullhorn_login: BullhornLogin) -> None:
    history = _get(
        bullhorn_login,
        "query/CandidateWorkHistory",
        where="id > 0",
        fields="id",
        count=1000,
        showTotalMatched="1",
    )
    assert history["count"] == 500, "pages hold at most 500"
    assert history["total"] > 500, "the total counts every match"
    light = _get(bullhorn_login, "search/Candidate", query="isDeleted:0", fields="id", count=500)
    heavy = _get(bullhorn_login, "search/Candidate", query="isDeleted:0", fields="id,description", count=500)
    assert heavy["count"] == 200, "a page with descriptions is cut to 200"
    seen: list[int] = []
    start = 0
    while True:
        page = _get(
            bullhorn_login, "search/Candidate", query="isDeleted:0", fields="id", start=start, count=150
        )
        seen += _ids(page)
        start += page["count"]
        if page["count"] == 0 or start >= page["total"]:
            break
    assert seen == sorted(seen)
    assert len(seen) == light["total"]


def test_sorting_descending(bullhorn_login: BullhornLogin) -> None:
    page = _get(
        bullhorn_login,
        "search/Candidate",
        query="isDeleted:0",
        fields="id,dateLastModified",
        sort="-dateLastModified",
    )
    stamps = [row["dateLastModified"] for row in page["data"]]
    assert stamps == sorted(stamps, reverse=True)


def test_fields_selection_nested_and_to_many(
    bullhorn_sandbox: RunningBullhorn, bullhorn_login: BullhornLogin
) -> None:
    page = _get(
        bullhorn_login,
        "query/JobOrder",
        where="id > 0",
        fields="id,title,address(city,state),clientCorporation(name),categories",
        count=3,
    )
    for row in page["data"]:
        job = bullhorn_sandbox.org.get("JobOrder", row["id"])
        assert set(row) == {"id", "title", "address", "clientCorporation", "categories"}
        assert row["address"] == {"city": job["address"]["city"], "state": job["address"]["state"]}
        assert row["clientCorporation"] == {"name": job["clientCorporation"]["name"]}
        assert row["categories"] == {"total": len(job["categories"]), "data": job["categories"]}
    everything = _get(bullhorn_login, "entity/Candidate/10001", fields="*")["data"]
    assert {"customText2", "customTextBlock5", "educations", "address"} <= set(everything)
    bad = bullhorn_login.session.get(
        f"{bullhorn_login.rest_url}entity/Candidate/10001", params={"fields": "id,title"}, timeout=10
    )
    assert bad.status_code == 400, "Candidate has no title"


def test_entity_by_one_or_many_ids(bullhorn_sandbox: RunningBullhorn, bullhorn_login: BullhornLogin) -> None:
    one = _get(bullhorn_login, "entity/Candidate/10001", fields="id,firstName")
    assert one["data"] == {
        "id": 10001,
        "firstName": bullhorn_sandbox.org.get("Candidate", 10001)["firstName"],
    }
    many = _get(bullhorn_login, "entity/Candidate/10001,10002", fields="id")
    assert many["data"] == [{"id": 10001}, {"id": 10002}]
    missing = bullhorn_login.session.get(f"{bullhorn_login.rest_url}entity/Candidate/99", timeout=10)
    assert missing.status_code == 404
    assert missing.json()["errorMessageKey"] == "errors.cannotFindEntity"


def test_countries_page_through_options(bullhorn_login: BullhornLogin) -> None:
    first = _get(bullhorn_login, "options/Country", count=10)["data"]
    second = _get(bullhorn_login, "options/Country", count=10, start=10)["data"]
    assert len(first) == 10
    assert set(first[0]) == {"value", "label"}
    assert {row["value"] for row in first}.isdisjoint({row["value"] for row in second})
    assert any(
        row["label"] == "United Kingdom" for row in _get(bullhorn_login, "options/Country", count=300)["data"]
    )


def test_entity_files_and_their_content(
    bullhorn_sandbox: RunningBullhorn, bullhorn_login: BullhornLogin
) -> None:
    org = bullhorn_sandbox.org
    formats: set[str] = set()
    for candidate_id, attached in list(org.files.items())[:15]:
        listing = _get(bullhorn_login, f"entityFiles/Candidate/{candidate_id}")["EntityFiles"]
        assert [row["id"] for row in listing] == [each.id for each in attached]
        for row in listing:
            formats.add(row["fileExtension"])
            raw = bullhorn_login.session.get(
                f"{bullhorn_login.rest_url}file/Candidate/{candidate_id}/{row['id']}/raw", timeout=10
            )
            assert raw.headers["Content-Type"] == row["contentType"]
            assert len(raw.content) == row["fileSize"]
            wrapped = _get(bullhorn_login, f"file/Candidate/{candidate_id}/{row['id']}")["File"]
            assert base64.b64decode(wrapped["fileContent"]) == raw.content
            assert wrapped["name"] == row["name"]
    assert {".pdf", ".docx", ".txt"} <= formats


def test_candidates_without_description_mostly_have_a_resume_file(bullhorn_sandbox: RunningBullhorn) -> None:
    org = bullhorn_sandbox.org
    bare = [c["id"] for c in org.rows("Candidate") if not c["description"]]
    assert bare
    assert sum(1 for cid in bare if org.files.get(cid)) > len(bare) // 2
    assert BULLHORN_ANCHOR.tzinfo is not None
