"""Run the sandbox services until interrupted: ``python -m sandbox up``.

Prints the environment that points an Airflow at them (connections as
``AIRFLOW_CONN_*`` JSON and ``REQUESTS_CA_BUNDLE``).
"""

from __future__ import annotations

import argparse
import shlex
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import certifi

from sandbox.services import start_services


def main() -> None:
    """Start both services and wait."""
    parser = argparse.ArgumentParser(
        prog="python -m sandbox", description="Sandbox Talent Rover and Recruit AI."
    )
    parser.add_argument("command", choices=["up"])
    parser.add_argument("--state-dir", type=Path, default=Path(".sandbox"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--salesforce-port", type=int, default=8443)
    parser.add_argument("--recruit-ai-port", type=int, default=8444)
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--spread-hours", type=int, default=72, help="record stamps spread over this many hours"
    )
    parser.add_argument("--advertised-host", help="the name clients use for the services (default: --host)")
    parser.add_argument(
        "--trust-bundle",
        type=Path,
        help="write the public CAs and the sandbox CA to this file, for REQUESTS_CA_BUNDLE",
    )
    args = parser.parse_args()

    anchor = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    services = start_services(
        args.state_dir,
        candidates=args.candidates,
        seed=args.seed,
        anchor=anchor,
        spread=timedelta(hours=args.spread_hours),
        salesforce_port=args.salesforce_port,
        recruit_ai_port=args.recruit_ai_port,
        host=args.host,
        advertised_host=args.advertised_host,
    )
    if args.trust_bundle:
        # Public CAs stay trusted, so a real org or Recruit AI keeps working beside the sandbox.
        args.trust_bundle.write_bytes(
            Path(certifi.where()).read_bytes() + services.tls.ca_bundle.read_bytes()
        )
    environment = services.connection_env()
    if args.trust_bundle:
        environment["REQUESTS_CA_BUNDLE"] = str(args.trust_bundle.resolve())
    print(f"Sandbox Talent Rover (Salesforce): {services.salesforce_url}")
    print(f"Sandbox Recruit AI:                {services.recruit_ai_url}")
    print("Point Airflow at them with:", flush=True)
    for name, value in environment.items():
        print(f"export {name}={shlex.quote(value)}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        services.stop()


if __name__ == "__main__":
    main()
