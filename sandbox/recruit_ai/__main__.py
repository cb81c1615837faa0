"""Run the sandbox Recruit AI alone: ``python -m sandbox.recruit_ai --port 8444``."""

from __future__ import annotations

import argparse
from pathlib import Path

from sandbox.recruit_ai.server import build_server
from sandbox.services import sandbox_api_key
from sandbox.tls import ensure_tls_files


def main() -> None:
    """Serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m sandbox.recruit_ai", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8444)
    parser.add_argument("--state-dir", type=Path, default=Path(".sandbox"))
    args = parser.parse_args()
    server = build_server(
        ensure_tls_files(args.state_dir),
        db_path=args.state_dir / "recruit-ai.sqlite3",
        api_key=sandbox_api_key(args.state_dir),
        host=args.host,
        port=args.port,
    )
    print(f"Sandbox Recruit AI at https://{args.host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.server_close()


if __name__ == "__main__":
    main()
