"""Airflow's public REST API (v2), as a user's script drives it: a token from the auth manager, then JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import requests

FINISHED = frozenset({"success", "failed"})


class AirflowApi:
    """Unpause, trigger and backfill a DAG, and read its runs and task instances."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        """Log in to the simple auth manager at ``base_url`` and keep the bearer token."""
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        response = self.session.post(
            f"{self.base_url}/auth/token", json={"username": username, "password": password}, timeout=30
        )
        response.raise_for_status()
        self.session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"

    def _call(self, method: str, route: str, **kwargs: Any) -> Any:
        response = self.session.request(method, f"{self.base_url}/api/v2/{route}", timeout=30, **kwargs)
        if not response.ok:
            raise RuntimeError(f"{method} /api/v2/{route}: HTTP {response.status_code} {response.text[:500]}")
        return response.json()

    def dag(self, dag_id: str) -> dict[str, Any] | None:
        """Return the DAG once the dag-processor has parsed it, else None."""
        response = self.session.get(f"{self.base_url}/api/v2/dags/{dag_id}", timeout=30)
        return response.json() if response.ok else None

    def import_errors(self) -> list[dict[str, Any]]:
        """Return the DAG files that failed to import."""
        return self._call("GET", "importErrors")["import_errors"]

    def set_paused(self, dag_id: str, paused: bool) -> None:
        """Pause or unpause a DAG."""
        self._call("PATCH", f"dags/{dag_id}", json={"is_paused": paused})

    def trigger(self, dag_id: str, logical_date: datetime) -> dict[str, Any]:
        """Trigger a manual run; its data interval is the last whole one before ``logical_date``."""
        body = {"logical_date": logical_date.isoformat(), "conf": {}}
        return self._call("POST", f"dags/{dag_id}/dagRuns", json=body)

    def backfill(self, dag_id: str, from_date: datetime, to_date: datetime) -> dict[str, Any]:
        """Backfill the runs whose logical dates lie in ``[from_date, to_date]``, one at a time."""
        body = {
            "dag_id": dag_id,
            "from_date": from_date.isoformat(),
            "to_date": to_date.isoformat(),
            "max_active_runs": 1,
            "reprocess_behavior": "none",
        }
        return self._call("POST", "backfills", json=body)

    def runs(self, dag_id: str) -> list[dict[str, Any]]:
        """Return every run of a DAG, oldest first."""
        body = self._call("GET", f"dags/{dag_id}/dagRuns", params={"limit": 100, "order_by": "id"})
        return body["dag_runs"]

    def task_instances(self, dag_id: str, run_id: str) -> dict[str, dict[str, Any]]:
        """Return a run's task instances by task id."""
        body = self._call("GET", f"dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 100})
        return {ti["task_id"]: ti for ti in body["task_instances"]}

    def xcom(self, dag_id: str, run_id: str, task_id: str) -> Any:
        """Return what one task of a run returned (its ``return_value`` XCom)."""
        route = f"dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/return_value"
        return self._call("GET", route, params={"deserialize": "true"})["value"]
