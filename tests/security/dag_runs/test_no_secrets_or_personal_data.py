"""A real run of each DAG leaks no secret and no candidate's contact details.

Each DAG runs once through ``dag.test`` against the sandbox services, with every
logger at DEBUG (urllib3's and requests' included). Then:

* no secret, and no token the sandbox issued during the run, is in any log record,
  the run's console output (where ``dag.test`` writes task logs), any log file under
  ``AIRFLOW_HOME/logs``, or any XCom of the run;
* each of those secrets is registered with Airflow's secrets masker;
* no candidate's email, phone or full name is in the logs or XComs;
* the run's rejects files hold ids, objects, stages and reasons only.

The tokens are what the sandbox itself handed out during the run, recorded as
it issues them: the run's own session ids, access, refresh and REST tokens.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from airflow.models.xcom import XComModel
from airflow.sdk._shared.secrets_masker import redact, reset_secrets_masker
from airflow.utils.session import create_session

from include.staging import read_jsonl, run_directory
from sandbox.airflow_runs import sync_interval
from sandbox.bullhorn.server import BullhornServer
from sandbox.salesforce.server import SalesforceServer
from tests.conftest import ANCHOR
from tests.e2e.conftest import BULLHORN_DAG_ID, DAG_ID

HOUR = timedelta(hours=1)


class IssuedTokens:
    """Every token the sandbox services issue while it is installed, recorded as they are handed out."""

    def __init__(self, services: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self.values: list[str] = []
        # A BullhornServer is a SalesforceServer too (same TLS serving): told apart by exact type.
        salesforce = next(s for s in services.servers if type(s) is SalesforceServer).api
        bullhorn = next(s for s in services.servers if isinstance(s, BullhornServer)).bullhorn
        self._record(monkeypatch, salesforce.sessions, "issue", lambda session: [session.access_token])
        self._record(monkeypatch, bullhorn.tokens, "issue_code", lambda code: [code])
        self._record(
            monkeypatch,
            bullhorn.tokens,
            "issue_tokens",
            lambda tokens: [tokens["access_token"], tokens["refresh_token"]],
        )
        self._record(monkeypatch, bullhorn.tokens, "open_session", lambda session: [session.token])

    def _record(self, monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, tokens_of: Any) -> None:
        issue = getattr(owner, name)

        def recording(*args: Any, **kwargs: Any) -> Any:
            issued = issue(*args, **kwargs)
            self.values.extend(str(token) for token in tokens_of(issued))
            return issued

        monkeypatch.setattr(owner, name, recording)


@pytest.fixture
def issued_tokens(services: Any, monkeypatch: pytest.MonkeyPatch) -> IssuedTokens:
    return IssuedTokens(services, monkeypatch)


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every logger at DEBUG, those of the HTTP libraries named too (they log request lines there)."""
    for name in (None, "urllib3", "requests", "airflow.task"):
        caplog.set_level(logging.DEBUG, logger=name)
    # A fresh masker: what this run registers is what the checks below find.
    reset_secrets_masker()
    return caplog


class ConsoleOutput:
    """What the run printed: task logs, which ``dag.test`` writes to the console through structlog.

    structlog keeps the stream it was configured with, pytest's session-wide capture,
    so that capture is read (``capfd`` would not see it). Needs pytest's capture on (no ``-s``).
    """

    def __init__(self, request: pytest.FixtureRequest) -> None:
        self._capture = request.config.pluginmanager.getplugin("capturemanager")
        self._capture.read_global_capture()  # what came before the run is not the run's

    def read(self) -> tuple[str, str]:
        out, err = self._capture.read_global_capture()
        # Shown again in pytest's report of a failure, as if it had not been read.
        print(out, end="")
        return out, err


@pytest.fixture
def console(request: pytest.FixtureRequest) -> ConsoleOutput:
    return ConsoleOutput(request)


def _log_texts(caplog: pytest.LogCaptureFixture, console: ConsoleOutput) -> dict[str, str]:
    """Everything the run logged: records (message, arguments, exception), console output, log files."""
    texts = {}
    for number, record in enumerate(caplog.records):
        parts = [record.getMessage(), repr(record.args), record.exc_text or ""]
        if record.exc_info and record.exc_info[1] is not None:
            parts.append(repr(record.exc_info[1]))
        texts[f"record {number} ({record.name})"] = "\n".join(parts)
    out, err = console.read()
    texts["stdout"], texts["stderr"] = out, err
    logs = Path(os.environ["AIRFLOW_HOME"]) / "logs"
    for path in sorted(logs.rglob("*")) if logs.exists() else []:
        if path.is_file():
            texts[str(path)] = path.read_text(encoding="utf-8", errors="replace")
    return texts


def _xcom_texts(dag_id: str, run_id: str) -> dict[str, str]:
    """Every XCom value of the run, as stored."""
    with create_session() as session:
        rows = session.query(XComModel).filter_by(dag_id=dag_id, run_id=run_id).all()
        return {f"xcom {row.task_id}.{row.key}": json.dumps(row.value, default=str) for row in rows}


def _leaks(texts: dict[str, str], values: Iterable[str]) -> list[str]:
    """Where any of ``values`` appears (the value cut short, so the report leaks nothing either)."""
    return [f"{value[:3]}… in {where}" for value in values for where, text in texts.items() if value in text]


def _rejects(dag_id: str, run_id: str) -> Iterator[dict[str, Any]]:
    for path in run_directory(dag_id, run_id).glob("*rejects*.jsonl"):
        yield from read_jsonl(path)


def _check_run(
    run: Any,
    dag_id: str,
    secrets: list[str],
    people: list[str],
    caplog: pytest.LogCaptureFixture,
    console: ConsoleOutput,
) -> None:
    assert run.state == "success"
    texts = {**_log_texts(caplog, console), **_xcom_texts(dag_id, run.run_id)}
    assert any(where.startswith("xcom") for where in texts), "the run's XComs should be read"
    assert "Sync summary" in texts["stdout"], "the task logs should be captured"

    assert _leaks(texts, secrets) == []
    assert [secret[:3] for secret in secrets if redact(secret) == secret] == [], "not registered for masking"
    assert _leaks(texts, people) == []
    rejects = list(_rejects(dag_id, run.run_id))
    assert all(set(row) == {"id", "object", "stage", "reason"} for row in rejects)
    assert _leaks({"rejects": json.dumps(rejects, ensure_ascii=False)}, people) == []


def _contact_details(records: Iterable[dict[str, Any]], fields: tuple[str, ...]) -> list[str]:
    return sorted({str(record[name]) for record in records for name in fields if record.get(name)})


@pytest.mark.usefixtures("clean_slate")
def test_talent_rover_run_leaks_no_secret_and_no_contact_details(
    dag: Any,
    services: Any,
    issued_tokens: IssuedTokens,
    debug_logs: pytest.LogCaptureFixture,
    console: ConsoleOutput,
) -> None:
    run = sync_interval(dag, ANCHOR - 13 * HOUR)

    credentials = services.credentials
    assert issued_tokens.values, "the run should have logged in"
    secrets = [
        credentials.password,
        credentials.security_token,
        credentials.consumer_secret,
        services.recruit_ai_api_key,
        *issued_tokens.values,
    ]
    # Every candidate of the org, a superset of the window's.
    people = _contact_details(services.org.tables["Contact"].values(), ("Email", "Phone", "Name"))
    _check_run(run, DAG_ID, secrets, people, debug_logs, console)


@pytest.mark.usefixtures("clean_slate")
def test_bullhorn_run_leaks_no_secret_and_no_contact_details(
    bullhorn_dag: Any,
    services: Any,
    issued_tokens: IssuedTokens,
    debug_logs: pytest.LogCaptureFixture,
    console: ConsoleOutput,
) -> None:
    run = sync_interval(bullhorn_dag, ANCHOR - 13 * HOUR, conf={"require_resume": False})

    credentials = services.bullhorn_credentials
    assert len(issued_tokens.values) >= 3, "the run should have logged in"
    secrets = [
        credentials.password,
        credentials.client_secret,
        services.recruit_ai_api_key,
        *issued_tokens.values,
    ]
    people = _contact_details(
        services.bullhorn_org.tables["Candidate"].values(), ("email", "phone", "mobile", "name")
    )
    _check_run(run, BULLHORN_DAG_ID, secrets, people, debug_logs, console)
