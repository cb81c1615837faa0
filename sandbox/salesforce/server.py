"""The sandbox Salesforce REST API, over HTTPS, for a generated Talent Rover org.

Routes, as Salesforce documents them:

* ``POST /services/oauth2/token``: OAuth 2.0 username-password grant
  (``invalid_grant``, ``invalid_client_id``, ``invalid_client`` on failure).
* ``GET /services/data/vNN.N/limits``: ``DailyApiRequests`` and friends.
* ``GET /services/data/vNN.N/query?q=`` and ``/queryAll?q=``: SOQL (see ``soql.py``),
  2000 records a page or ``Sforce-Query-Options: batchSize=N`` (200–2000), then
  ``nextRecordsUrl`` (``/services/data/vNN.N/query/01g…-2000``).
* ``GET /services/data/vNN.N/sobjects/Attachment/{Id}/Body``,
  ``/sobjects/ContentVersion/{Id}/VersionData`` and ``/sobjects/{Type}/{Id}``.

Every ``/services/data`` call needs ``Authorization: Bearer <token>``, counts
against the daily API limit and answers with ``Sforce-Limit-Info:
api-usage=N/M``; past the limit calls get ``REQUEST_LIMIT_EXCEEDED``. Errors use
Salesforce's list-of-errors JSON shape.

Sandbox-only admin routes (no auth, not counted; the real API has none of them):

* ``GET /sandbox/state``: API usage and live record counts.
* ``POST /sandbox/api-usage`` ``{"used"?, "max"?}``: set the daily counter.
* ``POST /sandbox/records/{sobject}/update`` ``{"ids", "fields", "stamp"?}``,
  ``/create`` ``{"fields", "stamp"?}``, ``/delete`` ``{"ids", "stamp"?}``: change
  records; their ``LastModifiedDate`` and ``SystemModstamp`` move to ``stamp`` (default now).
* ``POST /sandbox/touch`` ``{"sobject", "count", "stamp"?, "seed"?}``: mark that many
  live records, picked deterministically, as modified.
"""

from __future__ import annotations

import json
import logging
import random
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandbox.salesforce import soql
from sandbox.salesforce.org import RELATIONSHIPS, SCHEMA, Org, Record
from sandbox.tls import TlsFiles

log = logging.getLogger(__name__)

DEFAULT_BATCH = 2000
CURSOR_TTL_SECONDS = 15 * 60
_DATA_ROUTE = re.compile(r"^/services/data/v(?P<version>\d+\.\d)/(?P<rest>.*?)/?$")


@dataclass
class SalesforceCredentials:
    """The one integration user and connected app the sandbox org accepts."""

    username: str = "integration@talentrover.sandbox"
    password: str = "sandbox-password"  # noqa: S105 - the sandbox's documented demo credentials
    security_token: str = "SANDBOXTOKEN"  # noqa: S105
    consumer_key: str = "sandbox-consumer-key"
    consumer_secret: str = "sandbox-consumer-secret"  # noqa: S105


class Faults:
    """Where fault injection plugs in: consulted before every API call. The default injects nothing."""

    def before(self, route: str) -> tuple[int, Any] | None:
        """Return (status, body) to answer instead of the real route, or None."""
        return None


@dataclass
class Cursor:
    """A query's remaining records, kept server-side between pages."""

    records: list[Record]
    fields: list[str]
    sobject: str
    batch: int
    expires: float


@dataclass
class SalesforceState:
    """Everything the handler threads share: the org, tokens, usage and cursors."""

    org: Org
    credentials: SalesforceCredentials
    daily_limit: int
    used: int = 0
    tokens: set[str] = field(default_factory=set)
    cursors: dict[str, Cursor] = field(default_factory=dict)
    faults: Faults = field(default_factory=Faults)
    lock: threading.Lock = field(default_factory=threading.Lock)


class ApiError(Exception):
    """An error answer in Salesforce's list-of-errors shape."""

    def __init__(self, status: int, error_code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.body = status, [{"message": message, "errorCode": error_code}]


def _salesforce_datetime(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


def _json_value(value: Any) -> Any:
    return _salesforce_datetime(value) if isinstance(value, datetime) else value


def _attributes(sobject: str, record_id: str, version: str) -> dict[str, str]:
    return {"type": sobject, "url": f"/services/data/v{version}/sobjects/{sobject}/{record_id}"}


def serialize(record: Record, sobject: str, fields: list[str], version: str) -> dict[str, Any]:
    """Render a record as a query result: ``attributes``, then the selected fields, relationships nested."""
    out: dict[str, Any] = {"attributes": _attributes(sobject, record["Id"], version)}
    for path in fields:
        if "." not in path:
            out[path] = _json_value(record.get(path))
            continue
        relationship, name = path.split(".", 1)
        related = record.get(relationship)
        if related is None:
            out[relationship] = None
            continue
        target = RELATIONSHIPS[sobject][relationship]
        nested = out.get(relationship) or {"attributes": _attributes(target, related["Id"], version)}
        nested[name] = _json_value(related.get(name))
        out[relationship] = nested
    return out


class SalesforceHandler(BaseHTTPRequestHandler):
    """One request to the sandbox Salesforce."""

    protocol_version = "HTTP/1.1"
    server: SalesforceServer

    # -- plumbing -------------------------------------------------------------------------
    def log_message(self, format: str, *args: Any) -> None:
        """Log the route only: query strings may hold data."""
        log.debug("%s %s", self.command, urlsplit(self.path).path)

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        content_type = (headers or {}).pop("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self) -> None:
        """Serve a GET."""
        self._dispatch("GET")

    def do_POST(self) -> None:
        """Serve a POST."""
        self._dispatch("POST")

    def do_PATCH(self) -> None:
        """Refuse a PATCH (the sandbox is read-only through the API)."""
        self._dispatch("PATCH")

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        params = {key: values[-1] for key, values in parse_qs(url.query).items()}
        try:
            if url.path == "/services/oauth2/token":
                self._require(method, "POST")
                self._send(*self._token())
            elif url.path.startswith("/sandbox/"):
                self._send(200, self._admin(method, url.path.removeprefix("/sandbox/")))
            elif match := _DATA_ROUTE.match(url.path):
                self._api(method, match["version"], match["rest"], params)
            else:
                raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        except ApiError as error:
            self._send(error.status, error.body)
        except (ValueError, KeyError, TypeError) as error:
            self._send(400, [{"message": f"Bad request: {error}", "errorCode": "INVALID_INPUT"}])

    @staticmethod
    def _require(method: str, allowed: str) -> None:
        if method != allowed:
            raise ApiError(
                405, "METHOD_NOT_ALLOWED", f"HTTP Method '{method}' not allowed. Allowed are {allowed}"
            )

    # -- OAuth ------------------------------------------------------------------------------
    def _token(self) -> tuple[int, Any]:
        form = {key: values[-1] for key, values in parse_qs(self._body().decode()).items()}
        credentials = self.server.state.credentials
        if form.get("grant_type") != "password":
            return 400, {"error": "unsupported_grant_type", "error_description": "grant type not supported"}
        if form.get("client_id") != credentials.consumer_key:
            return 400, {"error": "invalid_client_id", "error_description": "client identifier invalid"}
        if form.get("client_secret") != credentials.consumer_secret:
            return 400, {"error": "invalid_client", "error_description": "invalid client credentials"}
        expected_password = credentials.password + credentials.security_token
        if form.get("username") != credentials.username or form.get("password") != expected_password:
            return 400, {"error": "invalid_grant", "error_description": "authentication failure"}
        token = f"00D000000000001!{secrets.token_urlsafe(32)}"
        with self.server.state.lock:
            self.server.state.tokens.add(token)
        host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_address[1]}"
        return 200, {
            "access_token": token,
            "instance_url": f"https://{host}",
            "id": f"https://{host}/id/00D000000000001AAA/005000000000001AAA",
            "token_type": "Bearer",
            "issued_at": str(int(time.time() * 1000)),
            "signature": secrets.token_urlsafe(32),
        }

    # -- REST API -------------------------------------------------------------------------
    def _api(self, method: str, version: str, rest: str, params: dict[str, str]) -> None:
        state = self.server.state
        authorization = self.headers.get("Authorization", "")
        with state.lock:
            if authorization.removeprefix("Bearer ").strip() not in state.tokens:
                raise ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")
            if state.used >= state.daily_limit:
                raise ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
            state.used += 1
            limit_info = {"Sforce-Limit-Info": f"api-usage={state.used}/{state.daily_limit}"}
        try:
            injected = state.faults.before(rest)
            if injected is not None:
                self._send(*injected, headers=limit_info)
                return
            self._require(method, "GET")
            status, body, headers = self._route(version, rest, params)
        except ApiError as error:
            self._send(error.status, error.body, headers=limit_info)
            return
        self._send(status, body, headers={**limit_info, **headers})

    def _route(self, version: str, rest: str, params: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        parts = rest.split("/")
        if rest == "limits":
            return 200, self._limits(), {}
        if parts[0] in ("query", "queryAll") and len(parts) == 1:
            if "q" not in params:
                raise ApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
            return 200, self._query(params["q"], version, include_deleted=parts[0] == "queryAll"), {}
        if parts[0] in ("query", "queryAll") and len(parts) == 2:
            return 200, self._next_page(parts[1], version), {}
        if (
            parts[0] == "sobjects"
            and len(parts) == 4
            and (parts[1], parts[3])
            in (
                ("Attachment", "Body"),
                ("ContentVersion", "VersionData"),
            )
        ):
            rendered = self.server.state.org.file(parts[1], parts[2])
            if rendered is None:
                raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
            return 200, rendered[0], {"Content-Type": rendered[1]}
        if parts[0] == "sobjects" and len(parts) == 3 and parts[1] in SCHEMA:
            record = self.server.state.org.tables[parts[1]].get(parts[2])
            if record is None or record["IsDeleted"]:
                raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
            return 200, serialize(record, parts[1], SCHEMA[parts[1]], version), {}
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")

    def _limits(self) -> dict[str, Any]:
        state = self.server.state
        return {
            "DailyApiRequests": {
                "Max": state.daily_limit,
                "Remaining": max(state.daily_limit - state.used, 0),
            },
            "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
            "DailyBulkV2QueryFileStorageMB": {"Max": 1048576, "Remaining": 1048576},
            "DataStorageMB": {"Max": 1024, "Remaining": 1000},
            "FileStorageMB": {"Max": 5120, "Remaining": 5000},
        }

    def _batch_size(self) -> int:
        options = self.headers.get("Sforce-Query-Options", "")
        match = re.search(r"batchSize=(\d+)", options)
        return min(max(int(match[1]), 200), DEFAULT_BATCH) if match else DEFAULT_BATCH

    def _query(self, text: str, version: str, *, include_deleted: bool) -> dict[str, Any]:
        org = self.server.state.org
        try:
            query = soql.Parser(text, SCHEMA, RELATIONSHIPS).parse()
        except soql.SoqlError as error:
            raise ApiError(400, error.error_code, error.message) from error
        with org.lock:
            table = org.tables[query.sobject].values()
            live = table if include_deleted else (r for r in table if not r["IsDeleted"])
            matched = soql.run(query, live)
        if query.count_only:
            return {"totalSize": len(matched), "done": True, "records": []}
        cursor = Cursor(matched, query.fields, query.sobject, self._batch_size(), 0.0)
        return self._page(cursor, 0, version, f"01g{secrets.token_hex(6).upper()}")

    def _page(self, cursor: Cursor, offset: int, version: str, locator: str) -> dict[str, Any]:
        end = offset + cursor.batch
        records = [serialize(r, cursor.sobject, cursor.fields, version) for r in cursor.records[offset:end]]
        page: dict[str, Any] = {"totalSize": len(cursor.records), "done": end >= len(cursor.records)}
        if not page["done"]:
            cursor.expires = time.monotonic() + CURSOR_TTL_SECONDS
            with self.server.state.lock:
                self.server.state.cursors[locator] = cursor
            page["nextRecordsUrl"] = f"/services/data/v{version}/query/{locator}-{end}"
        else:
            with self.server.state.lock:
                self.server.state.cursors.pop(locator, None)
        page["records"] = records
        return page

    def _next_page(self, token: str, version: str) -> dict[str, Any]:
        locator, _, offset = token.rpartition("-")
        with self.server.state.lock:
            cursor = self.server.state.cursors.get(locator)
        if cursor is None or cursor.expires < time.monotonic() or not offset.isdigit():
            raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return self._page(cursor, int(offset), version, locator)

    # -- sandbox admin ----------------------------------------------------------------------
    def _admin(self, method: str, route: str) -> Any:
        state = self.server.state
        org = state.org
        if route == "state" and method == "GET":
            with org.lock:
                counts = {
                    name: sum(not r["IsDeleted"] for r in table.values())
                    for name, table in org.tables.items()
                }
            return {"api_usage": {"used": state.used, "max": state.daily_limit}, "counts": counts}
        if method != "POST":
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        body = json.loads(self._body() or b"{}")
        stamp = (
            datetime.fromisoformat(body["stamp"]).astimezone(UTC) if body.get("stamp") else datetime.now(UTC)
        )
        if route == "api-usage":
            with state.lock:
                state.used = int(body.get("used", state.used))
                state.daily_limit = int(body.get("max", state.daily_limit))
            return {"used": state.used, "max": state.daily_limit}
        if route == "touch":
            sobject = body["sobject"]
            with org.lock:
                live = sorted(i for i, r in org.tables[sobject].items() if not r["IsDeleted"])
                ids = random.Random(body.get("seed", 0)).sample(live, min(int(body["count"]), len(live)))
                for record_id in ids:
                    _stamp(org.tables[sobject][record_id], stamp)
            return {"ids": ids}
        match = re.fullmatch(r"records/(?P<sobject>\w+)/(?P<action>update|create|delete)", route)
        if match is None or match["sobject"] not in SCHEMA:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        return _change(org, match["sobject"], match["action"], body, stamp)


def _stamp(record: Record, stamp: datetime) -> None:
    record["LastModifiedDate"] = record["SystemModstamp"] = stamp


def _change(org: Org, sobject: str, action: str, body: dict[str, Any], stamp: datetime) -> dict[str, Any]:
    """Apply an admin create/update/delete, moving the records' stamps."""
    fields = {name: _from_json(name, value) for name, value in body.get("fields", {}).items()}
    unknown = set(fields) - set(SCHEMA[sobject])
    if unknown:
        raise ApiError(400, "INVALID_FIELD", f"No such column(s) {sorted(unknown)} on entity '{sobject}'")
    with org.lock:
        if action == "create":
            record = org.add(sobject, {**fields, "CreatedDate": stamp})
            _stamp(record, stamp)
            return {"id": record["Id"]}
        table = org.tables[sobject]
        missing = [record_id for record_id in body["ids"] if record_id not in table]
        if missing:
            raise ApiError(404, "NOT_FOUND", f"No {sobject} with id(s) {missing}")
        for record_id in body["ids"]:
            record = table[record_id]
            record.update(fields)
            if action == "delete":
                record["IsDeleted"] = True
            org.link(sobject, record)
            _stamp(record, stamp)
    return {"updated" if action == "update" else "deleted": body["ids"]}


def _from_json(name: str, value: Any) -> Any:
    if name in ("CreatedDate", "LastModifiedDate", "SystemModstamp") and isinstance(value, str):
        return datetime.fromisoformat(value).astimezone(UTC)
    return value


class SalesforceServer(ThreadingHTTPServer):
    """A threading HTTPS server holding the sandbox state."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], state: SalesforceState, tls: TlsFiles) -> None:
        super().__init__(address, SalesforceHandler)
        self.state = state
        # The handshake runs in each request's thread, not in the accept loop.
        self.socket = tls.server_context().wrap_socket(
            self.socket, server_side=True, do_handshake_on_connect=False
        )


def build_server(
    org: Org,
    tls: TlsFiles,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    credentials: SalesforceCredentials | None = None,
    daily_limit: int = 15000,
) -> SalesforceServer:
    """Bind the sandbox Salesforce (port 0: any free port; see ``server.server_address``)."""
    state = SalesforceState(
        org=org, credentials=credentials or SalesforceCredentials(), daily_limit=daily_limit
    )
    return SalesforceServer((host, port), state, tls)


def serve_in_thread(server: ThreadingHTTPServer) -> threading.Thread:
    """Serve in a daemon thread until ``server.shutdown()``."""
    thread = threading.Thread(target=server.serve_forever, name="sandbox-salesforce", daemon=True)
    thread.start()
    return thread
