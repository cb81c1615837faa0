"""OAuth 2.0 username-password login and the sessions it issues.

``POST /services/oauth2/token`` checks, in Salesforce's order, the grant type,
the connected app's consumer key and secret, then the user's password with
the security token appended. Issued access tokens live in memory for the
server's lifetime; ``Sessions.revoke_all`` ends them (expired sessions).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass
class SalesforceCredentials:
    """The integration user and connected app the sandbox org accepts."""

    username: str = "integration@talentrover.sandbox"
    password: str = "sandbox-password"  # noqa: S105 - the sandbox's published demo credentials
    security_token: str = "SANDBOXTOKEN"  # noqa: S105
    consumer_key: str = "sandbox-consumer-key"
    consumer_secret: str = "sandbox-consumer-secret"  # noqa: S105


@dataclass(frozen=True)
class Session:
    """An issued access token."""

    access_token: str
    issued_at_ms: int


class Sessions:
    """Access tokens issued by the token endpoint, valid until revoked."""

    def __init__(self) -> None:
        self._tokens: dict[str, Session] = {}
        self._lock = threading.Lock()

    def issue(self, organization_id: str) -> Session:
        """Issue a token shaped like Salesforce's: ``<org id>!<opaque part>``."""
        session = Session(f"{organization_id[:15]}!{secrets.token_urlsafe(72)}", int(time.time() * 1000))
        with self._lock:
            self._tokens[session.access_token] = session
        return session

    def find(self, authorization: str | None) -> Session | None:
        """The session named by an ``Authorization: Bearer …`` (or ``OAuth …``) header, or None."""
        if not authorization:
            return None
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() not in ("bearer", "oauth"):
            return None
        with self._lock:
            return self._tokens.get(token.strip())

    def revoke_all(self) -> None:
        """End every session: the next API call answers INVALID_SESSION_ID."""
        with self._lock:
            self._tokens.clear()


@dataclass(frozen=True)
class Grant:
    """The token endpoint's answer: HTTP status and JSON body."""

    status: int
    body: dict[str, Any]


def password_grant(
    form: Mapping[str, str],
    credentials: SalesforceCredentials,
    sessions: Sessions,
    *,
    instance_url: str,
    organization_id: str,
    user_id: str,
) -> Grant:
    """Answer an OAuth 2.0 username-password token request as Salesforce does."""
    if form.get("grant_type") != "password":
        return _failure("unsupported_grant_type", "grant type not supported")
    if not _same(form.get("client_id"), credentials.consumer_key):
        return _failure("invalid_client_id", "client identifier invalid")
    if not _same(form.get("client_secret"), credentials.consumer_secret):
        return _failure("invalid_client", "invalid client credentials")
    expected_password = credentials.password + credentials.security_token
    # Both checks run whatever the first says, so timing does not tell which one failed.
    user_ok = _same(form.get("username"), credentials.username)
    password_ok = _same(form.get("password"), expected_password)
    if not (user_ok and password_ok):
        return _failure("invalid_grant", "authentication failure")
    session = sessions.issue(organization_id)
    identity = f"{instance_url}/id/{organization_id}/{user_id}"
    issued_at = str(session.issued_at_ms)
    # Salesforce signs the identity URL and issue time with the consumer secret.
    digest = hmac.new(credentials.consumer_secret.encode(), (identity + issued_at).encode(), hashlib.sha256)
    return Grant(
        200,
        {
            "access_token": session.access_token,
            "instance_url": instance_url,
            "id": identity,
            "token_type": "Bearer",
            "issued_at": issued_at,
            "signature": base64.b64encode(digest.digest()).decode("ascii"),
        },
    )


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _failure(error: str, description: str) -> Grant:
    return Grant(400, {"error": error, "error_description": description})
