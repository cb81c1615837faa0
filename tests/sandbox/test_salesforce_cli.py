"""``python -m sandbox.salesforce``: serves until interrupted, announcing its URL on one line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import requests

PROJECT = Path(__file__).resolve().parents[2]


def _run(*arguments: str) -> subprocess.Popen[str]:
    environment = {**os.environ, "PYTHONPATH": str(PROJECT)}
    return subprocess.Popen(
        [sys.executable, "-m", "sandbox.salesforce", *arguments],
        cwd=PROJECT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_cli_serves_the_org_until_terminated(tmp_path: Path) -> None:
    process = _run(
        "--port", "0", "--state-dir", str(tmp_path), "--candidates", "40", "--seed", "3",
        "--anchor", "2026-11-23T10:00:00Z", "--spread-hours", "24",
    )  # fmt: skip
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("https://127.0.0.1:")
        session = requests.Session()
        session.verify = str(tmp_path / "sandbox-ca.pem")
        session.trust_env = False
        state = session.get(f"{url}/sandbox/state", timeout=10).json()
        assert state["counts"]["Contact"] == 40 + 8 + 2
    finally:
        process.send_signal(signal.SIGTERM)
        _, errors = process.communicate(timeout=20)
    assert process.returncode == 0
    assert "GET /sandbox/state 200" in errors


def test_cli_refuses_an_anchor_without_a_time_zone(tmp_path: Path) -> None:
    process = _run("--state-dir", str(tmp_path), "--anchor", "2026-11-23T10:00:00")
    _, errors = process.communicate(timeout=20)
    assert process.returncode == 2
    assert "time zone" in errors
