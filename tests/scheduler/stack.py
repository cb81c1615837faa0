"""A real Airflow for the scheduler tier: metadata database, api-server, scheduler and dag-processor.

Each component is its own process, as in production, started from this
checkout's dags/ and plugins/ with a private ``AIRFLOW_HOME``. The metadata
database is a private PostgreSQL cluster (``scripts/postgres.sh``) when a
PostgreSQL driver is installed, else SQLite.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import requests

T = TypeVar("T")

PROJECT = Path(__file__).resolve().parents[2]
POSTGRES_SCRIPT = PROJECT / "scripts" / "postgres.sh"
ADMIN = "admin"
# How long a component may take to come up on a busy 2-core machine.
START_TIMEOUT = 120.0


def postgres_driver() -> str | None:
    """Return the SQLAlchemy name of an installed PostgreSQL driver, or None."""
    for module, driver in (("psycopg2", "psycopg2"), ("psycopg", "psycopg")):
        if importlib.util.find_spec(module) is not None:
            return driver
    return None


def start_postgres(directory: Path, driver: str) -> str:
    """Start a private PostgreSQL cluster in ``directory`` (installed if missing); return its URL."""
    result = subprocess.run(
        [str(POSTGRES_SCRIPT), "start", str(directory)],
        env={**os.environ, "PG_DRIVER": driver},
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


def stop_postgres(directory: Path) -> None:
    """Stop the cluster in ``directory``."""
    subprocess.run([str(POSTGRES_SCRIPT), "stop", str(directory)], check=True, capture_output=True)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def airflow_environment(home: Path, database: str, api_port: int, extra: dict[str, str]) -> dict[str, str]:
    """Return the environment every Airflow process of the stack runs with.

    ``extra`` carries the connections (``AIRFLOW_CONN_*``), the CA bundle and the staging URL.
    """
    passwords = home / "passwords.json"
    password = secrets.token_urlsafe(16)
    passwords.write_text(json.dumps({ADMIN: password}))
    passwords.chmod(0o600)
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AIRFLOW_", "AIRFLOW__")) and key != "PYTHONPATH"
    }
    environment.update(
        {
            "AIRFLOW_HOME": str(home / "airflow"),
            "PYTHONPATH": f"{PROJECT}{os.pathsep}{PROJECT / 'plugins'}",
            "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database,
            # Task processes reach the scheduler's world through the api-server's Execution API.
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
            "AIRFLOW__API__PORT": str(api_port),
            "AIRFLOW__API__WORKERS": "1",
            # One secret for every process, so that tokens one signs the others accept.
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(64),
            "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
            # The DAG's retries wait one minute or more (exponential backoff); this cap, a
            # deployment setting, keeps the DAG as written and the tier fast.
            "AIRFLOW__CORE__MAX_TASK_RETRY_DELAY": "5",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs" / "tasks"),
            # The report sets each run's note through the REST API, as this user.
            "AIRFLOW_CONN_AIRFLOW_API_DEFAULT": json.dumps(
                {
                    "conn_type": "http",
                    "host": f"http://127.0.0.1:{api_port}",
                    "login": ADMIN,
                    "password": password,
                }
            ),
        }
    )
    environment.update(extra)
    return environment


def admin_password(environment: dict[str, str]) -> str:
    """Return the simple auth manager's admin password, from the stack's passwords file."""
    path = Path(environment["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"])
    return json.loads(path.read_text())[ADMIN]


def wait_until(condition: Callable[[], T | None], timeout: float, what: str, interval: float = 1.0) -> T:
    """Poll ``condition`` until it returns something truthy, and return that; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        if result := condition():
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


@dataclass
class AirflowStack:
    """The Airflow components running as subprocesses, and where their logs go."""

    environment: dict[str, str]
    api_url: str
    logs: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def airflow(self, *args: str) -> str:
        """Run one ``airflow`` CLI command to completion; return its stdout."""
        result = subprocess.run(
            [sys.executable, "-m", "airflow", *args],
            env=self.environment,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"airflow {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def start(self, name: str, *args: str) -> None:
        """Start one long-running component (``airflow <args>``), its output in ``logs/<name>.log``."""
        log = (self.logs / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "airflow", *args],
            env=self.environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own process group, so that stopping it stops the workers it forked.
            start_new_session=True,
        )

    def check_running(self) -> None:
        """Fail, with the end of its log, when a component has exited."""
        for name, process in self.processes.items():
            if process.poll() is not None:
                tail = (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"airflow {name} exited with {process.returncode}:\n{tail}")

    def api_ready(self) -> bool:
        """Whether the api-server answers its health check."""
        self.check_running()
        try:
            return requests.get(f"{self.api_url}/api/v2/monitor/health", timeout=5).ok
        except requests.ConnectionError:
            return False

    def stop(self) -> None:
        """Stop every component and the processes it forked: SIGTERM, then SIGKILL after 20 s."""
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def start_stack(home: Path, database_url: str, extra_environment: dict[str, str]) -> AirflowStack:
    """Migrate the metadata database, then start the api-server, scheduler and dag-processor."""
    api_port = free_port()
    logs = home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    stack = AirflowStack(
        environment=airflow_environment(home, database_url, api_port, extra_environment),
        api_url=f"http://127.0.0.1:{api_port}",
        logs=logs,
    )
    stack.airflow("db", "migrate")
    try:
        stack.start("api-server", "api-server", "--host", "127.0.0.1", "--port", str(api_port))
        stack.start("scheduler", "scheduler")
        stack.start("dag-processor", "dag-processor")
        wait_until(stack.api_ready, START_TIMEOUT, "the api-server")
    except BaseException:
        stack.stop()
        raise
    return stack
