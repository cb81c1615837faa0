"""The sandbox Recruit AI: its ingestion API over HTTPS on 127.0.0.1, records kept in SQLite.

Public routes, per ``shared/recruit-ai/openapi.yaml`` (API key in the ``token`` header):

* ``POST /public/candidate`` and ``POST /public/position``: one form-encoded record.
  Upsert by id; 200 ``{"status": "stored", "created": true|false}``. 401 for an
  unknown key, 411 without a Content-Length, 413 for a body over 5 MiB, 400
  ``{"error", "message"}`` for a body that is not form-encoded or a record it
  cannot accept (required fields, id prefixes, InternalID, dates, Attributes).

Sandbox-only inspection routes. The real Recruit AI has none of them; they
take the same ``token``:

* ``GET /sandbox/candidates``, ``GET /sandbox/positions``: every stored record,
  all posted fields, ``Attributes`` decoded, plus ``post_count``.
* ``GET /sandbox/candidates/{CandidateID}``, ``GET /sandbox/positions/{PositionID}``: one (404 if absent).
* ``GET /sandbox/stats``: ``{"candidates", "positions", "requests": {"POST /public/candidate 200": n}}``.
* ``POST /sandbox/reset``: empty the store and the stats.
* ``GET /sandbox/faults``, ``POST /sandbox/faults`` (a ``FaultPlan`` as JSON, see
  ``sandbox/faults.py``): the faults injected from now on (500/503, resets,
  latency, 429 bursts with ``Retry-After``).

Any other path is 404 and a known path with the wrong method 405. Every request
goes through ``RecruitAiHandler.dispatch``, which consults the server's
``Faults`` (no-op by default) so that error rates, latency and 429/503 bursts
can be injected in that one place. Logs carry methods, paths and statuses only,
never bodies or keys.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import ssl
import sys
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from sandbox.faults import FaultDice
from sandbox.recruit_ai.store import Kind, RecordStore
from sandbox.tls import TlsFiles

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 5 * 1024 * 1024
# A refused body is read (and dropped) up to this size so the client sees our answer, not a reset.
DRAIN_LIMIT_BYTES = 64 * 1024 * 1024
MAX_FORM_FIELDS = 200
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
DATE_FIELDS = ("CreatedDate", "LastModifiedDate")


@dataclass(frozen=True)
class RecordRules:
    """What the contract requires of one kind of record."""

    id_field: str
    prefix: str
    required: tuple[str, ...]


RULES: dict[Kind, RecordRules] = {
    "candidate": RecordRules("CandidateID", "c", ("CandidateID", "InternalID", "LastModifiedDate")),
    "position": RecordRules("PositionID", "p", ("PositionID", "InternalID", "LastModifiedDate", "JobTitle")),
}
# Path segments naming a kind, in the public routes (singular) and the inspection routes (plural).
KIND_SEGMENTS: dict[str, Kind] = {
    "candidate": "candidate",
    "position": "position",
    "candidates": "candidate",
    "positions": "position",
}


@dataclass(frozen=True)
class Reply:
    """An answer to send: status, JSON body and extra headers."""

    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)
    # Fault injection: close the connection without answering, as a reset does.
    drop_connection: bool = False


def error(status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> Reply:
    """Build the contract's error shape, ``{"error", "message"}``."""
    return Reply(status, {"error": code, "message": message}, headers or {})


class Faults:
    """Where fault injection plugs in; the default injects nothing.

    The dispatcher calls ``before`` for every authorised request to a known
    public route (not the ``/sandbox/`` inspection routes), before the route
    runs. A subclass can answer instead (a 429 with ``Retry-After``, a 503, a
    500 at some rate) or sleep to add latency.
    """

    def before(self, method: str, path: str) -> Reply | None:
        """Return a reply to send instead of the route's, or None to let the route answer."""
        return None


class InvalidRecord(ValueError):
    """A record Recruit AI refuses (HTTP 400). Messages name fields, never their values."""


def parse_form(body: bytes) -> dict[str, str]:
    """Decode a form-encoded body; each field may appear once."""
    try:
        pairs = parse_qsl(
            body.decode("ascii"),
            keep_blank_values=True,
            strict_parsing=False,
            errors="strict",
            max_num_fields=MAX_FORM_FIELDS,
        )
    except UnicodeDecodeError:
        raise InvalidRecord("body is not valid form encoding (percent-encoded UTF-8)") from None
    except ValueError:
        raise InvalidRecord(f"more than {MAX_FORM_FIELDS} fields") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise InvalidRecord(f"{name} is given more than once")
        form[name] = value
    return form


def validate(kind: Kind, form: Mapping[str, str]) -> dict[str, Any]:
    """Check a posted record against the contract; return it with ``Attributes`` decoded."""
    rules = RULES[kind]
    missing = [name for name in rules.required if not form.get(name, "").strip()]
    if missing:
        raise InvalidRecord(f"missing required field(s): {', '.join(missing)}")
    record_id = form[rules.id_field]
    if not record_id.startswith(rules.prefix) or len(record_id) == len(rules.prefix):
        raise InvalidRecord(f"{rules.id_field} must be '{rules.prefix}' followed by the ATS id")
    if form["InternalID"] != record_id:
        raise InvalidRecord(f"InternalID must equal {rules.id_field}")
    for name in DATE_FIELDS:
        if name in form and not _is_iso_datetime(form[name]):
            raise InvalidRecord(f"{name} is not an ISO 8601 date-time")
    record: dict[str, Any] = dict(form)
    if "Attributes" in form:
        try:
            record["Attributes"] = json.loads(form["Attributes"])
        except ValueError:
            raise InvalidRecord("Attributes is not valid JSON") from None
        if not isinstance(record["Attributes"], dict):
            raise InvalidRecord("Attributes must be a JSON object")
        for key, value in record["Attributes"].items():
            # The contract: "values are strings, numbers, booleans or null".
            if isinstance(value, dict | list):
                raise InvalidRecord(f"Attributes.{key} must be a string, number, boolean or null")
    return record


def _is_iso_datetime(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


RouteHandler = Callable[["RecruitAiHandler", dict[str, str]], Reply]


class RecruitAiHandler(BaseHTTPRequestHandler):
    """One HTTPS connection to the sandbox Recruit AI (requests on it are handled in turn)."""

    protocol_version = "HTTP/1.1"
    # An idle or stalled client gives up its thread after this many seconds.
    timeout = 60
    server: RecruitAiServer
    _body_read: bool

    def log_message(self, format: str, *args: Any) -> None:
        """Log at debug level: the request line and status only (no bodies, no headers)."""
        log.debug(format, *args)

    def do_GET(self) -> None:
        """Serve a GET."""
        self.dispatch()

    def do_POST(self) -> None:
        """Serve a POST."""
        self.dispatch()

    def do_PUT(self) -> None:
        """Serve a PUT (no route takes one: 405 or 404)."""
        self.dispatch()

    def do_PATCH(self) -> None:
        """Serve a PATCH (no route takes one: 405 or 404)."""
        self.dispatch()

    def do_DELETE(self) -> None:
        """Serve a DELETE (no route takes one: 405 or 404)."""
        self.dispatch()

    def dispatch(self) -> None:
        """Route one request, the single place every request passes through."""
        self._body_read = False
        path = urlsplit(self.path).path
        match, methods = self._resolve(path)
        reply = self._reply(path, match, methods)
        if not path.startswith("/sandbox/"):
            self.server.count(f"{self.command} {path if match else '(unknown route)'} {reply.status}")
        self._send(reply)

    def _reply(self, path: str, match: re.Match[str] | None, methods: dict[str, RouteHandler]) -> Reply:
        if match is None:
            return error(404, "not_found", "no such route")
        route = methods.get(self.command)
        if route is None:
            allowed = ", ".join(sorted(methods))
            return error(405, "method_not_allowed", f"use {allowed}", {"Allow": allowed})
        if not self._authorized():
            return error(401, "unauthorized", "unknown or missing API key in the 'token' header")
        # Faults stand for the real service misbehaving, so the inspection routes stay reliable.
        if not path.startswith("/sandbox/"):
            injected = self.server.faults.before(self.command, path)
            if injected is not None:
                return injected
        return route(self, {name: unquote(value) for name, value in match.groupdict().items()})

    def _resolve(self, path: str) -> tuple[re.Match[str] | None, dict[str, RouteHandler]]:
        for pattern, methods in ROUTES:
            if match := pattern.fullmatch(path):
                return match, methods
        return None, {}

    def _authorized(self) -> bool:
        offered = self.headers.get("token", "").encode()
        return hmac.compare_digest(offered, self.server.api_key.encode())

    def _send(self, reply: Reply) -> None:
        if reply.drop_connection:
            self.close_connection = True
            return
        self._discard_unread_body()
        payload = json.dumps(reply.body, ensure_ascii=False).encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)

    def _content_length(self) -> int | None:
        value = self.headers.get("Content-Length")
        return int(value) if value is not None and value.isdigit() else None

    def _discard_unread_body(self) -> None:
        """Read a body no route used, so the client sees our answer rather than a reset.

        The connection then carries the next request; it is closed instead when
        the body cannot be read safely (unreadable framing, or too large).
        """
        if self._body_read:
            return
        self._body_read = True
        transfer_encoding = self.headers.get("Transfer-Encoding")
        if transfer_encoding is not None:
            drained = "chunked" in transfer_encoding.lower() and self._skip_chunked()
        elif self.headers.get("Content-Length") is None:
            drained = True  # no body at all
        else:
            length = self._content_length()
            drained = length is not None and length <= DRAIN_LIMIT_BYTES and self._skip(length)
        if not drained:
            self.close_connection = True

    def _skip(self, length: int) -> bool:
        while length > 0:
            chunk = self.rfile.read(min(length, 1 << 16))
            if not chunk:
                return False
            length -= len(chunk)
        return True

    def _skip_chunked(self) -> bool:
        total = 0
        while True:
            try:
                size = int(self.rfile.readline(1024).split(b";")[0], 16)
            except ValueError:
                return False
            if size == 0:
                # Optional trailers, then the empty line that ends the body.
                while (line := self.rfile.readline(1024)) not in (b"\r\n", b"\n", b""):
                    pass
                return line != b""
            total += size
            if total > DRAIN_LIMIT_BYTES or not self._skip(size + 2):  # + the CRLF after each chunk
                return False

    def _read_body(self) -> bytes:
        self._body_read = True
        return self.rfile.read(self._content_length() or 0)

    def post_record(self, params: dict[str, str]) -> Reply:
        """``POST /public/{candidate|position}``: validate and upsert one record."""
        kind = KIND_SEGMENTS[params["kind"]]
        length = self._content_length()
        if length is None:
            return error(411, "length_required", "a Content-Length header is required")
        if length > MAX_BODY_BYTES:
            return error(413, "too_large", f"body over {MAX_BODY_BYTES} bytes")
        if self.headers.get_content_type() != FORM_CONTENT_TYPE:
            return error(400, "invalid_record", f"expected {FORM_CONTENT_TYPE}")
        try:
            record = validate(kind, parse_form(self._read_body()))
        except InvalidRecord as refused:
            return error(400, "invalid_record", str(refused))
        created = self.server.store.upsert(kind, record[RULES[kind].id_field], record)
        return Reply(200, {"status": "stored", "created": created})

    def list_records(self, params: dict[str, str]) -> Reply:
        """``GET /sandbox/{candidates|positions}`` (sandbox-only)."""
        return Reply(200, self.server.store.all(KIND_SEGMENTS[params["kinds"]]))

    def get_record(self, params: dict[str, str]) -> Reply:
        """``GET /sandbox/{candidates|positions}/{id}`` (sandbox-only)."""
        kind = KIND_SEGMENTS[params["kinds"]]
        record = self.server.store.get(kind, params["record_id"])
        if record is None:
            return error(404, "not_found", f"no {kind} with that {RULES[kind].id_field}")
        return Reply(200, record)

    def stats(self, params: dict[str, str]) -> Reply:
        """``GET /sandbox/stats`` (sandbox-only)."""
        return Reply(200, {**self.server.store.counts(), "requests": self.server.request_counts()})

    def faults(self, params: dict[str, str]) -> Reply:
        """``GET /sandbox/faults``: the fault plan; ``POST`` a plan (JSON) to apply it (sandbox-only)."""
        from sandbox.faults import BadFaultPlan, FaultPlan
        from sandbox.recruit_ai.faults import PlannedFaults

        planned = self.server.faults
        if not isinstance(planned, PlannedFaults):
            return error(409, "not_supported", "this server was given its own fault hook")
        if self.command == "POST":
            try:
                planned.dice.replace(FaultPlan.from_json(json.loads(self._read_body() or b"{}")))
            except (ValueError, TypeError) as refused:
                message = (
                    str(refused) if isinstance(refused, BadFaultPlan) else "the body is not a fault plan"
                )
                return error(400, "invalid_fault_plan", message)
        return Reply(200, planned.dice.plan.to_json())

    def reset(self, params: dict[str, str]) -> Reply:
        """``POST /sandbox/reset`` (sandbox-only)."""
        self.server.store.reset()
        self.server.reset_counts()
        return Reply(200, {"status": "reset"})


ROUTES: tuple[tuple[re.Pattern[str], dict[str, RouteHandler]], ...] = (
    (re.compile(r"/public/(?P<kind>candidate|position)"), {"POST": RecruitAiHandler.post_record}),
    (re.compile(r"/sandbox/(?P<kinds>candidates|positions)"), {"GET": RecruitAiHandler.list_records}),
    (
        re.compile(r"/sandbox/(?P<kinds>candidates|positions)/(?P<record_id>[^/]+)"),
        {"GET": RecruitAiHandler.get_record},
    ),
    (re.compile(r"/sandbox/stats"), {"GET": RecruitAiHandler.stats}),
    (re.compile(r"/sandbox/reset"), {"POST": RecruitAiHandler.reset}),
    (re.compile(r"/sandbox/faults"), {"GET": RecruitAiHandler.faults, "POST": RecruitAiHandler.faults}),
)


class RecruitAiServer(ThreadingHTTPServer):
    """A threading HTTPS server holding the store, the API key, the faults and request counts."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], tls: TlsFiles, store: RecordStore, api_key: str) -> None:
        """Bind ``address`` and serve TLS with the sandbox certificate."""
        if not api_key:
            raise ValueError("the sandbox Recruit AI needs a non-empty API key")
        super().__init__(address, RecruitAiHandler)
        self.store = store
        self.api_key = api_key
        from sandbox.recruit_ai.faults import PlannedFaults

        self.faults: Faults = PlannedFaults(FaultDice())
        self._counts: Counter[str] = Counter()
        self._counts_lock = threading.Lock()
        # The handshake runs in the request's thread, so a slow client cannot stall accept().
        self.socket = tls.server_context().wrap_socket(
            self.socket, server_side=True, do_handshake_on_connect=False
        )

    @property
    def base_url(self) -> str:
        """The URL clients use, e.g. ``https://127.0.0.1:8444``."""
        host, port = self.server_address[:2]
        return f"https://{host}:{port}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore clients that hang up, time out or refuse our certificate; report anything else."""
        if isinstance(sys.exc_info()[1], ssl.SSLError | ConnectionError | TimeoutError):
            log.debug("connection from %s ended early", client_address[0])
            return
        super().handle_error(request, client_address)

    def server_close(self) -> None:
        """Stop listening and close the store."""
        super().server_close()
        self.store.close()

    def count(self, key: str) -> None:
        """Count one answered public request, as ``"METHOD path status"``."""
        with self._counts_lock:
            self._counts[key] += 1

    def request_counts(self) -> dict[str, int]:
        """Return the public requests answered, by method, path and status."""
        with self._counts_lock:
            return dict(self._counts)

    def reset_counts(self) -> None:
        """Forget the request counts."""
        with self._counts_lock:
            self._counts.clear()


def build_server(
    tls: TlsFiles, *, db_path: Path, api_key: str, host: str = "127.0.0.1", port: int = 0
) -> RecruitAiServer:
    """Bind the sandbox Recruit AI (port 0: any free port, then see ``server.server_address[1]``)."""
    return RecruitAiServer((host, port), tls, RecordStore(db_path), api_key)


def serve_in_thread(server: ThreadingHTTPServer) -> threading.Thread:
    """Serve in a daemon thread until ``server.shutdown()``."""
    thread = threading.Thread(target=server.serve_forever, name="sandbox-recruit-ai", daemon=True)
    thread.start()
    return thread
