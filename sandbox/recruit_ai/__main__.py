"""Run the sandbox Recruit AI alone.

``python -m sandbox.recruit_ai --port 8444 --state-dir .sandbox --api-key KEY``

The CA, certificate and SQLite file live in the state dir; clients trust the
CA through ``REQUESTS_CA_BUNDLE``. Without ``--api-key`` the key comes from
``RECRUIT_AI_SANDBOX_API_KEY`` or is generated once into the state dir. The
base URL is printed, on its own line, once the server is listening.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from sandbox.recruit_ai.server import build_server
from sandbox.services import sandbox_api_key
from sandbox.tls import ensure_tls_files


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM)."""
    parser = argparse.ArgumentParser(prog="python -m sandbox.recruit_ai", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8444, help="0 picks a free port")
    parser.add_argument("--state-dir", type=Path, default=Path(".sandbox"))
    parser.add_argument("--api-key", help="the key clients send in the 'token' header")
    args = parser.parse_args(argv)
    state_dir: Path = args.state_dir
    tls = ensure_tls_files(state_dir)
    server = build_server(
        tls,
        db_path=state_dir / "recruit-ai.sqlite3",
        api_key=args.api_key or sandbox_api_key(state_dir),
        host=args.host,
        port=args.port,
    )
    # SIGTERM (docker stop, a test's terminate()) ends serve_forever like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(server.base_url, flush=True)
    print(f"CA bundle: {tls.ca_bundle}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
