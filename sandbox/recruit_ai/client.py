"""A small client for the sandbox Recruit AI's sandbox-only inspection routes (demo and tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests


class RecruitAiSandboxClient:
    """Read what the sandbox Recruit AI holds, and empty it.

    Trusts exactly ``ca_bundle`` (the sandbox CA), whatever the environment says.
    """

    def __init__(self, base_url: str, api_key: str, ca_bundle: Path, *, timeout: float = 30.0) -> None:
        """Point the client at a running sandbox (``base_url`` like ``https://127.0.0.1:8444``)."""
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["token"] = api_key
        self.session.verify = str(ca_bundle)
        # Otherwise REQUESTS_CA_BUNDLE from the environment would override session.verify.
        self.session.trust_env = False

    def _call(self, method: str, route: str, *, missing_ok: bool = False) -> Any:
        response = self.session.request(method, f"{self.base_url}/sandbox/{route}", timeout=self.timeout)
        if missing_ok and response.status_code == 404:
            return None
        response.raise_for_status()
        return response.json()

    def candidates(self) -> list[dict[str, Any]]:
        """Return every stored candidate (Attributes decoded, with ``post_count``)."""
        return self._call("GET", "candidates")

    def positions(self) -> list[dict[str, Any]]:
        """Return every stored position (Attributes decoded, with ``post_count``)."""
        return self._call("GET", "positions")

    def candidate(self, candidate_id: str) -> dict[str, Any] | None:
        """Return one candidate by CandidateID, or None when it is not stored."""
        return self._call("GET", f"candidates/{quote(candidate_id, safe='')}", missing_ok=True)

    def position(self, position_id: str) -> dict[str, Any] | None:
        """Return one position by PositionID, or None when it is not stored."""
        return self._call("GET", f"positions/{quote(position_id, safe='')}", missing_ok=True)

    def stats(self) -> dict[str, Any]:
        """Return record counts and public requests by ``"METHOD path status"``."""
        return self._call("GET", "stats")

    def reset(self) -> None:
        """Empty the store and the stats."""
        self._call("POST", "reset")
