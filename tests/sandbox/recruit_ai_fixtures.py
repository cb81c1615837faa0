"""Fixtures for the sandbox Recruit AI: one real HTTPS server on 127.0.0.1 for the session.

Import the fixtures you use into the test module (``tests/sandbox/conftest.py``
belongs to the Salesforce sandbox).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from sandbox.recruit_ai.client import RecruitAiSandboxClient
from sandbox.recruit_ai.server import Faults, RecruitAiServer, build_server, serve_in_thread
from sandbox.tls import TlsFiles, ensure_tls_files


@dataclass(frozen=True)
class RunningRecruitAi:
    """A sandbox Recruit AI serving in a thread, and how to reach it."""

    server: RecruitAiServer
    api_key: str
    tls: TlsFiles

    @property
    def url(self) -> str:
        """The base URL, ``https://127.0.0.1:<port>``."""
        return self.server.base_url

    @property
    def client(self) -> RecruitAiSandboxClient:
        """An inspection client trusting the sandbox CA."""
        return RecruitAiSandboxClient(self.url, self.api_key, self.tls.ca_bundle)

    def connection_json(self, **overrides: object) -> str:
        """The ``recruit_ai_default`` connection as users write it in ``AIRFLOW_CONN_…``."""
        return json.dumps({"conn_type": "http", "host": self.url, "password": self.api_key, **overrides})


@pytest.fixture(scope="session")
def recruit_ai_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningRecruitAi]:
    """The session's sandbox Recruit AI, with its own state dir, CA and API key."""
    state_dir = tmp_path_factory.mktemp("recruit-ai-state")
    tls = ensure_tls_files(state_dir)
    api_key = secrets.token_urlsafe(24)
    server = build_server(tls, db_path=state_dir / "recruit-ai.sqlite3", api_key=api_key)
    serve_in_thread(server)
    yield RunningRecruitAi(server, api_key, tls)
    server.shutdown()
    server.server_close()


@pytest.fixture
def recruit_ai_sandbox(recruit_ai_server: RunningRecruitAi) -> Iterator[RunningRecruitAi]:
    """The sandbox Recruit AI, emptied (records and stats) and fault-free for each test."""
    recruit_ai_server.client.reset()
    yield recruit_ai_server
    recruit_ai_server.server.faults = Faults()


@pytest.fixture
def recruit_ai_connection(
    recruit_ai_sandbox: RunningRecruitAi, monkeypatch: pytest.MonkeyPatch
) -> RunningRecruitAi:
    """``recruit_ai_default`` pointed at the sandbox through the environment, the CA trusted."""
    monkeypatch.setenv("AIRFLOW_CONN_RECRUIT_AI_DEFAULT", recruit_ai_sandbox.connection_json())
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(recruit_ai_sandbox.tls.ca_bundle))
    return recruit_ai_sandbox
