"""Fixtures for the sandbox Salesforce and Bullhorn: real HTTPS servers on 127.0.0.1 over generated orgs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from simple_salesforce import Salesforce

from sandbox.bullhorn.auth import BullhornCredentials
from sandbox.bullhorn.org import Org as BullhornOrg
from sandbox.bullhorn.org import generate_org as generate_bullhorn_org
from sandbox.bullhorn.server import BullhornServer
from sandbox.bullhorn.server import build_server as build_bullhorn_server
from sandbox.salesforce.org import Org, generate_org
from sandbox.salesforce.server import SalesforceCredentials, SalesforceServer, build_server, serve_in_thread
from sandbox.tls import TlsFiles, ensure_tls_files

SALESFORCE_ANCHOR = datetime(2026, 11, 2, 12, tzinfo=UTC)
SALESFORCE_CANDIDATES = 2500  # enough Contacts (3,125) for two pages of 2,000
API = "/services/data/v62.0"


@dataclass
class RunningSalesforce:
    """A sandbox Salesforce serving in a thread, and how to reach it."""

    server: SalesforceServer
    org: Org
    tls: TlsFiles
    credentials: SalesforceCredentials

    @property
    def url(self) -> str:
        """The instance URL."""
        return self.server.instance_url

    def session(self) -> requests.Session:
        """A requests session that trusts the sandbox CA (and only it)."""
        session = requests.Session()
        session.verify = str(self.tls.ca_bundle)
        # requests lets REQUESTS_CA_BUNDLE from the environment override session.verify.
        session.trust_env = False
        return session

    def token_form(self, **overrides: str) -> dict[str, str]:
        """A valid username-password grant, with some fields overridden."""
        form = {
            "grant_type": "password",
            "client_id": self.credentials.consumer_key,
            "client_secret": self.credentials.consumer_secret,
            "username": self.credentials.username,
            "password": self.credentials.password + self.credentials.security_token,
        }
        return {**form, **overrides}

    def login(self) -> requests.Session:
        """A session logged in with a fresh access token."""
        session = self.session()
        response = session.post(f"{self.url}/services/oauth2/token", data=self.token_form(), timeout=10)
        response.raise_for_status()
        session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        return session

    def admin(self, method: str, route: str, body: dict[str, Any] | None = None) -> Any:
        """Call an admin route and return its JSON."""
        response = self.session().request(method, f"{self.url}/sandbox/{route}", json=body, timeout=10)
        response.raise_for_status()
        return response.json()


@pytest.fixture(scope="session")
def salesforce_tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """The sandbox CA and server certificate, in a temporary state directory."""
    return ensure_tls_files(tmp_path_factory.mktemp("salesforce-state"))


def _start(org: Org, tls: TlsFiles, **options: Any) -> RunningSalesforce:
    credentials = SalesforceCredentials()
    server = build_server(org, tls, credentials=credentials, **options)
    serve_in_thread(server)
    return RunningSalesforce(server, org, tls, credentials)


@pytest.fixture(scope="session")
def salesforce_sandbox(salesforce_tls: TlsFiles) -> Iterator[RunningSalesforce]:
    """A shared server over a 2,500-candidate org. Tests must not change it (use salesforce_fresh)."""
    org = generate_org(SALESFORCE_CANDIDATES, seed=7, anchor=SALESFORCE_ANCHOR, spread=timedelta(hours=72))
    running = _start(org, salesforce_tls)
    yield running
    running.server.shutdown()
    running.server.server_close()


@pytest.fixture
def salesforce_fresh(salesforce_tls: TlsFiles) -> Iterator[Callable[..., RunningSalesforce]]:
    """Start a private server over a small org (``candidates``, ``daily_limit``), stopped after the test."""
    started: list[RunningSalesforce] = []

    def start(candidates: int = 60, **options: Any) -> RunningSalesforce:
        org = generate_org(candidates, seed=11, anchor=SALESFORCE_ANCHOR)
        running = _start(org, salesforce_tls, **options)
        started.append(running)
        return running

    yield start
    for running in started:
        running.server.shutdown()
        running.server.server_close()


@pytest.fixture
def salesforce_session(salesforce_sandbox: RunningSalesforce) -> requests.Session:
    """A requests session logged in to the shared server."""
    return salesforce_sandbox.login()


@pytest.fixture
def salesforce_client(
    salesforce_sandbox: RunningSalesforce, salesforce_session: requests.Session
) -> Salesforce:
    """simple-salesforce on the shared server, with an access token from the token endpoint."""
    token = salesforce_session.headers["Authorization"].removeprefix("Bearer ")
    return Salesforce(
        instance_url=salesforce_sandbox.url,
        session_id=token,
        version="62.0",
        session=salesforce_sandbox.session(),
    )


# ---- the sandbox Bullhorn ------------------------------------------------------------------------

BULLHORN_ANCHOR = SALESFORCE_ANCHOR
BULLHORN_CANDIDATES = 400


@dataclass
class BullhornLogin:
    """A logged-in REST session: requests session (BhRestToken header set), restUrl and OAuth tokens."""

    session: requests.Session
    rest_url: str
    bh_rest_token: str
    refresh_token: str


@dataclass
class RunningBullhorn:
    """A sandbox Bullhorn serving in a thread, and how to reach it."""

    server: BullhornServer
    org: BullhornOrg
    tls: TlsFiles
    credentials: BullhornCredentials

    @property
    def url(self) -> str:
        """The base URL (auth and REST paths)."""
        return self.server.base_url

    def session(self) -> requests.Session:
        """A requests session that trusts the sandbox CA (and only it)."""
        session = requests.Session()
        session.verify = str(self.tls.ca_bundle)
        session.trust_env = False
        return session

    def authorize(self, session: requests.Session, **overrides: str) -> requests.Response:
        """``GET /oauth/authorize`` with the right credentials, some overridden; redirects not followed."""
        params = {
            "client_id": self.credentials.client_id,
            "response_type": "code",
            "action": "Login",
            "username": self.credentials.username,
            "password": self.credentials.password,
            **overrides,
        }
        return session.get(f"{self.url}/oauth/authorize", params=params, allow_redirects=False, timeout=10)

    def token(self, session: requests.Session, **form: str) -> requests.Response:
        """``POST /oauth/token`` with the client's id and secret and ``form``."""
        client = {"client_id": self.credentials.client_id, "client_secret": self.credentials.client_secret}
        return session.post(f"{self.url}/oauth/token", data={**client, **form}, timeout=10)

    def login(self) -> BullhornLogin:
        """Run the whole chain: authorize → code → tokens → REST login."""
        session = self.session()
        location = self.authorize(session).headers["Location"]
        code = parse_qs(urlsplit(location).query)["code"][0]
        tokens = self.token(session, grant_type="authorization_code", code=code).json()
        answer = session.post(
            f"{self.url}/rest-services/login",
            params={"version": "*", "access_token": tokens["access_token"]},
            timeout=10,
        ).json()
        session.headers["BhRestToken"] = answer["BhRestToken"]
        return BullhornLogin(session, answer["restUrl"], answer["BhRestToken"], tokens["refresh_token"])

    def admin(self, method: str, route: str, body: dict[str, Any] | None = None) -> Any:
        """Call an admin route and return its JSON."""
        response = self.session().request(method, f"{self.url}/sandbox/{route}", json=body, timeout=10)
        response.raise_for_status()
        return response.json()


def _start_bullhorn(org: BullhornOrg, tls: TlsFiles, **options: Any) -> RunningBullhorn:
    credentials = BullhornCredentials()
    server = build_bullhorn_server(org, tls, credentials=credentials, **options)
    serve_in_thread(server)
    return RunningBullhorn(server, org, tls, credentials)


@pytest.fixture(scope="session")
def bullhorn_sandbox(salesforce_tls: TlsFiles) -> Iterator[RunningBullhorn]:
    """A shared server over a 400-candidate corporation. Tests must not change it (use bullhorn_fresh)."""
    org = generate_bullhorn_org(BULLHORN_CANDIDATES, seed=7, anchor=BULLHORN_ANCHOR)
    running = _start_bullhorn(org, salesforce_tls)
    yield running
    running.server.shutdown()
    running.server.server_close()


@pytest.fixture(scope="session")
def bullhorn_login(bullhorn_sandbox: RunningBullhorn) -> BullhornLogin:
    """One REST session on the shared server (tests must not expire it)."""
    return bullhorn_sandbox.login()


@pytest.fixture
def bullhorn_fresh(salesforce_tls: TlsFiles) -> Iterator[Callable[..., RunningBullhorn]]:
    """Start a private server over a small corporation (``candidates``, server options), stopped after."""
    started: list[RunningBullhorn] = []

    def start(candidates: int = 40, **options: Any) -> RunningBullhorn:
        org = generate_bullhorn_org(candidates, seed=11, anchor=BULLHORN_ANCHOR)
        running = _start_bullhorn(org, salesforce_tls, **options)
        started.append(running)
        return running

    yield start
    for running in started:
        running.server.shutdown()
        running.server.server_close()
