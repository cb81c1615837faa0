"""BullhornHook against the sandbox Bullhorn, over HTTPS on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import os
from typing import Any

import pytest

from bullhorn_hook import BullhornApiError, BullhornAuthError, BullhornHook
from include.bullhorn import ApiLimitReached, MaxCalls
from include.bullhorn.errors import BullhornError, UnsupportedFileType
from sandbox.bullhorn.org import COUNTRIES
from sandbox.faults import FaultPlan
from sandbox.salesforce.documents import FileSpec, render
from tests.conftest import ANCHOR


class KeptRefreshToken:
    """A refresh-token store in memory: what the Airflow Variable is across tasks, within one test."""

    def __init__(self, value: str | None = None) -> None:
        self.value = value
        self.writes = 0

    def get(self) -> str | None:
        """Return the kept token."""
        return self.value

    def set(self, refresh_token: str) -> None:
        """Keep a new token."""
        self.value = refresh_token
        self.writes += 1


@pytest.fixture
def tokens() -> KeptRefreshToken:
    return KeptRefreshToken()


@pytest.fixture
def hook(services: Any, tokens: KeptRefreshToken) -> BullhornHook:
    services.set_bullhorn_faults(FaultPlan())
    return BullhornHook(refresh_tokens=tokens)


def _ids(pages: list[list[dict[str, Any]]]) -> list[int]:
    return [row["id"] for page in pages for row in page]


def test_full_login_then_the_kept_refresh_token_spares_the_password(
    hook: BullhornHook, tokens: KeptRefreshToken
) -> None:
    assert hook.options("Country")
    assert hook.last_login_grant == "password"
    first_refresh_token = tokens.value
    assert first_refresh_token

    next_hook = BullhornHook(refresh_tokens=tokens)
    assert next_hook.options("Country")
    assert next_hook.last_login_grant == "refresh_token"
    # Single-use: the one just used is gone, and its successor is kept.
    assert tokens.value
    assert tokens.value != first_refresh_token


def test_a_stale_refresh_token_falls_back_to_the_password(services: Any) -> None:
    services.set_bullhorn_faults(FaultPlan())
    tokens = KeptRefreshToken("used-up-elsewhere")
    hook = BullhornHook(refresh_tokens=tokens)
    assert hook.options("Country")
    assert hook.last_login_grant == "password"
    assert tokens.value != "used-up-elsewhere"


def test_wrong_password_fails_naming_the_connection_without_the_password(
    services: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    connection = json.loads(os.environ["AIRFLOW_CONN_BULLHORN_DEFAULT"])
    connection["password"] = "not-the-password-42"
    monkeypatch.setenv("AIRFLOW_CONN_BULLHORN_BAD", json.dumps(connection))
    with pytest.raises(BullhornAuthError, match="bullhorn_bad") as error:
        BullhornHook("bullhorn_bad", refresh_tokens=KeptRefreshToken()).options("Country")
    assert "not-the-password-42" not in str(error.value)


def test_data_centre_discovery_follows_the_307(services: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    services.set_bullhorn_faults(FaultPlan())
    connection = json.loads(os.environ["AIRFLOW_CONN_BULLHORN_DEFAULT"])
    del connection["extra"]["auth_url"], connection["extra"]["rest_url"]
    # The wrong data centre's loginInfo answers 307 to the right one.
    connection["extra"]["login_info_url"] = f"{services.bullhorn_url}/dc2/rest-services/loginInfo"
    monkeypatch.setenv("AIRFLOW_CONN_BULLHORN_DISCOVERED", json.dumps(connection))
    hook = BullhornHook("bullhorn_discovered", refresh_tokens=KeptRefreshToken())
    assert hook.options("Country")
    assert services.bullhorn_state()["routes"].get("login_info", 0) >= 1


def test_expired_session_mid_run_is_renewed_by_refresh_token_and_the_call_retried(
    hook: BullhornHook, services: Any
) -> None:
    first = hook.get_entities("JobOrder", [5001], ["id"])
    services.bullhorn_expire(rest_tokens=True, access_tokens=True)
    again = hook.get_entities("JobOrder", [5001], ["id"])
    assert first == again == [{"id": 5001}]
    assert hook.last_login_grant == "refresh_token"


def test_search_pages_cover_every_candidate_despite_short_pages(hook: BullhornHook, services: Any) -> None:
    # "description" is heavy: the sandbox, like Bullhorn, answers 200 rows when 500 are asked for;
    # on top of that, some pages (with this seed, the first and the third) come back one row short.
    services.set_bullhorn_faults(FaultPlan(seed=3, short_page_rate={"search": 0.5}))
    pages = list(hook.search_pages("Candidate", "isDeleted:0", ["id", "description"], sort="id"))
    expected = sorted(
        row["id"] for row in services.bullhorn_org.rows("Candidate") if not row.get("isDeleted")
    )
    ids = _ids(pages)
    assert ids == expected
    assert [len(page) for page in pages[:3]] == [199, 200, 199]
    assert hook.calls_made >= len(pages)


def test_query_pages_in_order_and_long_where_goes_by_post(hook: BullhornHook, services: Any) -> None:
    job_orders = sorted(
        row["id"] for row in services.bullhorn_org.rows("JobOrder") if not row.get("isDeleted")
    )
    pages = list(
        hook.query_pages("JobOrder", "isDeleted=false", ["id", "title"], order_by="id", page_size=20)
    )
    assert _ids(pages) == job_orders
    assert all(len(page) <= 20 for page in pages)

    wanted = job_orders[::2]
    # Padding with ids that do not exist makes a where clause too long for a URL.
    long_where = f"id IN ({','.join(map(str, wanted + list(range(900_000, 902_000))))})"
    assert len(long_where) > 7500
    assert _ids(list(hook.query_pages("JobOrder", long_where, ["id"], order_by="id"))) == wanted


def test_a_record_edited_while_pages_are_read_moves_no_other_out_of_reach(
    hook: BullhornHook, services: Any
) -> None:
    # A window that ended in the past, read oldest change first, five rows a page.
    end = int(ANCHOR.timestamp() * 1000)
    where = f"dateLastModified >= {end - 48 * 3_600_000} AND dateLastModified < {end}"
    window = sorted(
        (row["dateLastModified"], row["id"])
        for row in services.bullhorn_org.rows("JobOrder")
        if end - 48 * 3_600_000 <= row["dateLastModified"] < end
    )
    assert len(window) > 15
    read: list[int] = []
    edited = None
    for page in hook.query_pages("JobOrder", where, ["id"], order_by="dateLastModified", page_size=5):
        read.extend(row["id"] for row in page)
        if edited is None:
            # Someone edits a job order already read: it leaves the window, and every row after it
            # moves up a place.
            edited = page[0]["id"]
            hook.update("JobOrder", edited, {"title": "Edited mid-sync"})
    assert {job_id for _, job_id in window} - {edited} <= set(read)


def test_query_on_candidate_and_bad_fields_become_clear_errors(hook: BullhornHook) -> None:
    with pytest.raises(BullhornApiError) as refused:
        list(hook.query_pages("Candidate", "isDeleted=false", ["id"]))
    assert refused.value.status == 400
    assert "Candidate" in str(refused.value)
    with pytest.raises(BullhornApiError, match="noSuchField"):
        list(hook.search_pages("Candidate", "isDeleted:0", ["id", "noSuchField"]))


def test_a_refused_write_names_fields_and_problems_but_not_the_values(hook: BullhornHook) -> None:
    too_long = "Wolfeschlegelsteinhausenbergerdorff" * 3
    with pytest.raises(BullhornApiError) as refused:
        hook.create_candidate({"firstName": too_long, "lastName": "Smith", "favouriteColour": "teal"})
    assert refused.value.status == 400
    assert refused.value.key == "errors.cannotPersistEntity"
    assert "firstName: INVALID_LENGTH" in str(refused.value)
    assert "favouriteColour: UNKNOWN_PROPERTY" in str(refused.value)
    assert too_long not in str(refused.value)
    assert "teal" not in str(refused.value)


def test_get_entities_leaves_out_missing_ids_and_options_read_every_country(hook: BullhornHook) -> None:
    records = hook.get_entities("Candidate", [10_001, 10_002, 99_999_999], ["id", "firstName"])
    assert [record["id"] for record in records] == [10_001, 10_002]
    assert hook.get_entities("Candidate", [99_999_999], ["id"]) == []
    countries = hook.options("Country")
    assert sorted(countries.values()) == sorted(name for _, name in COUNTRIES)
    assert hook.options("Country", page_size=7) == countries  # read across pages


def test_writes_create_a_candidate_with_history_and_an_application(hook: BullhornHook, services: Any) -> None:
    candidate_id = hook.create_candidate(
        {"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com", "source": "LinkedIn"}
    )
    education_id = hook.add_education(candidate_id, {"school": "University of London", "degree": "BSc"})
    work_id = hook.add_work_history(
        candidate_id, {"title": "Analyst", "companyName": "Engines Ltd", "startDate": 1_500_000_000_000}
    )
    job_order = hook.get_entities("JobOrder", [5001], ["id"])[0]["id"]
    submission_id = hook.submit_application(candidate_id, job_order)
    assert hook.update("Candidate", candidate_id, {"status": "Active"}) == candidate_id

    candidate = hook.get_entities("Candidate", [candidate_id], ["id", "name", "status"])[0]
    assert candidate == {"id": candidate_id, "name": "Ada Lovelace", "status": "Active"}
    submission = hook.get_entities(
        "JobSubmission",
        [submission_id],
        ["id", "status", "source", "candidate", "jobOrder", "dateWebResponse"],
    )[0]
    assert submission["status"] == "New Lead"
    assert submission["source"] == "Candidate Web Portal"
    assert submission["candidate"]["id"] == candidate_id
    assert submission["jobOrder"]["id"] == job_order
    assert submission["dateWebResponse"] > 1_700_000_000_000
    written = [(write["entity"], write["changeType"], write["id"]) for write in services.bullhorn_writes()]
    for expected in [
        ("Candidate", "INSERT", candidate_id),
        ("CandidateEducation", "INSERT", education_id),
        ("CandidateWorkHistory", "INSERT", work_id),
        ("JobSubmission", "INSERT", submission_id),
        ("Candidate", "UPDATE", candidate_id),
    ]:
        assert expected in written


def test_resume_upload_accepted_then_downloaded_and_other_types_refused(hook: BullhornHook) -> None:
    pdf = render(
        FileSpec(
            document_id="resume-ada",
            kind="Resume",
            version=1,
            file_format="pdf",
            legacy_encoding=False,
            long=False,
            contact={"Id": "ada", "FirstName": "Ada", "LastName": "Lovelace", "MailingCity": "London"},
            created=ANCHOR,
            seed=1,
        )
    )
    file_id = hook.attach_resume(10_003, "Ada Lovelace CV.pdf", pdf)
    listed = {entry["id"]: entry for entry in hook.entity_files(10_003)}
    assert file_id in listed
    downloaded = hook.download_file(10_003, file_id)
    assert downloaded is not None
    assert downloaded.content == pdf
    assert downloaded.content_type == "application/pdf"
    assert downloaded.name == "Ada Lovelace CV.pdf"
    assert hook.download_file(10_003, 987_654_321) is None

    calls = hook.calls_made
    with pytest.raises(UnsupportedFileType, match="rtf"):
        hook.attach_resume(10_003, "cv.rtf", b"{\\rtf1\\ansi Ada}")
    with pytest.raises(UnsupportedFileType, match="PNG"):
        hook.attach_resume(10_003, "cv.pdf", b"\x89PNG\r\n\x1a\n" + bytes(64))
    assert hook.calls_made == calls  # refused before any call


def test_rate_limit_is_waited_out_without_using_attempts(hook: BullhornHook, services: Any) -> None:
    hook.options("Country")  # logged in
    hook.max_attempts = 1  # a 429 must not count as a failed attempt
    hook.rate_limit_pause_seconds = 0.05
    # Requests 1 and 2 are served, 3 and 4 refused with 429, 5 served.
    services.set_bullhorn_faults(FaultPlan(rate_limit_every=3, rate_limit_burst=2))
    calls = hook.calls_made
    for _ in range(3):
        assert hook.get_entities("JobOrder", [5001], ["id"]) == [{"id": 5001}]
    assert hook.calls_made - calls == 5


def test_resets_server_errors_and_cut_off_answers_are_retried(hook: BullhornHook, services: Any) -> None:
    hook.backoff_base_seconds = 0.01
    hook.max_attempts = 8
    services.set_bullhorn_faults(
        FaultPlan(
            seed=11,
            error_rate={"*": 0.2},
            reset_rate={"*": 0.1},
            truncate_rate={"search": 0.2, "token": 0.3, "login": 0.3},
        )
    )
    ids = _ids(list(hook.search_pages("Candidate", "isDeleted:0", ["id"], sort="id", page_size=100)))
    services.set_bullhorn_faults(FaultPlan())
    expected = sorted(
        row["id"] for row in services.bullhorn_org.rows("Candidate") if not row.get("isDeleted")
    )
    assert ids == expected


def test_call_budget_stops_before_the_call_past_it(services: Any) -> None:
    services.set_bullhorn_faults(FaultPlan())
    hook = BullhornHook(refresh_tokens=KeptRefreshToken(), budget=MaxCalls(4))
    hook.options("Country")  # authorize, token, login, options: four calls
    assert hook.calls_made == 4
    with pytest.raises(ApiLimitReached, match="4 calls"):
        hook.options("Country")
    assert hook.calls_made == 4


def test_no_secret_or_token_reaches_the_logs(
    services: Any, tokens: KeptRefreshToken, caplog: pytest.LogCaptureFixture
) -> None:
    services.set_bullhorn_faults(FaultPlan())
    caplog.set_level(logging.DEBUG)
    hook = BullhornHook(refresh_tokens=tokens)
    hook.options("Country")
    services.bullhorn_expire(rest_tokens=True)
    hook.get_entities("Candidate", [10_001], ["id", "email", "firstName"])
    secrets = [
        services.bullhorn_credentials.password,
        services.bullhorn_credentials.client_secret,
        str(tokens.value),
        hook._logged_in().token,
    ]
    assert "Bullhorn" in caplog.text  # the renewal was logged
    for secret in secrets:
        assert secret not in caplog.text


def test_hosts_of_another_data_centre_redirect_every_login_step(
    services: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    services.set_bullhorn_faults(FaultPlan())
    connection = json.loads(os.environ["AIRFLOW_CONN_BULLHORN_DEFAULT"])
    connection["extra"]["auth_url"] = f"{services.bullhorn_url}/dc2/oauth"
    connection["extra"]["rest_url"] = f"{services.bullhorn_url}/dc2/rest-services"
    monkeypatch.setenv("AIRFLOW_CONN_BULLHORN_ELSEWHERE", json.dumps(connection))
    redirects = services.bullhorn_state()["routes"].get("other_data_centre", 0)
    hook = BullhornHook("bullhorn_elsewhere", refresh_tokens=KeptRefreshToken())
    assert hook.get_entities("JobOrder", [5001], ["id"]) == [{"id": 5001}]
    assert hook.last_login_grant == "password"
    # authorize, token and login each answered 307 first.
    assert services.bullhorn_state()["routes"]["other_data_centre"] - redirects == 3


def test_a_create_that_may_have_been_done_is_not_sent_again(hook: BullhornHook, services: Any) -> None:
    # A 5xx (or a timeout) may come after Bullhorn created the record: a second PUT would
    # make a duplicate candidate, so the error is raised after one call instead.
    assert hook.options("Country")  # logged in before the fault
    before = services.bullhorn_state()["routes"].get("create", 0)
    services.set_bullhorn_faults(FaultPlan(error_rate={"create": 1.0}))
    with pytest.raises(BullhornError, match="after 1 attempt"):
        hook.create_candidate({"firstName": "Ada", "lastName": "Lovelace"})
    assert services.bullhorn_state()["routes"]["create"] - before == 1
    # An update sets the same fields again: it is retried as reads are.
    candidate_id = next(iter(services.bullhorn_writes()), {"id": 1})["id"]
    services.set_bullhorn_faults(FaultPlan(error_rate={"entity": 1.0}))
    hook.backoff_base_seconds = 0.01
    before = services.bullhorn_state()["routes"].get("entity", 0)
    with pytest.raises(BullhornError):
        hook.update("Candidate", candidate_id, {"status": "Active"})
    assert services.bullhorn_state()["routes"]["entity"] - before == hook.max_attempts
