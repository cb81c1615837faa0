"""Bullhorn's login chain: authorization code → OAuth tokens → a REST session (BhRestToken).

* ``/oauth/authorize`` with ``action=Login`` and the API user's credentials
  answers 302 with ``code=`` in ``Location`` (URL-encoded, with a colon as
  Bullhorn's codes have one); codes are single-use and expire after
  ``code_seconds`` (2 minutes).
* ``/oauth/token`` trades a code, or a refresh token, for an access token
  (``expires_in`` 600 s) and a **new** refresh token; a refresh token works once.
* ``/rest-services/login`` trades an access token for a BhRestToken, which
  expires after ``ttl`` idle minutes (default 10, at most 2880).

All of it lives in memory. ``expire_rest_tokens`` and ``expire_access_tokens``
end sessions now, so clients' 401 → refresh → login path can be tested.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass

CODE_SECONDS = 120
ACCESS_TOKEN_SECONDS = 600
DEFAULT_TTL_MINUTES = 10
MAX_TTL_MINUTES = 2880


@dataclass
class BullhornCredentials:
    """The API user and OAuth client the sandbox accepts."""

    username: str = "recruitai.api"
    password: str = "sandbox-password"  # noqa: S105 - the sandbox's published demo credentials
    client_id: str = "sandbox-client-id"
    client_secret: str = "sandbox-client-secret"  # noqa: S105
    redirect_uri: str = "https://recruit-ai.example.com/bullhorn/callback"


@dataclass
class _Code:
    expires_at: float
    redirect_uri: str | None


@dataclass
class RestSession:
    """A BhRestToken and when it runs out (each call moves that ``ttl`` minutes on)."""

    token: str
    ttl_seconds: float
    expires_at: float

    def expires_ms(self) -> int:
        """When the session ends, in epoch milliseconds (``ping``'s ``sessionExpires``)."""
        return int(self.expires_at * 1000)


class Tokens:
    """Codes, access and refresh tokens and REST sessions issued so far."""

    def __init__(self, credentials: BullhornCredentials) -> None:
        self.credentials = credentials
        self.access_token_seconds: float = ACCESS_TOKEN_SECONDS
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, float] = {}
        self._refresh: set[str] = set()
        self._sessions: dict[str, RestSession] = {}
        self._lock = threading.Lock()

    # ---- checks ----

    def client_ok(
        self, client_id: str | None, client_secret: str | None = None, *, secret: bool = True
    ) -> bool:
        """Whether the client id (and secret, when ``secret``) are the registered client's."""
        id_ok = _same(client_id, self.credentials.client_id)
        return id_ok and (not secret or _same(client_secret, self.credentials.client_secret))

    def user_ok(self, username: str | None, password: str | None) -> bool:
        """Whether the API user's name and password are right (both compared, whatever the first says)."""
        user_ok = _same(username, self.credentials.username)
        password_ok = _same(password, self.credentials.password)
        return user_ok and password_ok

    # ---- issuing ----

    def issue_code(self, redirect_uri: str | None) -> str:
        """A single-use authorization code, shaped like Bullhorn's ``{n}:{uuid}``."""
        code = f"22:{secrets.token_hex(16)}"
        with self._lock:
            self._codes[code] = _Code(time.time() + CODE_SECONDS, redirect_uri)
        return code

    def redeem_code(self, code: str | None, redirect_uri: str | None) -> bool:
        """Use up a code; False when it is unknown, used, expired or given with another redirect URI."""
        with self._lock:
            issued = self._codes.pop(code or "", None)
        if issued is None or issued.expires_at < time.time():
            return False
        return issued.redirect_uri is None or issued.redirect_uri == redirect_uri

    def redeem_refresh_token(self, refresh_token: str | None) -> bool:
        """Use up a refresh token; False when it is unknown or already used."""
        with self._lock:
            if refresh_token in self._refresh:
                self._refresh.discard(refresh_token)
                return True
            return False

    def issue_tokens(self) -> dict[str, object]:
        """A new access token and refresh token, in the token endpoint's shape."""
        access, refresh = f"22:{secrets.token_hex(18)}", f"22:{secrets.token_hex(18)}"
        with self._lock:
            self._access[access] = time.time() + self.access_token_seconds
            self._refresh.add(refresh)
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": int(self.access_token_seconds),
            "refresh_token": refresh,
        }

    def access_token_ok(self, access_token: str | None) -> bool:
        """Whether an access token was issued and has not expired."""
        with self._lock:
            expires_at = self._access.get(access_token or "")
        return expires_at is not None and expires_at > time.time()

    def open_session(self, ttl_minutes: int) -> RestSession:
        """A new REST session for ``ttl_minutes`` idle minutes."""
        ttl = min(max(ttl_minutes, 1), MAX_TTL_MINUTES) * 60.0
        session = RestSession(secrets.token_hex(16), ttl, time.time() + ttl)
        with self._lock:
            self._sessions[session.token] = session
        return session

    def session(self, token: str | None) -> RestSession | None:
        """The live session for a BhRestToken, its expiry moved on; None when unknown or timed out."""
        now = time.time()
        with self._lock:
            session = self._sessions.get(token or "")
            if session is None or session.expires_at <= now:
                return None
            session.expires_at = now + session.ttl_seconds
            return session

    # ---- ending ----

    def expire_rest_tokens(self) -> int:
        """End every REST session now; return how many there were."""
        with self._lock:
            count = len(self._sessions)
            self._sessions.clear()
            return count

    def expire_access_tokens(self) -> int:
        """Let every access token expire now (refresh tokens stay valid); return how many there were."""
        with self._lock:
            count = len(self._access)
            self._access.clear()
            return count

    def live_sessions(self) -> int:
        """How many REST sessions have not timed out."""
        now = time.time()
        with self._lock:
            return sum(1 for session in self._sessions.values() if session.expires_at > now)


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())
