"""scripts/postgres.sh: a private cluster that starts, takes connections on its socket, and stops."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tests.scheduler.stack import POSTGRES_SCRIPT, start_postgres, stop_postgres


def _psql(host: str, port: str, sql: str) -> str:
    result = subprocess.run(
        ["psql", "-h", host, "-p", port, "-U", "airflow", "-d", "airflow", "-tAc", sql],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_cluster_starts_twice_answers_on_its_socket_and_stops() -> None:
    with tempfile.TemporaryDirectory() as parent:
        Path(parent).chmod(0o711)  # under root, the cluster's owner 'postgres' must get through
        directory = Path(parent) / "postgres"
        url = start_postgres(directory, "psycopg")
        try:
            parts = urlsplit(url)
            query = {key: values[0] for key, values in parse_qs(parts.query).items()}
            assert parts.scheme == "postgresql+psycopg"
            assert parts.path == "/airflow"
            assert Path(query["host"]).parent == directory
            assert _psql(query["host"], query["port"], "SELECT current_database()") == "airflow"
            # Nothing listens on TCP: the socket directory is the only way in.
            assert _psql(query["host"], query["port"], "SHOW listen_addresses") == ""
            # Starting again finds the cluster running and gives the same URL.
            assert start_postgres(directory, "psycopg") == url
            printed = subprocess.run(
                [str(POSTGRES_SCRIPT), "url", str(directory)], capture_output=True, text=True, check=True
            )
            assert printed.stdout.strip().replace("psycopg2", "psycopg") == url
        finally:
            stop_postgres(directory)
        assert not (directory / "data" / "postmaster.pid").exists()
        assert not list((directory / "run").glob(".s.PGSQL.*"))
