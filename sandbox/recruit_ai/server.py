"""The sandbox Recruit AI: its ingestion API over HTTPS, records kept in SQLite.

Routes, per ``shared/recruit-ai/openapi.yaml``:

* ``POST /public/candidate`` and ``POST /public/position``: one record, form-encoded,
  API key in the ``token`` header. Upsert by id; 200 ``{"status": "stored", "created"}``.
  401 for an unknown key, 413 for a body over 5 MiB, 400 ``{"error", "message"}``
  for a record it cannot accept (required fields, id prefixes, dates, Attributes).

Sandbox-only inspection routes (the real service has none of them; same ``token``):

* ``GET /sandbox/candidates``, ``/sandbox/positions``: every stored record, Attributes decoded.
* ``GET /sandbox/candidates/{CandidateID}``, ``/sandbox/positions/{PositionID}``.
* ``GET /sandbox/stats``: record counts and requests by route and status.
* ``POST /sandbox/reset``: empty the store and the stats.
"""

from __future__ import annotations

import hmac
import json
import logging
import ssl
import sys
import threading
from collections import Counter
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandbox.recruit_ai.store import RecordStore
from sandbox.tls import TlsFiles

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 5 * 1024 * 1024
DISCARD_LIMIT_BYTES = 64 * 1024 * 1024
KINDS = {"candidate": "CandidateID", "position": "PositionID"}
REQUIRED = {
    "candidate": ("CandidateID", "InternalID", "LastModifiedDate"),
    "position": ("PositionID", "InternalID", "LastModifiedDate", "JobTitle"),
}
DATE_FIELDS = ("CreatedDate", "LastModifiedDate")


class Faults:
    """Where fault injection plugs in: consulted before every public route. The default injects nothing."""

    def before(self, route: str) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        """Return (status, body, headers) to answer instead of the real route, or None."""
        return None


class InvalidRecord(ValueError):
    """A record Recruit AI refuses (HTTP 400)."""


def validate(kind: str, form: dict[str, str]) -> dict[str, Any]:
    """Check a posted record the way the contract describes; return it with Attributes decoded."""
    missing = [name for name in REQUIRED[kind] if not form.get(name)]
    if missing:
        raise InvalidRecord(f"missing required field(s): {', '.join(missing)}")
    id_field = KINDS[kind]
    prefix = kind[0]
    if not form[id_field].startswith(prefix) or len(form[id_field]) < 2:
        raise InvalidRecord(f"{id_field} must be '{prefix}' followed by the ATS id")
    if form["InternalID"] != form[id_field]:
        raise InvalidRecord(f"InternalID must equal {id_field}")
    for name in DATE_FIELDS:
        if form.get(name):
            try:
                datetime.fromisoformat(form[name].replace("Z", "+00:00"))
            except ValueError:
                raise InvalidRecord(f"{name} is not an ISO 8601 date") from None
    record: dict[str, Any] = dict(form)
    if "Attributes" in form:
        try:
            record["Attributes"] = json.loads(form["Attributes"])
        except ValueError:
            raise InvalidRecord("Attributes is not valid JSON") from None
        if not isinstance(record["Attributes"], dict):
            raise InvalidRecord("Attributes must be a JSON object")
    return record


class RecruitAiHandler(BaseHTTPRequestHandler):
    """One request to the sandbox Recruit AI."""

    protocol_version = "HTTP/1.1"
    server: RecruitAiServer

    def log_message(self, format: str, *args: Any) -> None:
        """Log the route only, never bodies or keys."""
        log.debug("%s %s", self.command, urlsplit(self.path).path)

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        route = f"{self.command} {urlsplit(self.path).path}"
        if not route.startswith(("GET /sandbox", "POST /sandbox")):
            self.server.count(f"{route} {status}")
        payload = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        """Serve a GET."""
        self._dispatch("GET")

    def do_POST(self) -> None:
        """Serve a POST."""
        self._dispatch("POST")

    def _authorized(self) -> bool:
        return hmac.compare_digest(self.headers.get("token", "").encode(), self.server.api_key.encode())

    def _dispatch(self, method: str) -> None:
        path = urlsplit(self.path).path.rstrip("/")
        parts = path.strip("/").split("/")
        if not self._authorized():
            self._drain()
            self._send(
                401, {"error": "unauthorized", "message": "Unknown or missing API key in the 'token' header."}
            )
            return
        if parts[0] == "public" and len(parts) == 2 and parts[1] in KINDS:
            if method != "POST":
                self._send(405, {"error": "method_not_allowed", "message": f"{method} not allowed"})
                return
            injected = self.server.faults.before(path)
            if injected is not None:
                self._drain()
                self._send(*injected)
                return
            self._post(parts[1])
        elif parts[0] == "sandbox":
            self._inspect(method, parts[1:])
        else:
            self._send(404, {"error": "not_found", "message": f"No route {path}"})

    def _drain(self) -> None:
        """Read a small body we will not use, so the connection stays usable."""
        length = int(self.headers.get("Content-Length") or 0)
        if 0 < length <= MAX_BODY_BYTES:
            self.rfile.read(length)
        elif length:
            self.close_connection = True

    def _post(self, kind: str) -> None:
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self.close_connection = True
            self._send(411, {"error": "length_required", "message": "Content-Length is required"})
            return
        if int(length) > MAX_BODY_BYTES:
            # Read the body before answering: a client still sending would otherwise see a reset, not a 413.
            remaining = min(int(length), DISCARD_LIMIT_BYTES)
            while remaining > 0 and (chunk := self.rfile.read(min(remaining, 1 << 16))):
                remaining -= len(chunk)
            self.close_connection = True
            self._send(413, {"error": "too_large", "message": f"body over {MAX_BODY_BYTES} bytes"})
            return
        body = self.rfile.read(int(length))
        if not self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            self._send(
                400, {"error": "invalid_record", "message": "expected application/x-www-form-urlencoded"}
            )
            return
        try:
            form = {
                key: values[-1] for key, values in parse_qs(body.decode(), keep_blank_values=True).items()
            }
            record = validate(kind, form)
        except (InvalidRecord, UnicodeDecodeError) as error:
            self._send(400, {"error": "invalid_record", "message": str(error)})
            return
        created = self.server.store.upsert(kind, record[KINDS[kind]], record)
        self._send(200, {"status": "stored", "created": created})

    def _inspect(self, method: str, parts: list[str]) -> None:
        store = self.server.store
        if method == "POST" and parts == ["reset"]:
            self._drain()
            store.reset()
            self.server.reset_stats()
            self._send(200, {"status": "reset"})
        elif method == "GET" and parts == ["stats"]:
            self._send(200, {**store.counts(), "requests": self.server.stats()})
        elif method == "GET" and len(parts) in (1, 2) and parts[0] in ("candidates", "positions"):
            kind = parts[0][:-1]
            if len(parts) == 1:
                self._send(200, store.all(kind))
            elif (record := store.get(kind, parts[1])) is not None:
                self._send(200, record)
            else:
                self._send(404, {"error": "not_found", "message": f"no {kind} {parts[1]}"})
        else:
            self._send(404, {"error": "not_found", "message": "unknown sandbox route"})


class RecruitAiServer(ThreadingHTTPServer):
    """A threading HTTPS server holding the store, the key and request stats."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], tls: TlsFiles, store: RecordStore, api_key: str) -> None:
        super().__init__(address, RecruitAiHandler)
        self.store = store
        self.api_key = api_key
        self.faults = Faults()
        self._stats: Counter[str] = Counter()
        self._stats_lock = threading.Lock()
        self.socket = tls.server_context().wrap_socket(
            self.socket, server_side=True, do_handshake_on_connect=False
        )

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up or refuses our certificate is not a server fault; anything else is."""
        if isinstance(sys.exc_info()[1], ssl.SSLError | ConnectionError):
            log.debug("connection from %s ended early", client_address[0])
            return
        super().handle_error(request, client_address)

    def count(self, key: str) -> None:
        """Count one answered request."""
        with self._stats_lock:
            self._stats[key] += 1

    def stats(self) -> dict[str, int]:
        """Requests answered, by route and status."""
        with self._stats_lock:
            return dict(self._stats)

    def reset_stats(self) -> None:
        """Forget the request counts."""
        with self._stats_lock:
            self._stats.clear()


def build_server(
    tls: TlsFiles, *, db_path: Path, api_key: str, host: str = "127.0.0.1", port: int = 0
) -> RecruitAiServer:
    """Bind the sandbox Recruit AI (port 0: any free port; see ``server.server_address``)."""
    return RecruitAiServer((host, port), tls, RecordStore(db_path), api_key)


def serve_in_thread(server: ThreadingHTTPServer) -> threading.Thread:
    """Serve in a daemon thread until ``server.shutdown()``."""
    thread = threading.Thread(target=server.serve_forever, name="sandbox-recruit-ai", daemon=True)
    thread.start()
    return thread
