"""Run the sandbox Salesforce alone: ``python -m sandbox.salesforce --port 8443``."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sandbox.salesforce.org import generate_org
from sandbox.salesforce.server import build_server
from sandbox.tls import ensure_tls_files


def main() -> None:
    """Generate the org and serve it until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m sandbox.salesforce", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8443)
    parser.add_argument("--state-dir", type=Path, default=Path(".sandbox"))
    parser.add_argument("--candidates", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--anchor", type=datetime.fromisoformat, default=None, help="ISO 8601; default: this hour"
    )
    parser.add_argument("--spread-hours", type=int, default=72)
    args = parser.parse_args()
    anchor = args.anchor or datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    org = generate_org(
        args.candidates, seed=args.seed, anchor=anchor, spread=timedelta(hours=args.spread_hours)
    )
    server = build_server(org, ensure_tls_files(args.state_dir), host=args.host, port=args.port)
    print(f"Sandbox Salesforce at https://{args.host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.server_close()


if __name__ == "__main__":
    main()
