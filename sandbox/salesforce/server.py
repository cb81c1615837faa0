"""The sandbox Salesforce REST API over HTTPS, for a generated Talent Rover org.

Routes, as Salesforce documents them (API version any ``vNN.N``):

* ``POST /services/oauth2/token``: OAuth 2.0 username-password grant, form-encoded
  (``grant_type=password``, ``client_id``, ``client_secret``, ``username``,
  ``password`` = password + security token). Errors: ``unsupported_grant_type``,
  ``invalid_client_id``, ``invalid_client``, ``invalid_grant``.
* ``GET /services/data``: the API versions (no session needed).
* ``GET /services/data/vNN.N/limits``: ``DailyApiRequests`` and other limits.
* ``GET /services/data/vNN.N/query?q=SOQL`` and ``/queryAll?q=SOQL``: the SOQL
  subset of ``soql.py``; 2,000 records a page, or ``Sforce-Query-Options:
  batchSize=N`` (clamped to 200..2,000), then ``nextRecordsUrl``
  (``/services/data/vNN.N/query/01g…-2000``). ``query`` leaves deleted records
  out, ``queryAll`` includes them. At most 10 cursors stay open; the oldest is
  released first, and a cursor idle for 15 minutes expires.
* Bulk API 2.0 query jobs under ``/services/data/vNN.N/jobs/query`` (create, list, poll,
  abort, delete, CSV results paged by ``Sforce-Locator``): see ``bulk.py``.
* ``GET /services/data/vNN.N/sobjects``, ``/sobjects/{Type}``,
  ``/sobjects/{Type}/describe``, ``/sobjects/{Type}/{Id}`` (``?fields=A,B``),
  and the files: ``/sobjects/Attachment/{Id}/Body`` and
  ``/sobjects/ContentVersion/{Id}/VersionData``.

Every ``/services/data/vNN.N`` call needs ``Authorization: Bearer <token>``
(else 401 ``INVALID_SESSION_ID``), counts against the daily API limit, and
answers with ``Sforce-Limit-Info: api-usage=N/M``; once the count reaches the
limit calls get 403 ``REQUEST_LIMIT_EXCEEDED``. Errors use Salesforce's
list-of-errors shape ``[{"message", "errorCode"}]``: unknown routes 404
``NOT_FOUND``, wrong methods 405 ``METHOD_NOT_ALLOWED``.

Sandbox-only admin routes (no session, not counted; the real API has none):

* ``GET /sandbox/state`` → ``{"api_usage": {"used", "max"}, "counts": {sobject: live records}}``
* ``POST /sandbox/api-usage`` ``{"used"?, "max"?}``: set the daily counter and/or limit.
* ``POST /sandbox/records/{sobject}/create`` ``{"fields", "stamp"?}`` → ``{"id"}``
  (Attachment ``Body`` and ContentVersion ``VersionData`` as base64 become the file).
* ``POST /sandbox/records/{sobject}/update`` ``{"ids", "fields", "stamp"?}`` → ``{"updated": [ids]}``
* ``POST /sandbox/records/{sobject}/delete`` ``{"ids", "stamp"?}`` → ``{"deleted": [ids]}``
* ``POST /sandbox/touch`` ``{"sobject", "count", "stamp"?, "seed"?}`` → ``{"ids"}``: stamp
  that many live records, picked deterministically from ``seed``, as modified.

Changes set ``LastModifiedDate`` and ``SystemModstamp`` to ``stamp`` (ISO 8601
with a zone; default now).

* ``GET /sandbox/bulk``, ``POST /sandbox/bulk`` (``BulkSettings`` as JSON): how Bulk query
  jobs progress (complete after K polls or T seconds; the next N jobs fail).
* ``GET /sandbox/faults``, ``POST /sandbox/faults`` (a ``FaultPlan`` as JSON, see
  ``sandbox/faults.py``): the faults injected from now on.

Faults are injected by ``faults.PlannedFaults`` (error rates, resets, truncated
JSON, latency, 503 bursts, expiring sessions, ``QUERY_TIMEOUT``, other users
spending the allowance); ``build_server(..., faults=...)`` takes any other
``Faults`` subclass. The log says method, path (never the query
string), status and time, and never a record's content.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandbox.faults import FaultDice
from sandbox.salesforce.api import Faults, SalesforceApi
from sandbox.salesforce.auth import SalesforceCredentials
from sandbox.salesforce.bulk import BulkSettings
from sandbox.salesforce.faults import PlannedFaults
from sandbox.salesforce.org import Org
from sandbox.salesforce.web import ApiError, Request, Response
from sandbox.tls import TlsFiles

__all__ = [
    "BulkSettings",
    "Faults",
    "SalesforceCredentials",
    "SalesforceServer",
    "build_server",
    "serve_in_thread",
]

log = logging.getLogger("sandbox.salesforce")

MAX_BODY_BYTES = 64 * 1024 * 1024
_HANDSHAKE_SECONDS = 15
_IDLE_CONNECTION_SECONDS = 60


class SalesforceServer(ThreadingHTTPServer):
    """A threading HTTP server speaking TLS, each connection's handshake done in its own thread."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], api: SalesforceApi, tls_context: ssl.SSLContext) -> None:
        self.api = api
        self.tls_context = tls_context
        super().__init__(address, _Handler)

    @property
    def instance_url(self) -> str:
        """``https://host:port`` of this server."""
        return f"https://{self.server_address[0]}:{self.server_address[1]}"

    def finish_request(self, request: Any, client_address: Any) -> None:
        """Wrap the connection in TLS here, in the connection's thread, so a slow client blocks no one."""
        request.settimeout(_HANDSHAKE_SECONDS)
        try:
            connection = self.tls_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as error:
            log.debug("TLS handshake failed: %s", type(error).__name__)
            return
        try:
            self.RequestHandlerClass(connection, client_address, self)
        finally:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()


class _Handler(BaseHTTPRequestHandler):
    """Turns HTTP requests into ``Request`` values for ``SalesforceApi.handle``."""

    server: SalesforceServer
    protocol_version = "HTTP/1.1"
    timeout = _IDLE_CONNECTION_SECONDS
    server_version = "SandboxSalesforce"
    sys_version = ""

    def do_GET(self) -> None:
        """Serve a GET."""
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _dispatch(self) -> None:
        started = time.perf_counter()
        parts = urlsplit(self.path)
        try:
            request = Request(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query, keep_blank_values=True),
                headers={name.lower(): value for name, value in self.headers.items()},
                body=self._body(),
            )
            response = self.server.api.handle(request)
        except ApiError as error:
            response = error.response()
        except Exception:
            log.exception("%s %s failed", self.command, parts.path)
            response = ApiError(500, "UNKNOWN_EXCEPTION", "An unexpected error occurred.").response()
        self._send(response)
        elapsed_ms = (time.perf_counter() - started) * 1000
        log.info("%s %s %d %.0fms", self.command, parts.path, response.status, elapsed_ms)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            raise ApiError(413, "REQUEST_ENTITY_TOO_LARGE", "The request body is too large")
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, response: Response) -> None:
        if response.drop_connection:
            self.close_connection = True
            return
        self.send_response_only(response.status)
        self.send_header("Date", self.date_time_string())
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Requests are logged by ``_dispatch``, without query strings."""

    def log_error(self, format: str, *args: Any) -> None:
        """Protocol errors: logged without the request line, which may hold a query."""
        log.warning("HTTP protocol error from a client")


def build_server(
    org: Org,
    tls: TlsFiles,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    credentials: SalesforceCredentials | None = None,
    daily_limit: int = 15000,
    faults: Faults | None = None,
    bulk: BulkSettings | None = None,
) -> SalesforceServer:
    """Build the sandbox Salesforce server for ``org``, bound (port 0 picks a free port) but not serving yet.

    Its instance URL is ``https://{host}:{server.server_address[1]}``.
    """
    api = SalesforceApi(
        org,
        credentials or SalesforceCredentials(),
        instance_url="",
        daily_limit=daily_limit,
        faults=faults or PlannedFaults(FaultDice()),
        bulk=bulk,
    )
    server = SalesforceServer((host, port), api, tls.server_context())
    api.instance_url = server.instance_url
    return server


def serve_in_thread(server: ThreadingHTTPServer) -> threading.Thread:
    """Serve in a daemon thread (for tests and ``sandbox.services``); stop with ``server.shutdown()``."""
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="sandbox-salesforce", daemon=True
    )
    thread.start()
    return thread
