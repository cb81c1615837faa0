"""docker-compose.yaml and the Dockerfile, checked without a Docker engine.

The stack cannot start where this project is built, so these tests check what
would break it: the services and profiles, the files it mounts and copies, the
Airflow version, the sandbox's command line (against the real parser), the
connections it stores (through Airflow's own CLI parser) and the trust chain
between them, and the names the code relies on.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
import shutil
import ssl
import string
import subprocess
from argparse import Namespace
from pathlib import Path
from typing import Any

import certifi
import pytest
import yaml
from airflow_api_hook import AirflowApiHook

from bullhorn_hook import BullhornHook
from include.staging import STAGING_URL_VARIABLE
from recruit_ai_hook import RecruitAiHook
from sandbox.__main__ import build_parser, write_trust_bundle
from sandbox.bullhorn.auth import BullhornCredentials
from sandbox.salesforce.auth import SalesforceCredentials
from sandbox.services import API_KEY_VARIABLE, API_VERSION, certificate_names
from sandbox.tls import ensure_tls_files
from talent_rover_hook import TalentRoverHook

PROJECT = Path(__file__).resolve().parent.parent
INTERFACE = PROJECT.parent / "shared" / "interface.md"
# The official init service creates these on the host; they are not in the repo.
CREATED_AT_RUN_TIME = {"logs", "config"}
ALWAYS_ON = {
    "postgres",
    "redis",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-worker",
    "airflow-triggerer",
    "airflow-init",
}
SANDBOX_SERVICES = {"sandbox", "sandbox-connections"}
SANDBOX_STATE = "sandbox-state"

_COMPOSE_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>\w+)(?::?-(?P<default>[^}]*))?\}|(?P<bare>\w+))"
)


def interpolate(value: str, env: dict[str, str]) -> str:
    """Resolve ``$$``, ``${NAME}``, ``${NAME:-default}`` and ``$NAME`` as Compose does."""

    def replace(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        name = match["braced"] or match["bare"]
        if env.get(name):
            return env[name]
        return match["default"] or ""

    return _COMPOSE_VARIABLE.sub(replace, value)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    # safe_load resolves the x-airflow-common anchor and its << merges.
    return yaml.safe_load((PROJECT / "docker-compose.yaml").read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


@pytest.fixture(scope="module")
def airflow_services(services: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: service for name, service in services.items() if name.startswith("airflow-")}


@pytest.fixture(scope="module")
def sandbox_args(services: dict[str, dict[str, Any]]) -> Namespace:
    """The sandbox service's command, parsed by ``python -m sandbox``'s own parser."""
    command = services["sandbox"]["command"]
    assert command[:3] == ["python", "-m", "sandbox"]
    return build_parser().parse_args(command[3:])


def _mounts(service: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Map each mount's target to (source, mode), with Compose's defaults filled in."""
    mounts = {}
    for volume in service.get("volumes", []):
        source, target, *mode = interpolate(volume, {}).split(":")
        mounts[target] = (source, mode[0] if mode else "rw")
    return mounts


def _container_env(service: dict[str, Any]) -> dict[str, str]:
    return {name: interpolate(str(value), {}) for name, value in service.get("environment", {}).items()}


def test_services_follow_the_official_shape(
    services: dict[str, dict[str, Any]], airflow_services: dict[str, dict[str, Any]]
) -> None:
    assert {name for name, service in services.items() if "profiles" not in service} >= ALWAYS_ON
    for name in SANDBOX_SERVICES:
        assert services[name]["profiles"] == ["sandbox"], name
    assert services["airflow-cli"]["profiles"] == ["debug"]

    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7.2-bookworm"
    for name in ("postgres", "redis", "airflow-apiserver", "airflow-scheduler", "sandbox"):
        assert "test" in services[name]["healthcheck"], name
    assert "8080:8080" in services["airflow-apiserver"]["ports"]
    assert services["airflow-worker"]["command"] == "celery worker"
    assert services["airflow-worker"]["environment"]["DUMB_INIT_SETSID"] == "0"

    for name, service in airflow_services.items():
        env = service["environment"]
        assert service["build"] == "."
        assert interpolate(service["image"], {}) == "recruit-ai-ats-sync:3.3.2", name
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
        assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "false", name
        assert env["AIRFLOW__CORE__AUTH_MANAGER"].endswith("FabAuthManager"), name
        expected_user = "0:0" if name == "airflow-init" else "${AIRFLOW_UID:-50000}:0"
        assert service["user"] == expected_user, name


def test_init_migrates_creates_the_user_and_prepares_the_volumes(
    airflow_services: dict[str, dict[str, Any]],
) -> None:
    init = airflow_services["airflow-init"]
    assert init["environment"]["_AIRFLOW_DB_MIGRATE"] == "true"
    assert init["environment"]["_AIRFLOW_WWW_USER_CREATE"] == "true"
    script = init["command"][1]
    assert 'if [[ -z "${AIRFLOW_UID}" ]]' in script
    bundle = init["environment"]["REQUESTS_CA_BUNDLE"]
    # Without it REQUESTS_CA_BUNDLE would name a missing file and every HTTPS call would fail.
    assert f"[[ ! -f {bundle} ]]" in script
    assert "certifi.where()" in script
    assert re.search(r'chown -R "\$\{AIRFLOW_UID:-50000\}:0" .*\bsandbox-state\b', script)
    assert re.search(r'chown -R "\$\{AIRFLOW_UID:-50000\}:0" .*\bstaging\b', script)
    assert _mounts(init)[str(Path(bundle).parent)] == (SANDBOX_STATE, "rw")


def test_every_airflow_service_shares_staging_and_trust(
    compose: dict[str, Any], airflow_services: dict[str, dict[str, Any]]
) -> None:
    for name, service in airflow_services.items():
        env = _container_env(service)
        mounts = _mounts(service)
        staging = env[STAGING_URL_VARIABLE]
        assert staging.startswith("file:///"), name
        assert mounts[staging.removeprefix("file://")][0] == "staging", name
        state_dir = str(Path(env["REQUESTS_CA_BUNDLE"]).parent)
        source, mode = mounts[state_dir]
        assert source == SANDBOX_STATE, name
        assert mode == ("rw" if name == "airflow-init" else "ro"), name
        assert "/opt/airflow/plugins" in env["PYTHONPATH"].split(":"), name
    assert {"staging", SANDBOX_STATE} <= set(compose["volumes"])


def test_no_service_presets_a_connection(services: dict[str, dict[str, Any]]) -> None:
    # An AIRFLOW_CONN_* variable would override what users store in the UI.
    for name, service in services.items():
        assert not [var for var in service.get("environment", {}) if var.startswith("AIRFLOW_CONN_")], name


def test_every_mounted_and_copied_path_exists(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for source, _ in _mounts(service).values():
            if source.startswith((".", "/")):
                relative = Path(source).relative_to(".")
                assert str(relative) in CREATED_AT_RUN_TIME or (PROJECT / relative).exists(), (name, source)
            else:
                assert source in compose["volumes"], f"{name}: named volume {source} is not declared"
    ignored = [
        line.strip()
        for line in (PROJECT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    dockerfile = (PROJECT / "Dockerfile").read_text().replace("\\\n", " ")
    copied = 0
    for line in dockerfile.splitlines():
        if line.startswith("COPY"):
            sources = [part for part in line.split()[1:-1] if not part.startswith("--")]
            for source in sources:
                copied += 1
                assert (PROJECT / source).exists(), line
                assert not any(fnmatch.fnmatch(source, pattern) for pattern in ignored), (
                    f"{source} is copied but .dockerignore leaves it out of the build context"
                )
    assert copied


def test_image_matches_the_pinned_airflow_and_python(compose: dict[str, Any]) -> None:
    dockerfile = (PROJECT / "Dockerfile").read_text()
    base = re.search(r"^FROM apache/airflow:(\S+)-python(\S+)$", dockerfile, re.M)
    assert base is not None
    pinned = re.search(r"^apache-airflow==(\S+)$", (PROJECT / "requirements.txt").read_text(), re.M)
    assert pinned is not None
    assert base[1] == pinned[1]
    assert base[2] == "3.11"
    # pip must not move Airflow away from the base image's while installing the requirements.
    assert f'"apache-airflow=={pinned[1]}"' in dockerfile
    assert "-c " in dockerfile
    assert "constraints.txt" in dockerfile
    image = interpolate(compose["x-airflow-common"]["image"], {})
    assert image.rpartition(":")[2] == pinned[1]


def test_sandbox_command_serves_what_airflow_is_pointed_at(
    services: dict[str, dict[str, Any]], sandbox_args: Namespace
) -> None:
    sandbox = services["sandbox"]
    assert sandbox["image"] == services["airflow-worker"]["image"]
    assert sandbox_args.host == "0.0.0.0"
    # Clients reach the service by its compose name, so the URLs and the certificate must use it.
    assert sandbox_args.advertised_host == "sandbox"
    assert "sandbox" in sandbox_args.tls_hostname
    published = {port.split(":")[-1] for port in sandbox["ports"]}
    assert {
        str(sandbox_args.salesforce_port),
        str(sandbox_args.recruit_ai_port),
        str(sandbox_args.bullhorn_port),
    } <= published

    state_dir = str(sandbox_args.state_dir)
    assert _mounts(sandbox)[state_dir] == (SANDBOX_STATE, "rw")
    airflow_env = _container_env(services["airflow-worker"])
    assert str(sandbox_args.trust_bundle) == airflow_env["REQUESTS_CA_BUNDLE"]
    assert sandbox_args.trust_bundle.parent == sandbox_args.state_dir
    assert API_KEY_VARIABLE in sandbox["environment"]
    assert sandbox["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"


def _stored_connections(services: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Run the connections script's ``airflow connections add`` lines through Airflow's CLI parser."""
    from airflow.cli.cli_parser import get_parser
    from airflow.models.connection import Connection

    service = services["sandbox-connections"]
    assert service["command"][:2] == ["bash", "-c"]
    script = interpolate(service["command"][2], {}).replace("\\\n", " ")
    assert 'airflow connections add "$@"' in script
    env = _container_env(service)
    parser = get_parser()
    connections = {}
    # A command is a line at the script's left margin plus the indented lines after it
    # (inside the function, or a quoted value carried on).
    commands = re.findall(r"^\S.*(?:\n[ \t].*)*", script, re.M)
    for command in commands:
        if not command.startswith("add_if_missing "):
            continue
        words = shlex.split(string.Template(command).safe_substitute(env))
        args = parser.parse_args(["connections", "add", *words[1:]])
        if args.conn_json:
            connection = Connection.from_json(conn_id=args.conn_id, value=args.conn_json)
        else:
            connection = Connection(
                conn_id=args.conn_id,
                conn_type=args.conn_type,
                host=args.conn_host,
                login=args.conn_login,
                password=args.conn_password,
                port=args.conn_port,
                uri=args.conn_uri,
            )
            if args.conn_extra is not None:
                connection.set_extra(args.conn_extra)
        connections[connection.conn_id] = connection
    return connections


def _interface_conn_types() -> dict[str, str]:
    if not INTERFACE.exists():
        pytest.skip(f"{INTERFACE} is not beside this checkout")
    rows = re.findall(r"^\|\s*`(\w+)`\s*\|\s*`(\w+)`\s*\|", INTERFACE.read_text(), re.M)
    return dict(rows)


def test_sandbox_connections_are_the_hooks_defaults(
    services: dict[str, dict[str, Any]], sandbox_args: Namespace
) -> None:
    connections = _stored_connections(services)
    salesforce_id = TalentRoverHook.default_conn_name
    recruit_ai_id = RecruitAiHook.default_conn_name
    bullhorn_id = BullhornHook.default_conn_name
    airflow_api_id = AirflowApiHook.default_conn_name
    assert set(connections) == {salesforce_id, recruit_ai_id, bullhorn_id, airflow_api_id}
    assert set(connections) == {
        "salesforce_default",
        "recruit_ai_default",
        "bullhorn_default",
        "airflow_api_default",
    }

    salesforce = connections[salesforce_id]
    assert salesforce.conn_type == TalentRoverHook.conn_type == "salesforce"
    extra = salesforce.extra_dejson
    assert extra["instance_url"] == f"https://{sandbox_args.advertised_host}:{sandbox_args.salesforce_port}"
    assert extra["version"] == API_VERSION
    credentials = SalesforceCredentials()
    assert (salesforce.login, salesforce.password) == (credentials.username, credentials.password)
    assert extra["security_token"] == credentials.security_token
    assert (extra["consumer_key"], extra["consumer_secret"]) == (
        credentials.consumer_key,
        credentials.consumer_secret,
    )

    recruit_ai = connections[recruit_ai_id]
    assert recruit_ai.conn_type == RecruitAiHook.conn_type == "http"
    assert recruit_ai.host == f"https://{sandbox_args.advertised_host}:{sandbox_args.recruit_ai_port}"
    sandbox_key = _container_env(services["sandbox"])[API_KEY_VARIABLE]
    assert sandbox_key
    assert recruit_ai.password == sandbox_key

    bullhorn = connections[bullhorn_id]
    assert bullhorn.conn_type == BullhornHook.conn_type == "http"
    bh_credentials = BullhornCredentials()
    assert (bullhorn.login, bullhorn.password) == (bh_credentials.username, bh_credentials.password)
    bullhorn_url = f"https://{sandbox_args.advertised_host}:{sandbox_args.bullhorn_port}"
    assert bullhorn.extra_dejson == {
        "client_id": bh_credentials.client_id,
        "client_secret": bh_credentials.client_secret,
        "auth_url": f"{bullhorn_url}/oauth",
        "rest_url": f"{bullhorn_url}/rest-services",
    }

    # The run notes go through the api-server, as the UI user airflow-init creates.
    airflow_api = connections[airflow_api_id]
    assert airflow_api.conn_type == AirflowApiHook.conn_type == "http"
    assert (
        airflow_api.host
        == f"http://airflow-apiserver:{services['airflow-apiserver']['ports'][0].split(':')[-1]}"
    )
    init_env = _container_env(services["airflow-init"])
    assert (airflow_api.login, airflow_api.password) == (
        init_env["_AIRFLOW_WWW_USER_USERNAME"],
        init_env["_AIRFLOW_WWW_USER_PASSWORD"],
    )

    depends_on = services["sandbox-connections"]["depends_on"]
    assert depends_on["sandbox"]["condition"] == "service_healthy"
    assert depends_on["airflow-init"]["condition"] == "service_completed_successfully"


def test_sandbox_connection_types_match_the_interface(services: dict[str, dict[str, Any]]) -> None:
    documented = _interface_conn_types()
    for conn_id, connection in _stored_connections(services).items():
        # airflow_api_default is Airflow's own API, not an ATS interface.
        if conn_id != AirflowApiHook.default_conn_name:
            assert documented[conn_id] == connection.conn_type, conn_id


def _handshake(server: ssl.SSLContext, client: ssl.SSLContext, hostname: str) -> None:
    """Run a TLS handshake in memory; raise if the client refuses the server's certificate."""
    client_in, client_out, server_in, server_out = (ssl.MemoryBIO() for _ in range(4))
    client_side = client.wrap_bio(client_in, client_out, server_hostname=hostname)
    server_side = server.wrap_bio(server_in, server_out, server_side=True)
    pending = {client_side, server_side}
    for _ in range(10):
        for side in list(pending):
            try:
                side.do_handshake()
                pending.discard(side)
            except ssl.SSLWantReadError:
                pass
        server_in.write(client_out.read())
        client_in.write(server_out.read())
        if not pending:
            return
    raise AssertionError("the handshake did not finish")


def test_the_trust_bundle_trusts_the_sandbox_by_its_compose_name(
    tmp_path: Path, sandbox_args: Namespace
) -> None:
    names = certificate_names(sandbox_args.advertised_host, tuple(sandbox_args.tls_hostname))
    assert "0.0.0.0" not in names
    tls = ensure_tls_files(tmp_path / "state", names)
    bundle = tmp_path / "state" / sandbox_args.trust_bundle.name
    write_trust_bundle(bundle, tls.ca_bundle)

    written = bundle.read_text()
    # Public CAs stay trusted, so a real org and Recruit AI work beside the sandbox.
    assert Path(certifi.where()).read_text().strip() in written
    assert tls.ca_bundle.read_text().strip() in written
    assert bundle.stat().st_mode & 0o044 == 0o044
    assert not [path.name for path in bundle.parent.iterdir() if path.name.startswith(f".{bundle.name}")]

    client = ssl.create_default_context(cafile=str(bundle))
    _handshake(tls.server_context(), client, sandbox_args.advertised_host)
    with pytest.raises(ssl.SSLCertVerificationError):
        _handshake(tls.server_context(), client, "not-the-sandbox")


def _has_compose() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
    return probe.returncode == 0


@pytest.mark.skipif(not _has_compose(), reason="no docker compose plugin on this machine")
def test_docker_compose_parses_the_file() -> None:
    # `config` only reads the file: no engine needed.
    result = subprocess.run(
        [
            "docker",
            "compose",
            "-f",
            str(PROJECT / "docker-compose.yaml"),
            "--profile",
            "sandbox",
            "--profile",
            "debug",
            "config",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "AIRFLOW_UID": "50000"},
    )
    assert result.returncode == 0, result.stderr
