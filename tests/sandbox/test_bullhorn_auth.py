"""The sandbox Bullhorn's login chain, over real HTTPS: codes, tokens, REST sessions and their errors."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.sandbox.conftest import BullhornLogin, RunningBullhorn

INVALID_TOKEN = {
    "errorMessage": "Bad 'BhRestToken' or timed-out.",
    "errorMessageKey": "errors.authentication.invalidRestToken",
    "errorCode": 401,
}


@pytest.fixture
def bullhorn_small(bullhorn_fresh: Callable[..., RunningBullhorn]) -> RunningBullhorn:
    """A private server, for tests that end sessions."""
    return bullhorn_fresh()


def test_login_info_points_at_the_auth_and_rest_hosts(bullhorn_sandbox: RunningBullhorn) -> None:
    session = bullhorn_sandbox.session()
    url = f"{bullhorn_sandbox.url}/rest-services/loginInfo"
    info = session.get(url, params={"username": "recruitai.api"}, timeout=10).json()
    assert info["oauthUrl"] == f"{bullhorn_sandbox.url}/oauth"
    assert info["restUrl"] == f"{bullhorn_sandbox.url}/rest-services"


def test_full_chain_gives_a_rest_url_with_the_corp_token_and_a_working_session(
    bullhorn_sandbox: RunningBullhorn,
) -> None:
    session = bullhorn_sandbox.session()
    authorized = bullhorn_sandbox.authorize(session)
    assert authorized.status_code == 302
    location = authorized.headers["Location"]
    assert "code=22%3A" in location, "the code's colon is URL-encoded in Location"
    code = parse_qs(urlsplit(location).query)["code"][0]
    granted = bullhorn_sandbox.token(session, grant_type="authorization_code", code=code)
    tokens = granted.json()
    assert granted.status_code == 200
    assert set(tokens) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert (tokens["token_type"], tokens["expires_in"]) == ("Bearer", 600)
    login = session.get(
        f"{bullhorn_sandbox.url}/rest-services/login",
        params={"version": "*", "access_token": tokens["access_token"], "ttl": "20"},
        timeout=10,
    ).json()
    assert login["restUrl"] == f"{bullhorn_sandbox.url}/rest-services/{bullhorn_sandbox.org.corp_token}/"
    ping = session.get(f"{login['restUrl']}ping", params={"BhRestToken": login["BhRestToken"]}, timeout=10)
    assert ping.status_code == 200
    assert ping.json()["sessionExpires"] > 0


def test_a_code_works_once(bullhorn_sandbox: RunningBullhorn) -> None:
    session = bullhorn_sandbox.session()
    code = parse_qs(urlsplit(bullhorn_sandbox.authorize(session).headers["Location"]).query)["code"][0]
    assert bullhorn_sandbox.token(session, grant_type="authorization_code", code=code).status_code == 200
    again = bullhorn_sandbox.token(session, grant_type="authorization_code", code=code)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_bad_credentials_show_the_login_page_without_a_code(bullhorn_sandbox: RunningBullhorn) -> None:
    response = bullhorn_sandbox.authorize(bullhorn_sandbox.session(), password="wrong")
    assert response.status_code == 200
    assert "Location" not in response.headers
    assert response.headers["Content-Type"].startswith("text/html")


def test_bad_client_id_is_refused(bullhorn_sandbox: RunningBullhorn) -> None:
    response = bullhorn_sandbox.authorize(bullhorn_sandbox.session(), client_id="someone-else")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client"


def test_bad_client_secret_at_the_token_endpoint_is_401(bullhorn_sandbox: RunningBullhorn) -> None:
    session = bullhorn_sandbox.session()
    code = parse_qs(urlsplit(bullhorn_sandbox.authorize(session).headers["Location"]).query)["code"][0]
    response = bullhorn_sandbox.token(session, grant_type="authorization_code", code=code, client_secret="x")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_refresh_tokens_are_single_use(bullhorn_sandbox: RunningBullhorn) -> None:
    login = bullhorn_sandbox.login()
    session = bullhorn_sandbox.session()
    first = bullhorn_sandbox.token(session, grant_type="refresh_token", refresh_token=login.refresh_token)
    assert first.status_code == 200
    assert first.json()["refresh_token"] != login.refresh_token, "a refresh grant issues a new refresh token"
    second = bullhorn_sandbox.token(session, grant_type="refresh_token", refresh_token=login.refresh_token)
    assert second.status_code == 400
    assert second.json() == {
        "error": "invalid_grant",
        "error_description": "Invalid, expired, or revoked refresh token.",
    }


def test_login_with_a_bad_access_token(bullhorn_sandbox: RunningBullhorn) -> None:
    response = bullhorn_sandbox.session().post(
        f"{bullhorn_sandbox.url}/rest-services/login",
        params={"version": "*", "access_token": "22:nope"},
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json() == {
        "errorMessageKey": "errors.internalError",
        "errorMessage": "Invalid or expired OAuth access token.",
        "errorCode": 400,
    }


def test_missing_token_is_412_and_a_bad_one_401(
    bullhorn_sandbox: RunningBullhorn, bullhorn_login: BullhornLogin
) -> None:
    session = bullhorn_sandbox.session()
    assert session.get(f"{bullhorn_login.rest_url}ping", timeout=10).status_code == 412
    bad = session.get(f"{bullhorn_login.rest_url}ping", params={"BhRestToken": "nope"}, timeout=10)
    assert bad.status_code == 401
    assert bad.json() == INVALID_TOKEN


def test_token_accepted_as_query_parameter_header_or_cookie(
    bullhorn_sandbox: RunningBullhorn, bullhorn_login: BullhornLogin
) -> None:
    url, token = f"{bullhorn_login.rest_url}ping", bullhorn_login.bh_rest_token
    session = bullhorn_sandbox.session()
    assert session.get(url, params={"BhRestToken": token}, timeout=10).status_code == 200
    assert session.get(url, headers={"BhRestToken": token}, timeout=10).status_code == 200
    assert session.get(url, headers={"Cookie": f"BhRestToken={token}"}, timeout=10).status_code == 200


def test_expired_sessions_recover_through_refresh_and_login(bullhorn_small: RunningBullhorn) -> None:
    login = bullhorn_small.login()
    assert login.session.get(f"{login.rest_url}ping", timeout=10).status_code == 200
    assert bullhorn_small.admin("POST", "expire", {"rest_tokens": True, "access_tokens": True}) == {
        "rest_tokens": 1,
        "access_tokens": 1,
    }
    expired = login.session.get(f"{login.rest_url}ping", timeout=10)
    assert expired.status_code == 401
    assert expired.json() == INVALID_TOKEN
    session = bullhorn_small.session()
    tokens = bullhorn_small.token(
        session, grant_type="refresh_token", refresh_token=login.refresh_token
    ).json()
    answer = session.post(
        f"{bullhorn_small.url}/rest-services/login",
        params={"version": "*", "access_token": tokens["access_token"]},
        timeout=10,
    ).json()
    ping = session.get(f"{answer['restUrl']}ping", headers={"BhRestToken": answer["BhRestToken"]}, timeout=10)
    assert ping.status_code == 200


def test_the_wrong_data_centre_redirects_with_307(bullhorn_sandbox: RunningBullhorn) -> None:
    session = bullhorn_sandbox.session()
    url = f"{bullhorn_sandbox.url}/dc2/rest-services/loginInfo"
    moved = session.get(url, params={"username": "u"}, allow_redirects=False, timeout=10)
    assert moved.status_code == 307
    assert moved.headers["Location"] == f"{bullhorn_sandbox.url}/rest-services/loginInfo?username=u"
    assert session.get(url, params={"username": "u"}, timeout=10).json()["restUrl"].endswith("/rest-services")
