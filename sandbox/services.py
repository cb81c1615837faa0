"""Start the sandbox services (Salesforce, Bullhorn, Recruit AI) and describe how Airflow reaches them.

Used by ``python -m sandbox up``, by the demo and by the test suite, so that
all three see the same services configured the same way.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests

from sandbox.bullhorn import server as bullhorn_server
from sandbox.bullhorn.org import Org as BullhornOrg
from sandbox.bullhorn.org import generate_org as generate_bullhorn_org
from sandbox.faults import FaultPlan
from sandbox.recruit_ai import server as recruit_ai_server
from sandbox.salesforce import server as salesforce_server
from sandbox.salesforce.org import Org, generate_org
from sandbox.tls import DEFAULT_HOSTNAMES, TlsFiles, ensure_tls_files

API_VERSION = "62.0"
API_KEY_VARIABLE = "RECRUIT_AI_SANDBOX_API_KEY"
# Binding these listens everywhere, but no client can connect to them by that name,
# so they never go into the server certificate.
WILDCARD_ADDRESSES = frozenset({"0.0.0.0", "::"})  # noqa: S104


@dataclass
class Services:
    """Running sandbox services: their URLs, trust and credentials."""

    salesforce_url: str
    recruit_ai_url: str
    recruit_ai_api_key: str
    tls: TlsFiles
    org: Org
    credentials: salesforce_server.SalesforceCredentials
    servers: list[ThreadingHTTPServer] = field(default_factory=list)
    # The sandbox Bullhorn: one base URL for its auth (/oauth) and REST (/rest-services) paths.
    bullhorn_url: str = ""
    bullhorn_org: BullhornOrg | None = None
    bullhorn_credentials: bullhorn_server.BullhornCredentials = field(
        default_factory=bullhorn_server.BullhornCredentials
    )

    def connection_env(self) -> dict[str, str]:
        """Return the environment that points Airflow at these services.

        Connections are JSON in ``AIRFLOW_CONN_<ID>`` variables, as users set them;
        the private CA is trusted through ``REQUESTS_CA_BUNDLE``.
        """
        salesforce = {
            "conn_type": "salesforce",
            "login": self.credentials.username,
            "password": self.credentials.password,
            "extra": {
                "security_token": self.credentials.security_token,
                "consumer_key": self.credentials.consumer_key,
                "consumer_secret": self.credentials.consumer_secret,
                "instance_url": self.salesforce_url,
                "version": API_VERSION,
            },
        }
        recruit_ai = {"conn_type": "http", "host": self.recruit_ai_url, "password": self.recruit_ai_api_key}
        environment = {
            "AIRFLOW_CONN_SALESFORCE_DEFAULT": json.dumps(salesforce),
            "AIRFLOW_CONN_RECRUIT_AI_DEFAULT": json.dumps(recruit_ai),
            "REQUESTS_CA_BUNDLE": str(self.tls.ca_bundle),
        }
        if self.bullhorn_url:
            bullhorn = {
                "conn_type": "http",
                "login": self.bullhorn_credentials.username,
                "password": self.bullhorn_credentials.password,
                "extra": {
                    "client_id": self.bullhorn_credentials.client_id,
                    "client_secret": self.bullhorn_credentials.client_secret,
                    "auth_url": f"{self.bullhorn_url}/oauth",
                    "rest_url": f"{self.bullhorn_url}/rest-services",
                },
            }
            environment["AIRFLOW_CONN_BULLHORN_DEFAULT"] = json.dumps(bullhorn)
        return environment

    def _salesforce_admin(self, method: str, route: str, body: dict[str, Any] | None = None) -> Any:
        """Call one of the Salesforce sandbox's admin routes (sandbox-only, not counted as API calls)."""
        response = requests.request(
            method,
            f"{self.salesforce_url}/sandbox/{route}",
            json=body,
            verify=str(self.tls.ca_bundle),
            timeout=30,
        )
        response.raise_for_status()
        return response.json()

    def salesforce_state(self) -> dict[str, Any]:
        """Return the org's API usage and record counts."""
        return self._salesforce_admin("GET", "state")

    def touch(self, sobject: str, *, count: int, stamp: datetime, seed: int = 1) -> list[str]:
        """Mark ``count`` records of an object as modified at ``stamp``; return their ids."""
        body = {"sobject": sobject, "count": count, "stamp": stamp.isoformat(), "seed": seed}
        return self._salesforce_admin("POST", "touch", body)["ids"]

    def set_api_usage(self, used: int, max_requests: int | None = None) -> None:
        """Set the org's daily API counter (and optionally its limit)."""
        body: dict[str, int] = {"used": used}
        if max_requests is not None:
            body["max"] = max_requests
        self._salesforce_admin("POST", "api-usage", body)

    def set_faults(self, plan: FaultPlan, *, recruit_ai_plan: FaultPlan | None = None) -> None:
        """Inject ``plan``'s faults into both services from now on (``recruit_ai_plan`` into Recruit AI)."""
        self._salesforce_admin("POST", "faults", plan.to_json())
        response = requests.post(
            f"{self.recruit_ai_url}/sandbox/faults",
            json=(recruit_ai_plan or plan).to_json(),
            headers={"token": self.recruit_ai_api_key},
            verify=str(self.tls.ca_bundle),
            timeout=30,
        )
        response.raise_for_status()

    def _bullhorn_admin(self, method: str, route: str, body: dict[str, Any] | None = None) -> Any:
        """Call one of the Bullhorn sandbox's admin routes (sandbox-only, not counted as API calls)."""
        response = requests.request(
            method,
            f"{self.bullhorn_url}/sandbox/{route}",
            json=body,
            verify=str(self.tls.ca_bundle),
            timeout=30,
        )
        response.raise_for_status()
        return response.json()

    def bullhorn_state(self) -> dict[str, Any]:
        """Return the Bullhorn sandbox's call counts (per kind and route), sessions and live records."""
        return self._bullhorn_admin("GET", "state")

    def bullhorn_touch(
        self, entity: str, *, count: int, stamp: datetime, seed: int = 1, delete: int = 0, close: int = 0
    ) -> dict[str, list[int]]:
        """Mark ``count`` Bullhorn records modified at ``stamp``, soft-deleting or closing some of them.

        Returns ``{"ids", "deleted", "closed"}``.
        """
        body = {
            "entity": entity,
            "count": count,
            "stamp": stamp.isoformat(),
            "seed": seed,
            "delete": delete,
            "close": close,
        }
        return self._bullhorn_admin("POST", "touch", body)

    def bullhorn_expire(self, *, rest_tokens: bool = True, access_tokens: bool = False) -> dict[str, int]:
        """End the Bullhorn sandbox's REST sessions and/or access tokens now."""
        return self._bullhorn_admin(
            "POST", "expire", {"rest_tokens": rest_tokens, "access_tokens": access_tokens}
        )

    def bullhorn_writes(self) -> list[dict[str, Any]]:
        """Every create, update and file upload made through the Bullhorn API, in order."""
        return self._bullhorn_admin("GET", "writes")["writes"]

    def set_bullhorn_faults(self, plan: FaultPlan) -> None:
        """Inject ``plan``'s faults into the Bullhorn sandbox from now on."""
        self._bullhorn_admin("POST", "faults", plan.to_json())

    def stop(self) -> None:
        """Shut every server down."""
        for server in self.servers:
            server.shutdown()
            server.server_close()


def sandbox_api_key(state_dir: Path) -> str:
    """Return the sandbox Recruit AI's API key: from the environment, else generated once per state dir."""
    if key := os.environ.get(API_KEY_VARIABLE):
        return key
    key_file = state_dir / "recruit-ai-api-key"
    if not key_file.exists():
        state_dir.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(24))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def certificate_names(advertised_host: str, tls_hostnames: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Return the names the server certificate holds: 127.0.0.1, localhost, and those clients use."""
    names = dict.fromkeys((*DEFAULT_HOSTNAMES, advertised_host, *tls_hostnames))
    return tuple(name for name in names if name not in WILDCARD_ADDRESSES)


def start_services(
    state_dir: Path,
    *,
    candidates: int = 500,
    seed: int = 7,
    anchor: datetime,
    spread: timedelta = timedelta(hours=72),
    salesforce_port: int = 0,
    recruit_ai_port: int = 0,
    bullhorn_port: int = 0,
    host: str = "127.0.0.1",
    advertised_host: str | None = None,
    tls_hostnames: tuple[str, ...] = (),
    faults: FaultPlan | None = None,
) -> Services:
    """Generate orgs and start the Salesforce, Bullhorn and Recruit AI sandboxes in background threads.

    The Bullhorn corporation has as many candidates as the Salesforce org, from the same seed.

    ``advertised_host`` is the name clients use (in docker-compose, the service's name),
    added to the server certificate with any other ``tls_hostnames``.
    """
    advertised_host = advertised_host or host
    tls = ensure_tls_files(state_dir, certificate_names(advertised_host, tls_hostnames))
    org = generate_org(candidates, seed=seed, anchor=anchor, spread=spread)
    credentials = salesforce_server.SalesforceCredentials()
    salesforce = salesforce_server.build_server(
        org, tls, host=host, port=salesforce_port, credentials=credentials
    )
    api_key = sandbox_api_key(state_dir)
    recruit_ai = recruit_ai_server.build_server(
        tls, db_path=state_dir / "recruit-ai.sqlite3", api_key=api_key, host=host, port=recruit_ai_port
    )
    bullhorn_org = generate_bullhorn_org(candidates, seed=seed, anchor=anchor, spread=spread)
    bullhorn_credentials = bullhorn_server.BullhornCredentials()
    bullhorn = bullhorn_server.build_server(
        bullhorn_org, tls, host=host, port=bullhorn_port, credentials=bullhorn_credentials
    )
    salesforce_server.serve_in_thread(salesforce)
    recruit_ai_server.serve_in_thread(recruit_ai)
    bullhorn_server.serve_in_thread(bullhorn)
    services = Services(
        salesforce_url=f"https://{advertised_host}:{salesforce.server_address[1]}",
        recruit_ai_url=f"https://{advertised_host}:{recruit_ai.server_address[1]}",
        recruit_ai_api_key=api_key,
        tls=tls,
        org=org,
        credentials=credentials,
        servers=[salesforce, recruit_ai, bullhorn],
        bullhorn_url=f"https://{advertised_host}:{bullhorn.server_address[1]}",
        bullhorn_org=bullhorn_org,
        bullhorn_credentials=bullhorn_credentials,
    )
    if faults is not None:
        services.set_faults(faults)
        services.set_bullhorn_faults(faults)
    return services
