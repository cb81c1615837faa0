"""Airflow's own REST API, for what a task cannot do through the Task SDK: set its run's note.

``AirflowApiHook`` is the http provider's ``HttpHook`` on an ``http`` connection
(default ``airflow_api_default``): host is the api-server's base URL
(``http://airflow-apiserver:8080``), login and password a user of the auth
manager allowed to edit DAG runs. The password is exchanged for a token at
``/auth/token`` (the simple and FAB auth managers both serve it); the token is
masked in logs like the password.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import requests
from airflow.providers.http.hooks.http import HttpHook
from airflow.sdk.exceptions import AirflowException
from airflow.sdk.log import mask_secret
from requests.auth import HTTPBasicAuth

from include.http_retries import untrusted_certificate, verification_off

log = logging.getLogger(__name__)

# DagRunNote.content is a VARCHAR(1000) in the metadata database.
MAX_NOTE_CHARS = 1000


class AirflowApiHook(HttpHook):
    """Call Airflow's public REST API (v2) as a user of its auth manager.

    :param airflow_api_conn_id: the ``http`` connection to the api-server.
    :param timeout: seconds allowed for each request (connect and read).
    """

    conn_name_attr = "airflow_api_conn_id"
    default_conn_name = "airflow_api_default"
    conn_type = "http"
    hook_name = "Airflow REST API"

    def __init__(self, airflow_api_conn_id: str = default_conn_name, *, timeout: float = 30.0) -> None:
        super().__init__(method="PATCH", http_conn_id=airflow_api_conn_id)
        self.airflow_api_conn_id = airflow_api_conn_id
        self.timeout = timeout
        self._session: requests.Session | None = None

    def get_conn(
        self, headers: dict[Any, Any] | None = None, extra_options: dict[str, Any] | None = None
    ) -> requests.Session:
        """Return a session holding a bearer token for the connection's user, logging in on first use."""
        if self._session is None:
            session = super().get_conn(headers, extra_options)
            # HttpHook put the connection's login and password in basic auth; the API
            # takes bearer tokens only, so they are exchanged for one.
            if problem := verification_off(session, self.airflow_api_conn_id):
                raise AirflowException(problem)
            credentials, session.auth = session.auth, None
            if not isinstance(credentials, HTTPBasicAuth):
                raise AirflowException(
                    f"Connection '{self.airflow_api_conn_id}' needs a login and password (an Airflow user)"
                )
            response = self._send(
                session,
                "POST",
                "/auth/token",
                json={"username": credentials.username, "password": credentials.password},
            )
            token = response.json().get("access_token")
            if not token:
                raise AirflowException(f"{self.base_url}/auth/token answered without an access_token")
            mask_secret(token)
            session.headers["Authorization"] = f"Bearer {token}"
            self._session = session
        return self._session

    def set_dag_run_note(self, dag_id: str, run_id: str, note: str) -> None:
        """Set the note of one DAG run, which the UI shows on the run (cut to Airflow's 1,000 characters)."""
        if len(note) > MAX_NOTE_CHARS:
            note = note[: MAX_NOTE_CHARS - 1] + "…"
        route = f"/api/v2/dags/{quote(dag_id, safe='')}/dagRuns/{quote(run_id, safe='')}"
        self._send(self.get_conn(), "PATCH", route, params={"update_mask": "note"}, json={"note": note})

    def _send(self, session: requests.Session, method: str, route: str, **kwargs: Any) -> requests.Response:
        url = self.base_url.rstrip("/") + route
        try:
            response = session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.exceptions.SSLError as error:
            raise AirflowException(untrusted_certificate(error, "Airflow's API", url) or str(error)) from None
        if not response.ok:
            # The API's detail names what is wrong (auth, unknown run); it never echoes the password.
            raise AirflowException(f"{method} {url}: HTTP {response.status_code} {response.text[:300]}")
        return response
