"""The sandbox Bullhorn REST API over HTTPS, for a generated corporation.

One server plays both of Bullhorn's hosts: the auth server (``/oauth/*``) and
the REST server (``/rest-services/*``). Routes, as Bullhorn documents them:

* ``GET /rest-services/loginInfo?username=U`` → ``{"oauthUrl", "restUrl", …}``.
* ``GET|POST /oauth/authorize?client_id&response_type=code&action=Login&username&password[&redirect_uri]``
  → 302 with ``code=`` in ``Location``; bad credentials → 200 login page, no
  ``Location``; bad client id → 400 ``invalid_client``.
* ``POST /oauth/token`` (``grant_type=authorization_code`` + ``code``, or
  ``refresh_token`` + ``refresh_token``; ``client_id``, ``client_secret``; query
  string or form) → ``{"access_token", "token_type", "expires_in", "refresh_token"}``.
* ``GET|POST /rest-services/login?version=*&access_token=&ttl=`` →
  ``{"BhRestToken", "restUrl": "<base>/rest-services/<corpToken>/"}``.
* ``/dc2/oauth/*`` and ``/dc2/rest-services/*`` stand for the wrong data centre: 307 to the right one.

REST calls under ``{restUrl}`` need a BhRestToken (query parameter, header or
cookie): ``ping``, ``query/{Entity}``, ``search/{Entity}`` (GET, or POST with
the parameters as JSON), ``entity/{Entity}/{ids}`` (GET; POST updates),
``entity/{Entity}`` (PUT creates), ``options/Country``,
``entityFiles/Candidate/{id}``, ``file/Candidate/{id}/{fileId}[/raw]`` and
``file/Candidate/{id}/raw`` (PUT, multipart) or ``file/Candidate/{id}`` (PUT, JSON).

Sandbox-only admin routes (no token, not counted): ``GET /sandbox/state``,
``POST /sandbox/touch``, ``POST /sandbox/expire``, ``GET|POST /sandbox/faults``,
``GET|POST /sandbox/settings``, ``GET /sandbox/writes``,
``GET /sandbox/records/{Entity}/{id}`` (see ``admin.py``).

The HTTP and TLS plumbing is the sandbox Salesforce's (``sandbox/salesforce/server.py``):
each connection's handshake in its own thread, logs without query strings.
"""

from __future__ import annotations

import logging
from typing import Any

from sandbox.bullhorn.api import BullhornApi, Faults
from sandbox.bullhorn.auth import BullhornCredentials
from sandbox.bullhorn.errors import BullhornError
from sandbox.bullhorn.faults import PlannedFaults
from sandbox.bullhorn.org import Org
from sandbox.faults import FaultDice
from sandbox.salesforce.server import SalesforceServer, serve_in_thread
from sandbox.salesforce.web import Request, Response
from sandbox.tls import TlsFiles

__all__ = ["BullhornCredentials", "BullhornServer", "Faults", "build_server", "serve_in_thread"]

log = logging.getLogger("sandbox.bullhorn")


class _GuardedApi:
    """Answers an unexpected exception with Bullhorn's 500 shape instead of Salesforce's."""

    def __init__(self, api: BullhornApi) -> None:
        self.api = api

    def handle(self, request: Request) -> Response:
        """Serve one request through the API."""
        try:
            return self.api.handle(request)
        except Exception:
            log.exception("%s %s failed", request.method, request.path)
            return BullhornError(500, "An unexpected error has occurred.", "errors.internalError").response()


class BullhornServer(SalesforceServer):
    """The sandbox's threading TLS server, serving the Bullhorn API."""

    server_version = "SandboxBullhorn"

    def __init__(self, address: tuple[str, int], api: BullhornApi, tls_context: Any) -> None:
        self.bullhorn = api
        super().__init__(address, _GuardedApi(api), tls_context)  # type: ignore[arg-type]

    @property
    def base_url(self) -> str:
        """``https://host:port`` of this server."""
        return self.instance_url


def build_server(
    org: Org,
    tls: TlsFiles,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    credentials: BullhornCredentials | None = None,
    calls_per_minute: int = 1500,
    faults: Faults | None = None,
) -> BullhornServer:
    """Build the sandbox Bullhorn server for ``org``, bound (port 0 picks a free port) but not serving yet."""
    api = BullhornApi(
        org,
        credentials or BullhornCredentials(),
        base_url="",
        faults=faults or PlannedFaults(FaultDice()),
        calls_per_minute=calls_per_minute,
    )
    server = BullhornServer((host, port), api, tls.server_context())
    api.base_url = server.base_url
    return server
