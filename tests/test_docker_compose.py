"""docker-compose.yaml and the Dockerfile, checked without a Docker engine.

The stack cannot start here, so these tests check what would break it: the
services and profiles, the files it mounts and copies, the Airflow version, and
the names the code relies on (connections, environment).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from include.staging import STAGING_URL_VARIABLE
from recruit_ai_hook import RecruitAiHook
from sandbox.services import API_KEY_VARIABLE
from talent_rover_hook import TalentRoverHook

PROJECT = Path(__file__).resolve().parent.parent
CREATED_AT_RUN_TIME = {"logs", "config"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((PROJECT / "docker-compose.yaml").read_text())


def test_services_follow_the_official_shape(compose: dict[str, Any]) -> None:
    services = compose["services"]
    always = {
        "postgres",
        "redis",
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-worker",
        "airflow-triggerer",
        "airflow-init",
    }
    assert always <= {name for name, service in services.items() if "profiles" not in service}
    assert services["sandbox"]["profiles"] == ["sandbox"]
    assert services["sandbox-connections"]["profiles"] == ["sandbox"]
    worker_env = services["airflow-worker"]["environment"]
    assert worker_env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert services["airflow-worker"]["user"] == "${AIRFLOW_UID:-50000}:0"
    assert "AIRFLOW_UID" in services["airflow-init"]["command"][1]


def test_every_mounted_and_copied_path_exists(compose: dict[str, Any]) -> None:
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = re.match(r"\$\{AIRFLOW_PROJ_DIR:-\.\}[^:]*|[^:]+", volume)[0]  # type: ignore[index]
            if source.startswith("${AIRFLOW_PROJ_DIR:-.}"):
                relative = source.removeprefix("${AIRFLOW_PROJ_DIR:-.}").strip("/")
                assert relative in CREATED_AT_RUN_TIME or (PROJECT / relative).exists(), source
            else:
                assert source in compose["volumes"], f"named volume {source} is not declared"
    for line in (PROJECT / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY"):
            sources = [part for part in line.split()[1:-1] if not part.startswith("--")]
            assert all((PROJECT / source).exists() for source in sources), line


def test_image_matches_the_pinned_airflow_and_python() -> None:
    base = re.search(r"^FROM apache/airflow:(\S+)-python(\S+)$", (PROJECT / "Dockerfile").read_text(), re.M)
    assert base is not None
    pinned = re.search(r"^apache-airflow==(\S+)$", (PROJECT / "requirements.txt").read_text(), re.M)
    assert pinned is not None
    assert base[1] == pinned[1]
    assert base[2] == "3.11"


def test_names_match_the_code(compose: dict[str, Any]) -> None:
    env = compose["x-airflow-common"]["environment"]
    assert env[STAGING_URL_VARIABLE].startswith("file://")
    assert "/opt/airflow/plugins" in env["PYTHONPATH"]
    sandbox = compose["services"]["sandbox"]
    assert API_KEY_VARIABLE in sandbox["environment"]
    ports = {arg.split("=")[0]: arg.split("=")[1] for arg in sandbox["command"] if "=" in arg}

    script = compose["services"]["sandbox-connections"]["command"][1]
    added = dict(re.findall(r"airflow connections add (\w+) --conn-json '(.*?)'", script, re.S))
    assert set(re.findall(r"airflow connections add (\w+)", script)) == {
        TalentRoverHook.default_conn_name,
        RecruitAiHook.default_conn_name,
    }
    salesforce = json.loads(added[TalentRoverHook.default_conn_name])
    assert salesforce["conn_type"] == TalentRoverHook.conn_type == "salesforce"
    assert salesforce["extra"]["instance_url"] == f"https://sandbox:{ports['--salesforce-port']}"
    assert f"https://sandbox:{ports['--recruit-ai-port']}" in script
    assert RecruitAiHook.conn_type == "http"


def _has_compose() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
    return probe.returncode == 0


@pytest.mark.skipif(not _has_compose(), reason="no docker compose client here")
def test_docker_compose_parses_the_file() -> None:
    result = subprocess.run(
        ["docker", "compose", "-f", str(PROJECT / "docker-compose.yaml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", "AIRFLOW_UID": "50000"},
    )
    assert result.returncode == 0, result.stderr
