"""Run the sandbox services until interrupted: ``python -m sandbox up``.

Prints the environment that points an Airflow at them (connections as
``AIRFLOW_CONN_*`` JSON and ``REQUESTS_CA_BUNDLE``).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import certifi

from sandbox.faults import FaultPlan
from sandbox.services import start_services


def build_parser() -> argparse.ArgumentParser:
    """Return the command line parser (docker-compose.yaml's sandbox command is checked against it)."""
    parser = argparse.ArgumentParser(
        prog="python -m sandbox", description="Sandbox Talent Rover, Bullhorn and Recruit AI."
    )
    parser.add_argument("command", choices=["up"])
    parser.add_argument("--state-dir", type=Path, default=Path(".sandbox"))
    parser.add_argument("--host", default="127.0.0.1", help="the address to bind")
    parser.add_argument("--salesforce-port", type=int, default=8443)
    parser.add_argument("--recruit-ai-port", type=int, default=8444)
    parser.add_argument("--bullhorn-port", type=int, default=8445)
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--spread-hours", type=int, default=72, help="record stamps spread over this many hours"
    )
    parser.add_argument("--advertised-host", help="the name clients use for the services (default: --host)")
    parser.add_argument(
        "--tls-hostname",
        action="append",
        default=[],
        metavar="NAME",
        help="another name for the server certificate, besides 127.0.0.1 and localhost (repeatable)",
    )
    parser.add_argument(
        "--faults",
        type=Path,
        help="a fault plan (JSON, see sandbox/faults.py) every service injects from the start",
    )
    parser.add_argument(
        "--trust-bundle",
        type=Path,
        help="write the public CAs and the sandbox CA to this file, for REQUESTS_CA_BUNDLE",
    )
    return parser


def write_trust_bundle(path: Path, sandbox_ca: Path) -> None:
    """Write certifi's CA bundle plus the sandbox CA to ``path``, replacing it atomically.

    Public CAs stay trusted, so a real org or Recruit AI keeps working beside the
    sandbox; the atomic replace means a worker reading the file mid-write never
    sees half a bundle.
    """
    bundle = Path(certifi.where()).read_bytes().rstrip(b"\n") + b"\n" + sandbox_ca.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as staged:
        staged.write(bundle)
    # Readers run as other users (Airflow's services), and NamedTemporaryFile creates the file 0600.
    os.chmod(staged.name, 0o644)
    os.replace(staged.name, path)


def main() -> None:
    """Start the services and wait."""
    args = build_parser().parse_args()

    anchor = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    try:
        faults = FaultPlan.from_json(json.loads(args.faults.read_text())) if args.faults else None
    except (OSError, ValueError) as error:
        raise SystemExit(f"--faults {args.faults}: {error}") from None
    services = start_services(
        args.state_dir,
        candidates=args.candidates,
        seed=args.seed,
        anchor=anchor,
        spread=timedelta(hours=args.spread_hours),
        salesforce_port=args.salesforce_port,
        recruit_ai_port=args.recruit_ai_port,
        bullhorn_port=args.bullhorn_port,
        host=args.host,
        advertised_host=args.advertised_host,
        tls_hostnames=tuple(args.tls_hostname),
        faults=faults,
    )
    environment = services.connection_env()
    if args.trust_bundle:
        write_trust_bundle(args.trust_bundle, services.tls.ca_bundle)
        environment["REQUESTS_CA_BUNDLE"] = str(args.trust_bundle.resolve())
    print(f"Sandbox Talent Rover (Salesforce): {services.salesforce_url}")
    print(f"Sandbox Recruit AI:                {services.recruit_ai_url}")
    print(f"Sandbox Bullhorn (auth and REST):  {services.bullhorn_url}")
    print("Point Airflow at them with:", flush=True)
    for name, value in environment.items():
        print(f"export {name}={shlex.quote(value)}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        services.stop()


if __name__ == "__main__":
    main()
