"""Run the sandbox Salesforce alone until interrupted.

    python -m sandbox.salesforce --port 8443 --state-dir .sandbox --candidates 500 \\
        --seed 7 --anchor 2026-11-23T10:00:00Z --spread-hours 72

Prints one line, the instance URL, when it is ready. Clients trust
``<state-dir>/sandbox-ca.pem`` (``REQUESTS_CA_BUNDLE``) and log in with the
credentials of ``SalesforceCredentials``.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType

from sandbox.salesforce.org import generate_org
from sandbox.salesforce.server import build_server
from sandbox.tls import ensure_tls_files

log = logging.getLogger("sandbox.salesforce")


def _anchor(text: str) -> datetime:
    """An ISO 8601 instant with a time zone (``Z`` allowed)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date and time: {text!r}") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("the anchor needs a time zone, e.g. 2026-11-23T10:00:00Z")
    return moment.astimezone(UTC)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.salesforce",
        description="Serve a generated Talent Rover org through a sandbox Salesforce REST API over HTTPS.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8443, help="port (0 picks a free one; default 8443)")
    parser.add_argument("--state-dir", type=Path, default=Path(".sandbox"), help="where the TLS CA lives")
    parser.add_argument("--candidates", type=int, default=500, help="candidates to generate (default 500)")
    parser.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    parser.add_argument(
        "--anchor",
        type=_anchor,
        default=None,
        help="end of the stamp window, ISO 8601 (default: this UTC hour)",
    )
    parser.add_argument(
        "--spread-hours", type=float, default=72, help="length of the stamp window (default 72)"
    )
    parser.add_argument(
        "--daily-limit", type=int, default=15000, help="daily API request limit (default 15000)"
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    """Generate the org and serve it until interrupted (Ctrl-C or SIGTERM)."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    anchor = args.anchor or datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    tls = ensure_tls_files(args.state_dir)
    org = generate_org(
        args.candidates, seed=args.seed, anchor=anchor, spread=timedelta(hours=args.spread_hours)
    )
    server = build_server(org, tls, host=args.host, port=args.port, daily_limit=args.daily_limit)
    log.info(
        "Org of %d candidates, stamps up to %s; trust %s", args.candidates, anchor.isoformat(), tls.ca_bundle
    )

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(server.instance_url, flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        log.info("Stopping")
    finally:
        server.server_close()
    sys.exit(0)


if __name__ == "__main__":
    main()
